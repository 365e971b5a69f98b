/*
 * ktimer.c - kernel timers (see ktimer.h).
 *
 * The state of each cluster (ktimer_state, in its own replica) is reached as XPTR(cxy, ...) from
 * any cluster. The thread takes the first expired timer off the list, marks it running, drops the
 * lock and calls it; ktimer_cancel waits (yielding) while its timer is the running one.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/ktimer.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/waitq.h>
#include <libk/busylock.h>

typedef struct ktimer_state_s {
	busylock_t    lock;     /* protects root, count and running                       */
	xlist_entry_t root;     /* [L] armed timers, earliest first                       */
	uint32_t      count;    /* [L] timers in root                                     */
	xptr_t        running;  /* [L] the timer whose function runs now (XPTR_NULL: none) */
	waitq_t       wait;     /* the ktimer thread, between expiries                    */
} ktimer_state_t;

static ktimer_state_t ktimer_state; /* each cluster's copy is its own */

#define KS(cxy, f) XPTR(cxy, &ktimer_state.f)
#define KT(xp, f)  XPTR_FIELD(xp, ktimer_t, f)

/* Take the first timer off the list if it expired (lock held); XPTR_NULL if none did. */
static xptr_t pop_expired(uint64_t now, uint64_t *next)
{
	xptr_t first = xlist_first(XPTR(local_cxy, &ktimer_state.root)), t_xp;

	kassert(busylock_is_held_by_me(&ktimer_state.lock));
	*next = 0;
	if (first == XPTR_NULL)
		return XPTR_NULL;
	t_xp = XLIST_ELEMENT(first, ktimer_t, link);
	*next = hal_remote_l64(KT(t_xp, deadline));
	if (*next > now)
		return XPTR_NULL;
	xlist_unlink(first);
	hal_remote_s32(KT(t_xp, armed), 0);
	ktimer_state.count--;
	ktimer_state.running = t_xp;
	return t_xp;
}

static void ktimer_thread(void *arg)
{
	xptr_t lock = KS(local_cxy, lock), wait = KS(local_cxy, wait);

	(void)arg;
	remote_busylock_acquire(lock);
	for (;;) {
		uint64_t now = hal_get_time_ns(), next;
		xptr_t t_xp = pop_expired(now, &next);

		if (t_xp != XPTR_NULL) {
			ktimer_t *t = GET_PTR(t_xp);
			remote_busylock_release(lock);
			t->fn(t);
			remote_busylock_acquire(lock);
			ktimer_state.running = XPTR_NULL;
			continue;
		}
		if (next)
			waitq_wait_timeout(wait, lock, next - now);
		else
			waitq_wait(wait, lock);
	}
}

void ktimer_cluster_init(void)
{
	thread_t *t;

	busylock_init(&ktimer_state.lock, "ktimer", LOCK_KTIMER);
	xlist_root_init(XPTR(local_cxy, &ktimer_state.root));
	waitq_init(KS(local_cxy, wait), "ktimer");
	ktimer_state.running = XPTR_NULL;
	if (thread_kernel_create(&t, THREAD_KERNEL, "ktimer", 0, ktimer_thread, NULL))
		panic("%s: no memory for the timer thread of cluster %x", __func__, local_cxy);
	thread_start(t);
}

void ktimer_init(xptr_t t_xp, ktimer_fn_t fn)
{
	xlist_entry_init(KT(t_xp, link));
	hal_remote_s64(KT(t_xp, deadline), 0);
	hal_remote_s32(KT(t_xp, armed), 0);
	hal_remote_spt(KT(t_xp, fn), (void *)fn);
}

/* Take @t_xp off its list if armed (its cluster's lock held). */
static bool unlink_armed(cxy_t cxy, xptr_t t_xp)
{
	kassert(remote_busylock_is_held_by_me(KS(cxy, lock)));
	if (!hal_remote_l32(KT(t_xp, armed)))
		return false;
	xlist_unlink(KT(t_xp, link));
	hal_remote_s32(KT(t_xp, armed), 0);
	hal_remote_s32(KS(cxy, count), hal_remote_l32(KS(cxy, count)) - 1);
	return true;
}

void ktimer_arm(xptr_t t_xp, uint64_t deadline)
{
	cxy_t cxy = GET_CXY(t_xp);
	xptr_t root = KS(cxy, root), iter, before = XPTR_NULL;

	remote_busylock_acquire(KS(cxy, lock));
	unlink_armed(cxy, t_xp);
	hal_remote_s64(KT(t_xp, deadline), deadline);
	XLIST_FOREACH(root, iter) {
		if (hal_remote_l64(KT(XLIST_ELEMENT(iter, ktimer_t, link), deadline)) > deadline) {
			before = iter;
			break;
		}
	}
	if (before == XPTR_NULL)
		xlist_add_last(root, KT(t_xp, link));
	else
		xlist_add_pred(before, KT(t_xp, link));
	hal_remote_s32(KT(t_xp, armed), 1);
	hal_remote_s32(KS(cxy, count), hal_remote_l32(KS(cxy, count)) + 1);
	if (xlist_first(root) == KT(t_xp, link)) /* a new first deadline: the thread looks again */
		waitq_wake_all(KS(cxy, wait));
	remote_busylock_release(KS(cxy, lock));
}

bool ktimer_cancel(xptr_t t_xp)
{
	cxy_t cxy = GET_CXY(t_xp);
	bool was;

	remote_busylock_acquire(KS(cxy, lock));
	was = unlink_armed(cxy, t_xp);
	while (hal_remote_lxp(KS(cxy, running)) == t_xp) {
		remote_busylock_release(KS(cxy, lock));
		sched_yield();
		remote_busylock_acquire(KS(cxy, lock));
		was |= unlink_armed(cxy, t_xp); /* the function re-armed it */
	}
	remote_busylock_release(KS(cxy, lock));
	return was;
}

bool ktimer_deadline(xptr_t t_xp, uint64_t *deadline)
{
	cxy_t cxy = GET_CXY(t_xp);
	bool armed;

	remote_busylock_acquire(KS(cxy, lock));
	armed = hal_remote_l32(KT(t_xp, armed)) != 0;
	*deadline = hal_remote_l64(KT(t_xp, deadline));
	remote_busylock_release(KS(cxy, lock));
	return armed;
}

uint32_t ktimer_count(cxy_t cxy)
{
	return hal_remote_l32(KS(cxy, count));
}
