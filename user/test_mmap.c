/*
 * test_mmap.c - mmap's flags beyond the basics (KTAP): MAP_FIXED_NOREPLACE, MAP_POPULATE,
 * MAP_STACK and MAP_NORESERVE; msync and its errors. The full mmap family of the session issue extends this program.
 *
 * MAP_FIXED_NOREPLACE is checked here rather than in test_syscalls, whose cases must also pass
 * under qemu-riscv64: QEMU's user-mode emulation does not refuse an occupied range as Linux does.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"

static unsigned long mapped_pages(void)
{
	struct almos_vmm_info info;
	unsigned int cxy = (unsigned int)getpid() >> 16;

	return get_vmm_info(cxy, ALMOS_PID_SELF, &info) == 0 ? (unsigned long)info.mapped_pages : 0;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p, *q;
	unsigned long before;
	long r;

	ktap_plan(10);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 1;
	errno = 0;
	r = syscall(SYS_mmap, p, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		    -1, 0);
	ktap_ok(r == -1 && errno == EEXIST && p[0] == 1,
		"MAP_FIXED_NOREPLACE over a mapping: EEXIST, the mapping intact");
	q = munmap(p + page, page) == 0 ?
		mmap(p + page, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		     MAP_FIXED_NOREPLACE, -1, 0) : MAP_FAILED;
	ktap_ok(q == p + page, "MAP_FIXED_NOREPLACE in a hole: exactly there");
	munmap(p, 2 * page);
	before = mapped_pages();
	p = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		 -1, 0);
	ktap_ok(p != MAP_FAILED && mapped_pages() >= before + 8,
		"MAP_POPULATE maps the pages before any access (%lu then %lu pages)", before,
		mapped_pages());
	ktap_ok(p != MAP_FAILED && p[0] == 0 && p[7 * page] == 0 && munmap(p, 8 * page) == 0,
		"... and they read zero");
	p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK |
		 MAP_NORESERVE, -1, 0);
	ktap_ok(p != MAP_FAILED && munmap(p, 4 * page) == 0, "MAP_STACK and MAP_NORESERVE accepted");
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ktap_ok(msync(p, 2 * page, MS_SYNC) == 0 && msync(p, 2 * page, MS_ASYNC | MS_INVALIDATE) == 0,
		"msync over a mapping");
	errno = 0;
	r = msync(p + 1, page, MS_SYNC);
	ktap_ok(r == -1 && errno == EINVAL, "msync: unaligned address EINVAL");
	errno = 0;
	r = msync(p, page, MS_SYNC | MS_ASYNC);
	ktap_ok(r == -1 && errno == EINVAL, "msync: MS_SYNC with MS_ASYNC EINVAL");
	errno = 0;
	r = msync(p, page, 0x100);
	ktap_ok(r == -1 && errno == EINVAL, "msync: unknown flag EINVAL");
	munmap(p + page, page);
	errno = 0;
	r = msync(p, 2 * page, MS_SYNC);
	ktap_ok(r == -1 && errno == ENOMEM, "msync: a hole in the range ENOMEM");
	munmap(p, page);
	return ktap_exit();
}
