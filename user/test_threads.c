/*
 * test_threads.c - POSIX threads of one process spread over the clusters (KTAP).
 *
 *     test_threads                 the KTAP suite
 *     test_threads exit_group      a thread of the last cluster calls exit_group(42) while the
 *                                  others wait, sleep or spin: the process must end with 42
 *     test_threads exit_main       the main thread exits alone with 3, a thread of another
 *                                  cluster later with 5: the process must end with 3 (Linux: the
 *                                  status of the main thread)
 *
 * Threads are placed with place_next() (user/include/almos.h) on every cluster; they report where
 * they run, share counters under pthread mutexes, hand a token back and forth through a condition
 * variable, write through a pointer to the main thread's stack, and touch a large heap buffer.
 * Then the raw system calls under glibc's threads: futex (errors, timeouts, bitsets, requeue),
 * clone's refusals, the signal bookkeeping (masks, pending signals of tgkill), and the memory of
 * created and joined threads coming back. Run: `./archipel run -- /bin/test_threads`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"
#include "memcheck.h"

#define COUNTER_ROUNDS 2000
#define HANDOFFS       10000
#define BIG            (64UL << 20)

static unsigned int clusters, cores;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

struct where {
	unsigned int cxy, lid;
};

static void *report_core(void *arg)
{
	struct where *w = arg;

	get_core_id(&w->cxy, &w->lid);
	return NULL;
}

/* Start @fn(@arg) on cluster @cxy (any core); 0 or an errno. */
static int start_on(pthread_t *t, unsigned int cxy, void *(*fn)(void *), void *arg)
{
	if (place_next((int)cxy, PLACE_ANY_CORE) != 0)
		return errno;
	return pthread_create(t, NULL, fn, arg);
}

static bool placement(void)
{
	bool ok = true;

	for (unsigned int c = 0; c < clusters; c++) {
		struct where w = { 99, 99 };
		pthread_t t;
		if (start_on(&t, c, report_core, &w) != 0 || pthread_join(t, NULL) != 0)
			return false;
		ktap_diag("thread placed on cluster %u ran on core [%u,%u]", c, w.cxy, w.lid);
		ok = ok && w.cxy == c && w.lid < cores;
	}
	return ok;
}

static void *add(void *arg)
{
	(void)arg;
	for (int i = 0; i < COUNTER_ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static bool mutex_counters(void)
{
	pthread_t t[8];

	counter = 0;
	for (int i = 0; i < 8; i++)
		if (start_on(&t[i], (unsigned int)i % clusters, add, NULL) != 0)
			return false;
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	ktap_diag("counter %ld, expected %d", counter, 8 * COUNTER_ROUNDS);
	return counter == 8 * COUNTER_ROUNDS;
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn, handoffs;

/* Wait for our turn @me, pass it to the other side, HANDOFFS times in all. */
static void *ping_pong(void *arg)
{
	int me = (int)(intptr_t)arg;

	pthread_mutex_lock(&lock);
	while (handoffs < HANDOFFS) {
		while (turn != me && handoffs < HANDOFFS)
			pthread_cond_wait(&cond, &lock);
		if (handoffs < HANDOFFS) {
			handoffs++;
			turn = 1 - me;
			pthread_cond_broadcast(&cond);
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static bool condvar_handoffs(void)
{
	pthread_t a, b;

	turn = 0;
	handoffs = 0;
	if (start_on(&a, 0, ping_pong, (void *)0) != 0 ||
	    start_on(&b, clusters - 1, ping_pong, (void *)1) != 0)
		return false;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return handoffs == HANDOFFS;
}

static void *write_there(void *arg)
{
	*(volatile long *)arg = 0x5eed;
	return NULL;
}

static bool stack_pointer_shared(void)
{
	volatile long on_my_stack = 0;
	pthread_t t;

	if (start_on(&t, clusters - 1, write_there, (void *)&on_my_stack) != 0)
		return false;
	pthread_join(t, NULL);
	return on_my_stack == 0x5eed;
}

static char *big;

static void *touch_half(void *arg)
{
	size_t half = (size_t)(intptr_t)arg;

	for (size_t off = half * (BIG / 2); off < (half + 1) * (BIG / 2); off += 4096)
		big[off] = (char)(off >> 12);
	return NULL;
}

static bool big_heap(void)
{
	pthread_t t;
	bool ok = true;

	big = malloc(BIG);
	if (!big)
		return false;
	if (start_on(&t, clusters - 1, touch_half, (void *)1) != 0)
		return false;
	touch_half((void *)0);
	pthread_join(t, NULL);
	for (size_t off = 0; off < BIG; off += 4096)
		ok = ok && big[off] == (char)(off >> 12);
	free(big);
	return ok;
}

/* ---- futex, called directly ---- */

static long futex(void *uaddr, int op, uint32_t val, const struct timespec *ts, void *uaddr2,
		  uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* The errno of a call that must fail, or 0 if it did not. */
static int fails(long ret)
{
	return ret == -1 ? errno : 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool futex_errors(void)
{
	static uint32_t word[2] = { 7, 0 };
	struct timespec bad = { 0, 1000000000 }, ten_ms = { 0, 10000000 };
	uint64_t t0, waited;
	bool ok = true;
	long woken;

	ok = ok && fails(futex(&word[0], FUTEX_WAIT, 8, NULL, NULL, 0)) == EAGAIN;
	ok = ok && fails(futex(&word[0], FUTEX_WAIT_PRIVATE, 8, NULL, NULL, 0)) == EAGAIN;
	ok = ok && fails(futex((char *)word + 1, FUTEX_WAIT, 7, NULL, NULL, 0)) == EINVAL;
	ok = ok && fails(futex(&word[0], FUTEX_WAIT, 7, &bad, NULL, 0)) == EINVAL;
	ok = ok && fails(futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0)) == EFAULT;
	ok = ok && fails(futex(&word[0], FUTEX_WAIT_BITSET, 7, NULL, NULL, 0)) == EINVAL;
	ok = ok && fails(futex(&word[0], 99, 0, NULL, NULL, 0)) == ENOSYS;
	woken = futex(&word[0], FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	ok = ok && woken == 0;
	t0 = now_ns();
	ok = ok && fails(futex(&word[0], FUTEX_WAIT_PRIVATE, 7, &ten_ms, NULL, 0)) == ETIMEDOUT;
	waited = now_ns() - t0;
	ktap_diag("a 10 ms futex timeout returned after %lu us", (unsigned long)(waited / 1000));
	return ok && waited >= 10000000;
}

static uint32_t bits_word;
static long bits_result = -2;

static void *wait_bit0(void *arg)
{
	(void)arg;
	bits_result = futex(&bits_word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 1);
	return NULL;
}

/* A waiter for bit 0 is not woken for bit 1, then is for bits 0|1. */
static bool futex_bitsets(void)
{
	pthread_t t;
	long other, woken = 0;

	if (start_on(&t, clusters - 1, wait_bit0, NULL) != 0)
		return false;
	usleep(20000); /* most likely waiting by now; if not, the check below just cannot see it */
	other = futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 2);
	for (int i = 0; i < 1000 && woken == 0; i++) {
		woken = futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 3);
		if (!woken)
			usleep(1000);
	}
	pthread_join(t, NULL);
	ktap_diag("wake of bit 1: %ld woken; of bits 0|1: %ld; the waiter got %ld", other, woken,
		  bits_result);
	return other == 0 && woken == 1 && bits_result == 0;
}

static uint32_t queue_a, queue_b;
static long queued_result[3];

static void *wait_on_a(void *arg)
{
	queued_result[(intptr_t)arg] = futex(&queue_a, FUTEX_WAIT, 0, NULL, NULL, 0);
	return NULL;
}

/* Three waiters on A (three clusters), moved to B by CMP_REQUEUE, then woken from B. */
static bool futex_requeue(void)
{
	pthread_t t[3];
	long moved = 0, first, rest;
	int mismatch;

	for (intptr_t i = 0; i < 3; i++) {
		queued_result[i] = -2;
		if (start_on(&t[i], (unsigned int)i % clusters, wait_on_a, (void *)i) != 0)
			return false;
	}
	mismatch = fails(futex(&queue_a, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, &queue_b, 1));
	for (int i = 0; i < 2000 && moved < 3; i++) { /* each waiter is moved once it waits */
		long n = futex(&queue_a, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, &queue_b, 0);
		if (n < 0)
			return false;
		moved += n;
		if (moved < 3)
			usleep(1000);
	}
	first = futex(&queue_b, FUTEX_WAKE, 1, NULL, NULL, 0);
	usleep(10000);
	rest = futex(&queue_b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ktap_diag("requeue with a wrong value: errno %d; moved %ld; woken from B: %ld then %ld",
		  mismatch, moved, first, rest);
	return mismatch == EAGAIN && moved == 3 && first == 1 && rest == 2 &&
	       queued_result[0] == 0 && queued_result[1] == 0 && queued_result[2] == 0;
}

/* ---- clone's refusals ---- */

static bool clone_refusals(void)
{
	static char stack[4096] __attribute__((aligned(16)));
	void *top = stack + sizeof(stack);
	bool ok = true;

	/* a process sharing its parent's memory without CLONE_VFORK (test_fork tests fork) */
	ok = ok && fails(syscall(SYS_clone, CLONE_VM | SIGCHLD, top, NULL, NULL, NULL)) == EINVAL;
	/* a thread without the rest of what a thread shares */
	ok = ok && fails(syscall(SYS_clone, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, top, NULL, NULL,
				 NULL)) == EINVAL;
	/* Linux's rules: CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM */
	ok = ok && fails(syscall(SYS_clone, CLONE_VM | CLONE_THREAD, top, NULL, NULL, NULL)) == EINVAL;
	ok = ok && fails(syscall(SYS_clone, CLONE_SIGHAND, top, NULL, NULL, NULL)) == EINVAL;
	/* a thread needs an aligned stack */
	ok = ok && fails(syscall(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				 CLONE_THREAD, (char *)top - 8, NULL, NULL, NULL)) == EINVAL;
	ok = ok && fails(syscall(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				 CLONE_THREAD, NULL, NULL, NULL, NULL)) == EINVAL;
	ok = ok && fails(syscall(SYS_clone, 0x80000000UL | CLONE_VM | CLONE_SIGHAND | CLONE_THREAD,
				 top, NULL, NULL, NULL)) == EINVAL; /* a flag Archipel does not know */
	/* glibc answers clone3 with clone when the kernel has no clone3 */
	ok = ok && fails(syscall(SYS_clone3, NULL, 0)) == ENOSYS;
	return ok;
}

/* ---- the signal bookkeeping ---- */

static uint64_t sigset_bits(const sigset_t *set)
{
	uint64_t bits = 0;

	for (int sig = 1; sig <= 64; sig++)
		if (sigismember(set, sig) == 1)
			bits |= 1ull << (sig - 1);
	return bits;
}

static pid_t other_tid;
static volatile int other_done;

static void *report_tid(void *arg)
{
	(void)arg;
	other_tid = (pid_t)syscall(SYS_gettid);
	while (!other_done)
		usleep(1000);
	return NULL;
}

static bool signal_bookkeeping(void)
{
	uint64_t set = 1ull << (SIGUSR1 - 1) | 1ull << (SIGKILL - 1), old = 0, pending = 0;
	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	pthread_t t;
	bool ok = true;

	/* SIGKILL cannot be blocked: the mask keeps SIGUSR1 only */
	ok = ok && syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8) == 0;
	ok = ok && syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, 8) == 0;
	ok = ok && old == 1ull << (SIGUSR1 - 1);
	ok = ok && fails(syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8)) == EINVAL;
	ok = ok && fails(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4)) == EINVAL;
	ok = ok && fails(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)8, NULL, 8)) == EFAULT;
	/* a blocked signal sent to ourselves stays pending */
	ok = ok && syscall(SYS_tgkill, pid, tid, SIGUSR1) == 0;
	ok = ok && syscall(SYS_rt_sigpending, &pending, 8) == 0 && pending == 1ull << (SIGUSR1 - 1);
	ok = ok && fails(syscall(SYS_tgkill, pid, tid, 65)) == EINVAL;
	ok = ok && fails(syscall(SYS_tgkill, pid, 0x7fff0000, SIGUSR1)) == ESRCH;
	ok = ok && fails(syscall(SYS_tgkill, pid + 1, tid, SIGUSR1)) == ESRCH;
	ok = ok && fails(syscall(SYS_tgkill, -1, tid, SIGUSR1)) == EINVAL;
	ok = ok && syscall(SYS_tgkill, pid, tid, 0) == 0; /* signal 0: the thread exists */
	/* and a thread of another cluster can be named */
	other_done = 0;
	other_tid = 0;
	if (start_on(&t, clusters - 1, report_tid, NULL) != 0)
		return false;
	while (!other_tid)
		usleep(1000);
	ok = ok && syscall(SYS_tgkill, pid, other_tid, 0) == 0 && syscall(SYS_tkill, other_tid, 0) == 0;
	other_done = 1;
	pthread_join(t, NULL);
	/* glibc's view agrees */
	{
		sigset_t mask;
		ok = ok && pthread_sigmask(SIG_SETMASK, NULL, &mask) == 0 &&
		     sigset_bits(&mask) == 1ull << (SIGUSR1 - 1);
	}
	ktap_diag("mask %#lx, pending %#lx", (unsigned long)old, (unsigned long)pending);
	return ok;
}

/* ---- memory of created and joined threads ---- */

static void *short_life(void *arg)
{
	volatile char buf[8192]; /* some stack in use */

	memset((char *)buf, 1, sizeof(buf));
	return arg;
}

/*
 * Rounds of 8 threads at once spread over the clusters. Their 256 KiB stacks stay in glibc's cache
 * of stacks (40 MiB) between rounds, so the user memory is the same at every round and what moves
 * is the kernel's: descriptors, kernel stacks, process copies. (With 8 MiB stacks glibc would unmap
 * some stacks and map others at other addresses, and the reference's page tables, which are kept
 * until the process ends, could grow by a page.)
 */
static bool round_of_threads(void)
{
	pthread_attr_t attr;
	pthread_t t[8];
	bool ok = pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, 256 << 10) == 0;

	for (unsigned int i = 0; ok && i < 8; i++)
		ok = place_next((int)(i % clusters), PLACE_ANY_CORE) == 0 &&
		     pthread_create(&t[i], &attr, short_life, NULL) == 0;
	pthread_attr_destroy(&attr);
	if (!ok)
		return false;
	for (unsigned int i = 0; i < 8; i++)
		if (pthread_join(t[i], NULL) != 0)
			return false;
	return true;
}

static bool threads_freed_at_join(const struct memcheck *quiet)
{
	struct memcheck base, now;
	bool ok = round_of_threads() && memcheck_settled(quiet, &base);

	for (int round = 0; ok && round < 10; round++)
		ok = round_of_threads();
	return ok && memcheck_settled(quiet, &now) && memcheck_same(&now, &base);
}

/* ---- the process's end ---- */

static void *wait_forever(void *arg)
{
	static uint32_t never;

	(void)arg;
	for (;;)
		futex(&never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void *spin_forever(void *arg)
{
	(void)arg;
	for (volatile unsigned long i = 0;; i++)
		;
	return NULL;
}

static void *sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		sleep(1000);
	return NULL;
}

static void *end_the_group(void *arg)
{
	(void)arg;
	usleep(20000);
	syscall(SYS_exit_group, 42);
	return NULL;
}

/* Threads that wait, sleep and spin on every cluster; the last cluster calls exit_group(42). */
static int exit_group_mode(void)
{
	pthread_t t;

	for (unsigned int c = 0; c < clusters; c++) {
		start_on(&t, c, wait_forever, NULL);
		start_on(&t, c, sleep_forever, NULL);
		start_on(&t, c, spin_forever, NULL);
	}
	start_on(&t, clusters - 1, end_the_group, NULL);
	printf("test_threads: %u threads wait, sleep and spin; exit_group(42) comes\n", 3 * clusters);
	fflush(stdout);
	pthread_join(t, NULL); /* never returns: the process ends with the group's status */
	return 1;
}

static void *exit_later(void *arg)
{
	(void)arg;
	usleep(50000);
	syscall(SYS_exit, 5);
	return NULL;
}

/* The main thread exits alone (status 3); the last thread, later, with 5: the process ends with 3. */
static int exit_main_mode(void)
{
	pthread_t t;

	if (start_on(&t, clusters - 1, exit_later, NULL) != 0)
		return 1;
	printf("test_threads: the main thread exits with 3, a thread of cluster %u later with 5\n",
	       clusters - 1);
	fflush(stdout);
	syscall(SYS_exit, 3);
	return 1;
}

int main(int argc, char **argv)
{
	struct memcheck quiet;

	if (get_config(&clusters, &cores) != 0)
		return 1;
	if (argc > 1 && !strcmp(argv[1], "exit_group"))
		return exit_group_mode();
	if (argc > 1 && !strcmp(argv[1], "exit_main"))
		return exit_main_mode();

	ktap_plan(12);
	ktap_ok(memcheck_snapshot(&quiet), "get_config_and_cluster_info");
	ktap_ok(placement(), "threads_run_where_placed");
	ktap_ok(mutex_counters(), "mutex_counters_exact_8_threads");
	ktap_ok(condvar_handoffs(), "condvar_10000_handoffs_across_clusters");
	ktap_ok(stack_pointer_shared(), "remote_thread_writes_main_stack");
	ktap_ok(big_heap(), "malloc_touch_64MiB_from_two_clusters");
	ktap_ok(futex_errors(), "futex_errors_and_timeout");
	ktap_ok(futex_bitsets(), "futex_bitsets_select_waiters");
	ktap_ok(futex_requeue(), "futex_cmp_requeue_across_clusters");
	ktap_ok(clone_refusals(), "clone_refusals");
	ktap_ok(signal_bookkeeping(), "sigprocmask_tgkill_sigpending");
	ktap_ok(threads_freed_at_join(&quiet), "threads_freed_at_join");
	return ktap_exit();
}
