/*
 * test_blocking_locks.c - the queuelock's and rwlock's state word (kernel/kern/queuelock.c,
 * rwlock.c) on the host, with the kernel's own code and thread_host.c's blocking: the fast paths
 * (one compare-and-swap, the guard untouched), the checks that panic, and host threads as cores
 * competing for both kinds of lock (test names with "concurrent", also run under ThreadSanitizer).
 */
#include <kern/printk.h>
#include <kern/queuelock.h>
#include <kern/rwlock.h>
#include <kern/thread.h>

#include "htest.h"

#include <pthread.h>
#include <string.h>

HT_TEST(queuelock_fast_path_uses_one_word)
{
	queuelock_t l;
	xptr_t self_xp = XPTR(local_cxy, thread_current());

	queuelock_init(&l, "ql", LOCK_TEST_A);
	queuelock_acquire(&l);
	HT_CHECK(l.state == QUEUELOCK_TAKEN && l.owner_xp == self_xp);
	HT_CHECK(l.guard.holder == 0); /* the guard was not taken */
	queuelock_release(&l);
	HT_CHECK(l.state == 0 && l.owner_xp == XPTR_NULL && l.guard.holder == 0);
}

#ifndef CONFIG_DEBUG
/* Release builds: the locks' own checks. */
HT_TEST(queuelock_misuse_panics)
{
	queuelock_t l;

	queuelock_init(&l, "ql.bad", LOCK_TEST_A);
	HT_EXPECT_PANIC(queuelock_release(&l));
	HT_CHECK(strstr(ht_panic_msg, "does not own it") != NULL);
	queuelock_acquire(&l);
	HT_EXPECT_PANIC(queuelock_acquire(&l)); /* the slow path finds the caller as the owner */
	HT_CHECK(strstr(ht_panic_msg, "it owns") != NULL);
	HT_CHECK(l.guard.holder == 0); /* released before the panic */
	hal_enable_irq();
	l.state = QUEUELOCK_TAKEN; /* the failed acquire left the waiters bit: no one waits */
	queuelock_release(&l);
	HT_CHECK(l.state == 0);
}
#else
/* Debug builds: the lock checker refuses first, and the lock is left as it was. */
HT_TEST(queuelock_misuse_is_refused_by_the_checker)
{
	queuelock_t l;

	queuelock_init(&l, "ql.bad", LOCK_TEST_A);
	lockdep_expect(LOCKDEP_NOT_HELD);
	queuelock_release(&l);
	HT_CHECK(lockdep_take_report() == LOCKDEP_NOT_HELD && l.state == 0);
	queuelock_acquire(&l);
	lockdep_expect(LOCKDEP_DOUBLE_ACQUIRE);
	queuelock_acquire(&l);
	HT_CHECK(lockdep_take_report() == LOCKDEP_DOUBLE_ACQUIRE && l.state == QUEUELOCK_TAKEN);
	queuelock_release(&l);
	HT_CHECK(l.state == 0);
}
#endif

HT_TEST(rwlock_fast_paths_use_one_word)
{
	rwlock_t l;
	xptr_t self_xp = XPTR(local_cxy, thread_current());

	rwlock_init(&l, "rw", LOCK_TEST_A);
	rwlock_rd_acquire(&l);
	HT_CHECK(l.state == 1);
	rwlock_rd_release(&l);
	HT_CHECK(l.state == 0);
	rwlock_wr_acquire(&l);
	HT_CHECK(l.state == RWLOCK_WRITER && l.writer_xp == self_xp);
	rwlock_wr_release(&l);
	HT_CHECK(l.state == 0 && l.writer_xp == XPTR_NULL);
	HT_CHECK(l.guard.holder == 0); /* no path went through the guard */
}

#ifndef CONFIG_DEBUG
HT_TEST(rwlock_misuse_panics)
{
	rwlock_t l;

	rwlock_init(&l, "rw.bad", LOCK_TEST_A);
	HT_EXPECT_PANIC(rwlock_rd_release(&l));
	HT_CHECK(strstr(ht_panic_msg, "no reader holds it") != NULL);
	HT_CHECK(l.guard.holder == 0);
	hal_enable_irq();
	HT_EXPECT_PANIC(rwlock_wr_release(&l));
	HT_CHECK(strstr(ht_panic_msg, "not its writer") != NULL);
	rwlock_init(&l, "rw.bad", LOCK_TEST_A);
	rwlock_rd_acquire(&l);
	HT_EXPECT_PANIC(rwlock_wr_release(&l)); /* a reader is not the writer */
	rwlock_rd_release(&l);
	HT_CHECK(l.state == 0);
}
#else
HT_TEST(rwlock_misuse_is_refused_by_the_checker)
{
	rwlock_t l;

	rwlock_init(&l, "rw.bad", LOCK_TEST_A);
	lockdep_expect(LOCKDEP_NOT_HELD);
	rwlock_rd_release(&l);
	HT_CHECK(lockdep_take_report() == LOCKDEP_NOT_HELD && l.state == 0);
	lockdep_expect(LOCKDEP_NOT_HELD);
	rwlock_wr_release(&l);
	HT_CHECK(lockdep_take_report() == LOCKDEP_NOT_HELD && l.state == 0);
	rwlock_rd_acquire(&l);
	lockdep_expect(LOCKDEP_DOUBLE_ACQUIRE);
	rwlock_wr_acquire(&l);
	HT_CHECK(lockdep_take_report() == LOCKDEP_DOUBLE_ACQUIRE && l.state == 1);
	rwlock_rd_release(&l);
	HT_CHECK(l.state == 0);
}
#endif

extern __thread lid_t host_lid; /* hal_host.c: each host thread is a core of its own */

#define WORKERS 4
#define ROUNDS  2000

static queuelock_t shared_ql;
static rwlock_t shared_rw;
static uint64_t count_a, count_b; /* written only under the lock being tested */
static int mismatches;            /* readers that saw a writer's half-done update, or a thread
                                     wrong about being the writer (atomic) */

static void *ql_worker(void *arg)
{
	host_lid = (lid_t)(long)arg + 1;
	for (int i = 0; i < ROUNDS; i++) {
		queuelock_acquire(&shared_ql);
		count_a++;
		count_b++;
		queuelock_release(&shared_ql);
	}
	return NULL;
}

static void *rw_worker(void *arg)
{
	long id = (long)arg;

	host_lid = (lid_t)id + 1;
	for (int i = 0; i < ROUNDS; i++) {
		if ((i + id) % 4 == 0) {
			rwlock_wr_acquire(&shared_rw);
			if (!remote_rwlock_is_write_held_by_me(XPTR(local_cxy, &shared_rw)))
				__atomic_fetch_add(&mismatches, 1, __ATOMIC_RELAXED);
			count_a++;
			count_b++;
			rwlock_wr_release(&shared_rw);
		} else {
			rwlock_rd_acquire(&shared_rw);
			if (count_a != count_b ||
			    remote_rwlock_is_write_held_by_me(XPTR(local_cxy, &shared_rw)))
				__atomic_fetch_add(&mismatches, 1, __ATOMIC_RELAXED);
			rwlock_rd_release(&shared_rw);
		}
	}
	return NULL;
}

static void run_workers(void *(*fn)(void *))
{
	pthread_t t[WORKERS];

	for (long i = 0; i < WORKERS; i++)
		HT_REQUIRE(pthread_create(&t[i], NULL, fn, (void *)i) == 0);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
}

HT_TEST(concurrent_queuelock_excludes_and_ends_empty)
{
	queuelock_init(&shared_ql, "ql.shared", LOCK_TEST_A);
	count_a = count_b = 0;
	run_workers(ql_worker);
	HT_CHECK(count_a == (uint64_t)WORKERS * ROUNDS && count_b == count_a);
	HT_CHECK(shared_ql.state == 0 && shared_ql.owner_xp == XPTR_NULL);
	HT_CHECK(xlist_is_empty(XPTR(local_cxy, &shared_ql.waiters)));
}

HT_TEST(concurrent_rwlock_excludes_and_ends_empty)
{
	rwlock_init(&shared_rw, "rw.shared", LOCK_TEST_A);
	count_a = count_b = 0;
	mismatches = 0;
	run_workers(rw_worker);
	HT_CHECK(count_a == (uint64_t)WORKERS * ROUNDS / 4 && count_b == count_a);
	HT_CHECK(__atomic_load_n(&mismatches, __ATOMIC_RELAXED) == 0);
	HT_CHECK(shared_rw.state == 0 && shared_rw.writer_xp == XPTR_NULL);
	HT_CHECK(xlist_is_empty(XPTR(local_cxy, &shared_rw.rd_root)) &&
		 xlist_is_empty(XPTR(local_cxy, &shared_rw.wr_root)));
}

HT_TEST(rwlock_knows_its_writer)
{
	rwlock_t l;
	xptr_t l_xp = XPTR(local_cxy, &l);

	rwlock_init(&l, "rw", LOCK_TEST_A);
	HT_CHECK(!remote_rwlock_is_write_held_by_me(l_xp));
	rwlock_rd_acquire(&l);
	HT_CHECK(!remote_rwlock_is_write_held_by_me(l_xp)); /* a reader is not the writer */
	rwlock_rd_release(&l);
	rwlock_wr_acquire(&l);
	HT_CHECK(remote_rwlock_is_write_held_by_me(l_xp));
	rwlock_wr_release(&l);
	HT_CHECK(!remote_rwlock_is_write_held_by_me(l_xp));
}
