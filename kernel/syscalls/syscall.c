/*
 * syscall.c - dispatch of system calls (see syscall.h).
 */
#include <hal_upcalls.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>
#include <kern/cluster.h>
#include <kern/thread.h>
#include <libk/bits.h>

#define ALMOS_ABI_ONLY
#include <almos.h> /* the user ABI of the extensions, shared with user programs */

static const syscall_fn_t syscall_table[SYSCALLS_NR] = {
	[SYS_GETCWD] = sys_getcwd,           [SYS_DUP] = sys_dup,
	[SYS_DUP3] = sys_dup3,               [SYS_FCNTL] = sys_fcntl,
	[SYS_IOCTL] = sys_ioctl,             [SYS_MKDIRAT] = sys_mkdirat,
	[SYS_UNLINKAT] = sys_unlinkat,       [SYS_FACCESSAT] = sys_faccessat,
	[SYS_CHDIR] = sys_chdir,             [SYS_OPENAT] = sys_openat,
	[SYS_CLOSE] = sys_close,             [SYS_GETDENTS64] = sys_getdents64,
	[SYS_PIPE2] = sys_pipe2,
	[SYS_LSEEK] = sys_lseek,             [SYS_READ] = sys_read,
	[SYS_WRITE] = sys_write,             [SYS_READV] = sys_readv,
	[SYS_WRITEV] = sys_writev,           [SYS_PREAD64] = sys_pread64,
	[SYS_PWRITE64] = sys_pwrite64,       [SYS_READLINKAT] = sys_readlinkat,
	[SYS_PSELECT6] = sys_pselect6,       [SYS_PPOLL] = sys_ppoll,
	[SYS_NEWFSTATAT] = sys_newfstatat,   [SYS_FSTAT] = sys_fstat,
	[SYS_EXIT] = sys_exit,               [SYS_EXIT_GROUP] = sys_exit_group,
	[SYS_SET_TID_ADDRESS] = sys_set_tid_address,
	[SYS_SET_ROBUST_LIST] = sys_set_robust_list,
	[SYS_NANOSLEEP] = sys_nanosleep,     [SYS_CLOCK_GETTIME] = sys_clock_gettime,
	[SYS_CLOCK_NANOSLEEP] = sys_clock_nanosleep,
	[SYS_SCHED_YIELD] = sys_sched_yield, [SYS_UNAME] = sys_uname,
	[SYS_GETPID] = sys_getpid,           [SYS_GETPPID] = sys_getppid,
	[SYS_GETUID] = sys_getuid,           [SYS_GETEUID] = sys_getuid,
	[SYS_GETGID] = sys_getuid,           [SYS_GETEGID] = sys_getuid,
	[SYS_GETTID] = sys_gettid,           [SYS_BRK] = sys_brk,
	[SYS_MUNMAP] = sys_munmap, [SYS_MREMAP] = sys_mremap,           [SYS_MMAP] = sys_mmap,
	[SYS_MPROTECT] = sys_mprotect,       [SYS_PRLIMIT64] = sys_prlimit64,
	[SYS_GETRANDOM] = sys_getrandom,     [SYS_REBOOT] = sys_reboot,
	[SYS_SYNC] = sys_sync,               [SYS_FUTEX] = sys_futex,
	[SYS_CLONE] = sys_clone,             [SYS_RT_SIGACTION] = sys_rt_sigaction,
	[SYS_RT_SIGPROCMASK] = sys_rt_sigprocmask, [SYS_TGKILL] = sys_tgkill,
	[SYS_TKILL] = sys_tkill,             [SYS_MADVISE] = sys_madvise,
	[SYS_RT_SIGPENDING] = sys_rt_sigpending,
	[SYS_EXECVE] = sys_execve,           [SYS_WAIT4] = sys_wait4,
	[SYS_MSYNC] = sys_msync,
	[SYS_KILL] = sys_kill,               [SYS_SIGALTSTACK] = sys_sigaltstack,
	[SYS_RT_SIGSUSPEND] = sys_rt_sigsuspend, [SYS_RT_SIGRETURN] = sys_rt_sigreturn,
	[SYS_SETPGID] = sys_setpgid,         [SYS_GETPGID] = sys_getpgid,
	[SYS_GETSID] = sys_getsid,           [SYS_SETSID] = sys_setsid,
};

/* One bit per number: an unimplemented number is logged the first time only (per cluster). */
static uint64_t enosys_logged[SYSCALLS_NR / 64];
static uint64_t calls_nr, enosys_nr;

/* The ALMOS-MKH extensions, from ALMOS_SYSCALL_FIRST on (user/include/almos.h). */
static const syscall_fn_t almos_table[] = {
	sys_almos_display, sys_almos_get_config, sys_almos_get_core_id, sys_almos_get_cycle,
	sys_almos_place_next, sys_almos_trace, sys_almos_get_cluster_info, sys_almos_get_vmm_info,
	sys_almos_get_processes, sys_almos_get_process_info, sys_almos_get_regions,
};

static syscall_fn_t lookup(uint64_t nr)
{
	if (nr < SYSCALLS_NR)
		return syscall_table[nr];
	if (nr >= ALMOS_SYSCALL_FIRST && nr - ALMOS_SYSCALL_FIRST < ARRAY_SIZE(almos_table))
		return almos_table[nr - ALMOS_SYSCALL_FIRST];
	return NULL;
}

/* The system call of the calling thread, logged when the core's trace is on. */
static int64_t traced(syscall_fn_t fn, uint64_t nr, const uint64_t args[6])
{
	int64_t result;

	if (!__atomic_load_n(&cluster_current_core()->trace_syscalls, __ATOMIC_RELAXED))
		return fn(args);
	pr_info("syscall %lu (%lx, %lx, %lx, %lx) by thread %x", nr, args[0], args[1], args[2], args[3],
		thread_current()->trdid);
	result = fn(args);
	pr_info("syscall %lu by thread %x returns %ld", nr, thread_current()->trdid, result);
	return result;
}

int64_t kernel_syscall(uint64_t nr, const uint64_t args[6])
{
	syscall_fn_t fn = lookup(nr);
	int64_t result;

	__atomic_fetch_add(&calls_nr, 1, __ATOMIC_RELAXED);
	if (fn) {
		result = traced(fn, nr, args);
		/* rt_sigreturn returns the user's a0, whatever it is: never a restart request */
		if (result == -ERESTARTSYS && nr != SYS_RT_SIGRETURN) {
			thread_t *self = thread_current();
			self->sig_restart = 1;          /* signal_deliver settles it: again, or EINTR */
			self->sig_restart_a0 = args[0];
			result = -EINTR;
		}
		return result;
	}
	__atomic_fetch_add(&enosys_nr, 1, __ATOMIC_RELAXED);
	if (nr >= SYSCALLS_NR ||
	    !(__atomic_fetch_or(&enosys_logged[nr / 64], 1ULL << (nr % 64), __ATOMIC_RELAXED) &
	      (1ULL << (nr % 64))))
		pr_warn("syscall %lu is not supported: ENOSYS", nr);
	return -ENOSYS;
}

void syscall_stats(uint64_t *calls, uint64_t *enosys)
{
	*calls = __atomic_load_n(&calls_nr, __ATOMIC_RELAXED);
	*enosys = __atomic_load_n(&enosys_nr, __ATOMIC_RELAXED);
}
