/*
 * test_fork.c - fork, copy on write, wait4 and the end of processes across clusters (KTAP).
 *
 *     test_fork [exit N | dump]
 *
 * Without arguments, the test groups below run in order and the program exits 0 if all passed.
 * "exit N" (what some groups exec) just exits with N; "dump" prints the VMM dumps of a parent and
 * its child after a fork (dump_mode).
 *
 * Memory is checked at the end: the groups that fork, copy pages and run threads run a second time,
 * and after it every cluster's free pages and kernel objects are back where they were before it
 * (user/include/memcheck.h): every frame shared by a fork was freed (its forks counter went back to
 * 0), every process, thread, page table and vseg given back.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"
#include "memcheck.h"

#define PAGE 4096UL

extern char **environ;
static unsigned int clusters, cores;
static const char *self_path;

static int data_word = 1;          /* DATA */
static char big_data[8 * PAGE] = { 1 };

/* Fork a child that runs @fn and exits with its result; returns its pid (-1 on failure). */
static pid_t spawn_fn(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

/* Wait for @pid; its raw status, or -1. */
static int reap(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid ? status : -1;
}

static bool exited_with(int status, int code)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/* ---- basics ---------------------------------------------------------------------------- */

static int child_identity(void *arg)
{
	pid_t parent = *(pid_t *)arg;

	return getppid() == parent ? 7 : 1;
}

static void test_basic(void)
{
	pid_t me = getpid();
	pid_t pid = spawn_fn(child_identity, &me);
	int status = reap(pid);

	ktap_ok(pid > 0 && pid != me && exited_with(status, 7),
		"fork: the child sees its parent (getppid) and its exit status comes back (%x)",
		status);
}

/* ---- copy on write ---------------------------------------------------------------------- */

static char *anon;
static char *heap;

static int child_cow(void *arg)
{
	volatile int stack_word = *(int *)arg;
	int bad = 0;

	/* the child sees the parent's values at fork time ... */
	bad |= data_word != 100 || big_data[3 * PAGE] != 'p' || anon[5 * PAGE] != 'p' ||
	       heap[PAGE] != 'p' || stack_word != 100;
	/* ... then writes its own */
	data_word = 200;
	big_data[3 * PAGE] = 'c';
	anon[5 * PAGE] = 'c';
	heap[PAGE] = 'c';
	stack_word = 200;
	usleep(20000); /* the parent writes meanwhile */
	bad |= data_word != 200 || big_data[3 * PAGE] != 'c' || anon[5 * PAGE] != 'c' ||
	       heap[PAGE] != 'c' || stack_word != 200;
	return bad ? 1 : 0;
}

static void test_cow(void)
{
	int stack_word = 100;
	pid_t pid;
	int status;
	bool parent_ok;

	anon = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	heap = sbrk(4 * PAGE);
	data_word = 100;
	big_data[3 * PAGE] = 'p';
	anon[5 * PAGE] = 'p';
	heap[PAGE] = 'p';
	pid = spawn_fn(child_cow, &stack_word);
	data_word = 300;
	big_data[3 * PAGE] = 'P';
	anon[5 * PAGE] = 'P';
	heap[PAGE] = 'P';
	stack_word = 300;
	status = reap(pid);
	parent_ok = data_word == 300 && big_data[3 * PAGE] == 'P' && anon[5 * PAGE] == 'P' &&
		    heap[PAGE] == 'P' && stack_word == 300;
	ktap_ok(exited_with(status, 0) && parent_ok,
		"cow: parent and child each see only their own writes (DATA, ANON, STACK, brk)");
	munmap(anon, 16 * PAGE);
	sbrk(-(intptr_t)(4 * PAGE));
}

/*
 * CODE at fork: the child gets no PTE of its parent's code; it faults in each page it runs, from
 * its cluster's replica. In the cluster that holds the executable's page cache, that replica is
 * the page cache's page itself, shared by every process running the file there (a held page:
 * get_vmm_info counts it in shared_pages); elsewhere it is that cluster's copy of it, made by the
 * first fault there and shared (held) by every later one. code_probe has a page of its own,
 * which the parent runs first.
 */
__attribute__((noinline, aligned(4096))) static int code_probe(int x)
{
	return 3 * x + 1;
}

/* Starts the next page: code_probe's page holds nothing else (checked by test_code_shared). */
__attribute__((noinline, aligned(4096), used)) static void code_probe_end(void)
{
}

/* Runs code_probe's page for the first time: 10 * faults + the shared pages it added (0 or 1);
 * 100+: error. */
static int child_code(void *arg)
{
	unsigned int cxy = (unsigned int)(getpid() >> 16); /* its thread runs in its reference */
	struct almos_vmm_info before, after;
	uint64_t faults, shared;

	(void)arg;
	/* twice: the first call faults in its own code, stack and data pages */
	if (get_vmm_info(cxy, ALMOS_PID_SELF, &before) != 0 ||
	    get_vmm_info(cxy, ALMOS_PID_SELF, &before) != 0)
		return 100;
	if (code_probe(13) != 40)
		return 101;
	if (get_vmm_info(cxy, ALMOS_PID_SELF, &after) != 0)
		return 100;
	faults = after.local_faults - before.local_faults + after.false_faults - before.false_faults;
	shared = after.shared_pages - before.shared_pages;
	if (faults > 9 || shared > 1)
		return 102;
	return (int)(10 * faults + shared);
}

/* The page cache's pages in every cluster's memory, replicas included. */
static uint64_t cache_pages(void)
{
	uint64_t sum = 0;

	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_cluster_info info;
		if (get_cluster_info(c, &info) == 0)
			sum += info.cache_pages;
	}
	return sum;
}

/* A child in each of the first clusters (at most 4), twice: returns how many shared the page. */
static int code_round(int ref, int n, char *got, size_t size, int *ok)
{
	int sharing = 0;

	for (int i = 0; i < n; i++) {
		int c = (ref + i) % (int)clusters, st, r;

		place_next(c, PLACE_ANY_CORE);
		st = reap(spawn_fn(child_code, NULL));
		r = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		snprintf(got + strlen(got), size - strlen(got), " %d:%d", c, r);
		*ok &= r >= 10 && r < 100; /* at least its one fault for the page */
		sharing += r >= 0 && r < 100 && r % 10 == 1;
	}
	return sharing;
}

static void test_code_shared(void)
{
	int ref = getpid() >> 16, n = clusters < 4 ? (int)clusters : 4, ok = 1, first, second;
	char got[96] = "";
	uintptr_t probe = (uintptr_t)code_probe;
	uint64_t cache1, cache2;

	if ((uintptr_t)code_probe_end - probe != PAGE || (uintptr_t)child_code - probe < PAGE ||
	    (uintptr_t)get_vmm_info - probe < PAGE) {
		ktap_ok(false, "code: code_probe has no page of its own (the test cannot tell)");
		return;
	}
	if (code_probe(1) != 4) /* mapped in the parent's reference, where its main thread runs */
		ktap_diag("code_probe is wrong");
	first = code_round(ref, n, got, sizeof(got), &ok);
	cache1 = cache_pages();
	strncat(got, " /", sizeof(got) - strlen(got) - 1);
	second = code_round(ref, n, got, sizeof(got), &ok);
	cache2 = cache_pages();
	/* every child maps a shared page: the page cache's or its cluster's replica; the second
	 * round's children find the replicas the first made (no new copy anywhere) */
	ktap_ok(ok && first == n && second == n && cache2 == cache1,
		"code: a child faults in the code it runs, mapping its cluster's shared copy (the page "
		"cache's page or a replica), made once per cluster (cluster:10*faults+shared%s; page "
		"cache %lu then %lu)", got, (unsigned long)cache1, (unsigned long)cache2);
}

/* The child only reads 32 pages: no frame is copied, and no cluster loses a page for them. */
static char *shared;

static int child_reader(void *arg)
{
	struct almos_vmm_info info;
	long sum = 0;

	uint64_t faults, copies;

	(void)arg;
	/* its own stack page is written by the first call: measure around the reads only */
	if (get_vmm_info((unsigned int)(getpid() >> 16), ALMOS_PID_SELF, &info) != 0)
		return 2;
	faults = info.cow_faults;
	copies = info.cow_copies;
	for (int i = 0; i < 32; i++)
		sum += shared[i * PAGE];
	if (sum != 32 * 'r')
		return 1;
	if (get_vmm_info((unsigned int)(getpid() >> 16), ALMOS_PID_SELF, &info) != 0)
		return 2;
	return info.cow_faults == faults && info.cow_copies == copies ? 0 : 3;
}

static void test_readers_share(void)
{
	pid_t pid;
	int status;

	shared = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(shared, 'r', 32 * PAGE);
	pid = spawn_fn(child_reader, NULL);
	status = reap(pid);
	ktap_ok(exited_with(status, 0), "cow: a child that only reads copies no frame (status %x)",
		status);
	munmap(shared, 32 * PAGE);
}

/* Siblings on other clusters keep writing a page while the process forks: the child's snapshot of
 * it never changes afterwards (a missing shootdown would let a stale writable entry through). */
static volatile long *hot;
static volatile int stop_writers;

static void *writer(void *arg)
{
	long i = (long)arg * 1000000000L;

	while (!stop_writers)
		*hot = ++i;
	return NULL;
}

static int child_snapshot(void *arg)
{
	long first = *hot;

	(void)arg;
	for (int i = 0; i < 20; i++) {
		usleep(2000);
		if (*hot != first)
			return 1;
	}
	return 0;
}

static int start_on(pthread_t *t, unsigned int cxy, void *(*fn)(void *), void *arg)
{
	if (place_next((int)cxy, PLACE_ANY_CORE) != 0)
		return -1;
	return pthread_create(t, NULL, fn, arg);
}

static void test_fork_while_writing(void)
{
	pthread_t t[4];
	unsigned int n = clusters < 4 ? clusters : 4;
	bool ok = true;

	hot = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*hot = 0;
	stop_writers = 0;
	for (unsigned int i = 0; i < n; i++)
		start_on(&t[i], (i + 1) % clusters, writer, (void *)(long)(i + 1));
	usleep(5000);
	for (int round = 0; round < 5 && ok; round++)
		ok = exited_with(reap(spawn_fn(child_snapshot, NULL)), 0);
	stop_writers = 1;
	for (unsigned int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	ktap_ok(ok, "cow: fork while %u threads on other clusters write: the child's page never "
		"changes", n);
	munmap((void *)hot, PAGE);
}

/* After a fork, threads of the parent on 4 clusters write one page at once: one copy. */
static pthread_barrier_t cow_barrier;
static volatile char *cow_page;

static void *cow_writer(void *arg)
{
	pthread_barrier_wait(&cow_barrier);
	cow_page[(long)arg * 8] = 'w';
	return NULL;
}

static int child_wait_a_bit(void *arg)
{
	(void)arg;
	usleep(200000);
	return cow_page[0] == 'x' ? 0 : 1;
}

static uint64_t cow_copies_of_self(void)
{
	uint64_t total = 0;

	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_vmm_info info;
		if (get_vmm_info(c, ALMOS_PID_SELF, &info) == 0)
			total += info.cow_copies;
	}
	return total;
}

static void test_concurrent_cow(void)
{
	unsigned int n = clusters < 4 ? clusters : 4;
	pthread_t t[4];
	uint64_t before, copies;
	pid_t pid;
	int status, seen = 0;

	cow_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cow_page[0] = 'x';
	pthread_barrier_init(&cow_barrier, NULL, n);
	for (unsigned int i = 1; i < n; i++) /* these threads exist before the fork */
		start_on(&t[i], i % clusters, cow_writer, (void *)(long)i);
	pid = spawn_fn(child_wait_a_bit, NULL);
	before = cow_copies_of_self();
	cow_writer((void *)0L);
	for (unsigned int i = 1; i < n; i++)
		pthread_join(t[i], NULL);
	copies = cow_copies_of_self() - before;
	status = reap(pid);
	for (unsigned int i = 0; i < n; i++) /* two copies would have lost a write */
		seen += cow_page[i * 8] == 'w';
	ktap_diag("copies made by the parent meanwhile (its stack and libc data included): %ld",
		  (long)copies);
	ktap_ok(seen == (int)n && exited_with(status, 0),
		"cow: %u threads on %u clusters write one shared page at once: one copy holds "
		"every write, the child still has the old page", n, n);
	pthread_barrier_destroy(&cow_barrier);
	munmap((void *)cow_page, PAGE);
}

/* ---- many processes ---------------------------------------------------------------------- */

static int child_zero(void *arg)
{
	(void)arg;
	return 0;
}

static void test_fork_wait_loop(int rounds)
{
	int bad = 0;

	for (int i = 0; i < rounds; i++) {
		bad += !exited_with(reap(spawn_fn(child_zero, NULL)), 0);
		if ((i + 1) % 100 == 0 && i + 1 < rounds) /* progress: the harness watches the console */
			ktap_diag("%d forks", i + 1);
	}
	ktap_ok(bad == 0, "fork + exit + wait %d times (%d bad)", rounds, bad);
}

static int child_sleep(void *arg)
{
	(void)arg;
	usleep(100000);
	return 0;
}

static void test_spread(void)
{
	pid_t pids[64];
	unsigned int n = 0, seen = 0, hinted = 0, all = (1u << clusters) - 1;
	int fds[2];
	char byte;

	/* Children stay (reading a pipe until we close it) while we fork more, so the load grows
	 * where they land: the DQDT must come to every cluster, ours included, which also runs our
	 * thread and the kernel's. */
	if (pipe(fds) != 0) {
		ktap_ok(false, "placement: pipe() failed");
		return;
	}
	while (n < 64 && seen != all) {
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[1]);
			_exit(read(fds[0], &byte, 1) == 0 ? 0 : 1);
		}
		if (pid < 0)
			break;
		pids[n++] = pid;
		seen |= 1u << ((unsigned int)pid >> 16);
	}
	close(fds[0]);
	close(fds[1]);
	for (unsigned int i = 0; i < n; i++)
		reap(pids[i]);
	ktap_ok(seen == all, "placement: children land on every cluster (clusters seen %x after %u "
		"children)", seen, n);
	for (unsigned int c = 0; c < clusters; c++) {
		pid_t pid;

		place_next((int)c, PLACE_ANY_CORE);
		pid = spawn_fn(child_zero, NULL);
		hinted += pid > 0 && ((unsigned int)pid >> 16) == c;
		reap(pid);
	}
	ktap_ok(hinted == clusters, "placement: place_next puts the child in the named cluster "
		"(%u of %u)", hinted, clusters);
}

static void test_until_eagain(void)
{
	static pid_t pids[8192];
	int n = 0, err = 0, bad = 0;

	for (;;) {
		pid_t pid = fork();
		if (pid == 0) {
			for (;;)
				sleep(1000);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		pids[n++] = pid;
		if (n % 256 == 0) /* a sign of life: this takes tens of seconds on 4x2 debug */
			ktap_diag("%d children", n);
		if (n == 8192)
			break;
	}
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++) {
		int status = reap(pids[i]);
		bad += !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		if ((i + 1) % 256 == 0)
			ktap_diag("%d reaped", i + 1);
	}
	ktap_ok(err == EAGAIN && n > 0 && bad == 0,
		"fork until EAGAIN: %d children, then %s; all reaped (%d bad)", n, strerror(err), bad);
}

/* ---- wait4 -------------------------------------------------------------------------------- */

static void test_wait_errors(void)
{
	int status;
	pid_t pid;

	errno = 0;
	ktap_ok(waitpid(-1, &status, 0) == -1 && errno == ECHILD, "wait4: no child: ECHILD");
	errno = 0;
	ktap_ok(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD,
		"wait4: no child, WNOHANG: ECHILD");
	pid = spawn_fn(child_sleep, NULL);
	errno = 0;
	ktap_ok(waitpid(-1, &status, 0x1000) == -1 && errno == EINVAL, "wait4: bad options: EINVAL");
	ktap_ok(waitpid(-1, &status, WNOHANG) == 0, "wait4: WNOHANG with a running child: 0");
	errno = 0;
	ktap_ok(waitpid(1, &status, 0) == -1 && errno == ECHILD, "wait4: a non-child: ECHILD");
	errno = 0;
	ktap_ok(waitpid(pid, (int *)16, 0) == -1 && errno == EFAULT,
		"wait4: bad status pointer: EFAULT");
	errno = 0;
	ktap_ok(waitpid(pid, &status, 0) == -1 && errno == ECHILD,
		"wait4: ... and the child was reaped all the same (Linux)");
}

/* ---- signals, exec, orphans --------------------------------------------------------------- */

static void test_child_segv(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		*(volatile int *)0 = 1;
		_exit(0);
	}
	status = reap(pid);
	ktap_ok(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		"a child's SIGSEGV is reported as killed by signal 11 (%x)", status);
}

static void test_exec_after_fork(void)
{
	bool ok = true;

	for (unsigned int c = 0; c < clusters; c++) {
		pid_t pid;

		place_next((int)c, PLACE_ANY_CORE);
		pid = fork();
		if (pid == 0) {
			char *argv[] = { (char *)self_path, "exit", "42", NULL };
			execve(self_path, argv, environ);
			_exit(1);
		}
		ok &= exited_with(reap(pid), 42);
	}
	ktap_ok(ok, "exec after fork in each of %u clusters: the new image's status", clusters);
}

static void test_posix_spawn(void)
{
	char *argv[] = { (char *)self_path, "exit", "5", NULL };
	pid_t pid = -1;
	int error = posix_spawn(&pid, self_path, NULL, NULL, argv, environ);

	int status = error == 0 ? reap(pid) : -1;

	ktap_ok(error == 0 && exited_with(status, 5),
		"posix_spawn (clone CLONE_VM|CLONE_VFORK): error %d, status %x", error, status);
}

/* A child forks a grandchild and exits: the grandchild becomes ours (we are init) and we reap it. */
static void test_orphans(void)
{
	int fds[2];
	pid_t child, grandchild = 0;
	int status;

	if (pipe(fds) != 0) {
		ktap_skip("orphans", "no pipe");
		return;
	}
	child = fork();
	if (child == 0) {
		pid_t g = fork();
		if (g == 0) {
			usleep(100000);
			_exit(getppid() == 1 ? 9 : 8);
		}
		write(fds[1], &g, sizeof(g));
		_exit(0);
	}
	read(fds[0], &grandchild, sizeof(grandchild));
	close(fds[0]);
	close(fds[1]);
	reap(child);
	status = reap(grandchild);
	ktap_ok(exited_with(status, 8) || exited_with(status, 9),
		"an orphan becomes the child of the first process, which reaps it (%x)", status);
}

/*
 * True if @now holds as many pages outside the caches, all clusters together, as @base, and the
 * same slab bytes in each cluster, less the pages the caller itself mapped meanwhile (memcheck.h).
 * A copy-on-write copy made by a thread of another cluster moves a page of the parent there (the
 * frame is placed by the faulting cluster): not a leak.
 */
static bool same_total(const struct memcheck *now, const struct memcheck *base)
{
	uint64_t a = 0, b = 0;

	memcheck_same(now, base); /* the per-cluster figures, as diagnostics */
	for (unsigned int c = 0; c < now->clusters; c++) {
		a += now->pages[c];
		b += base->pages[c];
	}
	ktap_diag("pages outside the caches, all clusters: %lu, baseline %lu", (unsigned long)a,
		  (unsigned long)b);
	return a + now->self_pages == b + base->self_pages &&
	       !memcmp(now->slab_bytes, base->slab_bytes, sizeof(now->slab_bytes));
}

/* ---- processes and pipes, signals between processes --------------------------------------- */

/* A child on another cluster writes 1 MiB into a pipe, the parent reads it intact, then EOF. */
static void test_pipe_between_processes(void)
{
	enum { TOTAL = 1 << 20, CHUNK = 3000 };
	static unsigned char buf[CHUNK];
	int fds[2], status;
	size_t got = 0;
	bool same = true;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0) {
		ktap_ok(false, "pipe between processes: pipe() failed");
		return;
	}
	place_next((int)(clusters - 1), PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		for (size_t off = 0; off < TOTAL; off += CHUNK) {
			size_t len = TOTAL - off < CHUNK ? TOTAL - off : CHUNK;
			for (size_t i = 0; i < len; i++)
				buf[i] = (unsigned char)((off + i) * 7 + 3);
			if (write(fds[1], buf, len) != (ssize_t)len)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			same &= buf[i] == (unsigned char)((got + (size_t)i) * 7 + 3);
		got += (size_t)n;
	}
	close(fds[0]);
	status = reap(pid);
	ktap_ok(n == 0 && got == TOTAL && same && exited_with(status, 0),
		"pipe: 1 MiB from a child in cluster %u to its parent, intact, then EOF (%zu bytes)",
		clusters - 1, got);
}

/* A child writes into a pipe nobody reads: killed by SIGPIPE; with SIGPIPE ignored, EPIPE. */
static void test_sigpipe(void)
{
	int fds[2], killed, ignored;
	pid_t pid;

	pipe(fds);
	close(fds[0]);
	pid = fork();
	if (pid == 0) {
		write(fds[1], "x", 1);
		_exit(1);
	}
	killed = reap(pid);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		_exit(write(fds[1], "x", 1) == -1 && errno == EPIPE ? 0 : 1);
	}
	ignored = reap(pid);
	close(fds[1]);
	ktap_ok(killed != -1 && WIFSIGNALED(killed) && WTERMSIG(killed) == SIGPIPE &&
		exited_with(ignored, 0),
		"pipe without reader: SIGPIPE kills the writer (%x); ignored, write gives EPIPE", killed);
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		sleep(1000);
	return NULL;
}

/* A child with a sleeping thread in every cluster: SIGKILL ends all of them. */
static void test_kill_threads(void)
{
	int fds[2], status;
	char c = 0;
	pid_t pid;

	pipe(fds);
	pid = fork();
	if (pid == 0) {
		pthread_t t;
		for (unsigned int i = 0; i < clusters; i++)
			if (start_on(&t, i, sleeper, NULL) != 0)
				_exit(1);
		write(fds[1], "r", 1);
		sleeper(NULL);
	}
	read(fds[0], &c, 1);
	close(fds[0]);
	close(fds[1]);
	kill(pid, SIGKILL);
	status = reap(pid);
	ktap_ok(c == 'r' && status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		"SIGKILL ends a child with threads in all %u clusters (%x)", clusters, status);
}

/* Stop and continue a child: wait4 reports both (WUNTRACED, WCONTINUED). */
static void test_stop_continue(void)
{
	int stopped = 0, continued = 0, status;
	pid_t pid = fork();

	if (pid == 0)
		sleeper(NULL);
	kill(pid, SIGSTOP);
	if (waitpid(pid, &stopped, WUNTRACED) != pid)
		stopped = -1;
	kill(pid, SIGCONT);
	if (waitpid(pid, &continued, WCONTINUED) != pid)
		continued = -1;
	kill(pid, SIGKILL);
	status = reap(pid);
	ktap_ok(WIFSTOPPED(stopped) && WSTOPSIG(stopped) == SIGSTOP && WIFCONTINUED(continued) &&
		WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		"wait4 reports a child stopped (%x), continued (%x), then killed (%x)", stopped,
		continued, status);
}

/* The parent's SIGCHLD handler gets CLD_EXITED with the child's pid and status. */
static volatile int chld_code, chld_pid, chld_status;

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_code = si->si_code;
	chld_pid = si->si_pid;
	chld_status = si->si_status;
}

static void test_sigchld(void)
{
	struct sigaction sa = { 0 }, old;
	pid_t pid;
	int status;

	sa.sa_sigaction = on_sigchld;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, &old);
	chld_code = chld_pid = chld_status = 0;
	pid = fork();
	if (pid == 0)
		_exit(3);
	status = reap(pid);
	/* As on Linux, the child posts SIGCHLD before it can be reaped: the handler has run by the
	 * time wait4 returns the child (the signal was pending at its return to user mode). */
	sigaction(SIGCHLD, &old, NULL);
	ktap_ok(exited_with(status, 3) && chld_code == CLD_EXITED && chld_pid == pid &&
		chld_status == 3, "SIGCHLD handler: CLD_EXITED, the child's pid and status (%d %d %d)",
		chld_code, chld_pid, chld_status);
}

/* ---- dump mode: COW attributes in every copy of the parent ------------------------------ */

#define DUMP_SLICE 2
static char *dump_region;
static pthread_barrier_t dump_start, dump_end;

static void *dump_toucher(void *arg)
{
	unsigned int c = (unsigned int)(long)arg;

	for (unsigned int i = 0; i < DUMP_SLICE; i++)
		dump_region[(c * DUMP_SLICE + i) * PAGE] = (char)c;
	pthread_barrier_wait(&dump_start); /* the copy of this cluster has its slice mapped */
	pthread_barrier_wait(&dump_end);   /* and lives (this thread) until the dumps are printed */
	return NULL;
}

/*
 * `test_fork dump`: a thread in each cluster writes its slice of a region, the process forks a
 * child (in the last cluster), and `display vmm` with PTEs is printed for every copy of the parent
 * and for the child, between "# forkcheck:" lines (tests/qemu/check_fork_dump.py judges them).
 */
static int dump_mode(void)
{
	pthread_t t[64];
	unsigned int n = clusters > 64 ? 64 : clusters;
	size_t pages = (size_t)n * DUMP_SLICE;
	pid_t child;
	int status;

	dump_region = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	pthread_barrier_init(&dump_start, NULL, n + 1);
	pthread_barrier_init(&dump_end, NULL, n + 1);
	for (unsigned int c = 0; c < n; c++)
		start_on(&t[c], c, dump_toucher, (void *)(long)c);
	pthread_barrier_wait(&dump_start);
	place_next((int)(clusters - 1), PLACE_ANY_CORE);
	child = fork();
	if (child == 0)
		sleeper(NULL);
	printf("# forkcheck: parent %x child %x region %lx pages %zu clusters %u\n", getpid(), child,
	       (unsigned long)dump_region, pages, n);
	fflush(stdout);
	for (unsigned int c = 0; c < n; c++)
		display(DISPLAY_VMM, c, getpid(), 1);
	display(DISPLAY_VMM, (long)((unsigned int)child >> 16), child, 1);
	printf("# forkcheck: end\n");
	fflush(stdout);
	pthread_barrier_wait(&dump_end);
	for (unsigned int c = 0; c < n; c++)
		pthread_join(t[c], NULL);
	kill(child, SIGKILL);
	status = reap(child);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 1;
}

/* The TLB shootdowns asked in all clusters since boot: calls, cores targeted, acks received. */
static void shootdowns(uint64_t out[3])
{
	out[0] = out[1] = out[2] = 0;
	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_cluster_info info;
		if (get_cluster_info(c, &info) != 0)
			continue;
		out[0] += info.tlb_shootdowns;
		out[1] += info.tlb_targets;
		out[2] += info.tlb_acks;
	}
}

/* SIGCHLD ignored: children leave no zombie, and a wait4 for them ends with ECHILD (POSIX). */
static void test_sigchld_ignored(void)
{
	struct sigaction sa = { 0 }, old;
	int status, ret, err;
	pid_t pid;

	sa.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &sa, &old);
	pid = fork();
	if (pid == 0) {
		usleep(50000);
		_exit(4);
	}
	errno = 0;
	ret = waitpid(pid, &status, 0);
	err = errno;
	sigaction(SIGCHLD, &old, NULL);
	ktap_ok(pid > 0 && ret == -1 && err == ECHILD,
		"SIGCHLD ignored: no zombie, wait4 waits for the child's end then says ECHILD (%d %d)",
		ret, err);
}

/* A child in a group of its own: setpgid from the parent, kill of the group, wait4 of the group. */
static void test_groups(void)
{
	pid_t pid = fork();
	int status = -1, set, other;

	if (pid == 0)
		sleeper(NULL);
	set = setpgid(pid, pid);
	other = waitpid(0, &status, WNOHANG); /* our group: the child left it */
	if (set == 0 && getpgid(pid) == pid)
		kill(-pid, SIGKILL);
	else
		kill(pid, SIGKILL);
	if (waitpid(-pid, &status, 0) != pid)
		status = -1;
	ktap_ok(set == 0 && other == -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		"process groups: setpgid of a child, kill and wait4 of its group (%d %d %x)", set,
		other, status);
}

/* Processes owned and process copies, all clusters together (pids in use, descriptors). */
static void process_counts(uint32_t out[2])
{
	out[0] = out[1] = 0;
	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_cluster_info info;
		if (get_cluster_info(c, &info) != 0)
			continue;
		out[0] += info.processes_owned;
		out[1] += info.process_copies;
	}
}

/* What forks, copies pages and runs threads: run twice, the second time against a baseline. */
static void round_of_forks(int loops)
{
	test_cow();
	test_code_shared();
	test_readers_share();
	test_fork_while_writing();
	test_concurrent_cow();
	test_fork_wait_loop(loops);
	test_exec_after_fork();
	test_posix_spawn();
	test_pipe_between_processes();
	test_kill_threads();
}

int main(int argc, char **argv)
{
	struct memcheck base, quiet, now;

	self_path = argv[0];
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	get_config(&clusters, &cores);
	if (argc == 2 && !strcmp(argv[1], "dump"))
		return dump_mode();
	ktap_plan(41);
	memcheck_snapshot(&quiet);
	uint64_t tlb0[3], tlb1[3];
	uint32_t procs0[2], procs1[2];

	test_basic();
	shootdowns(tlb0);
	round_of_forks(1000);
	shootdowns(tlb1);
	ktap_diag("TLB shootdowns during the first round: %lu, cores targeted %lu, acks %lu",
		  (unsigned long)(tlb1[0] - tlb0[0]), (unsigned long)(tlb1[1] - tlb0[1]),
		  (unsigned long)(tlb1[2] - tlb0[2]));
	ktap_ok(tlb1[0] > tlb0[0] && tlb1[2] - tlb0[2] == tlb1[1] - tlb0[1],
		"TLB shootdowns: every core targeted acknowledged its flush");
	test_spread();
	test_wait_errors();
	test_child_segv();
	test_orphans();
	test_sigpipe();
	test_stop_continue();
	test_sigchld();
	test_groups();
	test_sigchld_ignored();
	test_until_eagain();
	/*
	 * The first round grew what a process keeps (glibc's cache of thread stacks, its heap, our
	 * stack): the second must leave every cluster exactly as it found it.
	 */
	if (!memcheck_settled(&quiet, &base))
		ktap_diag("no baseline: the clusters do not settle");
	process_counts(procs0);
	round_of_forks(100);
	ktap_ok(memcheck_settled(&quiet, &now) && same_total(&now, &base),
		"after a second round, the machine's memory is back to its baseline: every frame "
		"shared by a fork was freed");
	process_counts(procs1);
	ktap_ok(procs1[0] == procs0[0] && procs1[1] == procs0[1],
		"... and so are the processes (pids %u, baseline %u) and process copies (%u, %u)",
		procs1[0], procs0[0], procs1[1], procs0[1]);
	return ktap_exit();
}
