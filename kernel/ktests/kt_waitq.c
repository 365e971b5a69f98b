/*
 * kt_waitq.c - in-kernel tests of wait queues: waiters from every cluster, wake one / wake all,
 * timed waits, killable waits.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/waitq.h>
#include <libk/errno.h>

static waitq_t wq;            /* cluster 0's copy */
static uint32_t woken;        /* cluster 0's copy: waiters that returned */
static uint32_t timed_out;    /* cluster 0's copy */

static void waiter(void *arg)
{
	(void)arg;
	waitq_wait(XPTR(0, &wq), XPTR_NULL);
	hal_remote_atomic_add32(XPTR(0, &woken), 1);
}

/* Start @fn(@arg) in cluster @cxy; *thread_xp (if not NULL) names the thread. */
static error_t spawn_thread(cxy_t cxy, void (*fn)(void *), void *arg, xptr_t *thread_xp)
{
	static const char name[] = "waiter";
	rpc_thread_create_args_t a = { .entry = fn, .arg = arg, .lid = RPC_ANY_CORE,
				       .type = THREAD_KERNEL, .name_xp = XPTR(local_cxy, name) };
	rpc_desc_t desc = RPC_DESC(RPC_THREAD_CREATE, &a);

	rpc_send(cxy, &desc);
	if (thread_xp)
		*thread_xp = XPTR(cxy, a.thread);
	return desc.error;
}

static error_t spawn(cxy_t cxy, void (*fn)(void *))
{
	return spawn_thread(cxy, fn, NULL, NULL);
}

/* Wait (sleeping) until @counter reaches @value (KTEST_WAIT_UNTIL: only a hang gives up). */
static bool wait_count(uint32_t *counter, uint32_t value)
{
	KTEST_WAIT_UNTIL(hal_remote_l32(XPTR(0, counter)) >= value);
	return hal_remote_l32(XPTR(0, counter)) == value;
}

/* Count the threads queued (a walk under the queue's lock would need its internals: poll). */
static uint32_t queued(void)
{
	uint32_t n = 0;
	xptr_t root = XPTR(0, &wq.root);

	for (xptr_t e = xlist_first(root); e != XPTR_NULL; e = xlist_next(root, e))
		n++;
	return n;
}

/* Two waiters per cluster; wake one, then all; every waiter returns exactly once. */
KTEST(waitq, wake_one_then_all)
{
	uint32_t n = 2 * cluster_count();

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	waitq_init(XPTR(0, &wq), "ktest.wq");
	woken = 0;
	for (cxy_t c = 0; c < cluster_count(); c++)
		for (int i = 0; i < 2; i++)
			KT_EXPECT_EQ(ctx, spawn(c, waiter), 0);
	KTEST_WAIT_UNTIL(queued() >= n);
	KT_EXPECT_EQ(ctx, queued(), n);
	KT_EXPECT(ctx, waitq_wake_one(XPTR(0, &wq)));
	KT_EXPECT(ctx, wait_count(&woken, 1));
	KT_EXPECT_EQ(ctx, waitq_wake_all(XPTR(0, &wq)), n - 1);
	KT_EXPECT(ctx, wait_count(&woken, n));
	KT_EXPECT(ctx, waitq_is_empty(XPTR(0, &wq)));
	KT_EXPECT(ctx, !waitq_wake_one(XPTR(0, &wq)));
}

static void timed_waiter(void *arg)
{
	(void)arg;
	if (waitq_wait_timeout(XPTR(0, &wq), XPTR_NULL, 20000000) == ETIMEDOUT)
		hal_remote_atomic_add32(XPTR(0, &timed_out), 1);
	hal_remote_atomic_add32(XPTR(0, &woken), 1);
}

/* A timed wait ends by its deadline when nobody wakes it, and by the waker otherwise. */
KTEST(waitq, timed_waits)
{
	cxy_t far = (cxy_t)(cluster_count() - 1);

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	waitq_init(XPTR(0, &wq), "ktest.wq");
	woken = timed_out = 0;
	KT_EXPECT_EQ(ctx, spawn(far, timed_waiter), 0);
	KT_EXPECT(ctx, wait_count(&woken, 1));
	KT_EXPECT_EQ(ctx, timed_out, 1);
	KT_EXPECT(ctx, waitq_is_empty(XPTR(0, &wq)));

	/*
	 * Now with a waker, long before the deadline of 20 ms, unless the host stalls a virtual core
	 * past it: the waiter may then time out before this core sees it queued (waiting only for
	 * "queued" hung the run silently), or between the look and the wake. Either way it returns
	 * once; a wake that found nobody means it timed out.
	 */
	KT_EXPECT_EQ(ctx, spawn(far, timed_waiter), 0);
	KTEST_WAIT_UNTIL(queued() != 0 || hal_remote_l32(XPTR(0, &woken)) >= 2);
	bool waker_found_it = waitq_wake_one(XPTR(0, &wq));
	KT_EXPECT(ctx, wait_count(&woken, 2));
	KT_EXPECT(ctx, waker_found_it ? timed_out == 1 || timed_out == 2 : timed_out == 2);
	KT_EXPECT(ctx, waitq_is_empty(XPTR(0, &wq)));
}

static uint32_t interrupted; /* cluster 0's copy: killable waits that returned EINTR */

static void killable_waiter(void *arg)
{
	if (arg) /* killed before it waits: it must not wait at all */
		thread_current()->killed = 1;
	if (waitq_wait_killable(XPTR(0, &wq), XPTR_NULL) == EINTR)
		hal_remote_atomic_add32(XPTR(0, &interrupted), 1);
	hal_remote_atomic_add32(XPTR(0, &woken), 1);
}

/*
 * A killable wait ends with EINTR when its thread is killed the way process.c's kill_local does it
 * (the flag, then thread_interrupt clears WAITQ, the thread left in the queue), and the thread leaves the queue; a
 * waker ends it with 0; a thread already killed does not wait.
 */
KTEST(waitq, killable_waits)
{
	cxy_t far = (cxy_t)(cluster_count() - 1);
	xptr_t t_xp;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	waitq_init(XPTR(0, &wq), "ktest.wq");
	woken = interrupted = 0;
	KT_EXPECT_EQ(ctx, spawn_thread(far, killable_waiter, NULL, &t_xp), 0);
	KTEST_WAIT_UNTIL(queued() != 0);
	KT_EXPECT_EQ(ctx, queued(), 1);
	hal_remote_s32(THREAD_XP(t_xp, killed), 1);
	thread_interrupt(t_xp, true);
	KT_EXPECT(ctx, wait_count(&woken, 1));
	KT_EXPECT_EQ(ctx, interrupted, 1);
	KT_EXPECT(ctx, waitq_is_empty(XPTR(0, &wq)));

	KT_EXPECT_EQ(ctx, spawn(far, killable_waiter), 0);
	KT_EXPECT(ctx, KTEST_WAIT_UNTIL(queued() != 0));
	KT_EXPECT(ctx, waitq_wake_one(XPTR(0, &wq)));
	KT_EXPECT(ctx, wait_count(&woken, 2));
	KT_EXPECT_EQ(ctx, interrupted, 1);

	KT_EXPECT_EQ(ctx, spawn_thread(far, killable_waiter, (void *)1, NULL), 0);
	KT_EXPECT(ctx, wait_count(&woken, 3)); /* nobody wakes it: it returned by itself */
	KT_EXPECT_EQ(ctx, interrupted, 2);
	KT_EXPECT(ctx, waitq_is_empty(XPTR(0, &wq)));
}

static uint32_t sleeps_done; /* cluster 0's copy */

/* Two long interruptible sleeps in a row: only an interrupter ends them early. */
static void double_sleeper(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		thread_sleep_ns(10ULL * 1000000000);
		hal_remote_atomic_add32(XPTR(0, &sleeps_done), 1);
	}
}

static bool in_interruptible_sleep(xptr_t t_xp)
{
	return hal_remote_l32(THREAD_XP(t_xp, intr_wait)) == THREAD_WAIT_SIGNAL &&
	       (hal_remote_l32(THREAD_XP(t_xp, blocked)) & THREAD_BLOCKED_SLEEP);
}

/* True once the thread @t_xp sleeps in an interruptible wait (polled: KTEST_WAIT_UNTIL). */
static bool sleeping_interruptibly(xptr_t t_xp)
{
	return KTEST_WAIT_UNTIL(in_interruptible_sleep(t_xp));
}

/*
 * A slow interrupter: it claims a wait (BUSY), unblocks the thread, then takes its time before it
 * gives the wait back (PLAIN), as a core the host runs late does. The thread must not start its
 * next wait before that: it once took the wait back itself and slept again, and the interrupter's
 * late PLAIN then made that second sleep one no signal could end (a shell's lost wake-up).
 */
KTEST(waitq, slow_interrupter_done_before_next_wait)
{
	cxy_t far = (cxy_t)(cluster_count() - 1);
	xptr_t t_xp, mode_xp;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	sleeps_done = 0;
	KT_EXPECT_EQ(ctx, spawn_thread(far, double_sleeper, NULL, &t_xp), 0);
	mode_xp = THREAD_XP(t_xp, intr_wait);
	KT_EXPECT(ctx, sleeping_interruptibly(t_xp));
	KT_EXPECT(ctx, hal_remote_atomic_cas32(mode_xp, THREAD_WAIT_SIGNAL, THREAD_WAIT_BUSY));
	thread_unblock(t_xp, THREAD_BLOCKED_SLEEP);
	thread_sleep_ns(20000000); /* the slow part: the thread must wait for us meanwhile */
	KT_EXPECT_EQ(ctx, hal_remote_l32(XPTR(0, &sleeps_done)), 0);
	KT_EXPECT_EQ(ctx, hal_remote_l32(mode_xp), THREAD_WAIT_BUSY);
	hal_remote_s32(mode_xp, THREAD_WAIT_PLAIN);
	KT_EXPECT(ctx, wait_count(&sleeps_done, 1));
	/* its second sleep is an ordinary one: an interrupter ends it */
	KT_EXPECT(ctx, sleeping_interruptibly(t_xp));
	thread_interrupt(t_xp, false);
	KT_EXPECT(ctx, wait_count(&sleeps_done, 2));
}
