/*
 * test_uptr.c - user pointers the kernel must refuse, and the calls that take them (KTAP; the
 * groups of docs/testing.md): read and write on a file and on a pipe, execve, wait4.
 *
 *     test_uptr [GROUP...]     groups: file pipe exec wait (all: none)
 *
 * Every group runs twice: the first round reports each check; then the per-cluster memory figures
 * are the baseline (user/include/memcheck.h), the group runs again with its checks folded into one
 * result, and every cluster must be back at the baseline.
 *
 * The bad buffers: NULL, -1, a kernel address, a hole (a page mapped then unmapped), a PROT_NONE
 * page, a read-only page as read()'s destination, and buffers that start valid and run into a
 * hole or into kernel space. Linux answers EFAULT when nothing could be transferred; a regular
 * file gives the short count of the valid bytes; a pipe answers EFAULT for a copy that stops
 * inside its first piece (the bytes stay in the pipe), where Archipel gives the short count: the
 * pipe checks accept either and check that no byte is lost or duplicated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include <uarch.h>
#include "ktap.h"
#include "ktap_groups.h"
#include "memcheck.h"

#define PAGE           4096UL
#define KERNEL_ADDRESS ((char *)UARCH_KERNEL_ADDRESS)
#define MINUS_ONE      ((char *)-1L)
#define TMP            "/tmp"
#define ARG_MAX_STRING (128 << 10)   /* Linux's MAX_ARG_STRLEN */

static const char *self;


static long sys_read(int fd, const void *buf, size_t n)
{
	errno = 0;
	return syscall(SYS_read, fd, buf, n);
}

static long sys_write(int fd, const void *buf, size_t n)
{
	errno = 0;
	return syscall(SYS_write, fd, buf, n);
}

/*
 * Bad buffers, set up once per round: @hole, a page mapped then unmapped; @none, a PROT_NONE page;
 * @ro, a read-only page of 0x5a; @edge, two read-write pages followed by a hole (edge + 2 pages).
 */
struct buffers {
	char *area;   /* 6 pages: [rw rw hole none ro hole] */
	char *edge, *hole, *none, *ro;
};

static void buffers_get(struct buffers *b)
{
	b->area = mmap(NULL, 6 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->area == MAP_FAILED) {
		ktap_diag("mmap: %s", strerror(errno));
		exit(1);
	}
	b->edge = b->area;
	b->hole = b->area + 2 * PAGE;
	b->none = b->area + 3 * PAGE;
	b->ro = b->area + 4 * PAGE;
	memset(b->ro, 0x5a, PAGE);
	munmap(b->hole, PAGE);
	munmap(b->area + 5 * PAGE, PAGE);
	mprotect(b->none, PAGE, PROT_NONE);
	mprotect(b->ro, PAGE, PROT_READ);
}

static void buffers_put(struct buffers *b)
{
	munmap(b->area, 6 * PAGE);
}

static bool all_bytes(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return false;
	return true;
}

static unsigned char byte_at(size_t i)
{
	return (unsigned char)(i * 7 + 3);
}

static bool bytes_from(const unsigned char *p, size_t n, size_t first)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != byte_at(first + i))
			return false;
	return true;
}

/* ---- read and write on a regular file ---- */

static void group_file(void)
{
	static unsigned char good[3 * PAGE];
	char name[64];
	struct buffers b;
	struct stat st;
	long r;
	int fd;

	buffers_get(&b);
	snprintf(name, sizeof(name), TMP "/test_uptr.%d", (int)getpid());
	mkdir(TMP, 01777); /* Archipel's root file system has none */
	fd = open(name, O_CREAT | O_RDWR | O_TRUNC, 0644);
	for (size_t i = 0; i < sizeof(good); i++)
		good[i] = byte_at(i);
	check(fd >= 0 && write(fd, good, sizeof(good)) == (ssize_t)sizeof(good),
	      "file: a file of 3 pages in " TMP);

	bool refused = true;
	const char *const bad[] = { NULL, MINUS_ONE, KERNEL_ADDRESS, b.hole, b.none };
	for (unsigned int i = 0; i < 5; i++)
		refused &= fails(sys_write(fd, bad[i], 10), EFAULT);
	check(refused && fstat(fd, &st) == 0 && st.st_size == 3 * PAGE &&
	      lseek(fd, 0, SEEK_CUR) == 3 * PAGE, "file: write from NULL, -1, a kernel address, a "
	      "hole, PROT_NONE: EFAULT, size and offset unchanged");
	lseek(fd, 0, SEEK_SET);
	refused = true;
	for (unsigned int i = 0; i < 5; i++)
		refused &= fails(sys_read(fd, bad[i], 10), EFAULT);
	refused &= fails(sys_read(fd, b.ro, 10), EFAULT);
	check(refused && lseek(fd, 0, SEEK_CUR) == 0 && all_bytes(b.ro, PAGE, 0x5a),
	      "file: read into NULL, -1, a kernel address, a hole, PROT_NONE, a read-only page: "
	      "EFAULT, offset unchanged, the read-only page untouched");

	/* lengths that run out of user space: refused whole, before the count is capped (Linux) */
	r = sys_read(fd, b.edge, (size_t)(KERNEL_ADDRESS - b.edge) + PAGE);
	check(fails(r, EFAULT) && lseek(fd, 0, SEEK_CUR) == 0, "file: read with a length running "
	      "into kernel space: EFAULT, nothing read");
	r = sys_write(fd, b.edge, (size_t)(KERNEL_ADDRESS - b.edge) + PAGE);
	check(fails(r, EFAULT) && fstat(fd, &st) == 0 && st.st_size == 3 * PAGE, "file: write with "
	      "a length running into kernel space: EFAULT, nothing written");
	r = sys_read(fd, b.edge, SIZE_MAX);
	check(fails(r, EFAULT), "file: read of SIZE_MAX bytes: EFAULT");

	/* a buffer valid for 1.5 pages, then a hole: the short count of the valid bytes */
	memset(b.edge, 0, 2 * PAGE);
	lseek(fd, 0, SEEK_SET);
	r = sys_read(fd, b.edge + PAGE / 2, 2 * PAGE);
	check(r == (long)(3 * PAGE / 2) && bytes_from((unsigned char *)b.edge + PAGE / 2, 3 * PAGE / 2, 0) &&
	      lseek(fd, 0, SEEK_CUR) == r, "file: read into a buffer running into a hole: the "
	      "short count of its valid bytes (%ld), the offset after them", r);
	lseek(fd, 0, SEEK_SET);
	r = sys_read(fd, b.ro - PAGE / 4, PAGE / 2);
	check(fails(r, EFAULT) && lseek(fd, 0, SEEK_CUR) == 0 && all_bytes(b.ro, PAGE, 0x5a),
	      "file: read into a PROT_NONE page running into a read-only one: EFAULT");
	for (size_t i = 0; i < 2 * PAGE; i++)
		b.edge[i] = (char)byte_at(i + 100);
	lseek(fd, 0, SEEK_SET);
	r = sys_write(fd, b.edge + PAGE, PAGE + 100);
	unsigned char back[PAGE];
	check(r == (long)PAGE && pread(fd, back, PAGE, 0) == (ssize_t)PAGE &&
	      bytes_from(back, PAGE, PAGE + 100) && fstat(fd, &st) == 0 && st.st_size == 3 * PAGE,
	      "file: write from a buffer running into a hole: the short count (%ld), those bytes "
	      "written", r);
	r = sys_write(fd, b.hole - 10, 100);
	check(r == 10 && lseek(fd, 0, SEEK_CUR) == (off_t)PAGE + 10, "file: write of 100 bytes "
	      "whose last 90 are in a hole: 10 (%ld)", r);
	close(fd);
	unlink(name);
	buffers_put(&b);
}

/* ---- read and write on a pipe ---- */

/* Read what the (non-blocking) pipe @fd holds into @out (up to @max); the count. */
static size_t drain(int fd, unsigned char *out, size_t max)
{
	size_t n = 0;
	long r;

	while (n < max && (r = read(fd, out + n, max - n)) > 0)
		n += (size_t)r;
	return n;
}

static void group_pipe(void)
{
	static unsigned char in[4 * PAGE], out[4 * PAGE];
	const size_t total = 3000;
	struct buffers b;
	int p[2];
	long r;

	buffers_get(&b);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = byte_at(i);
	if (pipe2(p, O_NONBLOCK) != 0) {
		check(false, "pipe: pipe2: %s", strerror(errno));
		buffers_put(&b);
		return;
	}
	bool refused = true;
	const char *const bad[] = { NULL, MINUS_ONE, KERNEL_ADDRESS, b.hole, b.none };
	for (unsigned int i = 0; i < 5; i++)
		refused &= fails(sys_write(p[1], bad[i], 10), EFAULT);
	errno = 0;
	check(refused && read(p[0], out, 1) == -1 && errno == EAGAIN, "pipe: write from NULL, -1, "
	      "a kernel address, a hole, PROT_NONE: EFAULT, the pipe still empty");

	refused = write(p[1], in, total) == (ssize_t)total;
	for (unsigned int i = 0; i < 5; i++)
		refused &= fails(sys_read(p[0], bad[i], 10), EFAULT);
	refused &= fails(sys_read(p[0], b.ro, 10), EFAULT);
	check(refused && drain(p[0], out, sizeof(out)) == total && bytes_from(out, total, 0) &&
	      all_bytes(b.ro, PAGE, 0x5a), "pipe: read into NULL, -1, a kernel address, a hole, "
	      "PROT_NONE, a read-only page: EFAULT, every byte still there in order");

	r = sys_write(p[1], b.edge, (size_t)(KERNEL_ADDRESS - b.edge) + PAGE);
	check(fails(r, EFAULT) && read(p[0], out, 1) == -1 && errno == EAGAIN, "pipe: write with a "
	      "length running into kernel space: EFAULT, nothing written");

	/* 1000 valid bytes before a hole: EFAULT with the bytes kept (Linux) or the short count */
	(void)!write(p[1], in, total);
	r = sys_read(p[0], b.hole - 1000, total);
	size_t rest = drain(p[0], out, sizeof(out));
	bool conserved = (r == -1 && errno == EFAULT && rest == total && bytes_from(out, total, 0)) ||
			 (r == 1000 && bytes_from((unsigned char *)b.hole - 1000, 1000, 0) &&
			  rest == total - 1000 && bytes_from(out, rest, 1000));
	check(conserved, "pipe: read into 1000 bytes before a hole: EFAULT or 1000 (%ld), then the "
	      "rest (%zu bytes): no byte lost or duplicated", r, rest);
	memcpy(b.hole - 1000, in, 1000);
	r = sys_write(p[1], b.hole - 1000, total);
	rest = drain(p[0], out, sizeof(out));
	conserved = (r == -1 && errno == EFAULT && rest == 0) ||
		    (r == 1000 && rest == 1000 && bytes_from(out, 1000, 0));
	check(conserved, "pipe: write from 1000 bytes before a hole: EFAULT with nothing written or "
	      "1000 written (%ld, the pipe holds %zu)", r, rest);
	close(p[0]);
	close(p[1]);
	buffers_put(&b);
}

/* ---- execve ---- */

static long sys_execve(const char *path, const void *argv, const void *envp)
{
	errno = 0;
	return syscall(SYS_execve, path, argv, envp);
}

static bool make_file(const char *name, const void *data, size_t size)
{
	int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0755);
	bool ok = fd >= 0 && write(fd, data, size) == (ssize_t)size;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void group_exec(void)
{
	static char *const argv[] = { "test_uptr", NULL };
	static char *const envp[] = { "TEST_UPTR=1", NULL };
	char name[64], header[64], *long_path, *big, **many;
	struct buffers b;
	pid_t pid = getpid();

	buffers_get(&b);
	mkdir(TMP, 01777);
	check(fails(sys_execve(NULL, argv, envp), EFAULT) &&
	      fails(sys_execve(KERNEL_ADDRESS, argv, envp), EFAULT) &&
	      fails(sys_execve(b.hole, argv, envp), EFAULT), "exec: a path at NULL, in the kernel, "
	      "in a hole: EFAULT");
	memset(b.hole - 8, 'a', 8); /* no NUL before the hole */
	check(fails(sys_execve(b.hole - 8, argv, envp), EFAULT), "exec: a path running into a "
	      "hole: EFAULT");
	long_path = b.edge; /* 5000 bytes of the two pages before the hole */
	long_path[0] = '/';
	memset(long_path + 1, 'a', 4998);
	long_path[4999] = 0;
	check(fails(sys_execve(long_path, argv, envp), ENAMETOOLONG),
	      "exec: a path of 5000 bytes: ENAMETOOLONG");
	check(fails(sys_execve("/bin/no_such_program", argv, envp), ENOENT), "exec: a missing "
	      "file: ENOENT");
	check(fails(sys_execve("/bin", argv, envp), EACCES) &&
	      fails(sys_execve(TMP, argv, envp), EACCES), "exec: a directory: EACCES");

	/* files made here: text, and the first 24 bytes of a real ELF header */
	snprintf(name, sizeof(name), TMP "/test_uptr.%d.bad", (int)pid);
	char text[100]; /* longer than an ELF header: the magic is what is wrong */
	memset(text, '#', sizeof(text));
	check(make_file(name, text, sizeof(text)) &&
	      fails(sys_execve(name, argv, envp), ENOEXEC), "exec: a text file: ENOEXEC");
	int fd = open(self, O_RDONLY);
	bool got = fd >= 0 && read(fd, header, sizeof(header)) == (ssize_t)sizeof(header);
	if (fd >= 0)
		close(fd);
	check(got && make_file(name, header, 24) && fails(sys_execve(name, argv, envp), ENOEXEC),
	      "exec: an ELF header cut after 24 bytes: ENOEXEC");
	check(make_file(name, "", 0) && fails(sys_execve(name, argv, envp), ENOEXEC),
	      "exec: an empty file: ENOEXEC");
	unlink(name);

	/* the vectors; the file is this program, which exists (Linux opens it first since 6.6) */
	char *const bad_entry[] = { "test_uptr", KERNEL_ADDRESS, NULL };
	char **tail = (char **)(b.hole - 2 * sizeof(char *)); /* two entries, no NULL before the hole */
	tail[0] = "test_uptr";
	tail[1] = "x";
	check(fails(sys_execve(self, (void *)16, envp), EFAULT) &&
	      fails(sys_execve(self, KERNEL_ADDRESS, envp), EFAULT) &&
	      fails(sys_execve(self, bad_entry, envp), EFAULT) &&
	      fails(sys_execve(self, tail, envp), EFAULT), "exec: argv at 16, in the kernel, with a "
	      "kernel pointer in it, running into a hole: EFAULT");
	check(fails(sys_execve(self, argv, (void *)16), EFAULT) &&
	      fails(sys_execve(self, argv, bad_entry), EFAULT) &&
	      fails(sys_execve(self, argv, tail), EFAULT), "exec: envp at 16, with a kernel pointer "
	      "in it, running into a hole: EFAULT");

	big = mmap(NULL, 2 * ARG_MAX_STRING, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	memset(big, 'x', 2 * ARG_MAX_STRING - 1);
	big[2 * ARG_MAX_STRING - 1] = 0;
	char *const one_big[] = { "test_uptr", big, NULL };
	check(fails(sys_execve(self, one_big, envp), E2BIG), "exec: one argument of 256 KiB: E2BIG");
	munmap(big, 2 * ARG_MAX_STRING);
	enum { MANY = 300000 }; /* their pointers alone pass Linux's 2 MiB */
	many = mmap(NULL, (MANY + 1) * sizeof(char *), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < MANY; i++)
		many[i] = "x";
	many[MANY] = NULL;
	check(fails(sys_execve(self, many, envp), E2BIG), "exec: %d arguments: E2BIG", MANY);
	munmap(many, (MANY + 1) * sizeof(char *));

	buffers_put(&b);
	check(getpid() == pid, "exec: the caller is still there after every refusal");
}

/* ---- wait4 ---- */

static void group_wait(void)
{
	int status = 0;
	struct rusage ru;
	pid_t child, grandchild = 0;

	errno = 0;
	check(fails(wait4(-1, &status, 0, NULL), ECHILD) &&
	      fails(wait4(-1, &status, WNOHANG, NULL), ECHILD), "wait: no child: ECHILD (WNOHANG too)");
	errno = 0;
	check(fails(wait4(-1, &status, 0x1000, NULL), EINVAL), "wait: an unknown option: EINVAL");
	errno = 0;
	check(fails(wait4(0x7ffffff, &status, 0, NULL), ECHILD), "wait: a pid nobody has: ECHILD");

	/* a grandchild is not a child: it waits on @hold until the end, its pid comes on @report */
	int hold[2], report[2];
	if (pipe(hold) != 0 || pipe(report) != 0)
		ktap_diag("pipe: %s", strerror(errno));
	child = fork();
	if (child == 0) {
		pid_t g = fork();
		if (g == 0) {
			char c;
			close(hold[1]);
			(void)!read(hold[0], &c, 1); /* EOF once the grandparent closes its end */
			_exit(0);
		}
		close(hold[1]);
		(void)!write(report[1], &g, sizeof(g));
		_exit(waitpid(g, NULL, 0) == g ? 0 : 1);
	}
	close(hold[0]);
	close(report[1]);
	if (read(report[0], &grandchild, sizeof(grandchild)) != (ssize_t)sizeof(grandchild))
		grandchild = 0;
	close(report[0]);
	errno = 0;
	check(grandchild > 0 && fails(wait4(grandchild, &status, 0, NULL), ECHILD),
	      "wait: a grandchild (%d): ECHILD", (int)grandchild);
	errno = 0;
	check(wait4(child, &status, WNOHANG, NULL) == 0, "wait: WNOHANG with a child still running: 0");
	close(hold[1]);
	check(wait4(child, &status, 0, NULL) == child && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "wait: the child reaped its own child");

	child = fork();
	if (child == 0)
		_exit(3);
	errno = 0;
	check(fails(wait4(child, (int *)16, 0, NULL), EFAULT) &&
	      fails(wait4(child, &status, 0, NULL), ECHILD), "wait: a bad status pointer: EFAULT, "
	      "the child reaped all the same (Linux)");
	child = fork();
	if (child == 0)
		_exit(4);
	errno = 0;
	check(fails(wait4(child, &status, 0, (struct rusage *)KERNEL_ADDRESS), EFAULT),
	      "wait: a bad rusage pointer: EFAULT");
	wait4(child, &status, 0, &ru);
	child = fork();
	if (child == 0)
		_exit(5);
	check(wait4(child, &status, 0, &ru) == child && WIFEXITED(status) && WEXITSTATUS(status) == 5,
	      "wait: and with good pointers, the status");
}

/* ---- the groups and their rounds ---- */

static const struct ktap_group groups[] = {
	{ "file", group_file, 10 },
	{ "pipe", group_pipe, 5 },
	{ "exec", group_exec, 13 },
	{ "wait", group_wait, 9 },
};

int main(int argc, char **argv)
{
	self = argv[0];
	return ktap_groups_main(groups, sizeof(groups) / sizeof(groups[0]), argc, argv);
}
