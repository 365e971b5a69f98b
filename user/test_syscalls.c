/*
 * test_syscalls.c - bad arguments to system calls get Linux's errors, never a crash (KTAP).
 *
 * Raw syscall(2) calls, so that glibc's wrappers do not check anything first. Run it as
 * `./archipel run -- /bin/test_syscalls`; it also runs on Linux (qemu-riscv64) with the same
 * results, which is how its expectations were checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <uarch.h>
#include "ktap.h"

#define KERNEL_ADDRESS ((void *)UARCH_KERNEL_IMAGE)

/* The syscall failed with @err. */
static bool fails(long ret, int err)
{
	return ret == -1 && errno == err;
}

int main(void)
{
	char buf[16];
	long fd;

	ktap_plan(16);
	ktap_ok(fails(syscall(SYS_write, 1, NULL, 4), EFAULT), "write_null_buffer_efault");
	ktap_ok(fails(syscall(SYS_write, 1, (void *)-1L, 4), EFAULT), "write_minus_one_efault");
	ktap_ok(fails(syscall(SYS_write, 1, KERNEL_ADDRESS, 4), EFAULT), "write_kernel_address_efault");
	ktap_ok(fails(syscall(SYS_write, 77, "x", 1), EBADF), "write_bad_fd_ebadf");
	ktap_ok(fails(syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY), EFAULT), "openat_null_path_efault");
	ktap_ok(fails(syscall(SYS_openat, AT_FDCWD, KERNEL_ADDRESS, O_RDONLY), EFAULT),
		"openat_kernel_path_efault");
	ktap_ok(fails(syscall(SYS_openat, AT_FDCWD, "/no/such/file", O_RDONLY), ENOENT),
		"openat_missing_enoent");
	fd = syscall(SYS_openat, AT_FDCWD, "/etc/motd", O_RDONLY);
	ktap_ok(fd >= 0, "openat_motd");
	ktap_ok(fails(syscall(SYS_read, fd, NULL, 4), EFAULT), "read_null_buffer_efault");
	ktap_ok(fails(syscall(SYS_read, fd, KERNEL_ADDRESS, 4), EFAULT), "read_kernel_address_efault");
	ktap_ok(syscall(SYS_read, fd, buf, 4) == 4, "read_motd_works_after_faults");
	ktap_ok(syscall(SYS_close, fd) == 0 && fails(syscall(SYS_close, fd), EBADF), "close_twice_ebadf");
	ktap_ok(fails(syscall(SYS_mmap, NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL),
		"mmap_len_0_einval");
	ktap_ok(fails(syscall(SYS_munmap, (void *)0x10001, 4096), EINVAL), "munmap_unaligned_einval");
	ktap_ok(fails(syscall(SYS_mprotect, (void *)0x1000000000UL, 4096, PROT_READ), ENOMEM),
		"mprotect_unmapped_enomem");
	ktap_ok(fails(syscall(SYS_getrandom, buf, sizeof(buf), 0x80), EINVAL), "getrandom_bad_flags_einval");
	return ktap_exit();
}
