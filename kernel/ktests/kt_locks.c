/*
 * kt_locks.c - lock torture across clusters, and the lock checker firing on purpose.
 *
 * Torture: on every core of every cluster, the case's own thread and one more thread increment a
 * counter in cluster 0 with a plain read-modify-write under each remote lock kind; the final count
 * must be exact. Under the rwlock, writers keep two fields equal with a yield in between, and
 * readers check they never see them differ (a torn update).
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/printk.h>
#include <kern/queuelock.h>
#include <kern/rwlock.h>
#include <kern/sched.h>
#include <kern/thread.h>

#define QUEUELOCK_ROUNDS 100
#define RWLOCK_ROUNDS    100

static queuelock_t torture_qlock;   /* cluster 0's copy */
static rwlock_t torture_rwlock;     /* cluster 0's copy */
static struct {
	uint64_t counter;
	uint64_t a, b;
	uint32_t torn;
} shared;                           /* cluster 0's copy */

#define SHARED(field) XPTR(0, &shared.field)

static void queuelock_rounds(void)
{
	xptr_t lock = XPTR(0, &torture_qlock);

	for (int i = 0; i < QUEUELOCK_ROUNDS; i++) {
		remote_queuelock_acquire(lock);
		uint64_t v = hal_remote_l64(SHARED(counter));
		if (i % 8 == 0)
			sched_yield(); /* hold it across a switch: others must block */
		hal_remote_s64(SHARED(counter), v + 1);
		remote_queuelock_release(lock);
	}
}

static void rwlock_rounds(void)
{
	xptr_t lock = XPTR(0, &torture_rwlock);

	for (int i = 0; i < RWLOCK_ROUNDS; i++) {
		if (i % 4 == 0) {
			remote_rwlock_wr_acquire(lock);
			hal_remote_s64(SHARED(a), hal_remote_l64(SHARED(a)) + 1);
			sched_yield();
			hal_remote_s64(SHARED(b), hal_remote_l64(SHARED(b)) + 1);
			hal_remote_s64(SHARED(counter), hal_remote_l64(SHARED(counter)) + 1);
			remote_rwlock_wr_release(lock);
		} else {
			remote_rwlock_rd_acquire(lock);
			if (hal_remote_l64(SHARED(a)) != hal_remote_l64(SHARED(b)))
				hal_remote_atomic_add32(SHARED(torn), 1);
			remote_rwlock_rd_release(lock);
		}
	}
}

static struct helper {
	void (*rounds)(void);
	volatile uint32_t done;
} helpers[CONFIG_MAX_CORES_PER_CLUSTER];

static void helper_main(void *arg)
{
	struct helper *h = arg;

	h->rounds();
	h->done = 1;
}

/* Run @rounds in the case's thread and in one more thread of the same core. */
static void torture(ktest_ctx_t *ctx, void (*rounds)(void))
{
	struct helper *h = &helpers[ctx->lid];
	thread_t *t;

	h->rounds = rounds;
	h->done = 0;
	KT_EXPECT_EQ(ctx, thread_kernel_create(&t, THREAD_KERNEL, "torture", ctx->lid, helper_main, h), 0);
	thread_start(t);
	rounds();
	while (!h->done)
		thread_sleep_ns(1000000);
}

KTEST(locks, queuelock_torture)
{
	if (ctx->cxy == 0 && ctx->lid == 0) {
		queuelock_init(&torture_qlock, "torture.q", LOCK_TEST_A);
		shared.counter = 0;
	}
	ktest_barrier(ctx);
	torture(ctx, queuelock_rounds);
	ktest_barrier(ctx);
	KT_EXPECT_EQ(ctx, hal_remote_l64(SHARED(counter)), 2ULL * ctx->cores_nr * QUEUELOCK_ROUNDS);
}

KTEST(locks, rwlock_torture)
{
	if (ctx->cxy == 0 && ctx->lid == 0) {
		rwlock_init(&torture_rwlock, "torture.rw", LOCK_TEST_A);
		shared.counter = shared.a = shared.b = 0;
		shared.torn = 0;
	}
	ktest_barrier(ctx);
	torture(ctx, rwlock_rounds);
	ktest_barrier(ctx);
	KT_EXPECT_EQ(ctx, hal_remote_l64(SHARED(counter)), 2ULL * ctx->cores_nr * (RWLOCK_ROUNDS / 4));
	KT_EXPECT_EQ(ctx, hal_remote_l64(SHARED(a)), hal_remote_l64(SHARED(b)));
	KT_EXPECT_EQ(ctx, hal_remote_l32(SHARED(torn)), 0);
}

#ifdef CONFIG_DEBUG
/* The checker exists in debug builds only. */
static busylock_t lock_a = BUSYLOCK_INITIALIZER("check.a", LOCK_TEST_A);
static busylock_t lock_c = BUSYLOCK_INITIALIZER("check.c", LOCK_TEST_C);
static queuelock_t qlock;
static volatile uint32_t other_report, other_done;

/* Provoke @kind with @action: the checker must record it and refuse the operation. */
#define EXPECT_VIOLATION(ctx, kind, action)                                                        \
	do {                                                                                        \
		lockdep_expect(kind);                                                               \
		action;                                                                             \
		KT_EXPECT_EQ(ctx, lockdep_take_report(), kind);                                     \
	} while (0)

/* Another thread releases the queuelock the case's thread owns. */
static void release_foreign(void *arg)
{
	(void)arg;
	lockdep_expect(LOCKDEP_NOT_HELD);
	queuelock_release(&qlock);
	other_report = lockdep_take_report();
	other_done = 1;
}

KTEST(locks, checker_reports_violations)
{
	thread_t *other;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	busylock_acquire(&lock_a);
	EXPECT_VIOLATION(ctx, LOCKDEP_DOUBLE_ACQUIRE, busylock_acquire(&lock_a));
	EXPECT_VIOLATION(ctx, LOCKDEP_BLOCK_IN_BUSY, sched_yield());
	busylock_release(&lock_a);

	busylock_acquire(&lock_c);
	EXPECT_VIOLATION(ctx, LOCKDEP_ORDER, busylock_acquire(&lock_a));
	busylock_release(&lock_c);

	EXPECT_VIOLATION(ctx, LOCKDEP_NOT_HELD, busylock_release(&lock_a));

	queuelock_init(&qlock, "check.q", LOCK_TEST_B);
	queuelock_acquire(&qlock);
	other_done = 0;
	KT_EXPECT_EQ(ctx, thread_kernel_create(&other, THREAD_KERNEL, "foreign", ctx->lid,
					       release_foreign, NULL), 0);
	thread_start(other);
	while (!other_done)
		thread_sleep_ns(1000000);
	KT_EXPECT_EQ(ctx, other_report, LOCKDEP_NOT_HELD);
	KT_EXPECT(ctx, remote_queuelock_is_owned_by_me(XPTR(local_cxy, &qlock)));
	queuelock_release(&qlock);
	KT_EXPECT(ctx, !lockdep_is_held(XPTR(local_cxy, &qlock)));
}
#endif
