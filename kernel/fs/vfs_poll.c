/*
 * vfs_poll.c - readiness of open files and the machine-wide poll wait (vfs.h, docs/poll.md).
 *
 * One wait for every poller of the machine, in cluster 0: a counter of events and a wait queue.
 * Files do not keep lists of pollers (Linux's poll tables): a pipe or the console announces each
 * change that may make a file ready (vfs_poll_notify), and every poller looks again. That costs
 * spurious wake-ups when many threads poll unrelated files, and saves every file kind a list of
 * registrations to keep, to undo and to free (docs/poll.md weighs the two).
 *
 * No lost wake-up: a poller takes the lock, counts itself in `waiters`, and queues itself only if
 * `events` still holds the value it read before looking at its files; the lock is released with
 * the enqueue (waitq_wait's guard). A notifier adds one to `events`, then reads `waiters`. Both
 * are sequentially consistent atomics (hal_remote.h), so either the notifier sees the poller
 * (and takes the lock, which it gets only once the poller is queued, then wakes it), or the poller
 * sees the new count (and does not sleep). A notifier that sees no poller takes no lock.
 *
 * Lock legend of poll_wait: [L] lock (busylock, LOCK_POLL); [A] atomic.
 */
#include <fs/vfs_private.h>
#include <kern/printk.h>
#include <kern/waitq.h>

static struct {
	busylock_t lock;     /* LOCK_POLL: guard of wq                                          */
	uint64_t   events;   /* [A] changes that may have made a file ready, since boot         */
	uint32_t   waiters;  /* [A] pollers between their count check and their wake-up (raised
			      *     under the lock)                                             */
	waitq_t    wq;       /* the sleeping pollers                                            */
} poll_wait;             /* cluster 0's copy is the one used                                */

#define PW(f) XPTR(0, &poll_wait.f)

void vfs_poll_init(void)
{
	kassert(local_cxy == 0);
	busylock_init(&poll_wait.lock, "poll", LOCK_POLL);
	waitq_init(PW(wq), "pollers");
}

void vfs_poll_notify(void)
{
	hal_remote_atomic_add64(PW(events), 1);
	if (hal_remote_l32(PW(waiters)) == 0)
		return;
	remote_busylock_acquire(PW(lock));
	waitq_wake_all(PW(wq));
	remote_busylock_release(PW(lock));
}

uint64_t vfs_poll_events(void)
{
	return hal_remote_l64(PW(events));
}

error_t vfs_poll_wait(uint64_t seen, uint64_t timeout_ns)
{
	error_t err = 0;

	remote_busylock_acquire(PW(lock));
	hal_remote_atomic_add32(PW(waiters), 1);
	if (hal_remote_l64(PW(events)) == seen)
		err = timeout_ns ? waitq_wait_interruptible_timeout(PW(wq), PW(lock), timeout_ns)
				 : waitq_wait_interruptible(PW(wq), PW(lock));
	hal_remote_atomic_add32(PW(waiters), -1);
	remote_busylock_release(PW(lock));
	return err;
}

uint32_t vfs_poll(xptr_t file_xp)
{
	uint32_t type = hal_remote_l32(FF(file_xp, type));
	const vfs_dev_ops_t *ops;

	if (type == VFS_FIFO)
		return pipe_poll(file_xp);
	if (type == VFS_DEV) {
		ops = &vfs_devices[hal_remote_l32(FF(file_xp, dev))];
		if (ops->poll)
			return ops->poll(file_xp);
	}
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM; /* never waits: Linux's DEFAULT_POLLMASK */
}
