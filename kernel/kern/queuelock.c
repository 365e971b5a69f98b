/*
 * queuelock.c - blocking locks with FIFO hand-off (see queuelock.h).
 *
 * As in rwlock.c: while QUEUELOCK_WAITERS is clear the state changes by compare-and-swap only;
 * the slow paths take the guard and set QUEUELOCK_WAITERS first, which freezes the state for the
 * fast paths, and publish the final state in one store when they leave the guard.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <kern/queuelock.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>

#define QL(xp, field) XPTR_FIELD(xp, queuelock_t, field)

void remote_queuelock_init(xptr_t lock_xp, const char *name, lock_class_t cls)
{
	remote_busylock_init(QL(lock_xp, guard), name, LOCK_WAITQ);
	hal_remote_s32(QL(lock_xp, state), 0);
	hal_remote_s32(QL(lock_xp, cls), cls);
	hal_remote_sxp(QL(lock_xp, owner_xp), XPTR_NULL);
	xlist_root_init(QL(lock_xp, waiters));
	hal_remote_spt(QL(lock_xp, name), (void *)name);
}

static const char *ql_name(xptr_t lock_xp)
{
	return hal_remote_lpt(QL(lock_xp, name));
}

/* Publish @state (QUEUELOCK_WAITERS recomputed from the queue) and release the guard. */
static void guard_leave(xptr_t lock_xp, uint32_t state)
{
	state &= ~QUEUELOCK_WAITERS;
	if (!xlist_is_empty(QL(lock_xp, waiters)))
		state |= QUEUELOCK_WAITERS;
	hal_fence(); /* the queue and owner_xp are up to date before the state says so */
	hal_remote_s32(QL(lock_xp, state), state);
	remote_busylock_release(QL(lock_xp, guard));
}

static __attribute__((noinline)) void acquire_slow(xptr_t lock_xp)
{
	thread_t *self = thread_current();
	xptr_t self_xp = XPTR(local_cxy, self);
	bool away = rpc_server_away_begin(); /* before the guard: it may create a thread */
	uint32_t state;

	remote_busylock_acquire(QL(lock_xp, guard));
	state = hal_remote_atomic_or32(QL(lock_xp, state), QUEUELOCK_WAITERS);
	if (!(state & QUEUELOCK_TAKEN)) {
		hal_remote_sxp(QL(lock_xp, owner_xp), self_xp);
		guard_leave(lock_xp, QUEUELOCK_TAKEN);
	} else {
		if (hal_remote_lxp(QL(lock_xp, owner_xp)) == self_xp) {
			remote_busylock_release(QL(lock_xp, guard));
			panic("%s: thread %x acquires queuelock '%s' it owns", __func__, self->trdid,
			      ql_name(lock_xp));
		}
		xlist_add_last(QL(lock_xp, waiters), XPTR(local_cxy, &self->wait_list));
		thread_block(self_xp, THREAD_BLOCKED_WAITQ);
		guard_leave(lock_xp, QUEUELOCK_TAKEN);
		/* The releaser makes us the owner before it unblocks us. */
		do
			sched_yield();
		while (hal_remote_lxp(QL(lock_xp, owner_xp)) != self_xp);
	}
	if (away)
		rpc_server_away_end();
}

void remote_queuelock_acquire(xptr_t lock_xp)
{
	if (!lockdep_acquire(lock_xp, ql_name(lock_xp), (lock_class_t)hal_remote_l32(QL(lock_xp, cls)),
			     false))
		return; /* a violation a test expected */
	if (hal_remote_atomic_cas32(QL(lock_xp, state), 0, QUEUELOCK_TAKEN)) {
		hal_remote_sxp(QL(lock_xp, owner_xp), XPTR(local_cxy, thread_current()));
		return;
	}
	acquire_slow(lock_xp);
}

static __attribute__((noinline)) void release_slow(xptr_t lock_xp)
{
	xptr_t next;

	remote_busylock_acquire(QL(lock_xp, guard));
	hal_remote_atomic_or32(QL(lock_xp, state), QUEUELOCK_WAITERS);
	next = xlist_first(QL(lock_xp, waiters));
	if (next != XPTR_NULL) {
		xptr_t thread_xp = XLIST_ELEMENT(next, thread_t, wait_list);

		xlist_unlink(next);
		hal_remote_sxp(QL(lock_xp, owner_xp), thread_xp);
		thread_unblock(thread_xp, THREAD_BLOCKED_WAITQ);
		guard_leave(lock_xp, QUEUELOCK_TAKEN);
	} else {
		guard_leave(lock_xp, 0);
	}
}

void remote_queuelock_release(xptr_t lock_xp)
{
	thread_t *self = thread_current();

	if (!lockdep_release(lock_xp, ql_name(lock_xp)))
		return;
	if (hal_remote_lxp(QL(lock_xp, owner_xp)) != XPTR(local_cxy, self))
		panic("%s: queuelock '%s' released by thread %x, which does not own it", __func__,
		      ql_name(lock_xp), self->trdid);
	hal_remote_sxp(QL(lock_xp, owner_xp), XPTR_NULL);
	if (hal_remote_atomic_cas32(QL(lock_xp, state), QUEUELOCK_TAKEN, 0))
		return;
	release_slow(lock_xp);
}

bool remote_queuelock_is_owned_by_me(xptr_t lock_xp)
{
	return hal_remote_lxp(QL(lock_xp, owner_xp)) == XPTR(local_cxy, thread_current());
}
