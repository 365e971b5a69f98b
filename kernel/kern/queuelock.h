/*
 * queuelock.h - blocking mutual exclusion, local and remote.
 *
 * A queuelock protects long critical sections that may block (allocate, wait for I/O, send an
 * RPC). A thread that finds it taken blocks in the lock's queue; release hands the lock directly to
 * the oldest waiter (FIFO, no barging), which then runs as the owner. The lock lives in any cluster
 * and is reached by extended pointer; the local API is the remote one on XPTR(local_cxy, lock).
 * The owner (a thread) is recorded: release by another thread panics, and debug builds check the
 * lock order (lockdep.h). Caller: a thread that may block (not idle, no busylock held).
 *
 * Fast path: "taken" and "someone waits" are one word, `state`. While nobody waits, acquire and
 * release are one compare-and-swap each (no guard); a thread that must wait sets QUEUELOCK_WAITERS
 * under the guard, and from then on the state changes only under the guard until the queue is
 * empty again.
 *
 * Lock legend: [G] guard (busylock of class LOCK_WAITQ); [S] state: compare-and-swap while
 * QUEUELOCK_WAITERS is clear, under [G] while it is set.
 */
#ifndef KERN_QUEUELOCK_H
#define KERN_QUEUELOCK_H

#include <hal_types.h>
#include <libk/busylock.h>
#include <libk/lockdep.h>
#include <libk/xlist.h>

#define QUEUELOCK_TAKEN   0x1u /* state: owned                                   */
#define QUEUELOCK_WAITERS 0x2u /* state: the queue of waiters is not empty         */

typedef struct queuelock_s {
	uint32_t      state;    /* [S] QUEUELOCK_*                           */
	lock_class_t  cls;      /* [I] lock class                           */
	xptr_t        owner_xp; /* owning thread: written by it (fast path) or by the releaser
	                           that hands the lock over [G]                            */
	xlist_entry_t waiters;  /* [G] blocked threads (thread_t.wait_list) */
	const char   *name;     /* [I]                                      */
	busylock_t    guard;    /* protects the fields above; not first, so that lockdep tells
	                           the guard from the lock (they would share an address) */
} queuelock_t;

void remote_queuelock_init(xptr_t lock_xp, const char *name, lock_class_t cls);
void remote_queuelock_acquire(xptr_t lock_xp);
void remote_queuelock_release(xptr_t lock_xp);
bool remote_queuelock_is_owned_by_me(xptr_t lock_xp);

static inline void queuelock_init(queuelock_t *l, const char *name, lock_class_t cls)
{
	remote_queuelock_init(XPTR(local_cxy, l), name, cls);
}
static inline void queuelock_acquire(queuelock_t *l) { remote_queuelock_acquire(XPTR(local_cxy, l)); }
static inline void queuelock_release(queuelock_t *l) { remote_queuelock_release(XPTR(local_cxy, l)); }

#endif /* KERN_QUEUELOCK_H */
