/*
 * test_mmap2.c - the rest of the mmap family (KTAP): shared anonymous memory across a fork and
 * clusters, file mappings (private and shared), mremap, madvise, MAP_GROWSDOWN, munmap/mprotect
 * over any range with vsegs joined again, each with its bad inputs and Linux's errno, and no
 * leak after each group (memcheck.h).
 *
 * Probes: msync() answers ENOMEM for a range with an unmapped page, so `mapped()` tells whether
 * a range is mapped without touching it; a touch that must kill is done by a child (`dies()`).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"
#include <uarch.h>
#include "memcheck.h"

#define TMP "/tmp"

static long page;
static unsigned int clusters;

/* True if every page of [p, p + len) is mapped. */
static bool mapped(void *p, size_t len)
{
	return msync(p, len, MS_ASYNC) == 0;
}

/* True if no page of [p, p + n pages) is mapped. */
static bool unmapped(char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (mapped(p + i * page, page))
			return false;
	return true;
}

/* The result (-1 and errno, or the value) of a raw system call, as a (value, errno) check. */
static bool fails(long r, int err)
{
	return r == -1 && errno == err;
}

/* A cluster other than the caller's (the caller's on 1x1). */
static int other_cluster(void)
{
	unsigned int cxy, lid;

	get_core_id(&cxy, &lid);
	return (int)((cxy + 1) % clusters);
}

/* Run @fn(@arg) in a child placed in cluster @cxy; its wait status. */
static int in_child(int cxy, int (*fn)(void *), void *arg)
{
	int status = -1;
	pid_t pid;

	place_next(cxy, PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0)
		return -1;
	waitpid(pid, &status, 0);
	return status;
}

static int touch(void *arg)
{
	return *(volatile char *)arg == 0x5a ? 0 : 0; /* a read */
}

/* True if a child reading @p dies of @sig. */
static bool dies(void *p, int sig)
{
	int status = in_child(other_cluster(), touch, p);

	return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* Fill page @i of @p with a pattern of @seed; check it. */
static void fill(char *p, int i, int seed)
{
	for (long j = 0; j < page; j += 64)
		p[i * page + j] = (char)(seed + i + j / 64);
}

static bool filled(const char *p, int i, int seed)
{
	for (long j = 0; j < page; j += 64)
		if (p[i * page + j] != (char)(seed + i + j / 64))
			return false;
	return true;
}

static bool zero(const char *p, int i)
{
	for (long j = 0; j < page; j++)
		if (p[i * page + j])
			return false;
	return true;
}

static unsigned int vsegs(void)
{
	struct almos_vmm_info info;

	return get_vmm_info((unsigned int)getpid() >> 16, ALMOS_PID_SELF, &info) == 0 ? info.vsegs : 0;
}

/* ---- shared anonymous memory ---- */

/* The child waits for the parent's word, answers, and writes every page. */
static int shared_child(void *arg)
{
	volatile long *w = arg;
	char *p = arg;

	if (w[0] != 42)
		return 1; /* the parent's write before the fork */
	for (long spins = 0; w[1] != 1; spins++) {
		if (spins > 50000000)
			return 2;
		sched_yield();
	}
	w[2] = 2;
	for (int i = 1; i < 4; i++)
		fill(p, i, 7); /* page 3 was never touched before the fork */
	return 0;
}

static void test_shared_anon(void)
{
	volatile long *w;
	char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, ok = 1;
	pid_t pid;

	ktap_ok(p != MAP_FAILED && zero(p, 0) && zero(p, 3), "MAP_SHARED|MAP_ANONYMOUS reads zero");
	if (p == MAP_FAILED)
		return;
	w = (volatile long *)p;
	w[0] = 42;
	place_next(other_cluster(), PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0)
		_exit(shared_child(p));
	w[1] = 1; /* after the fork: the child must see it */
	for (long spins = 0; w[2] != 2 && spins < 50000000; spins++)
		sched_yield();
	ok = w[2] == 2;
	waitpid(pid, &status, 0);
	ktap_ok(ok && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"shared anonymous memory: writes seen both ways across clusters after fork (%#x)",
		status);
	ktap_ok(filled(p, 1, 7) && filled(p, 3, 7),
		"... the child's writes to pages first touched after the fork reach the parent");
	ktap_ok(munmap(p, 4 * page) == 0 && unmapped(p, 4), "... munmap");
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_REMOTE, 0, 0);
	ktap_ok(p != MAP_FAILED && zero(p, 0) && munmap(p, page) == 0,
		"MAP_SHARED|MAP_ANONYMOUS|MAP_REMOTE");
}

/* ---- file mappings ---- */

static char file_name[64];
#define FILE_PAGES 3
#define FILE_TAIL  100 /* bytes in the last page */
#define FILE_SIZE  (FILE_PAGES * page + FILE_TAIL)

static int make_file(void)
{
	static char buf[8 * 4096];
	int fd;

	memset(buf, 0, (size_t)FILE_SIZE);
	snprintf(file_name, sizeof(file_name), TMP "/test_mmap2.%d", (int)getpid());
	fd = open(file_name, O_CREAT | O_RDWR | O_TRUNC, 0644);
	for (int i = 0; i < FILE_PAGES; i++)
		fill(buf, i, 3);
	memset(buf + FILE_PAGES * page, 'z', FILE_TAIL);
	if (fd < 0 || write(fd, buf, (size_t)FILE_SIZE) != FILE_SIZE)
		return -1;
	return fd;
}

/* The child maps the file itself, checks the parent's write and writes back. */
static int file_child(void *arg)
{
	int fd = open(file_name, O_RDWR);
	char *q = fd >= 0 ? mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
			  : MAP_FAILED;

	(void)arg;
	if (q == MAP_FAILED)
		return 1;
	if (q[5] != 'P')
		return 2;
	q[page + 5] = 'C';
	return munmap(q, 2 * page) == 0 && close(fd) == 0 ? 0 : 3;
}

static void test_file_private(void)
{
	int fd = make_file();
	char *p, *q, c;

	ktap_ok(fd >= 0, "a file of %ld bytes written with write()", (long)FILE_SIZE);
	if (fd < 0)
		return;
	/* private */
	p = mmap(NULL, (FILE_PAGES + 1) * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ktap_ok(p != MAP_FAILED && filled(p, 0, 3) && filled(p, 2, 3) &&
		p[FILE_PAGES * page] == 'z' && p[FILE_PAGES * page + FILE_TAIL - 1] == 'z' &&
		p[FILE_PAGES * page + FILE_TAIL] == 0 && p[(FILE_PAGES + 1) * page - 1] == 0,
		"MAP_PRIVATE of a file reads the file, zeros after its end in the last page");
	p[10] = 'X';
	ktap_ok(pread(fd, &c, 1, 10) == 1 && c == 0 && p[10] == 'X',
		"MAP_PRIVATE: a write is not seen by read()");
	q = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
	ktap_ok(q != MAP_FAILED && q[10] != 'X' && p[10] == 'X',
		"... nor by another private mapping of the file");
	ktap_ok(madvise(p, page, MADV_DONTNEED) == 0 && p[10] != 'X' && filled(p, 0, 3),
		"MADV_DONTNEED on a private file mapping: the file's bytes again");
	munmap(q, page);
	munmap(p, (FILE_PAGES + 1) * page);
	close(fd);
	unlink(file_name);
}

static void test_file_shared(void)
{
	int fd = make_file(), rfd, wfd, pfd[2];
	char *p, *q, c;
	long r;

	if (fd < 0)
		return;
	/* shared */
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	q = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	ktap_ok(p != MAP_FAILED && q != MAP_FAILED && filled(p, 1, 3), "MAP_SHARED of a file");
	if (p == MAP_FAILED || q == MAP_FAILED)
		return;
	p[5] = 'P';
	ktap_ok(pread(fd, &c, 1, 5) == 1 && c == 'P' && q[5] == 'P',
		"MAP_SHARED: a write is seen by read() and by another shared mapping");
	ktap_ok(msync(p, 2 * page, MS_SYNC) == 0, "msync on a shared file mapping");
	r = in_child(other_cluster(), file_child, NULL);
	ktap_ok(WIFEXITED(r) && WEXITSTATUS(r) == 0 && p[page + 5] == 'C' &&
		pread(fd, &c, 1, page + 5) == 1 && c == 'C',
		"... a process of another cluster mapping the file shares the pages both ways (%#lx)",
		r);
	c = 'W';
	ktap_ok(pwrite(fd, &c, 1, 6) == 1 && p[6] == 'W', "... and write() is seen by the mapping");
	ktap_ok(madvise(p, 2 * page, MADV_DONTNEED) == 0 && p[5] == 'P' && p[page + 5] == 'C',
		"MADV_DONTNEED on a shared file mapping keeps the contents");
	munmap(q, 2 * page);
	munmap(p, 2 * page);

	/* beyond the end of the file */
	p = mmap(NULL, (FILE_PAGES + 3) * page, PROT_READ, MAP_SHARED, fd, 0);
	ktap_ok(p != MAP_FAILED && p[FILE_PAGES * page + 1] == 'z' &&
		dies(p + (FILE_PAGES + 1) * page, SIGBUS) && dies(p + (FILE_PAGES + 2) * page, SIGBUS),
		"an access to a page wholly beyond the end of the file: SIGBUS");
	munmap(p, (FILE_PAGES + 3) * page);
	p = mmap(NULL, (FILE_PAGES + 2) * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ktap_ok(p != MAP_FAILED && dies(p + (FILE_PAGES + 1) * page, SIGBUS),
		"... for a private file mapping too");
	munmap(p, (FILE_PAGES + 2) * page);

	/* bad input */
	errno = 0;
	ktap_ok(fails((long)mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 100), EINVAL),
		"file mmap: unaligned offset EINVAL");
	errno = 0;
	ktap_ok(fails((long)mmap(NULL, page, PROT_READ, MAP_SHARED, -1, 0), EBADF) &&
		fails((long)mmap(NULL, page, PROT_READ, MAP_PRIVATE, 999, 0), EBADF),
		"file mmap: bad fd EBADF");
	wfd = open(file_name, O_WRONLY);
	rfd = open(file_name, O_RDONLY);
	errno = 0;
	ktap_ok(fails((long)mmap(NULL, page, PROT_READ, MAP_PRIVATE, wfd, 0), EACCES),
		"file mmap: fd not open for reading EACCES");
	errno = 0;
	ktap_ok(fails((long)mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0), EACCES),
		"file mmap: MAP_SHARED|PROT_WRITE on a read-only fd EACCES");
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, rfd, 0);
	errno = 0;
	ktap_ok(p != MAP_FAILED && fails(mprotect(p, page, PROT_READ | PROT_WRITE), EACCES),
		"... and mprotect(PROT_WRITE) of it later EACCES");
	munmap(p, page);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, rfd, 0);
	ktap_ok(p != MAP_FAILED && (p[0] = 'Q') == 'Q' && munmap(p, page) == 0,
		"MAP_PRIVATE|PROT_WRITE of a read-only fd is allowed (copy on write)");
	pipe(pfd);
	errno = 0;
	ktap_ok(fails((long)mmap(NULL, page, PROT_READ, MAP_PRIVATE, pfd[0], 0), ENODEV),
		"file mmap: a pipe ENODEV");
	errno = 0;
	r = open(TMP, O_RDONLY | O_DIRECTORY);
	ktap_ok(fails((long)mmap(NULL, page, PROT_READ, MAP_PRIVATE, (int)r, 0), ENODEV),
		"file mmap: a directory ENODEV");
	close((int)r);
	close(pfd[0]);
	close(pfd[1]);
	close(rfd);
	close(wfd);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	unlink(file_name);
	ktap_ok(p != MAP_FAILED && filled(p, 0, 3) && p[5] == 'P' && munmap(p, page) == 0,
		"a mapping outlives its fd and the file's name");
}

/* ---- mremap ---- */

static void test_mremap(void)
{
	char *p = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q, *r, *guard;
	void *big;
	size_t len;
	int steps;

	for (int i = 0; i < 8; i++)
		fill(p, i, 11);
	q = mremap(p, 8 * page, 4 * page, 0);
	ktap_ok(q == p && filled(p, 3, 11) && unmapped(p + 4 * page, 4),
		"mremap shrinks in place");
	q = mremap(p, 4 * page, 8 * page, 0);
	ktap_ok(q == p && filled(p, 3, 11) && zero(p, 4) && zero(p, 7),
		"mremap grows in place when the space after is free");
	guard = r = mmap(p + 8 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	errno = 0;
	ktap_ok(r == p + 8 * page && fails((long)mremap(p, 8 * page, 10 * page, 0), ENOMEM) &&
		filled(p, 0, 11), "mremap cannot grow in place without MREMAP_MAYMOVE: ENOMEM");
	for (int i = 4; i < 8; i++)
		fill(p, i, 11);
	q = mremap(p, 8 * page, 16 * page, MREMAP_MAYMOVE);
	ktap_ok(q != MAP_FAILED && q != p && filled(q, 0, 11) && filled(q, 7, 11) && zero(q, 15) &&
		unmapped(p, 8), "MREMAP_MAYMOVE moves the pages, contents intact, old range gone");
	ktap_ok(mremap(q, 16 * page, 16 * page, 0) == q, "mremap to the same size: nothing moves");
	p = mmap(NULL, 4 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = mremap(q + 2 * page, 4 * page, 4 * page, MREMAP_MAYMOVE | MREMAP_FIXED, p);
	ktap_ok(r == p && filled(p, 0, 13) && filled(p, 3, 13) && unmapped(q + 2 * page, 4) &&
		filled(q, 1, 11) && filled(q, 6, 11),
		"MREMAP_FIXED moves the middle of a mapping over another one");
	ktap_ok(munmap(q, 16 * page) == 0 && munmap(p, 4 * page) == 0 && munmap(guard, page) == 0,
		"... munmap of what is left");

	/* shared mappings move too */
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fill(p, 1, 5);
	q = mremap(p, 2 * page, 4 * page, MREMAP_MAYMOVE);
	ktap_ok(q != MAP_FAILED && filled(q, 1, 5) && dies(q + 3 * page, SIGBUS) &&
		munmap(q, 4 * page) == 0,
		"mremap of shared anonymous memory: contents moved, beyond the object SIGBUS");

	/* bad input */
	p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = 0;
	ktap_ok(fails((long)mremap(p + 1, page, 2 * page, MREMAP_MAYMOVE), EINVAL),
		"mremap: unaligned address EINVAL");
	errno = 0;
	ktap_ok(fails((long)mremap(p, page, 0, MREMAP_MAYMOVE), EINVAL), "mremap: new_len 0 EINVAL");
	errno = 0;
	ktap_ok(fails((long)mremap(p, page, 2 * page, 0x80), EINVAL), "mremap: unknown flag EINVAL");
	errno = 0;
	ktap_ok(fails((long)syscall(SYS_mremap, p, page, 2 * page, MREMAP_FIXED, p + 8 * page), EINVAL),
		"mremap: MREMAP_FIXED without MREMAP_MAYMOVE EINVAL");
	errno = 0;
	ktap_ok(fails((long)syscall(SYS_mremap, p + page, page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED,
				    p), EINVAL), "mremap: overlapping MREMAP_FIXED EINVAL");
	errno = 0;
	ktap_ok(fails((long)syscall(SYS_mremap, p, page, page, MREMAP_MAYMOVE | 4 /* DONTUNMAP */,
				    0), EINVAL), "mremap: MREMAP_DONTUNMAP not supported: EINVAL");
	mprotect(p + 2 * page, 2 * page, PROT_READ);
	errno = 0;
	ktap_ok(fails((long)mremap(p + page, 2 * page, 4 * page, MREMAP_MAYMOVE), EFAULT),
		"mremap: a range over two vsegs EFAULT");
	munmap(p, 4 * page);
	errno = 0;
	ktap_ok(fails((long)mremap(p, page, 2 * page, MREMAP_MAYMOVE), EFAULT),
		"mremap: an unmapped range EFAULT");

	/* growth until ENOMEM (address space, nothing touched) */
	len = (size_t)page;
	big = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (steps = 0; steps < 64; steps++) {
		void *n = mremap(big, len, 2 * len, MREMAP_MAYMOVE);
		if (n == MAP_FAILED)
			break;
		big = n;
		len *= 2;
	}
	ktap_ok(steps < 64 && errno == ENOMEM && mapped(big, len) && munmap(big, len) == 0,
		"mremap growth until ENOMEM (%d doublings, %zu MiB)", steps, len >> 20);
}

/* ---- madvise ---- */

static void test_madvise(void)
{
	static const int ok[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
				  MADV_DONTNEED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK,
				  MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK,
				  20 /* COLD */, 21 /* PAGEOUT */, 22 /* POPULATE_READ */,
				  23 /* POPULATE_WRITE */ };
	static const int bad[] = { 5, 7, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
				   MADV_NOHUGEPAGE, 25 /* COLLAPSE */, 100 /* HWPOISON */, 999, -1 };
	char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int n = 0, status;

	fill(p, 0, 1);
	fill(p, 3, 1);
	ktap_ok(madvise(p, 4 * page, MADV_DONTNEED) == 0 && zero(p, 0) && zero(p, 3),
		"MADV_DONTNEED: private anonymous pages read zero again");
	fill(s, 0, 2);
	ktap_ok(madvise(s, page, MADV_DONTNEED) == 0 && filled(s, 0, 2),
		"MADV_DONTNEED: shared anonymous pages keep their contents");
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		n += madvise(p, 4 * page, ok[i]) == 0;
	ktap_ok(n == (int)(sizeof(ok) / sizeof(ok[0])), "madvise: %d advices accepted", n);
	n = 0;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		n += fails(madvise(p, 4 * page, bad[i]), EINVAL);
	}
	ktap_ok(n == (int)(sizeof(bad) / sizeof(bad[0])),
		"madvise: unknown advice (or KSM, huge pages) EINVAL: %d of %zu", n,
		sizeof(bad) / sizeof(bad[0]));
	errno = 0;
	ktap_ok(fails(madvise(p + 1, page, MADV_NORMAL), EINVAL), "madvise: unaligned EINVAL");
	errno = 0;
	ktap_ok(fails(madvise(s, page, MADV_FREE), EINVAL) &&
		fails(madvise(s, page, MADV_WIPEONFORK), EINVAL),
		"madvise: MADV_FREE, MADV_WIPEONFORK of shared memory EINVAL");
	errno = 0;
	ktap_ok(fails(madvise(p, page, MADV_REMOVE), EACCES), "madvise: MADV_REMOVE of private memory EACCES");
	munmap(p + 2 * page, page);
	errno = 0;
	ktap_ok(fails(madvise(p, 4 * page, MADV_NORMAL), ENOMEM) && madvise(p, 0, 999) == -1 &&
		madvise(p, 0, MADV_NORMAL) == 0, "madvise: a hole ENOMEM; length 0 is 0");
	munmap(p, 4 * page);

	/* fork inheritance */
	p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(p, 0, 4);
	fill(p, 1, 4);
	fill(p, 2, 4);
	ktap_ok(madvise(p + page, page, MADV_DONTFORK) == 0 && dies(p + page, SIGSEGV) &&
		!dies(p, SIGSEGV), "MADV_DONTFORK: the child has no such page");
	ktap_ok(madvise(p + page, page, MADV_DOFORK) == 0 && !dies(p + page, SIGSEGV),
		"MADV_DOFORK: it has it again");
	madvise(p + 2 * page, page, MADV_WIPEONFORK);
	place_next(other_cluster(), PLACE_ANY_CORE);
	if (fork() == 0)
		_exit(zero(p, 2) && filled(p, 1, 4) ? 0 : 1);
	wait(&status);
	ktap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && filled(p, 2, 4),
		"MADV_WIPEONFORK: the child reads zeros, the parent keeps its page");
	ktap_ok(madvise(p, 3 * page, MADV_KEEPONFORK) == 0 && munmap(p, 3 * page) == 0 &&
		munmap(s, page) == 0, "MADV_KEEPONFORK; munmap");
}

/* ---- shapes of munmap and mprotect, joined vsegs, MAP_FIXED over a mapping, brk ---- */

static void test_shapes(void)
{
	/* PROT_NONE pages on both sides: no neighbour of the same kind to join */
	char *g = mmap(NULL, 10 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = mmap(g + page, 8 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	unsigned int v0 = vsegs() - 1; /* the mapping is one vseg */
	char *q, *b0, *b1;
	bool ok = true;

	for (int i = 0; i < 8; i++)
		fill(p, i, 9);
	ktap_ok(mprotect(p + 3 * page, 2 * page, PROT_READ) == 0 && vsegs() == v0 + 3 &&
		mprotect(p + 3 * page, 2 * page, PROT_READ | PROT_WRITE) == 0 && vsegs() == v0 + 1,
		"mprotect of the middle splits in three; undone, the vsegs join again (%u)", vsegs());
	ktap_ok(mprotect(p, 8 * page, PROT_READ) == 0 && mprotect(p, 4 * page, PROT_READ | PROT_WRITE) == 0 &&
		mprotect(p + 4 * page, 4 * page, PROT_READ | PROT_WRITE) == 0 && vsegs() == v0 + 1 &&
		filled(p, 7, 9), "mprotect of the left then the right half: one vseg again");
	q = mmap(p + 3 * page, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	for (int i = 0; i < 8; i++)
		ok = ok && (i == 3 || i == 4 ? zero(p, i) : filled(p, i, 9));
	ktap_ok(q == p + 3 * page && ok, "MAP_FIXED over the middle of a mapping: every page probed");
	ktap_ok(munmap(p + 6 * page, page) == 0 && unmapped(p + 6 * page, 1) && filled(p, 7, 9) &&
		munmap(p, page) == 0 && unmapped(p, 1) && filled(p, 1, 9) &&
		munmap(p + 7 * page, page) == 0 && filled(p, 5, 9),
		"munmap of the middle, the left end, the right end");
	ktap_ok(munmap(p, 8 * page) == 0 && unmapped(p, 8), "munmap over several vsegs and holes");
	munmap(g, 10 * page);
	errno = 0;
	ktap_ok(fails(mprotect(p, page, PROT_READ), ENOMEM) && munmap(p, 8 * page) == 0,
		"mprotect of a hole ENOMEM; munmap of a hole 0");
	b0 = sbrk(0);
	b1 = sbrk(4 * page);
	memset(b1, 1, 4 * page);
	ktap_ok(b1 == b0 && sbrk(-2 * (long)page) != (void *)-1 && sbrk(0) == b0 + 2 * page &&
		b1[page] == 1 && sbrk(-2 * (long)page) != (void *)-1 && sbrk(0) == b0,
		"brk grows and shrinks");
}

/* ---- MAP_GROWSDOWN ---- */

static int grow_child(void *arg)
{
	char *low = arg;

	low[-page] = 1;                /* the page just below grows the mapping */
	low[-16 * page] = 2;           /* and one further down, within the gap */
	return low[-page] == 1 && low[-16 * page] == 2 ? 0 : 1;
}

static void test_growsdown(void)
{
	/* in the middle of the mmap zone: nothing below it for a while */
	char *p = mmap((void *)0x2800000000ul, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	int status = p == MAP_FAILED ? -1 : in_child(other_cluster(), grow_child, p);

	ktap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"MAP_GROWSDOWN: faults just below grow the mapping down (%#x)", status);
	ktap_ok(mapped(p, 2 * page) && unmapped(p - page, 1),
		"... in the child only: the parent's mapping is as it was");
	errno = 0;
	ktap_ok(fails((long)mmap(NULL, page, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN,
				 -1, 0), EINVAL) && munmap(p, 2 * page) == 0 && dies(p + page, SIGSEGV),
		"MAP_GROWSDOWN of shared memory EINVAL");
}

/* ---- exhaustion ---- */

/* Pieces of 1/64 of the arch's mmap zone (1 GiB on riscv64, 1 TiB on x86_64): the address space or
 * the memory runs out within 64 of them, never past the 1024 places. */
static void test_exhaustion(void)
{
	static void *maps[1024];
	size_t chunk = (size_t)(UARCH_MMAP_ZONE_GIB / 64) << 30;
	int n = 0, freed = 0;

	while (n < 1024) {
		void *m = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			break;
		((char *)m)[0] = 1;
		maps[n++] = m;
	}
	ktap_ok(n < 1024 && errno == ENOMEM, "mmap of zone/64 pieces until ENOMEM: %d mappings", n);
	for (int i = 0; i < n; i++)
		freed += munmap(maps[i], chunk) == 0;
	ktap_ok(freed == n, "... all unmapped again");
}

/*
 * Run @fn in a child process and take its KTAP results over (through a shared page): the page
 * tables of the ranges a group used stay until its process ends (munmap does not free an emptied
 * table), so the memory is compared with the baseline once that process is gone.
 */
static struct ktap_state *shared_state;

static void group(void (*fn)(void), const char *name)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		*shared_state = *ktap_state();
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		*ktap_state() = *shared_state;
	else
		ktap_ok(false, "%s: the group's process failed (%#x)", name, status);
}

/*
 * Map every page of this program's image and 64 KiB of its stack now: the first run of a code
 * path (a check, a printf format) maps a page of text (each process has its own copy) or of
 * stack for good, which between a baseline and a check would count as a leak.
 */
extern char __executable_start[], end[];

static __attribute__((noinline)) void touch_own_pages(void)
{
	volatile char deep[64 * 1024];

	for (size_t i = 0; i < sizeof(deep); i += 512)
		deep[i] = 0;
	for (char *a = __executable_start; a < end; a += page)
		if (mapped(a, 1)) /* the gaps between the segments are not */
			(void)*(volatile char *)a;
}

static void no_leak(const struct memcheck *quiet, const struct memcheck *base, const char *what)
{
	struct memcheck now;

	ktap_ok(memcheck_settled(quiet, &now) && memcheck_same(&now, base), "no leak: %s", what);
}

/* The groups, each followed by a leak check (the last two share one). */
static const struct {
	void (*fn)(void);
	const char *name;
	bool check;
} groups[] = {
	{ test_shared_anon, "shared anonymous memory", true },
	{ test_file_private, "private file mappings", true },
	{ test_file_shared, "shared file mappings", true },
	{ test_mremap, "mremap", true },
	{ test_madvise, "madvise", true },
	{ test_shapes, "munmap, mprotect, MAP_FIXED, brk", true },
	{ test_growsdown, "MAP_GROWSDOWN", false },
	{ test_exhaustion, "exhaustion", true },
};

int main(void)
{
	struct memcheck quiet, base;
	unsigned int cores;
	const unsigned int n = sizeof(groups) / sizeof(groups[0]);

	page = sysconf(_SC_PAGESIZE);
	get_config(&clusters, &cores);
	shared_state = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	if (shared_state == MAP_FAILED)
		return 1;
	ktap_plan(2 * 68 + 7); /* the results of the groups twice, 7 leak checks */
	touch_own_pages();
	memcheck_snapshot(&quiet);
	/* Round 1 warms up (the first use of files, shared memory, ... fills the kernel's caches and
	 * glibc's, and this process's own pages); round 2 does the same work, each group checked
	 * against the memory after round 1. */
	for (unsigned int i = 0; i < n; i++) {
		group(groups[i].fn, groups[i].name);
		/* as round 2 does: the same work in this process, printing included (its first
		 * formatted line touches stack pages of this process for good) */
		memcheck_settled(&quiet, &base);
		ktap_diag("warm-up: %s done", groups[i].name);
	}
	for (unsigned int i = 0; i < n; i++) {
		group(groups[i].fn, groups[i].name);
		if (groups[i].check)
			no_leak(&quiet, &base, groups[i].name);
	}
	return ktap_exit();
}
