/*
 * syscall.h - the system call layer: Linux semantics for the POSIX part, under the numbers of the
 * architecture's table, plus the ALMOS-MKH extensions in a private range (user/include/almos.h).
 *
 * Generic code names calls by function, never by number: the architecture's table
 * (<arch/syscall_table.h>, hal_uabi.h) gives the number of each sys_<name> it offers, and
 * syscall.c expands it into the dispatch table. Every sys_* below is written once; a table lists
 * those its architecture has (riscv64 has openat but no open: sys_open, a wrapper of sys_openat
 * written for x86_64, is in no riscv64 table). Layouts that differ between architectures are
 * converted at the user boundary (syscalls/uabi.h).
 *
 * kernel_syscall() (hal_upcalls.h) looks the number up; an unknown or unimplemented number returns
 * -ENOSYS and is logged once per number. Each sys_* function takes the six argument registers as
 * the user passed them and returns the result register: >= 0, or -errno; -ERESTARTSYS (a wait a
 * signal interrupted) becomes -EINTR, or the call runs again after the signal's handler when its
 * action has SA_RESTART (or when no handler runs at all: signal_deliver). Arguments are validated
 * before anything changes (bad user pointers give -EFAULT, never a kernel fault).
 * An argument of a C type narrower than 64 bits (int, pid_t, unsigned int) is read as that type,
 * (int32_t)args[i], never as the whole register: an x86_64 caller that passes an int leaves the
 * upper half of the register undefined (movl $-1 gives 0x00000000ffffffff), where riscv64's ABI
 * sign-extends it. Linux's SYSCALL_DEFINE wrappers truncate the same way.
 */
#ifndef SYSCALLS_SYSCALL_H
#define SYSCALLS_SYSCALL_H

#include <hal_types.h>
#include <syscalls/uabi.h>

#define SYSCALLS_NR    512 /* table size: every Linux number of riscv64 and x86_64 is below */

typedef int64_t (*syscall_fn_t)(const uint64_t args[6]);

#define SYSCALL(name) int64_t sys_##name(const uint64_t args[6])
/* files */
SYSCALL(getcwd); SYSCALL(dup); SYSCALL(dup3); SYSCALL(fcntl); SYSCALL(ioctl); SYSCALL(mkdirat);
SYSCALL(unlinkat); SYSCALL(faccessat); SYSCALL(chdir); SYSCALL(openat); SYSCALL(close);
SYSCALL(pipe2); SYSCALL(getdents64); SYSCALL(lseek); SYSCALL(read); SYSCALL(write);
SYSCALL(readv); SYSCALL(writev); SYSCALL(pread64); SYSCALL(pwrite64); SYSCALL(readlinkat);
SYSCALL(newfstatat); SYSCALL(fstat); SYSCALL(pselect6); SYSCALL(ppoll); SYSCALL(sync);
/* processes, threads, memory */
SYSCALL(exit); SYSCALL(exit_group); SYSCALL(set_tid_address); SYSCALL(set_robust_list);
SYSCALL(futex); SYSCALL(sched_yield); SYSCALL(getpid); SYSCALL(getppid); SYSCALL(gettid);
SYSCALL(getuid); SYSCALL(geteuid); SYSCALL(getgid); SYSCALL(getegid); SYSCALL(prlimit64);
SYSCALL(clone); SYSCALL(execve); SYSCALL(wait4); SYSCALL(brk); SYSCALL(munmap); SYSCALL(mremap);
SYSCALL(mmap); SYSCALL(mprotect); SYSCALL(msync); SYSCALL(madvise);
SYSCALL(setpgid); SYSCALL(getpgid); SYSCALL(getsid); SYSCALL(setsid);
/* signals */
SYSCALL(rt_sigaction); SYSCALL(rt_sigprocmask); SYSCALL(rt_sigpending); SYSCALL(rt_sigsuspend);
SYSCALL(rt_sigreturn); SYSCALL(sigaltstack); SYSCALL(kill); SYSCALL(tkill); SYSCALL(tgkill);
/* time, misc */
SYSCALL(nanosleep); SYSCALL(clock_gettime); SYSCALL(clock_nanosleep); SYSCALL(uname);
SYSCALL(getrandom); SYSCALL(reboot);
/* resources, the machine, clocks (sys_usage.c); affinity and placement (sys_affinity.c) */
SYSCALL(getrusage); SYSCALL(times); SYSCALL(sysinfo); SYSCALL(clock_getres); SYSCALL(umask);
SYSCALL(prctl); SYSCALL(sched_getaffinity); SYSCALL(sched_setaffinity); SYSCALL(getcpu);
/* names and inodes (sys_fsmeta.c): the *at calls, and x86_64's older forms as wrappers */
SYSCALL(fchmodat); SYSCALL(fchmod); SYSCALL(chmod); SYSCALL(truncate); SYSCALL(ftruncate);
SYSCALL(renameat2); SYSCALL(renameat); SYSCALL(rename); SYSCALL(linkat); SYSCALL(link);
SYSCALL(symlinkat); SYSCALL(symlink); SYSCALL(utimensat); SYSCALL(statfs); SYSCALL(fstatfs);
/* timers (sys_timer.c) */
SYSCALL(getitimer); SYSCALL(setitimer); SYSCALL(alarm); SYSCALL(timer_create);
SYSCALL(timer_settime); SYSCALL(timer_gettime); SYSCALL(timer_getoverrun); SYSCALL(timer_delete);
/*
 * The calls other architectures have and riscv64 lacks (sys_compat.c, sys_poll.c), each with the
 * exact semantics of Linux's, as a wrapper of its successor: open, stat, lstat, access, pipe,
 * dup2, fork, vfork, poll, select, pause, readlink, mkdir, rmdir, unlink, time, getpgrp, and
 * arch_prctl (the thread pointer).
 */
SYSCALL(open); SYSCALL(stat); SYSCALL(lstat); SYSCALL(access); SYSCALL(pipe); SYSCALL(dup2);
SYSCALL(fork); SYSCALL(vfork); SYSCALL(poll); SYSCALL(select); SYSCALL(pause);
SYSCALL(readlink); SYSCALL(mkdir); SYSCALL(rmdir); SYSCALL(unlink); SYSCALL(time);
SYSCALL(getpgrp); SYSCALL(arch_prctl);
/* the ALMOS-MKH extensions */
SYSCALL(almos_display); SYSCALL(almos_get_config); SYSCALL(almos_get_core_id);
SYSCALL(almos_get_cycle); SYSCALL(almos_place_next); SYSCALL(almos_trace);
SYSCALL(almos_get_cluster_info); SYSCALL(almos_get_vmm_info);
SYSCALL(almos_get_processes); SYSCALL(almos_get_process_info); SYSCALL(almos_get_regions);
SYSCALL(almos_fail_nth);
/* write(2) of a bare user thread (no process): fds 1 and 2 are the console. */
SYSCALL(write_console);
#undef SYSCALL

/*
 * clone(2) as @req asks (the architecture's order of arguments decoded: uabi_clone_decode), also
 * run by fork and vfork: a thread (CLONE_THREAD, sys_thread.c) or a process (syscall_clone_process,
 * sys_fork.c). Returns the new tid or pid, or -errno.
 */
int64_t syscall_clone(const clone_req_t *req);
int64_t syscall_clone_process(const clone_req_t *req);

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

/*
 * The directory an *at call with @dirfd starts from, with a reference (vfs_inode_put it):
 * AT_FDCWD is the working directory; a directory fd is not supported as a base (ENOTDIR), a
 * negative one is EBADF.
 */
error_t syscall_at_dir(int dirfd, xptr_t *cwd);

/* RPC service of sys_mem.c: an address-space change run in the reference cluster. */
void sys_mem_rpc_op(xptr_t desc_xp);

/*
 * get_process_info's figures of the user process @pid (user/include/almos.h), gathered from its
 * copies (one RPC per cluster: a snapshot); *@dying: a kill (exit_group, a fatal signal) is
 * ending it. ESRCH: no such user process (or it is gone). May block.
 */
struct almos_process_info;
error_t syscall_process_figures(uint32_t pid, struct almos_process_info *out, bool *dying);

/* RPC services of sys_almos_stats.c: a process copy's figures; the region list of a reference. */
void sys_almos_rpc_process_info(xptr_t desc_xp);
void sys_almos_rpc_regions(xptr_t desc_xp);

/* RPC service of sys_exec.c: execve's new image, loaded in the reference cluster. */
void sys_exec_rpc_load(xptr_t desc_xp);

/*
 * The figures of the live threads of the process @pid, summed over its copies (one PROCESS_INFO
 * RPC per cluster, sys_almos_stats.c), and the pages its reference VMM maps. ESRCH if it has no
 * copy left. The caller's own figures are those of its last interval (acct_self for the rest).
 */
struct acct_s;
error_t syscall_process_usage(uint32_t pid, struct acct_s *live, uint64_t *rss_pages);

/* @a as Linux's struct rusage (getrusage, wait4): times as timevals, the counters; the fields
 * Archipel does not count (shared memory sizes, swaps, I/O blocks, messages, signals) are 0. */
struct uabi_rusage;
void syscall_rusage_fill(struct uabi_rusage *ru, const struct acct_s *a);

/* The time of clock @clk (clock_gettime's clocks) in ns: 0, or EINVAL for an unknown clock. */
error_t syscall_clock_read(uint64_t clk, uint64_t *ns);

/* True if @tid names a live thread of the calling process (sys_affinity.c). */
bool syscall_thread_of_self(uint32_t tid);

/* The CPU time of thread @tid of the caller's process, ns (the caller's own: up to now; another's:
 * up to its last accounting step). False if there is no such thread. */
bool syscall_thread_cpu_ns(uint32_t tid, uint64_t *ns);

/* The calling process's umask (022 for a bare kernel-made thread). */
uint32_t syscall_umask(void);

/* Calls made and calls refused with ENOSYS since boot, in the local cluster. */
void syscall_stats(uint64_t *calls, uint64_t *enosys);

#endif /* SYSCALLS_SYSCALL_H */
