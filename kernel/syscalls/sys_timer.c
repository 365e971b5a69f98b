/*
 * sys_timer.c - interval timers and POSIX per-process timers: setitimer, getitimer, alarm,
 * timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete (docs/timers.md).
 *
 * The user's structures are checked here in Linux's order (kernel/time/itimer.c,
 * posix-timers.c); the timers themselves are kern/ptimer.c's, in the owner cluster of the process.
 * Every clock counts from the boot (no RTC yet), so CLOCK_REALTIME, CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME deadlines are the same ns count. ITIMER_VIRTUAL and ITIMER_PROF count the
 * process's CPU time (kern/acct.h), and so do POSIX timers on CLOCK_PROCESS_CPUTIME_ID and
 * CLOCK_THREAD_CPUTIME_ID (kern/ptimer.c: charged by the accounting).
 */
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/acct.h>
#include <kern/process.h>
#include <kern/ptimer.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <syscalls/syscall.h>

#define CLOCK_REALTIME         0
#define CLOCK_MONOTONIC        1
#define CLOCK_MONOTONIC_RAW    4
#define CLOCK_REALTIME_COARSE  5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME         7
#define TIMER_ABSTIME          1
#define NSEC_PER_USEC          1000ULL

static xptr_t self_owner(void)
{
	thread_t *self = thread_current();

	return self->process ? self->process->owner_xp : XPTR_NULL;
}

/* A timeval of an itimerval as ns: EINVAL unless 0 <= usec < 1e6 and sec >= 0. */
static error_t timeval_ns(const struct uabi_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return EINVAL;
	*ns = (uint64_t)tv->tv_sec * UABI_NSEC_PER_SEC + (uint64_t)tv->tv_usec * NSEC_PER_USEC;
	return 0;
}

/* ns as a timeval, truncated to the microsecond, but a running timer never shows 0 (Linux). */
static void ns_timeval(uint64_t ns, struct uabi_timeval *tv)
{
	if (ns && ns < NSEC_PER_USEC)
		ns = NSEC_PER_USEC;
	tv->tv_sec = (int64_t)(ns / UABI_NSEC_PER_SEC);
	tv->tv_usec = (int64_t)(ns % UABI_NSEC_PER_SEC / NSEC_PER_USEC);
}

static void setting_itimerval(const ptimer_setting_t *s, struct uabi_itimerval *it)
{
	ns_timeval(s->interval_ns, &it->it_interval);
	ns_timeval(s->value_ns, &it->it_value);
}

int64_t sys_getitimer(const uint64_t args[6])
{
	struct uabi_itimerval it;
	ptimer_setting_t cur;
	xptr_t owner = self_owner();

	if (owner == XPTR_NULL)
		return -EINVAL;
	switch ((int)args[0]) {
	case UABI_ITIMER_REAL:
		ptimer_itimer_get(owner, &cur);
		break;
	case UABI_ITIMER_VIRTUAL:
	case UABI_ITIMER_PROF:
		acct_itimer_get(owner, (int)args[0] == UABI_ITIMER_VIRTUAL ? ACCT_ITIMER_VIRTUAL :
					ACCT_ITIMER_PROF, &cur.value_ns, &cur.interval_ns);
		break;
	default:
		return -EINVAL;
	}
	setting_itimerval(&cur, &it);
	return hal_copy_to_uspace(args[1], &it, sizeof(it)) ? -EFAULT : 0;
}

int64_t sys_setitimer(const uint64_t args[6])
{
	struct uabi_itimerval it;
	ptimer_setting_t set = { 0, 0 }, old;
	xptr_t owner = self_owner();
	error_t error;

	if (args[1]) { /* NULL: disarm, as Linux still accepts */
		if (hal_copy_from_uspace(&it, args[1], sizeof(it)))
			return -EFAULT;
		if ((error = timeval_ns(&it.it_value, &set.value_ns)) ||
		    (error = timeval_ns(&it.it_interval, &set.interval_ns)))
			return -error;
	}
	if (owner == XPTR_NULL)
		return -EINVAL;
	switch ((int)args[0]) {
	case UABI_ITIMER_REAL:
		error = ptimer_itimer_set(owner, &set, &old);
		if (error)
			return -error;
		break;
	case UABI_ITIMER_VIRTUAL:
	case UABI_ITIMER_PROF:
		acct_itimer_set(owner, (int)args[0] == UABI_ITIMER_VIRTUAL ? ACCT_ITIMER_VIRTUAL :
				ACCT_ITIMER_PROF, set.value_ns, set.interval_ns, &old.value_ns,
				&old.interval_ns);
		break;
	default:
		return -EINVAL;
	}
	setting_itimerval(&old, &it);
	return args[2] && hal_copy_to_uspace(args[2], &it, sizeof(it)) ? -EFAULT : 0;
}

/* alarm(seconds): ITIMER_REAL once; the seconds left of the previous alarm, rounded as Linux. */
int64_t sys_alarm(const uint64_t args[6])
{
	ptimer_setting_t set = { (uint64_t)(uint32_t)args[0] * UABI_NSEC_PER_SEC, 0 }, old;
	xptr_t owner = self_owner();
	struct uabi_timeval tv;

	if (owner == XPTR_NULL || ptimer_itimer_set(owner, &set, &old))
		return 0;
	ns_timeval(old.value_ns, &tv);
	if ((!tv.tv_sec && tv.tv_usec) || tv.tv_usec >= 500000)
		tv.tv_sec++;
	return tv.tv_sec;
}

/* The sigevent of timer_create as a spec (Linux's good_sigevent): EINVAL, EFAULT. */
static error_t sigevent_spec(uintptr_t uevent, ptimer_spec_t *spec, bool *default_value)
{
	struct uabi_sigevent ev;
	thread_t *self = thread_current();

	*default_value = uevent == 0;
	if (!uevent) { /* as a SIGEV_SIGNAL of SIGALRM whose value is the timer's id */
		spec->notify = UABI_SIGEV_SIGNAL;
		spec->signo = SIGALRM;
		return 0;
	}
	if (hal_copy_from_uspace(&ev, uevent, sizeof(ev)))
		return EFAULT;
	spec->notify = (uint32_t)ev.sigev_notify;
	spec->signo = ev.sigev_signo;
	spec->value = ev.sigev_value;
	switch (ev.sigev_notify) {
	case UABI_SIGEV_SIGNAL | UABI_SIGEV_THREAD_ID:
		spec->tid = (uint32_t)ev.un.tid;
		/* a thread of the caller's process (Linux: same thread group) */
		if (ev.un.tid <= 0 || !syscall_thread_of_self((uint32_t)ev.un.tid))
			return EINVAL;
		/* fall through */
	case UABI_SIGEV_SIGNAL:
	case UABI_SIGEV_THREAD:
		if (ev.sigev_signo <= 0 || ev.sigev_signo > SIGNAL_NSIG)
			return EINVAL;
		/* fall through */
	case UABI_SIGEV_NONE:
		(void)self;
		return 0;
	default:
		return EINVAL;
	}
}

int64_t sys_timer_create(const uint64_t args[6])
{
	xptr_t owner = self_owner();
	ptimer_spec_t spec;
	bool default_value;
	int32_t id;
	error_t error;

	memset(&spec, 0, sizeof(spec));
	switch (args[0]) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME:
	case PTIMER_CLOCK_PROCESS_CPU:
		break;
	case PTIMER_CLOCK_THREAD_CPU: /* the caller's CPU time */
		spec.clock_tid = thread_current()->trdid;
		break;
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP; /* clocks Linux cannot arm a timer on */
	default:
		return -EINVAL; /* unknown (the ids of clock_getcpuclockid too: docs/timers.md) */
	}
	spec.clock = (uint32_t)args[0];
	error = sigevent_spec(args[1], &spec, &default_value);
	if (error)
		return -error;
	if (owner == XPTR_NULL)
		return -EINVAL;
	if (!hal_uspace_range_ok(args[2], sizeof(int32_t)))
		return -EFAULT;
	error = ptimer_create(owner, &spec, default_value, &id);
	if (error)
		return -error;
	if (hal_copy_to_uspace(args[2], &id, sizeof(id))) {
		ptimer_delete(owner, id); /* as Linux: the id could not be written, no timer */
		return -EFAULT;
	}
	return 0;
}

/* An itimerspec's timespec as ns: EINVAL unless sec >= 0 and 0 <= nsec < 1e9. */
static error_t timespec_ns(const struct uabi_timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)UABI_NSEC_PER_SEC)
		return EINVAL;
	*ns = (uint64_t)ts->tv_sec * UABI_NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return 0;
}

static void setting_itimerspec(const ptimer_setting_t *s, struct uabi_itimerspec *its)
{
	its->it_interval.tv_sec = (int64_t)(s->interval_ns / UABI_NSEC_PER_SEC);
	its->it_interval.tv_nsec = (int64_t)(s->interval_ns % UABI_NSEC_PER_SEC);
	its->it_value.tv_sec = (int64_t)(s->value_ns / UABI_NSEC_PER_SEC);
	its->it_value.tv_nsec = (int64_t)(s->value_ns % UABI_NSEC_PER_SEC);
}

/*
 * How ptimer_settime takes @set (PTIMER_*), in *@how. A CPU-time timer counts down the CPU time
 * left: an absolute value (TIMER_ABSTIME) becomes the time left to it on the timer's clock now,
 * or PTIMER_DUE if that time has come (it expires at once, as Linux's timer_settime fires it).
 * EINVAL (no such timer, or its thread is gone).
 */
static error_t settime_how(xptr_t owner, int32_t id, bool absolute, ptimer_setting_t *set,
			   uint32_t *how)
{
	uint32_t clock, tid;
	uint64_t now;
	error_t error = ptimer_clock(owner, id, &clock, &tid);

	*how = absolute ? PTIMER_ABSOLUTE : 0;
	if (error || !absolute || !set->value_ns ||
	    (clock != PTIMER_CLOCK_PROCESS_CPU && clock != PTIMER_CLOCK_THREAD_CPU))
		return error;
	if (clock == PTIMER_CLOCK_PROCESS_CPU)
		error = syscall_clock_read(PTIMER_CLOCK_PROCESS_CPU, &now);
	else if (!syscall_thread_cpu_ns(tid, &now))
		error = EINVAL;
	if (error)
		return error;
	*how = set->value_ns <= now ? PTIMER_DUE : 0;
	set->value_ns = set->value_ns <= now ? 0 : set->value_ns - now;
	return 0;
}

int64_t sys_timer_settime(const uint64_t args[6])
{
	struct uabi_itimerspec its;
	ptimer_setting_t set, old;
	xptr_t owner = self_owner();
	uint32_t how;
	error_t error;

	if (!args[2])
		return -EINVAL;
	if (hal_copy_from_uspace(&its, args[2], sizeof(its)))
		return -EFAULT;
	if ((error = timespec_ns(&its.it_interval, &set.interval_ns)) ||
	    (error = timespec_ns(&its.it_value, &set.value_ns)))
		return -error;
	if (owner == XPTR_NULL)
		return -EINVAL;
	error = settime_how(owner, (int32_t)args[0], (args[1] & TIMER_ABSTIME) != 0, &set, &how);
	if (error)
		return -error;
	error = ptimer_settime(owner, (int32_t)args[0], &set, how, &old);
	if (error)
		return -error;
	setting_itimerspec(&old, &its);
	return args[3] && hal_copy_to_uspace(args[3], &its, sizeof(its)) ? -EFAULT : 0;
}

int64_t sys_timer_gettime(const uint64_t args[6])
{
	struct uabi_itimerspec its;
	ptimer_setting_t cur;
	xptr_t owner = self_owner();
	error_t error;

	if (owner == XPTR_NULL)
		return -EINVAL;
	error = ptimer_gettime(owner, (int32_t)args[0], &cur);
	if (error)
		return -error;
	setting_itimerspec(&cur, &its);
	return hal_copy_to_uspace(args[1], &its, sizeof(its)) ? -EFAULT : 0;
}

int64_t sys_timer_getoverrun(const uint64_t args[6])
{
	xptr_t owner = self_owner();
	int32_t overrun;
	error_t error;

	if (owner == XPTR_NULL)
		return -EINVAL;
	error = ptimer_getoverrun(owner, (int32_t)args[0], &overrun);
	return error ? -error : overrun;
}

int64_t sys_timer_delete(const uint64_t args[6])
{
	xptr_t owner = self_owner();

	return owner == XPTR_NULL ? -EINVAL : -ptimer_delete(owner, (int32_t)args[0]);
}
