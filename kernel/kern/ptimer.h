/*
 * ptimer.h - the timers of a process: POSIX per-process timers (timer_create and friends) and the
 * real-time interval timer (setitimer's ITIMER_REAL, alarm), over kern/ktimer.h (docs/timers.md).
 *
 * A process's timers live in its owner cluster: a table (made at the first timer) and one object
 * per timer, each with a kernel timer, so they fire in the owner cluster's timer thread whichever
 * clusters the process's threads run in; they signal the process (any of its threads that does
 * not block the signal), or one thread for SIGEV_THREAD_ID. An expiry that finds the timer's
 * previous signal still pending is counted as an overrun of that signal instead (si_overrun), as
 * Linux does; timer_getoverrun gives the overrun of the last signal delivered. POSIX timers go at
 * exec; all of them at the end of the process (process_end), freed with it.
 *
 * Every function runs in the calling thread's context, any cluster, and may block; errors are
 * Linux's for the system calls of sys_timer.c.
 */
#ifndef KERN_PTIMER_H
#define KERN_PTIMER_H

#include <hal_types.h>

#define PTIMER_MAX 32 /* POSIX timers of one process: timer_create fails with EAGAIN past it */

/* The CPU-time clocks a timer may count (Linux's clock ids): every thread's CPU time, or one's. */
#define PTIMER_CLOCK_PROCESS_CPU 2
#define PTIMER_CLOCK_THREAD_CPU  3

/* What timer_create asks (the sigevent decoded and checked by the caller). */
typedef struct ptimer_spec_s {
	uint32_t clock;   /* CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, PTIMER_CLOCK_*_CPU */
	uint32_t clock_tid; /* PTIMER_CLOCK_THREAD_CPU: the thread whose CPU time counts         */
	uint32_t notify;  /* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_SIGNAL|SIGEV_THREAD_ID */
	int32_t  signo;
	uint64_t value;   /* sigev_value, delivered as si_value                                  */
	uint32_t tid;     /* SIGEV_THREAD_ID: the thread                                         */
} ptimer_spec_t;

/* A timer's setting: nanoseconds to the next expiry (0: disarmed) and the period (0: none). */
typedef struct ptimer_setting_s {
	uint64_t value_ns;
	uint64_t interval_ns;
} ptimer_setting_t;

/* timer_create: a new POSIX timer of the process whose owner is @owner_xp, disarmed; *id its
 * number (>= 0). @spec->value is replaced by the id when @default_value (a NULL sigevent).
 * EAGAIN (PTIMER_MAX timers), ENOMEM. */
error_t ptimer_create(xptr_t owner_xp, const ptimer_spec_t *spec, bool default_value, int32_t *id);

/* timer_settime: arm @id for @set (@set->value_ns 0: disarm), the previous setting in *@old.
 * @how: PTIMER_ABSOLUTE, the value is a deadline in ns since boot (timers on the time of day);
 * a CPU-time timer's value is always the CPU time left, the caller converts an absolute one, and
 * says PTIMER_DUE if it has passed already: the timer expires at once. EINVAL (no such timer). */
#define PTIMER_ABSOLUTE 1u
#define PTIMER_DUE      2u
error_t ptimer_settime(xptr_t owner_xp, int32_t id, const ptimer_setting_t *set, uint32_t how,
		       ptimer_setting_t *old);

/* timer_gettime: the current setting of @id. EINVAL. */
error_t ptimer_gettime(xptr_t owner_xp, int32_t id, ptimer_setting_t *cur);

/* timer_getoverrun: the overrun of the last signal of @id that was delivered. EINVAL. */
error_t ptimer_getoverrun(xptr_t owner_xp, int32_t id, int32_t *overrun);

/* timer_delete: disarm and free @id (a pending signal of it stays). EINVAL. */
error_t ptimer_delete(xptr_t owner_xp, int32_t id);

/* setitimer(ITIMER_REAL) / getitimer: the process's SIGALRM timer (SI_KERNEL). ENOMEM. */
error_t ptimer_itimer_set(xptr_t owner_xp, const ptimer_setting_t *set, ptimer_setting_t *old);
void    ptimer_itimer_get(xptr_t owner_xp, ptimer_setting_t *cur);

/* The clock of timer @id and, for PTIMER_CLOCK_THREAD_CPU, its thread (its spec's); EINVAL. */
error_t ptimer_clock(xptr_t owner_xp, int32_t id, uint32_t *clock, uint32_t *clock_tid);

/*
 * Timers on a CPU-time clock (PTIMER_CLOCK_*_CPU) have no kernel timer: the accounting steps
 * (acct.c) charge them as they charge ITIMER_VIRTUAL/PROF, when the owner's cpu_itimers has the
 * ACCT_CPU_PTIMERS bit. ptimer_cpu_charge: @ns of CPU time of thread @tid charged to the armed
 * ones (lock-free); returns the slots this charge brought to 0, whose expiry the caller then runs,
 * ptimer_cpu_expire (of process @pid), in its own context: no lock held but blocking ones, as
 * itimer_expire (busylocks only: the tick's interrupt handler is one such context).
 */
uint32_t ptimer_cpu_charge(xptr_t owner_xp, uint32_t tid, uint64_t ns);
void     ptimer_cpu_expire(uint32_t pid, uint32_t slots);

/* exec: the POSIX timers go (the interval timer stays, as Linux). */
void ptimer_exec(xptr_t owner_xp);

/* The process ends: every timer goes, and the table. */
void ptimer_process_exit(xptr_t owner_xp);

/* Pure: an expiry at @now of a timer due at @deadline with period @interval (> 0): how many
 * periods passed (1 + the missed ones: the overrun), and the next deadline after @now (Linux's
 * hrtimer_forward). */
static inline uint64_t ptimer_periods(uint64_t deadline, uint64_t interval, uint64_t now,
				      uint64_t *next)
{
	uint64_t periods = 1;

	if (now >= deadline)
		periods += (now - deadline) / interval;
	*next = deadline + periods * interval;
	return periods;
}

/* Pure: the re-arm of a periodic timer expiring at @now (ptimer_periods' figures), its next
 * deadline no sooner than @now + @min_gap. The timer thread runs at once a timer already due when
 * it looks again, so a period shorter than that look (1 ns is valid) would keep it running that
 * timer for ever, and its core's user threads would never run again: the caller asks a gap of a
 * tick for periods below the tick. The deadline moves on by whole periods; those it skips
 * (*@skipped) are counted at the next expiry. */
static inline uint64_t ptimer_rearm(uint64_t deadline, uint64_t interval, uint64_t now,
				    uint64_t min_gap, uint64_t *next, uint64_t *skipped)
{
	uint64_t periods = ptimer_periods(deadline, interval, now, next);

	*skipped = 0;
	if (*next < now + min_gap) {
		*skipped = (now + min_gap - *next + interval - 1) / interval;
		*next += *skipped * interval;
	}
	return periods;
}

#endif /* KERN_PTIMER_H */
