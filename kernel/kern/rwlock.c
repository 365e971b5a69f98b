/*
 * rwlock.c - blocking readers-writer locks with direct hand-off (see rwlock.h).
 *
 * A blocked thread waits until the releaser has let it in: readers until they are no longer
 * linked in rd_root (the releaser unlinks them after counting them in), writers until writer_xp
 * names them.
 */
#include <hal_remote.h>
#include <kern/printk.h>
#include <kern/rwlock.h>
#include <kern/sched.h>
#include <kern/thread.h>

#define RW(xp, field) ((xp) + offsetof(rwlock_t, field))

void remote_rwlock_init(xptr_t lock_xp, const char *name, lock_class_t cls)
{
	remote_busylock_init(RW(lock_xp, guard), name, LOCK_WAITQ);
	hal_remote_s32(RW(lock_xp, readers), 0);
	hal_remote_s32(RW(lock_xp, writer), 0);
	hal_remote_sxp(RW(lock_xp, writer_xp), XPTR_NULL);
	xlist_root_init(RW(lock_xp, rd_root));
	xlist_root_init(RW(lock_xp, wr_root));
	hal_remote_s32(RW(lock_xp, cls), cls);
	hal_remote_spt(RW(lock_xp, name), (void *)name);
}

static bool checked_acquire(xptr_t lock_xp)
{
	return lockdep_acquire(lock_xp, hal_remote_lpt(RW(lock_xp, name)),
			       (lock_class_t)hal_remote_l32(RW(lock_xp, cls)), false);
}

/* Queue the caller on @root and block; caller holds the guard, released here. */
static void wait_in(xptr_t lock_xp, xptr_t root_xp, thread_t *self)
{
	xlist_add_last(root_xp, XPTR(local_cxy, &self->wait_list));
	thread_block(XPTR(local_cxy, self), THREAD_BLOCKED_WAITQ);
	remote_busylock_release(RW(lock_xp, guard));
}

void remote_rwlock_rd_acquire(xptr_t lock_xp)
{
	thread_t *self = thread_current();

	if (!checked_acquire(lock_xp))
		return;
	remote_busylock_acquire(RW(lock_xp, guard));
	if (!hal_remote_l32(RW(lock_xp, writer)) && xlist_is_empty(RW(lock_xp, wr_root))) {
		hal_remote_s32(RW(lock_xp, readers), hal_remote_l32(RW(lock_xp, readers)) + 1);
		remote_busylock_release(RW(lock_xp, guard));
		return;
	}
	wait_in(lock_xp, RW(lock_xp, rd_root), self);
	do
		sched_yield();
	while (xlist_is_linked(XPTR(local_cxy, &self->wait_list)));
}

void remote_rwlock_wr_acquire(xptr_t lock_xp)
{
	thread_t *self = thread_current();
	xptr_t self_xp = XPTR(local_cxy, self);

	if (!checked_acquire(lock_xp))
		return;
	remote_busylock_acquire(RW(lock_xp, guard));
	if (!hal_remote_l32(RW(lock_xp, writer)) && hal_remote_l32(RW(lock_xp, readers)) == 0) {
		hal_remote_s32(RW(lock_xp, writer), 1);
		hal_remote_sxp(RW(lock_xp, writer_xp), self_xp);
		remote_busylock_release(RW(lock_xp, guard));
		return;
	}
	wait_in(lock_xp, RW(lock_xp, wr_root), self);
	do
		sched_yield();
	while (hal_remote_lxp(RW(lock_xp, writer_xp)) != self_xp);
}

/* Let the oldest waiting writer in; caller holds the guard and the lock is free. */
static bool admit_writer(xptr_t lock_xp)
{
	xptr_t entry = xlist_first(RW(lock_xp, wr_root));
	xptr_t thread_xp;

	if (entry == XPTR_NULL)
		return false;
	thread_xp = XLIST_ELEMENT(entry, thread_t, wait_list);
	xlist_unlink(entry);
	hal_remote_s32(RW(lock_xp, writer), 1);
	hal_remote_sxp(RW(lock_xp, writer_xp), thread_xp);
	thread_unblock(thread_xp, THREAD_BLOCKED_WAITQ);
	return true;
}

/* Let every waiting reader in; caller holds the guard and no writer is inside. */
static bool admit_readers(xptr_t lock_xp)
{
	xptr_t entry;
	bool any = false;

	while ((entry = xlist_first(RW(lock_xp, rd_root))) != XPTR_NULL) {
		xptr_t thread_xp = XLIST_ELEMENT(entry, thread_t, wait_list);
		hal_remote_s32(RW(lock_xp, readers), hal_remote_l32(RW(lock_xp, readers)) + 1);
		xlist_unlink(entry);
		thread_unblock(thread_xp, THREAD_BLOCKED_WAITQ);
		any = true;
	}
	return any;
}

void remote_rwlock_rd_release(xptr_t lock_xp)
{
	uint32_t readers;

	if (!lockdep_release(lock_xp, hal_remote_lpt(RW(lock_xp, name))))
		return;
	remote_busylock_acquire(RW(lock_xp, guard));
	readers = hal_remote_l32(RW(lock_xp, readers));
	if (readers == 0)
		panic("%s: rwlock '%s' released by a reader while no reader holds it", __func__,
		      (const char *)hal_remote_lpt(RW(lock_xp, name)));
	hal_remote_s32(RW(lock_xp, readers), readers - 1);
	if (readers == 1)
		admit_writer(lock_xp);
	remote_busylock_release(RW(lock_xp, guard));
}

void remote_rwlock_wr_release(xptr_t lock_xp)
{
	xptr_t self_xp = XPTR(local_cxy, thread_current());

	if (!lockdep_release(lock_xp, hal_remote_lpt(RW(lock_xp, name))))
		return;
	remote_busylock_acquire(RW(lock_xp, guard));
	if (hal_remote_lxp(RW(lock_xp, writer_xp)) != self_xp)
		panic("%s: rwlock '%s' released by a thread that is not its writer", __func__,
		      (const char *)hal_remote_lpt(RW(lock_xp, name)));
	hal_remote_s32(RW(lock_xp, writer), 0);
	hal_remote_sxp(RW(lock_xp, writer_xp), XPTR_NULL);
	if (!admit_readers(lock_xp))
		admit_writer(lock_xp);
	remote_busylock_release(RW(lock_xp, guard));
}
