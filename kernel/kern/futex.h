/*
 * futex.h - fast user-space mutexes (futex(2)) for threads of a process in any cluster.
 *
 * A futex is named by (process reference, user address); it lives in a hash bucket of the
 * process's reference cluster, whatever cluster its waiters run in. A waiter reads the bucket's
 * sequence number, then the user word (which may fault, so no lock is held), then takes the bucket
 * lock: if the sequence moved, a wake happened in between and it starts again, otherwise it queues
 * itself and blocks. Every wake increments the sequence under the lock, so no wake-up can fall
 * between a waiter's check and its sleep. Waiter records live on the waiters' kernel stacks.
 */
#ifndef KERN_FUTEX_H
#define KERN_FUTEX_H

#include <hal_types.h>

/*
 * Wait on @uaddr of the calling thread's process while it holds @val, for at most @timeout_ns
 * (0: no limit) or until the absolute time @deadline_ns when @absolute. @bitset selects the wakes
 * that apply (FUTEX_BITSET_MATCH_ANY for plain waits). Returns 0 when woken, EAGAIN if the value
 * differed, ETIMEDOUT, EINTR (woken otherwise: the thread was killed), EFAULT, EINVAL.
 */
error_t futex_wait(uintptr_t uaddr, uint32_t val, uint64_t time_ns, bool absolute, uint32_t bitset);

/* Wake up to @count waiters of @uaddr whose bitset meets @bitset; returns how many. */
int64_t futex_wake(uintptr_t uaddr, uint32_t count, uint32_t bitset);

/*
 * Wake up to @wake waiters of @uaddr and move up to @requeue others to @uaddr2; with @cmp, only if
 * *@uaddr still holds @val (EAGAIN otherwise). Returns the number woken plus moved.
 */
int64_t futex_requeue(uintptr_t uaddr, uint32_t wake, uintptr_t uaddr2, uint32_t requeue, bool cmp,
		      uint32_t val);

#endif /* KERN_FUTEX_H */
