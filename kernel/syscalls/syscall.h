/*
 * syscall.h - the system call layer: Linux riscv64 numbers and semantics for the POSIX part, plus
 * the ALMOS-MKH extensions in a private range (user/include/almos.h).
 *
 * kernel_syscall() (hal_upcalls.h) looks the number up in one table; an unknown or unimplemented
 * number returns -ENOSYS and is logged once per number. Each sys_* function takes the six argument
 * registers as the user passed them and returns the result register: >= 0, or -errno; -ERESTARTSYS
 * (a wait a signal interrupted) becomes -EINTR, or the call runs again after the signal's handler
 * when its action has SA_RESTART (or when no handler runs at all: signal_deliver). Arguments
 * are validated before anything changes (bad user pointers give -EFAULT, never a kernel fault).
 */
#ifndef SYSCALLS_SYSCALL_H
#define SYSCALLS_SYSCALL_H

#include <hal_types.h>

/* Linux asm-generic numbers (riscv64). */
#define SYS_GETCWD          17
#define SYS_DUP             23
#define SYS_DUP3            24
#define SYS_FCNTL           25
#define SYS_IOCTL           29
#define SYS_MKDIRAT         34
#define SYS_UNLINKAT        35
#define SYS_FACCESSAT       48
#define SYS_CHDIR           49
#define SYS_OPENAT          56
#define SYS_CLOSE           57
#define SYS_PIPE2           59
#define SYS_GETDENTS64      61
#define SYS_LSEEK           62
#define SYS_READ            63
#define SYS_WRITE           64
#define SYS_READV           65
#define SYS_WRITEV          66
#define SYS_PREAD64         67
#define SYS_PWRITE64        68
#define SYS_PSELECT6        72
#define SYS_PPOLL           73
#define SYS_READLINKAT      78
#define SYS_NEWFSTATAT      79
#define SYS_FSTAT           80
#define SYS_EXIT            93
#define SYS_EXIT_GROUP      94
#define SYS_SET_TID_ADDRESS 96
#define SYS_SET_ROBUST_LIST 99
#define SYS_NANOSLEEP       101
#define SYS_CLOCK_GETTIME   113
#define SYS_CLOCK_NANOSLEEP 115
#define SYS_SCHED_YIELD     124
#define SYS_UNAME           160
#define SYS_GETPID          172
#define SYS_GETPPID         173
#define SYS_GETUID          174
#define SYS_GETEUID         175
#define SYS_GETGID          176
#define SYS_GETEGID         177
#define SYS_GETTID          178
#define SYS_BRK             214
#define SYS_MUNMAP          215
#define SYS_MREMAP          216
#define SYS_MMAP            222
#define SYS_MPROTECT        226
#define SYS_PRLIMIT64       261
#define SYS_GETRANDOM       278
#define SYS_SYNC            81
#define SYS_FUTEX           98
#define SYS_MADVISE         233
#define SYS_CLONE           220
#define SYS_EXECVE          221
#define SYS_CLONE3          435
#define SYS_WAIT4           260
#define SYS_MSYNC           227
#define SYS_RT_SIGACTION    134
#define SYS_RT_SIGPROCMASK  135
#define SYS_RT_SIGPENDING   136
#define SYS_TKILL           130
#define SYS_TGKILL          131
#define SYS_REBOOT          142
#define SYS_KILL            129
#define SYS_SIGALTSTACK     132
#define SYS_RT_SIGSUSPEND   133
#define SYS_RT_SIGRETURN    139
#define SYS_SETPGID         154
#define SYS_GETPGID         155
#define SYS_GETSID          156
#define SYS_SETSID          157

#define SYSCALLS_NR    512 /* table size: every Linux riscv64 number is below */

typedef int64_t (*syscall_fn_t)(const uint64_t args[6]);

#define SYSCALL(name) int64_t sys_##name(const uint64_t args[6])
SYSCALL(getcwd); SYSCALL(dup); SYSCALL(dup3); SYSCALL(fcntl); SYSCALL(ioctl); SYSCALL(mkdirat);
SYSCALL(unlinkat); SYSCALL(faccessat); SYSCALL(chdir); SYSCALL(openat); SYSCALL(close);
SYSCALL(pipe2);
SYSCALL(getdents64); SYSCALL(lseek); SYSCALL(read); SYSCALL(write); SYSCALL(readv); SYSCALL(writev);
SYSCALL(pread64); SYSCALL(pwrite64); SYSCALL(readlinkat); SYSCALL(newfstatat); SYSCALL(fstat);
SYSCALL(pselect6); SYSCALL(ppoll);
SYSCALL(exit); SYSCALL(set_tid_address); SYSCALL(set_robust_list); SYSCALL(nanosleep);
SYSCALL(clock_gettime); SYSCALL(clock_nanosleep); SYSCALL(sched_yield); SYSCALL(uname);
SYSCALL(getpid); SYSCALL(getppid); SYSCALL(getuid); SYSCALL(gettid); SYSCALL(brk); SYSCALL(munmap); SYSCALL(mremap);
SYSCALL(mmap); SYSCALL(mprotect); SYSCALL(prlimit64); SYSCALL(getrandom); SYSCALL(reboot);
SYSCALL(sync); SYSCALL(madvise); SYSCALL(futex); SYSCALL(clone); SYSCALL(exit_group);
SYSCALL(rt_sigaction); SYSCALL(rt_sigprocmask); SYSCALL(rt_sigpending); SYSCALL(tgkill);
SYSCALL(wait4); SYSCALL(clone_process); SYSCALL(msync);
SYSCALL(tkill); SYSCALL(execve); SYSCALL(kill); SYSCALL(sigaltstack); SYSCALL(rt_sigsuspend);
SYSCALL(rt_sigreturn); SYSCALL(setpgid); SYSCALL(getpgid); SYSCALL(getsid); SYSCALL(setsid);
SYSCALL(almos_display); SYSCALL(almos_get_config); SYSCALL(almos_get_core_id);
SYSCALL(almos_get_cycle); SYSCALL(almos_place_next); SYSCALL(almos_trace);
SYSCALL(almos_get_cluster_info); SYSCALL(almos_get_vmm_info);
SYSCALL(almos_get_processes); SYSCALL(almos_get_process_info); SYSCALL(almos_get_regions);
/* write(2) of a bare user thread (no process): fds 1 and 2 are the console. */
SYSCALL(write_console);
#undef SYSCALL

/* The reference of the calling thread's process (XPTR_NULL for a bare kernel-made user thread). */
xptr_t current_ref(void);

/*
 * Copy the user path at @upath into a new kernel buffer of CONFIG_PATH_MAX bytes (kmem_free it);
 * *path is NULL on error. EFAULT, ENAMETOOLONG (no NUL within CONFIG_PATH_MAX bytes), ENOMEM.
 */
error_t syscall_get_path(uintptr_t upath, char **path);

/*
 * exec: every signal action with a handler goes back to SIG_DFL (ignored signals stay ignored),
 * and every action loses its flags and mask, as Linux's flush_signal_handlers (sys_signal.c).
 */
void signal_reset_on_exec(xptr_t ref_xp);

/* RPC service of sys_mem.c: an address-space change run in the reference cluster. */
void sys_mem_rpc_op(xptr_t desc_xp);

/* RPC services of sys_almos_stats.c: a process copy's figures; the region list of a reference. */
void sys_almos_rpc_process_info(xptr_t desc_xp);
void sys_almos_rpc_regions(xptr_t desc_xp);

/* RPC service of sys_exec.c: execve's new image, loaded in the reference cluster. */
void sys_exec_rpc_load(xptr_t desc_xp);

/* Calls made and calls refused with ENOSYS since boot, in the local cluster. */
void syscall_stats(uint64_t *calls, uint64_t *enosys);

#endif /* SYSCALLS_SYSCALL_H */
