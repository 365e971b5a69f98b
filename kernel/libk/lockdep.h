/*
 * lockdep.h - the lock checker shared by every lock kind (busylock, queuelock, rwlock; local, remote).
 *
 * Every lock belongs to a *class* (lock_class_t). Classes are ranked (docs/locks.md gives the order
 * and the reason for each rank): a thread may take a lock only if its class ranks strictly above the
 * class of every lock the thread already holds. A class marked `nestable` also allows several locks
 * of that same class, taken in increasing extended-pointer order (cluster first, then address).
 *
 * Each thread records the locks it holds (lockdep_state_t, reached through lockdep_current()). In
 * debug builds (CONFIG_DEBUG defined) the locks call in here and these violations are detected:
 *   - double acquire: taking a lock the thread already holds (or waits for);
 *   - release of a lock the thread does not hold (never taken, or taken by another thread);
 *   - blocking (a queuelock, an rwlock, sched_yield, a sleep) while holding a busylock;
 *   - lock order: a class ranking at or below one already held (nestable classes: see above);
 *   - more than CONFIG_LOCKDEP_DEPTH locks held at once; a lock used with a class of the wrong kind.
 * A violation prints "LOCKDEP: <violation>: ..." lines (the operation, the conflicting lock, every
 * lock held) at LOG_ERR, then panics (which prints the backtrace). Unless a test armed an
 * expectation of that violation (lockdep_expect): then it is recorded for lockdep_take_report(),
 * one line is printed at LOG_NOTICE, and the checking function returns false: the caller must then
 * not perform the operation (not take / not release the lock, not block) and return.
 *
 * Release builds (no CONFIG_DEBUG) keep the class table and the names, but every check is a macro
 * that evaluates none of its arguments and yields true, and lockdep_state_t is empty.
 *
 * Rules for lock implementations: call lockdep_acquire() before trying to take the lock (the lock is
 * recorded from then on, also while the caller spins or blocks for it), lockdep_release() before
 * giving it back. Locks may be released in any order. A lock held across a context switch and
 * released by the next thread (the scheduler's) is passed on with lockdep_handoff().
 * The state is per thread and only touched by its thread (IRQs masked during the update), so no
 * lock protects it.
 */
#ifndef LIBK_LOCKDEP_H
#define LIBK_LOCKDEP_H

#include <hal_types.h>
#include <params.h>

/* Lock classes, lowest rank first: the outermost locks (taken first) come first. */
typedef enum lock_class_e {
	LOCK_CLASS_NONE = 0, /* not a class: a lock without one is a bug             */
	LOCK_TEST_A,         /* tests only (outermost, so tests may take anything)   */
	LOCK_TEST_B,         /* tests only; nestable                                 */
	LOCK_TEST_C,         /* tests only                                           */
	LOCK_PROCESS,        /* a process descriptor (children, threads, files)      */
	LOCK_VFS_RENAME,     /* the VFS's rename lock (vfs_rename.c): one at a time  */
	LOCK_VFS,            /* a VFS inode / dentry; nestable (rename: two dirs)    */
	LOCK_VMM_VSL,        /* the list of vsegs of a VMM copy (rwlock); nestable   */
	LOCK_VMM_VSL_REF,    /* the list of vsegs of a reference VMM; nestable       */
	LOCK_MAPPER,         /* a file's page cache (mapper)                         */
	LOCK_REPLICAS,       /* a cluster's cache of page replicas (mapper.c)        */
	LOCK_PAGE,           /* page_t.lock (forks count, owner's per-page state)    */
	LOCK_PROCESS_STATE,  /* a process's small state: its copies, its threads, the
	                        cluster's process tables (process.c)                  */
	LOCK_PIPE,           /* a pipe's counters; guard of its waits (fs/pipe.c)    */
	LOCK_TTY,            /* the console's line discipline (fs/console.c)         */
	LOCK_POLL,           /* the machine-wide poll wait's guard (fs/vfs_poll.c)   */
	LOCK_SCHED,          /* a core's scheduler lists (sched_t.lock)              */
	LOCK_KTIMER,         /* a cluster's list of kernel timers (ktimer.c)         */
	LOCK_WAITQ,          /* a wait queue, a queuelock's or rwlock's own state    */
	LOCK_FUTEX,          /* a futex hash bucket (futex.c); nestable (requeue)     */
	LOCK_RPC_POOL,       /* a core's RPC server pool and FIFO reader (rpc.h)     */
	LOCK_THREAD,         /* the cluster's thread table (cluster_t.threads_lock)  */
	LOCK_SIGNAL,         /* pending signals of a thread or a process (signal.c)  */
	LOCK_KSTACK,         /* the kernel-stack allocator of a cluster              */
	LOCK_KCM,            /* a slab cache (kcm_t.lock)                            */
	LOCK_PPM,            /* a cluster's page allocator (ppm_t.lock)              */
	LOCK_DEVICE,         /* a driver's state: UART receive ring, IRQ table       */
	LOCK_CONSOLE,        /* the console (printk may run under any lock): last    */
	LOCK_CLASS_NR
} lock_class_t;

/* Kinds of lock, as a mask: what a class accepts, what a lock is. */
#define LOCKDEP_BUSY     0x1u /* spins with IRQs masked: busylock                  */
#define LOCKDEP_BLOCKING 0x2u /* may block the thread: queuelock, rwlock           */
#define LOCKDEP_ANY      (LOCKDEP_BUSY | LOCKDEP_BLOCKING)

typedef struct lock_class_info_s {
	const char *name;     /* short name printed in reports                             */
	uint32_t    rank;     /* strictly increasing along the enum (a host test checks it) */
	uint32_t    kinds;    /* LOCKDEP_BUSY and/or LOCKDEP_BLOCKING                      */
	bool        nestable; /* several locks of the class, taken in increasing xptr order */
} lock_class_info_t;

/* One entry per class, indexed by lock_class_t (entry 0 describes LOCK_CLASS_NONE). */
extern const lock_class_info_t lockdep_classes[LOCK_CLASS_NR];

typedef enum lockdep_violation_e {
	LOCKDEP_NONE = 0,       /* no violation                                          */
	LOCKDEP_DOUBLE_ACQUIRE, /* the thread already holds (or waits for) this lock      */
	LOCKDEP_NOT_HELD,       /* release (or handoff) of a lock the thread does not hold */
	LOCKDEP_BLOCK_IN_BUSY,  /* blocking, or taking a blocking lock, under a busylock  */
	LOCKDEP_ORDER,          /* class rank not above every held class                 */
	LOCKDEP_DEPTH,          /* more than CONFIG_LOCKDEP_DEPTH locks at once           */
	LOCKDEP_BAD_CLASS,      /* no class, an unknown class, or a class of another kind */
	LOCKDEP_VIOLATION_NR
} lockdep_violation_t;

/* One held lock. */
typedef struct lockdep_held_s {
	xptr_t       lock_xp; /* the lock, wherever it lives                                */
	const char  *name;    /* its name: a string readable from every cluster (a literal) */
	lock_class_t cls;
	uint32_t     kind;    /* LOCKDEP_BUSY or LOCKDEP_BLOCKING                           */
} lockdep_held_t;

/* The locks of one thread (or of one core before it runs threads). Only its thread touches it. */
#ifdef CONFIG_DEBUG
typedef struct lockdep_state_s {
	uint32_t            depth;     /* entries used in held[]                         */
	uint32_t            busylocks; /* entries of kind LOCKDEP_BUSY (exact in debug)   */
	lockdep_violation_t expect;    /* armed by lockdep_expect, one shot               */
	lockdep_violation_t report;    /* last expected violation, for lockdep_take_report */
	uint32_t            reporting; /* 1 while printing a report: checks are off       */
	lockdep_held_t      held[CONFIG_LOCKDEP_DEPTH]; /* in acquisition order           */
} lockdep_state_t;
#else
typedef struct lockdep_state_s {
	uint8_t unused;
} lockdep_state_t;
#endif

/* Name of a violation ("lock order violation", ...); "?" for a value out of range. */
const char *lockdep_violation_name(lockdep_violation_t kind);

#ifdef CONFIG_DEBUG

/*
 * The state of the running thread. Defined by the thread code; lockdep.c has a weak definition
 * returning lockdep_core_state(), used until the thread code provides its own (and by the kernel
 * until then). Host tests define it themselves.
 */
lockdep_state_t *lockdep_current(void);

/* The calling core's own state, for the time before it runs threads (boot, phase 0 included). */
lockdep_state_t *lockdep_core_state(void);

/* Make @st empty: no lock held, no expectation. For a new thread, before it runs. */
void lockdep_state_init(lockdep_state_t *st);

/*
 * Check that the running thread may take the lock at @lock_xp, named @name (NULL: "?"), of class
 * @cls, a busylock if @busy else a blocking lock; then record it as held. Called by the lock
 * before it tries to take it. Returns true if the lock may be taken; false if the violation was
 * expected (recorded, nothing changed): the lock must not be taken. Panics on another violation.
 */
bool lockdep_acquire(xptr_t lock_xp, const char *name, lock_class_t cls, bool busy);

/*
 * Forget the lock at @lock_xp (named @name, for the report) held by the running thread, wherever it
 * is in the acquisition order. Called by the lock before it gives the lock back. Returns true if
 * it may be released; false if the thread does not hold it and that was expected (the lock must
 * then not be touched). Panics if the thread does not hold it otherwise.
 */
bool lockdep_release(xptr_t lock_xp, const char *name);

/*
 * Called before blocking or yielding the core; @what names the operation ("sched_yield"). Returns
 * true if no busylock is held; false if one is held and that was expected (the caller must then
 * not block); panics otherwise.
 */
bool lockdep_may_block(const char *what);

/*
 * Move the record of @lock_xp, held by the running thread, to @to: for a lock held across a
 * context switch and released by the thread switched to (@to is that thread's state; no order
 * check). Returns false if the running thread does not hold it and that was expected; panics
 * otherwise, or if @to has no room left.
 */
bool lockdep_handoff(xptr_t lock_xp, lockdep_state_t *to);

/* True if the running thread holds (or waits for) the lock at @lock_xp. For assertions. */
bool lockdep_is_held(xptr_t lock_xp);

/*
 * Tests: expect one violation of @kind from the running thread. The next violation of that kind
 * is recorded and its operation refused instead of panicking; then the expectation is disarmed.
 * A violation of another kind still panics. LOCKDEP_NONE disarms.
 */
void lockdep_expect(lockdep_violation_t kind);

/* Tests: the violation recorded since the last call (LOCKDEP_NONE if none); disarms and clears. */
lockdep_violation_t lockdep_take_report(void);

/* Print the locks held in @st (a local state), one line each, at LOG_INFO. */
void lockdep_state_print(const lockdep_state_t *st);

/* Print the locks held by the running thread (for the scheduler's display). */
void lockdep_print_held(void);

#else /* !CONFIG_DEBUG: nothing is checked, every check succeeds */

/*
 * The checks are macros whose arguments are not evaluated (only their types are looked at, inside
 * sizeof): the name and class a lock passes are often loads through hal_remote_*, which the
 * compiler could not drop by itself, and release builds must not pay for them.
 */
#define LOCKDEP_IGNORE(x) ((void)sizeof(x))
#define LOCKDEP_TRUE(...) __extension__({ __VA_ARGS__; true; })
#define lockdep_acquire(lock_xp, name, cls, busy)                                                   \
	LOCKDEP_TRUE(LOCKDEP_IGNORE(lock_xp), LOCKDEP_IGNORE(name), LOCKDEP_IGNORE(cls),              \
		     LOCKDEP_IGNORE(busy))
#define lockdep_release(lock_xp, name) LOCKDEP_TRUE(LOCKDEP_IGNORE(lock_xp), LOCKDEP_IGNORE(name))
#define lockdep_may_block(what)        LOCKDEP_TRUE(LOCKDEP_IGNORE(what))
#define lockdep_handoff(lock_xp, to)   LOCKDEP_TRUE(LOCKDEP_IGNORE(lock_xp), LOCKDEP_IGNORE(to))
#define lockdep_is_held(lock_xp)       LOCKDEP_TRUE(LOCKDEP_IGNORE(lock_xp))
#define lockdep_expect(kind)           LOCKDEP_IGNORE(kind)
#define lockdep_take_report()          __extension__({ LOCKDEP_NONE; })
static inline void lockdep_state_init(lockdep_state_t *st) { (void)st; }
static inline void lockdep_state_print(const lockdep_state_t *st) { (void)st; }
static inline void lockdep_print_held(void) { }

#endif /* CONFIG_DEBUG */

#endif /* LIBK_LOCKDEP_H */
