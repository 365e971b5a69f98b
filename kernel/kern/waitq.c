/*
 * waitq.c - wait queues (see waitq.h).
 *
 * Timed waits: the waiter sets both THREAD_BLOCKED_WAITQ and THREAD_BLOCKED_SLEEP with a deadline
 * (no other wait combines the two). Whichever comes first clears both bits: a waker (which also
 * unlinks the waiter) or the tick at the deadline. The waiter, once running again, takes the queue
 * lock and settles the outcome: still linked means the deadline won (it unlinks itself); unlinked
 * means it was woken. Killable waits settle the same way: a kill clears WAITQ without unlinking.
 */
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/waitq.h>
#include <libk/errno.h>

#define WQ_LOCK(wq_xp) XPTR_FIELD(wq_xp, waitq_t, lock)
#define WQ_ROOT(wq_xp) XPTR_FIELD(wq_xp, waitq_t, root)

void waitq_init(xptr_t wq_xp, const char *name)
{
	remote_busylock_init(WQ_LOCK(wq_xp), name, LOCK_WAITQ);
	xlist_root_init(WQ_ROOT(wq_xp));
}

/*
 * Enqueue the calling thread and block it (bits @causes); releases @guard_xp if given. With
 * @mode THREAD_WAIT_KILL or _SIGNAL, a thread already killed (or with a deliverable signal) is not
 * left queued and false is returned: a kill or a signal is recorded, then ends announced waits
 * (thread_interrupt, signal.c), so either it is seen here, after the block, or its interrupt
 * comes later and wakes the thread. IRQs are off meanwhile (the queue's busylock), so no
 * preemption can park the thread between the block and the look.
 */
static bool enqueue_and_block(xptr_t wq_xp, xptr_t guard_xp, uint32_t causes, uint32_t mode)
{
	thread_t *self = thread_current();
	xptr_t self_xp = XPTR(local_cxy, self);
	xptr_t link_xp = XPTR(local_cxy, &self->wait_list);
	bool queued = true;

	if (mode != THREAD_WAIT_PLAIN)
		thread_wait_begin(self, mode);
	remote_busylock_acquire(WQ_LOCK(wq_xp));
	xlist_add_last(WQ_ROOT(wq_xp), link_xp);
	thread_block(self_xp, causes);
	if (mode != THREAD_WAIT_PLAIN && thread_interrupted(self, mode)) {
		xlist_unlink(link_xp);
		thread_unblock(self_xp, causes);
		queued = false;
	}
	remote_busylock_release(WQ_LOCK(wq_xp));
	if (guard_xp != XPTR_NULL)
		remote_busylock_release(guard_xp);
	return queued;
}

/*
 * After a wait: a waker unlinks the thread it wakes, so a thread still linked was woken by
 * something else (its deadline, a kill) and leaves the queue here. Returns true in that case.
 */
static bool leave_if_linked(xptr_t wq_xp)
{
	xptr_t link_xp = XPTR(local_cxy, &thread_current()->wait_list);
	bool linked;

	remote_busylock_acquire(WQ_LOCK(wq_xp));
	linked = xlist_is_linked(link_xp);
	if (linked)
		xlist_unlink(link_xp);
	remote_busylock_release(WQ_LOCK(wq_xp));
	return linked;
}

void waitq_wait(xptr_t wq_xp, xptr_t guard_xp)
{
	enqueue_and_block(wq_xp, guard_xp, THREAD_BLOCKED_WAITQ, THREAD_WAIT_PLAIN);
	sched_yield();
	if (guard_xp != XPTR_NULL)
		remote_busylock_acquire(guard_xp);
}

error_t waitq_wait_timeout(xptr_t wq_xp, xptr_t guard_xp, uint64_t timeout_ns)
{
	thread_t *self = thread_current();
	error_t result;
	irqstate_t irq = hal_disable_irq();

	self->wakeup_ns = hal_get_time_ns() + timeout_ns;
	hal_restore_irq(irq);
	enqueue_and_block(wq_xp, guard_xp, THREAD_BLOCKED_WAITQ | THREAD_BLOCKED_SLEEP, THREAD_WAIT_PLAIN);
	sched_yield(); /* runs again once a waker or the deadline cleared both bits */
	result = leave_if_linked(wq_xp) ? ETIMEDOUT : 0;
	if (guard_xp != XPTR_NULL)
		remote_busylock_acquire(guard_xp);
	return result;
}

/* A wait a kill (@mode THREAD_WAIT_KILL) or also a signal (THREAD_WAIT_SIGNAL) may end. */
static error_t wait_interruptible(xptr_t wq_xp, xptr_t guard_xp, uint32_t mode)
{
	error_t result = EINTR;

	if (enqueue_and_block(wq_xp, guard_xp, THREAD_BLOCKED_WAITQ, mode)) {
		sched_yield(); /* runs again once a waker or an interrupt cleared the bit */
		thread_wait_end(thread_current());
		result = leave_if_linked(wq_xp) ? EINTR : 0;
	} else {
		thread_wait_end(thread_current());
	}
	if (guard_xp != XPTR_NULL)
		remote_busylock_acquire(guard_xp);
	return result;
}

error_t waitq_wait_killable(xptr_t wq_xp, xptr_t guard_xp)
{
	return wait_interruptible(wq_xp, guard_xp, THREAD_WAIT_KILL);
}

error_t waitq_wait_interruptible(xptr_t wq_xp, xptr_t guard_xp)
{
	return wait_interruptible(wq_xp, guard_xp, THREAD_WAIT_SIGNAL);
}

/* An interruptible timed wait: the deadline (the tick) and an interrupter both clear WAITQ and
 * SLEEP without unlinking, so a thread still linked tells them apart by looking for the cause. */
error_t waitq_wait_interruptible_timeout(xptr_t wq_xp, xptr_t guard_xp, uint64_t timeout_ns)
{
	thread_t *self = thread_current();
	error_t result = EINTR;
	irqstate_t irq = hal_disable_irq();

	self->wakeup_ns = hal_get_time_ns() + timeout_ns;
	hal_restore_irq(irq);
	if (enqueue_and_block(wq_xp, guard_xp, THREAD_BLOCKED_WAITQ | THREAD_BLOCKED_SLEEP,
			      THREAD_WAIT_SIGNAL)) {
		sched_yield();
		thread_wait_end(self);
		result = 0;
		if (leave_if_linked(wq_xp))
			result = thread_interrupted(self, THREAD_WAIT_SIGNAL) ? EINTR : ETIMEDOUT;
	} else {
		thread_wait_end(self);
	}
	if (guard_xp != XPTR_NULL)
		remote_busylock_acquire(guard_xp);
	return result;
}

/* Unlink the first waiter and wake it; caller holds the queue lock. */
static bool wake_first(xptr_t wq_xp)
{
	xptr_t entry_xp = xlist_first(WQ_ROOT(wq_xp));
	xptr_t thread_xp;

	kassert(remote_busylock_is_held_by_me(WQ_LOCK(wq_xp)));
	if (entry_xp == XPTR_NULL)
		return false;
	xlist_unlink(entry_xp);
	thread_xp = XLIST_ELEMENT(entry_xp, thread_t, wait_list);
	thread_unblock(thread_xp, THREAD_BLOCKED_WAITQ | THREAD_BLOCKED_SLEEP); /* timed waits */
	return true;
}

bool waitq_wake_one(xptr_t wq_xp)
{
	bool woken;

	remote_busylock_acquire(WQ_LOCK(wq_xp));
	woken = wake_first(wq_xp);
	remote_busylock_release(WQ_LOCK(wq_xp));
	return woken;
}

uint32_t waitq_wake_all(xptr_t wq_xp)
{
	uint32_t n = 0;

	remote_busylock_acquire(WQ_LOCK(wq_xp));
	while (wake_first(wq_xp))
		n++;
	remote_busylock_release(WQ_LOCK(wq_xp));
	return n;
}

bool waitq_is_empty(xptr_t wq_xp)
{
	return xlist_is_empty(WQ_ROOT(wq_xp));
}
