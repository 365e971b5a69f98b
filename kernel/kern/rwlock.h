/*
 * rwlock.h - blocking readers-writer locks, local and remote.
 *
 * Many readers or one writer. A reader enters if no writer holds the lock and none waits (so a
 * stream of readers cannot starve a writer); a writer enters if nobody holds it. On release by a
 * writer, every waiting reader enters together if any waits, else the oldest writer; the last
 * reader out hands the lock to the oldest waiting writer. Hand-offs are direct: the woken thread
 * already holds the lock. Reached by extended pointer like every lock; the caller must be a thread
 * that may block; debug builds check the order (lockdep.h).
 *
 * Fast path: the readers, the writer and "someone waits" are one word, `state`. While nobody waits,
 * a reader enters and leaves with one compare-and-swap, a writer likewise (no guard, no list);
 * anything else (a waiter to queue or to wake) goes through the guard. A thread that must wait sets
 * RWLOCK_WAITERS under the guard; from then on the state changes only under the guard, until
 * the last waiter is let in.
 *
 * Lock legend: [G] guard (busylock of class LOCK_WAITQ); [S] state: compare-and-swap while
 * RWLOCK_WAITERS is clear, under [G] while it is set.
 */
#ifndef KERN_RWLOCK_H
#define KERN_RWLOCK_H

#include <hal_types.h>
#include <libk/busylock.h>
#include <libk/lockdep.h>
#include <libk/xlist.h>

#define RWLOCK_READERS_MASK 0x3fffffffu /* state: readers inside                     */
#define RWLOCK_WRITER       0x40000000u /* state: a writer is inside                */
#define RWLOCK_WAITERS      0x80000000u /* state: rd_root or wr_root is not empty    */

typedef struct rwlock_s {
	uint32_t      state;     /* [S] RWLOCK_* and the number of readers inside */
	xptr_t        writer_xp; /* the writer inside: written by it (fast path) or by the thread
	                            that lets it in [G]; read by that writer only */
	xlist_entry_t rd_root;   /* [G] waiting readers (thread_t.wait_list)    */
	xlist_entry_t wr_root;   /* [G] waiting writers                         */
	lock_class_t  cls;       /* [I]                                         */
	const char   *name;      /* [I]                                         */
	busylock_t    guard;     /* protects the fields above; not first (see queuelock.h) */
} rwlock_t;

void remote_rwlock_init(xptr_t lock_xp, const char *name, lock_class_t cls);
void remote_rwlock_rd_acquire(xptr_t lock_xp);
void remote_rwlock_rd_release(xptr_t lock_xp);
void remote_rwlock_wr_acquire(xptr_t lock_xp);
void remote_rwlock_wr_release(xptr_t lock_xp);

/* True if the running thread is the writer inside @lock_xp: for the "write lock held" assertions.
 * Readers are not recorded in the lock; lockdep_is_held(lock_xp) tells of either mode (debug). */
bool remote_rwlock_is_write_held_by_me(xptr_t lock_xp);

static inline void rwlock_init(rwlock_t *l, const char *name, lock_class_t cls)
{
	remote_rwlock_init(XPTR(local_cxy, l), name, cls);
}
static inline void rwlock_rd_acquire(rwlock_t *l) { remote_rwlock_rd_acquire(XPTR(local_cxy, l)); }
static inline void rwlock_rd_release(rwlock_t *l) { remote_rwlock_rd_release(XPTR(local_cxy, l)); }
static inline void rwlock_wr_acquire(rwlock_t *l) { remote_rwlock_wr_acquire(XPTR(local_cxy, l)); }
static inline void rwlock_wr_release(rwlock_t *l) { remote_rwlock_wr_release(XPTR(local_cxy, l)); }

#endif /* KERN_RWLOCK_H */
