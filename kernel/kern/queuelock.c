/*
 * queuelock.c - blocking locks with FIFO hand-off (see queuelock.h).
 */
#include <hal_remote.h>
#include <kern/printk.h>
#include <kern/queuelock.h>
#include <kern/sched.h>
#include <kern/thread.h>

#define QL(xp, field) ((xp) + offsetof(queuelock_t, field))

void remote_queuelock_init(xptr_t lock_xp, const char *name, lock_class_t cls)
{
	remote_busylock_init(QL(lock_xp, guard), name, LOCK_WAITQ);
	hal_remote_s32(QL(lock_xp, taken), 0);
	hal_remote_s32(QL(lock_xp, cls), cls);
	hal_remote_sxp(QL(lock_xp, owner_xp), XPTR_NULL);
	xlist_root_init(QL(lock_xp, waiters));
	hal_remote_spt(QL(lock_xp, name), (void *)name);
}

static const char *ql_name(xptr_t lock_xp)
{
	return hal_remote_lpt(QL(lock_xp, name));
}

void remote_queuelock_acquire(xptr_t lock_xp)
{
	thread_t *self = thread_current();
	xptr_t self_xp = XPTR(local_cxy, self);

	if (!lockdep_acquire(lock_xp, ql_name(lock_xp), (lock_class_t)hal_remote_l32(QL(lock_xp, cls)),
			     false))
		return; /* a violation a test expected */
	remote_busylock_acquire(QL(lock_xp, guard));
	if (!hal_remote_l32(QL(lock_xp, taken))) {
		hal_remote_s32(QL(lock_xp, taken), 1);
		hal_remote_sxp(QL(lock_xp, owner_xp), self_xp);
		remote_busylock_release(QL(lock_xp, guard));
		return;
	}
	if (hal_remote_lxp(QL(lock_xp, owner_xp)) == self_xp)
		panic("%s: thread %x acquires queuelock '%s' it owns", __func__, self->trdid,
		      ql_name(lock_xp));
	xlist_add_last(QL(lock_xp, waiters), XPTR(local_cxy, &self->wait_list));
	thread_block(self_xp, THREAD_BLOCKED_WAITQ);
	remote_busylock_release(QL(lock_xp, guard));
	/* The releaser makes us the owner before it unblocks us. */
	do
		sched_yield();
	while (hal_remote_lxp(QL(lock_xp, owner_xp)) != self_xp);
}

void remote_queuelock_release(xptr_t lock_xp)
{
	thread_t *self = thread_current();
	xptr_t self_xp = XPTR(local_cxy, self);
	xptr_t next;

	if (!lockdep_release(lock_xp, ql_name(lock_xp)))
		return;
	remote_busylock_acquire(QL(lock_xp, guard));
	if (hal_remote_lxp(QL(lock_xp, owner_xp)) != self_xp)
		panic("%s: queuelock '%s' released by thread %x, which does not own it", __func__,
		      ql_name(lock_xp), self->trdid);
	next = xlist_first(QL(lock_xp, waiters));
	if (next != XPTR_NULL) {
		xptr_t thread_xp = XLIST_ELEMENT(next, thread_t, wait_list);
		xlist_unlink(next);
		hal_remote_sxp(QL(lock_xp, owner_xp), thread_xp);
		thread_unblock(thread_xp, THREAD_BLOCKED_WAITQ);
	} else {
		hal_remote_s32(QL(lock_xp, taken), 0);
		hal_remote_sxp(QL(lock_xp, owner_xp), XPTR_NULL);
	}
	remote_busylock_release(QL(lock_xp, guard));
}

bool remote_queuelock_is_owned_by_me(xptr_t lock_xp)
{
	return hal_remote_lxp(QL(lock_xp, owner_xp)) == XPTR(local_cxy, thread_current());
}
