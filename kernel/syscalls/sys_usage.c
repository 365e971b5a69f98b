/*
 * sys_usage.c - what a process may learn of its resources and of the machine: getrusage, times,
 * sysinfo, the clocks (clock_gettime's reading, clock_getres), umask, prctl's thread name.
 *
 * CPU times come from the accounting of kern/acct.h (every kernel entry and exit); a process's
 * figures are summed over its copies in every cluster (syscall_process_usage) plus those of its
 * ended threads; its children's are those its waits reaped. ru_maxrss is the largest resident size
 * (pages its reference VMM maps) seen by getrusage(RUSAGE_SELF) calls and times(2), in KiB.
 */
#include <fs/vfs.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/acct.h>
#include <kern/cluster.h>
#include <kern/loadavg.h>
#include <kern/process.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/ppm.h>
#include <syscalls/syscall.h>

/* The clocks of clock_gettime (include/uapi/linux/time.h). */
#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7

/* The calling process's figures: its live threads', its ended threads', the caller's up to now. */
static error_t self_usage(acct_t *out)
{
	thread_t *self = thread_current();
	xptr_t owner = self->process->owner_xp;
	acct_t mine, dead;
	uint64_t rss_pages;
	error_t error;

	acct_self(self, &mine); /* closes the caller's interval: the sum below sees it */
	error = syscall_process_usage(self->process->pid, out, &rss_pages);
	if (error)
		return error;
	acct_remote_read(PROC_XP(owner, acct_dead), &dead);
	acct_add(out, &dead);
	out->maxrss_kb = rss_pages * (CONFIG_PAGE_SIZE / 1024);
	acct_remote_add(PROC_XP(owner, acct_dead), &(acct_t){ .maxrss_kb = out->maxrss_kb });
	if (dead.maxrss_kb > out->maxrss_kb)
		out->maxrss_kb = dead.maxrss_kb;
	return 0;
}

static void to_timeval(uint64_t ns, struct uabi_timeval *tv)
{
	tv->tv_sec = (int64_t)(ns / UABI_NSEC_PER_SEC);
	tv->tv_usec = (int64_t)(ns % UABI_NSEC_PER_SEC / 1000);
}

void syscall_rusage_fill(struct uabi_rusage *ru, const acct_t *a)
{
	memset(ru, 0, sizeof(*ru));
	to_timeval(a->utime_ns, &ru->ru_utime);
	to_timeval(a->stime_ns, &ru->ru_stime);
	ru->ru_maxrss = (int64_t)a->maxrss_kb;
	ru->ru_minflt = (int64_t)a->minflt;
	ru->ru_majflt = (int64_t)a->majflt;
	ru->ru_nvcsw = (int64_t)a->nvcsw;
	ru->ru_nivcsw = (int64_t)a->nivcsw;
}

int64_t sys_getrusage(const uint64_t args[6])
{
	thread_t *self = thread_current();
	int who = (int)args[0];
	struct uabi_rusage ru;
	acct_t a;
	error_t error = 0;

	if (who != UABI_RUSAGE_SELF && who != UABI_RUSAGE_CHILDREN && who != UABI_RUSAGE_THREAD)
		return -EINVAL;
	if (!self->process)
		return -EINVAL;
	if (who == UABI_RUSAGE_SELF) {
		error = self_usage(&a);
	} else if (who == UABI_RUSAGE_THREAD) {
		acct_t proc;
		acct_self(self, &a);
		error = self_usage(&proc); /* maxrss is the process's, as Linux's */
		a.maxrss_kb = proc.maxrss_kb;
	} else {
		acct_remote_read(PROC_XP(self->process->owner_xp, acct_children), &a);
	}
	if (error)
		return -error;
	syscall_rusage_fill(&ru, &a);
	return hal_copy_to_uspace(args[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

int64_t sys_times(const uint64_t args[6])
{
	thread_t *self = thread_current();
	struct uabi_tms t;
	acct_t a, c;
	error_t error;

	if (args[0]) {
		if (!self->process)
			return -EFAULT;
		error = self_usage(&a);
		if (error)
			return -error;
		acct_remote_read(PROC_XP(self->process->owner_xp, acct_children), &c);
		t.tms_utime = (int64_t)acct_ns_to_ticks(a.utime_ns);
		t.tms_stime = (int64_t)acct_ns_to_ticks(a.stime_ns);
		t.tms_cutime = (int64_t)acct_ns_to_ticks(c.utime_ns);
		t.tms_cstime = (int64_t)acct_ns_to_ticks(c.stime_ns);
		if (hal_copy_to_uspace(args[0], &t, sizeof(t)))
			return -EFAULT;
	}
	/* clock ticks since an arbitrary point in the past: the boot (Linux's starts 5 minutes
	 * before its boot, so that a wrap shows early); never negative here */
	return (int64_t)acct_ns_to_ticks(hal_get_time_ns());
}

/* Memory and threads of every cluster. */
static void machine_figures(uint64_t *total_pages, uint64_t *free_pages, uint64_t *threads)
{
	*total_pages = *free_pages = *threads = 0;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		ppm_stats_t st;
		ppm_stats(c, &st);
		*total_pages += st.total_pages - st.reserved_pages;
		*free_pages += st.free_pages;
		*threads += hal_remote_l32(XPTR(c, &cluster_manager.threads_nr));
	}
}

int64_t sys_sysinfo(const uint64_t args[6])
{
	struct uabi_sysinfo si;
	uint64_t now = hal_get_time_ns(), total, free, threads, avg[3];

	memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(now / UABI_NSEC_PER_SEC + (now % UABI_NSEC_PER_SEC ? 1 : 0));
	loadavg_get(avg);
	for (int i = 0; i < 3; i++)
		si.loads[i] = avg[i] << (UABI_SI_LOAD_SHIFT - LOADAVG_FSHIFT);
	machine_figures(&total, &free, &threads);
	si.totalram = total * CONFIG_PAGE_SIZE; /* 64-bit: bytes, mem_unit 1, as Linux */
	si.freeram = free * CONFIG_PAGE_SIZE;
	si.procs = threads > UINT16_MAX ? UINT16_MAX : (uint16_t)threads;
	si.mem_unit = 1;
	return hal_copy_to_uspace(args[0], &si, sizeof(si)) ? -EFAULT : 0;
}

error_t syscall_clock_read(uint64_t clk, uint64_t *ns)
{
	thread_t *self = thread_current();
	acct_t a;

	switch (clk) {
	case CLOCK_REALTIME: /* no RTC yet: the epoch is the boot */
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
		*ns = hal_get_time_ns();
		return 0;
	case CLOCK_REALTIME_COARSE: /* the last tick's time, as Linux's coarse clocks */
	case CLOCK_MONOTONIC_COARSE:
		*ns = hal_get_time_ns() / CONFIG_TICK_NS * CONFIG_TICK_NS;
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		acct_self(self, &a);
		*ns = a.utime_ns + a.stime_ns;
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		if (!self->process)
			return EINVAL;
		if (self_usage(&a))
			return EINVAL;
		*ns = a.utime_ns + a.stime_ns;
		return 0;
	default:
		return EINVAL;
	}
}

int64_t sys_clock_getres(const uint64_t args[6])
{
	uint64_t ns;
	struct uabi_timespec res = { 0, 1 }; /* hrtimer-based clocks: 1 ns, as Linux reports */
	error_t error;

	if (args[0] == CLOCK_PROCESS_CPUTIME_ID || args[0] == CLOCK_THREAD_CPUTIME_ID)
		ns = 0; /* reading them costs RPCs: only their validity matters here */
	else if ((error = syscall_clock_read(args[0], &ns)))
		return -error;
	if (args[0] == CLOCK_REALTIME_COARSE || args[0] == CLOCK_MONOTONIC_COARSE)
		res.tv_nsec = CONFIG_TICK_NS;
	if (args[1] && hal_copy_to_uspace(args[1], &res, sizeof(res)))
		return -EFAULT;
	return 0;
}

int64_t sys_umask(const uint64_t args[6])
{
	xptr_t ref = current_ref();
	xptr_t umask_xp = PROC_XP(ref, umask);
	uint32_t old;

	if (ref == XPTR_NULL)
		return 022;
	do
		old = hal_remote_l32(umask_xp);
	while (!hal_remote_atomic_cas32(umask_xp, old, (uint32_t)args[0] & 0777));
	return old;
}

uint32_t syscall_umask(void)
{
	xptr_t ref = current_ref();

	return ref == XPTR_NULL ? 022 : hal_remote_l32(PROC_XP(ref, umask));
}

/* PR_SET_NAME on the main thread also names the process for ps (its owner's name). */
static void set_comm(thread_t *self, const char *comm)
{
	char name[PROCESS_NAME_MAX];
	xptr_t owner;

	strlcpy(self->name, comm, sizeof(self->name));
	if (!self->process)
		return;
	owner = self->process->owner_xp;
	if (hal_remote_l32(PROC_XP(owner, main_trdid)) != self->trdid)
		return;
	memset(name, 0, sizeof(name));
	strlcpy(name, comm, UABI_TASK_COMM_LEN);
	/* whole, zeros after: a concurrent reader (ps) sees a NUL-terminated name */
	hal_remote_memcpy(PROC_XP(owner, name), XPTR(local_cxy, name), sizeof(name));
}

int64_t sys_prctl(const uint64_t args[6])
{
	thread_t *self = thread_current();
	char comm[UABI_TASK_COMM_LEN];

	switch (args[0]) {
	case UABI_PR_SET_NAME:
		memset(comm, 0, sizeof(comm));
		/* as Linux's strncpy_from_user of TASK_COMM_LEN - 1 bytes: a longer name is cut, a
		 * fault before its NUL or its 15th byte is EFAULT */
		for (size_t i = 0; i < sizeof(comm) - 1; i++) {
			if (hal_copy_from_uspace(&comm[i], args[1] + i, 1))
				return -EFAULT;
			if (!comm[i])
				break;
		}
		set_comm(self, comm);
		return 0;
	case UABI_PR_GET_NAME:
		memset(comm, 0, sizeof(comm));
		strlcpy(comm, self->name, sizeof(comm));
		return hal_copy_to_uspace(args[1], comm, sizeof(comm)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}
