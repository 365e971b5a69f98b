/*
 * waitq.h - wait queues: threads of any cluster waiting for an event of an object in any cluster.
 *
 * A waitq_t lives with the object it serves (in that object's cluster) and is reached by extended
 * pointer. A waiting thread links its own wait_list entry into the queue, blocks with
 * THREAD_BLOCKED_WAITQ and yields; a waker unlinks threads and unblocks them. The waiter sets its
 * blocked bit before it releases the queue lock, and the waker clears it under the same lock, so a
 * wake-up between the two can never be lost.
 *
 * Lock legend: [L] lock (busylock of class LOCK_WAITQ).
 */
#ifndef KERN_WAITQ_H
#define KERN_WAITQ_H

#include <hal_types.h>
#include <libk/busylock.h>
#include <libk/xlist.h>

typedef struct waitq_s {
	busylock_t    lock;   /* protects root                                  */
	xlist_entry_t root;   /* [L] waiting threads (thread_t.wait_list), FIFO */
} waitq_t;

void waitq_init(xptr_t wq_xp, const char *name);

/*
 * Wait on the queue at @wq_xp. If @guard_xp is not XPTR_NULL it is a busylock held by the caller
 * (of a class ranked before LOCK_WAITQ) that protects the condition being waited for: it is
 * released atomically with the enqueue and taken again before returning. Caller: a thread that may
 * block (not idle, no other busylock held). Returns when woken.
 */
void waitq_wait(xptr_t wq_xp, xptr_t guard_xp);

/*
 * The same with a deadline: returns ETIMEDOUT if @timeout_ns passed first (the thread is then no
 * longer in the queue), 0 if woken.
 */
error_t waitq_wait_timeout(xptr_t wq_xp, xptr_t guard_xp, uint64_t timeout_ns);

/*
 * The same for a user thread that a kill (process_kill, exec: thread_t.killed) may end: returns
 * EINTR if the thread is or gets killed before a waker wakes it (it is then no longer in the
 * queue), 0 if woken. The guard is held again on return in both cases.
 */
error_t waitq_wait_killable(xptr_t wq_xp, xptr_t guard_xp);

/*
 * The same, also ended (EINTR) by a signal the thread does not block (signal.h): for the waits of
 * system calls that Linux lets a signal interrupt (a blocking read, wait4...). The caller returns
 * EINTR to user space (or -ERESTARTSYS to have it restarted under SA_RESTART: syscall.h).
 */
error_t waitq_wait_interruptible(xptr_t wq_xp, xptr_t guard_xp);

/* The same with a deadline: 0 if woken, ETIMEDOUT if @timeout_ns passed first, EINTR if a signal
 * or a kill ended it (the thread is no longer in the queue in both cases). */
error_t waitq_wait_interruptible_timeout(xptr_t wq_xp, xptr_t guard_xp, uint64_t timeout_ns);

/* Wake the oldest waiter; returns false if there was none. Any context, any cluster. */
bool waitq_wake_one(xptr_t wq_xp);

/* Wake every waiter; returns how many. Any context, any cluster. */
uint32_t waitq_wake_all(xptr_t wq_xp);

/* True if nobody waits (a snapshot). */
bool waitq_is_empty(xptr_t wq_xp);

#endif /* KERN_WAITQ_H */
