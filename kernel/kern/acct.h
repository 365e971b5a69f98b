/*
 * acct.h - CPU time and resource accounting of threads and processes (getrusage, times, the CPU
 * time clocks, ITIMER_VIRTUAL/PROF): docs/sched.md, "Accounting".
 *
 * Each thread counts its own CPU time to the nanosecond: the context switch (sched_yield) and the
 * tick close its intervals, one read of the clock each. Where the time went, user or system, is
 * the tick's sample by default, as Linux's tick accounting: an interval that a tick closes was
 * seen in user mode if the tick interrupted user code, else in the kernel; one that a switch or
 * a read of the figures closes was not seen. The thread's user and system times always add up to
 * its CPU time, split in the ratio of the ticks that sampled each mode (one tick each, whatever
 * the interval it closed), and never go down (Linux's cputime_adjust). With `acct=precise` on the
 * kernel command line, every crossing closes an interval too (the trap path calls
 * kernel_user_enter() on every entry from user mode, hal_upcalls.h, and the return to user mode
 * closes the kernel one): an exact split, for one clock read per crossing, which the default keeps
 * off the system call path (issue 13). It also counts its page faults (minor: every fault resolved;
 * major: those that had to wait for a device, none on the RAM file system) and its context
 * switches (voluntary: it blocked; involuntary: it was preempted or yielded while runnable).
 *
 * A process's figures are those of its live threads, in every cluster, plus those of its threads
 * that ended (added at their end, in the owner copy: acct_dead); its children's are those of the
 * children its wait4 reaped (and, transitively, theirs), added at the reap (acct_children), as
 * Linux's wait_task_zombie does. Lock legend of the owner's fields: [A] atomic adds.
 */
#ifndef KERN_ACCT_H
#define KERN_ACCT_H

#include <hal_types.h>

struct thread_s;

/* The figures of a thread or of a set of threads. */
typedef struct acct_s {
	uint64_t utime_ns;  /* user time                                           */
	uint64_t stime_ns;  /* system time (in the kernel for it)                  */
	uint64_t minflt;    /* page faults resolved without waiting for a device    */
	uint64_t majflt;    /* page faults that waited for a device (none today)    */
	uint64_t nvcsw;     /* switches away while blocked                          */
	uint64_t nivcsw;    /* switches away while runnable (preempted, yielded)     */
	uint64_t maxrss_kb; /* largest resident size seen, KiB (processes only)     */
} acct_t;

#define ACCT_FIELDS 7 /* the uint64_t of acct_t, summed field by field */

/* Parse acct=tick|precise from the kernel command line (each cluster, at boot, before any thread). */
void acct_boot_options(const char *cmdline);

/* The THREAD_WORK_* bits a new user thread starts with for accounting (STICKY when precise: each
 * return to user mode closes the kernel interval). */
uint32_t acct_thread_work(void);

/* The calling core's thread enters the kernel from user mode (IRQs off): an interval closes
 * (precise accounting only). */
void acct_user_enter(struct thread_s *self);

/* The tick of the core running @self (IRQs off), which interrupted user code if @user: the
 * interval closes as user or system time (tick accounting only). */
void acct_tick(struct thread_s *self, bool user);

/* The calling core's thread @self returns to user mode (IRQs off): an interval closes (precise
 * accounting only). */
void acct_user_exit(struct thread_s *self);

/* What a switch's charge owes once the scheduler's lock is released: the expiry of the CPU
 * itimers it brought to 0 (one per core, in sched_t: acct_switch fills it, acct_switch_tail
 * empties it, both on that core with IRQs off). */
typedef struct acct_owed_s {
	uint32_t expired; /* ACCT_ITIMER_* bits (0: nothing owed)                 */
	uint32_t pid;     /* of the process whose timers they are                */
	uint32_t slots;   /* POSIX timers on CPU-time clocks (ptimer.h), by slot   */
} acct_owed_t;

/* The core switches from @prev to @next (scheduler lock held, IRQs off); @prev_blocked says
 * whether @prev stops because it blocked (a voluntary switch). The expiry of an itimer the
 * charge of @prev brought to 0 is left in *@owed. */
void acct_switch(struct thread_s *prev, struct thread_s *next, bool prev_blocked,
		 acct_owed_t *owed);

/* The end of that switch, in the thread that now runs, the scheduler's lock released (IRQs off,
 * no busylock held): the expiry *@owed (signal and reload), if any. */
void acct_switch_tail(acct_owed_t *owed);

/* The calling thread @self's figures up to now (its current interval closed, and charged to
 * ITIMER_PROF: it may expire it, so no busylock held), into @out. */
void acct_self(struct thread_s *self, acct_t *out);

/* @self resolved a page fault (kernel_page_fault). */
void acct_fault(struct thread_s *self);

/* The exiting user thread @self adds its figures to its process's dead threads (owner copy). */
void acct_thread_exit(struct thread_s *self);

/* The figures of the ended threads of the process whose owner copy is @owner, plus those of the
 * children it reaped (and, transitively, theirs), into @out: a zombie's totals (caller keeps the
 * process from being freed meanwhile, e.g. holds the family lock). */
void acct_process_ended(xptr_t owner, acct_t *out);

/* wait4 reaped the child whose owner copy is @child_owner: its figures and its children's
 * (acct_process_ended, also returned in @child_total: wait4's rusage) go to @parent_owner's
 * children (caller holds the family lock, so the child cannot go meanwhile). */
void acct_reap(xptr_t parent_owner, xptr_t child_owner, acct_t *child_total);

/*
 * ITIMER_VIRTUAL (user time) and ITIMER_PROF (user and system time) of a process count down the
 * CPU time of all its threads: each accounting step above charges the owner's armed timers (one
 * remote load when none is armed); the step whose charge brings one to 0 runs its expiry in its
 * own context (the tick's interrupt handler, a kernel entry or exit, a read of the figures; a
 * switch, once its scheduler lock is released): the timer is reloaded with its interval (or
 * disarmed) and SIGVTALRM / SIGPROF (SI_KERNEL) is sent to the process, whatever the charged
 * thread does next (it may be going to sleep until that very signal). Resolution: the accounting
 * steps (ticks, switches and reads; with acct=precise, kernel entries and exits too). The
 * settings are written under the owner's sig_lock, which the expiry takes to reload.
 */
#define ACCT_ITIMER_VIRTUAL 1
#define ACCT_ITIMER_PROF    2
/* Bit 1 << ACCT_CPU_PTIMERS of the owner's cpu_itimers: some POSIX timer on a CPU-time clock is
 * armed (kern/ptimer.h): every charge counts for them too, and expires them the same way. */
#define ACCT_CPU_PTIMERS    3

/* setitimer / getitimer of @which (ACCT_ITIMER_*) of the process whose owner is @owner_xp:
 * ns to the expiry (0: disarm) and interval; the previous setting in *@old_*. */
void acct_itimer_set(xptr_t owner_xp, int which, uint64_t value_ns, uint64_t interval_ns,
		     uint64_t *old_value_ns, uint64_t *old_interval_ns);
void acct_itimer_get(xptr_t owner_xp, int which, uint64_t *value_ns, uint64_t *interval_ns);

/* @a += @b, field by field (maxrss: the larger). */
void acct_add(acct_t *a, const acct_t *b);

/* Remote versions over an acct_t at @xp (atomic adds, maxrss: an atomic maximum). */
void acct_remote_add(xptr_t xp, const acct_t *b);
void acct_remote_read(xptr_t xp, acct_t *out);

/* Nanoseconds as clock ticks of USER_HZ (times(2): 100 per second, Linux's on every arch). */
#define ACCT_USER_HZ 100
static inline uint64_t acct_ns_to_ticks(uint64_t ns) { return ns / (1000000000ULL / ACCT_USER_HZ); }

#endif /* KERN_ACCT_H */
