/*
 * busylock.h - spinning locks with interrupts masked, local and remote.
 *
 * A busylock protects short critical sections that never block: the holder spins with IRQs masked
 * on its core until the lock is free, then runs without being preempted. It is a test-and-set lock:
 * whichever waiting core sees it free first takes it, in no particular order (not a ticket lock:
 * docs/locks.md says why, the cores of a loaded host's QEMU stall a fair lock). The remote version
 * takes an extended pointer to
 * a lock that may live in any cluster; the local version is the same lock reached through
 * XPTR(local_cxy, lock). The lock is one word that names its holder (((cxy << 16) | lid) + 1 of
 * its core, 0 when free), taken by one compare-and-swap: acquiring a lock the core already holds,
 * or releasing one it does not hold, panics.
 *
 * Rules: never sleep, block or yield while holding a busylock; release on the core that acquired.
 * Each lock has a class (lockdep.h); debug builds check the order of classes and the other rules.
 * The _raw variants skip those checks: only for the scheduler's lock, which is handed from one
 * thread to the next across a context switch (sched.c).
 */
#ifndef LIBK_BUSYLOCK_H
#define LIBK_BUSYLOCK_H

#include <hal_types.h>
#include <hal_irqmask.h>
#include <libk/lockdep.h>

typedef struct busylock_s {
	uint32_t     holder;    /* 0 if free, else ((cxy << 16) | lid) + 1 of the holding core:
	                           set by compare-and-swap from 0, 0 at release              */
	lock_class_t cls;       /* lock class, for the order checks                         */
	const char  *name;      /* for diagnostics                                          */
	irqstate_t   saved_irq; /* IRQ state of the holder before acquire (holder only)     */
} busylock_t;

#define BUSYLOCK_INITIALIZER(n, c) { 0, (c), (n), 0 }

void busylock_init(busylock_t *lock, const char *name, lock_class_t cls);
void busylock_acquire(busylock_t *lock);
void busylock_release(busylock_t *lock);
bool busylock_is_held_by_me(busylock_t *lock);

/* The same on a lock in any cluster. remote_busylock_init must run before any other core uses it. */
void remote_busylock_init(xptr_t lock_xp, const char *name, lock_class_t cls);
void remote_busylock_acquire(xptr_t lock_xp);
void remote_busylock_release(xptr_t lock_xp);
bool remote_busylock_is_held_by_me(xptr_t lock_xp);

void busylock_acquire_raw(busylock_t *lock);
void busylock_release_raw(busylock_t *lock);
void remote_busylock_acquire_raw(xptr_t lock_xp);
void remote_busylock_release_raw(xptr_t lock_xp);

#endif /* LIBK_BUSYLOCK_H */
