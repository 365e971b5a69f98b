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

/* What timer_create asks (the sigevent decoded and checked by the caller). */
typedef struct ptimer_spec_s {
	uint32_t clock;   /* CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME                  */
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

/* timer_settime: arm @id for @set (absolute deadline in ns since boot when @absolute), the
 * previous setting in *@old. EINVAL (no such timer). */
error_t ptimer_settime(xptr_t owner_xp, int32_t id, const ptimer_setting_t *set, bool absolute,
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

#endif /* KERN_PTIMER_H */
