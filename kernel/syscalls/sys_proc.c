/*
 * sys_proc.c - identity, limits, time and randomness.
 */
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/random.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <syscalls/syscall.h>

#define RLIMIT_NLIMITS 16
#define RLIMIT_STACK   3
#define RLIMIT_NOFILE  7
#define RLIM_INFINITY  (~0UL)
#define GRND_NONBLOCK  0x1
#define GRND_RANDOM    0x2
#define GRND_INSECURE  0x4
#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME  7
#define TIMER_ABSTIME   1
#define ROBUST_LIST_HEAD_SIZE 24

int64_t sys_getpid(const uint64_t args[6])
{
	thread_t *self = thread_current();

	(void)args;
	return self->process ? self->process->pid : self->trdid;
}

int64_t sys_getuid(const uint64_t args[6])
{
	(void)args;
	return 0; /* one user: root */
}

/* The effective user and the groups: root's, as getuid's. */
int64_t sys_geteuid(const uint64_t args[6]) { return sys_getuid(args); }
int64_t sys_getgid(const uint64_t args[6]) { return sys_getuid(args); }
int64_t sys_getegid(const uint64_t args[6]) { return sys_getuid(args); }

int64_t sys_set_tid_address(const uint64_t args[6])
{
	thread_t *self = thread_current();

	self->clear_child_tid = args[0];
	return self->trdid;
}

int64_t sys_set_robust_list(const uint64_t args[6])
{
	if (args[1] != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	thread_current()->robust_list = args[0];
	return 0;
}

int64_t sys_prlimit64(const uint64_t args[6])
{
	uint32_t resource = (uint32_t)args[1];
	uint64_t limit[2] = { RLIM_INFINITY, RLIM_INFINITY };

	if (args[0] != 0 && (pid_t)args[0] != (pid_t)sys_getpid(args))
		return -ESRCH;
	if (resource >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (resource == RLIMIT_STACK)
		limit[0] = limit[1] = (CONFIG_VMM_STACK_PAGES - 1) * CONFIG_PAGE_SIZE;
	else if (resource == RLIMIT_NOFILE)
		limit[0] = limit[1] = CONFIG_MAX_FILES;
	if (args[3] && hal_copy_to_uspace(args[3], limit, sizeof(limit)))
		return -EFAULT;
	if (args[2]) {
		uint64_t wanted[2];
		if (hal_copy_from_uspace(wanted, args[2], sizeof(wanted)))
			return -EFAULT;
		if (wanted[0] > wanted[1])
			return -EINVAL;
		if (wanted[1] > limit[1] || wanted[0] != limit[0])
			return -EPERM; /* limits are fixed by the kernel's static parameters */
	}
	return 0;
}

int64_t sys_uname(const uint64_t args[6])
{
	char u[6][65];

	memset(u, 0, sizeof(u));
	strlcpy(u[0], "Archipel", sizeof(u[0]));
	strlcpy(u[1], "archipel", sizeof(u[1]));
	strlcpy(u[2], "0.4.0", sizeof(u[2]));
	strlcpy(u[3], "#1 SMP NUMA", sizeof(u[3]));
	strlcpy(u[4], hal_machine_name(), sizeof(u[4]));
	strlcpy(u[5], "(none)", sizeof(u[5]));
	return hal_copy_to_uspace(args[0], u, sizeof(u)) ? -EFAULT : 0;
}

int64_t sys_getrandom(const uint64_t args[6])
{
	uint8_t chunk[256];
	size_t done = 0, size = args[1];

	if (args[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((int64_t)size < 0)
		return -EINVAL;
	while (done < size) {
		size_t n = size - done < sizeof(chunk) ? size - done : sizeof(chunk);
		random_bytes(chunk, n);
		if (hal_copy_to_uspace(args[0] + done, chunk, n))
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return (int64_t)done;
}

/* clock_gettime(2): the clocks of syscall_clock_read (sys_usage.c). */
int64_t sys_clock_gettime(const uint64_t args[6])
{
	uint64_t ns;
	int64_t ts[2];
	error_t error = syscall_clock_read(args[0], &ns);

	if (error)
		return -error;
	ts[0] = (int64_t)(ns / UABI_NSEC_PER_SEC);
	ts[1] = (int64_t)(ns % UABI_NSEC_PER_SEC);
	return hal_copy_to_uspace(args[1], ts, sizeof(ts)) ? -EFAULT : 0;
}

/*
 * Sleep until @deadline_ns; returns 0, or -EINTR when a signal (or a kill) ended the sleep
 * first, with the time left written at @urem (if not 0) as Linux does for relative sleeps.
 */
static int64_t sleep_until(uint64_t deadline_ns, uintptr_t urem)
{
	uint64_t now = hal_get_time_ns();

	if (deadline_ns > now)
		thread_sleep_ns(deadline_ns - now);
	now = hal_get_time_ns();
	if (now >= deadline_ns)
		return 0;
	if (urem) {
		int64_t rem[2] = { (int64_t)((deadline_ns - now) / UABI_NSEC_PER_SEC),
				   (int64_t)((deadline_ns - now) % UABI_NSEC_PER_SEC) };
		if (hal_copy_to_uspace(urem, rem, sizeof(rem)))
			return -EFAULT;
	}
	return -EINTR;
}

int64_t sys_nanosleep(const uint64_t args[6])
{
	int64_t ts[2];

	if (hal_copy_from_uspace(ts, args[0], sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)UABI_NSEC_PER_SEC)
		return -EINVAL;
	return sleep_until(hal_get_time_ns() + (uint64_t)ts[0] * UABI_NSEC_PER_SEC + (uint64_t)ts[1],
			   args[1]);
}

int64_t sys_clock_nanosleep(const uint64_t args[6])
{
	int64_t ts[2];
	uint64_t ns;

	if (args[0] != CLOCK_REALTIME && args[0] != CLOCK_MONOTONIC && args[0] != CLOCK_BOOTTIME)
		return -EINVAL;
	if (args[1] & ~(uint64_t)TIMER_ABSTIME)
		return -EINVAL;
	if (hal_copy_from_uspace(ts, args[2], sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)UABI_NSEC_PER_SEC)
		return -EINVAL;
	ns = (uint64_t)ts[0] * UABI_NSEC_PER_SEC + (uint64_t)ts[1];
	if (args[1] & TIMER_ABSTIME)
		return sleep_until(ns, 0);
	return sleep_until(hal_get_time_ns() + ns, args[3]);
}

#define LINUX_REBOOT_MAGIC1         0xfee1deadU
#define LINUX_REBOOT_MAGIC2         672274793U
#define LINUX_REBOOT_MAGIC2A        85072278U
#define LINUX_REBOOT_MAGIC2B        369367448U
#define LINUX_REBOOT_MAGIC2C        537993216U
#define LINUX_REBOOT_CMD_POWER_OFF  0x4321FEDCU
#define LINUX_REBOOT_CMD_HALT       0xCDEF0123U
#define LINUX_REBOOT_CMD_CAD_ON     0x89ABCDEFU
#define LINUX_REBOOT_CMD_CAD_OFF    0x00000000U

/*
 * reboot(2): power off or halt stop the machine with success (the QEMU exit status is 0); there
 * is no Ctrl-Alt-Del to configure; restarting the machine is not supported (EINVAL).
 */
int64_t sys_reboot(const uint64_t args[6])
{
	uint32_t magic2 = (uint32_t)args[1], cmd = (uint32_t)args[2];

	if ((uint32_t)args[0] != LINUX_REBOOT_MAGIC1 ||
	    (magic2 != LINUX_REBOOT_MAGIC2 && magic2 != LINUX_REBOOT_MAGIC2A &&
	     magic2 != LINUX_REBOOT_MAGIC2B && magic2 != LINUX_REBOOT_MAGIC2C))
		return -EINVAL;
	switch (cmd) {
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
		printk("reboot: power off requested by thread %x", thread_current()->trdid);
		hal_poweroff(0);
	case LINUX_REBOOT_CMD_CAD_ON:
	case LINUX_REBOOT_CMD_CAD_OFF:
		return 0;
	default:
		return -EINVAL;
	}
}

/* sync(2): the RAM file system has no backing store to write back. */
int64_t sys_sync(const uint64_t args[6])
{
	(void)args;
	return 0;
}
