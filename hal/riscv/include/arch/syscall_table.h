/*
 * arch/syscall_table.h - the system calls of Linux riscv64 that Archipel answers (hal_uabi.h).
 *
 * riscv64 uses the asm-generic table (include/uapi/asm-generic/unistd.h with
 * __ARCH_WANT_NEW_STAT): no open, stat, fork, poll... only their *at / 2 / 3 / p* successors, which
 * glibc calls instead. ENTRY(nr, name): number nr runs sys_<name>. The user build checks every
 * number against the cross toolchain's <asm/unistd.h> (user/uabi_check.c).
 */
#ifndef ARCH_SYSCALL_TABLE_H
#define ARCH_SYSCALL_TABLE_H

#define ARCH_SYSCALLS(ENTRY)                                                                       \
	ENTRY(17, getcwd)             ENTRY(23, dup)                ENTRY(24, dup3) \
	ENTRY(25, fcntl)              ENTRY(29, ioctl)              ENTRY(34, mkdirat) \
	ENTRY(35, unlinkat)           ENTRY(36, symlinkat)          ENTRY(37, linkat) \
	ENTRY(43, statfs)             ENTRY(44, fstatfs)            ENTRY(45, truncate) \
	ENTRY(46, ftruncate)          ENTRY(48, faccessat)          ENTRY(49, chdir) \
	ENTRY(52, fchmod)             ENTRY(53, fchmodat)           ENTRY(56, openat) \
	ENTRY(57, close)              ENTRY(59, pipe2)              ENTRY(61, getdents64) \
	ENTRY(62, lseek)              ENTRY(63, read)               ENTRY(64, write) \
	ENTRY(65, readv)              ENTRY(66, writev)             ENTRY(67, pread64) \
	ENTRY(68, pwrite64)           ENTRY(72, pselect6)           ENTRY(73, ppoll) \
	ENTRY(78, readlinkat)         ENTRY(79, newfstatat)         ENTRY(80, fstat) \
	ENTRY(81, sync)               ENTRY(88, utimensat)          ENTRY(93, exit) \
	ENTRY(94, exit_group)         ENTRY(96, set_tid_address)    ENTRY(98, futex) \
	ENTRY(99, set_robust_list)    ENTRY(101, nanosleep)         ENTRY(102, getitimer) \
	ENTRY(103, setitimer)         ENTRY(107, timer_create)      ENTRY(108, timer_gettime) \
	ENTRY(109, timer_getoverrun)  ENTRY(110, timer_settime)     ENTRY(111, timer_delete) \
	ENTRY(113, clock_gettime)     ENTRY(114, clock_getres)      ENTRY(115, clock_nanosleep) \
	ENTRY(122, sched_setaffinity) ENTRY(123, sched_getaffinity) ENTRY(124, sched_yield) \
	ENTRY(129, kill)              ENTRY(130, tkill)             ENTRY(131, tgkill) \
	ENTRY(132, sigaltstack)       ENTRY(133, rt_sigsuspend)     ENTRY(134, rt_sigaction) \
	ENTRY(135, rt_sigprocmask)    ENTRY(136, rt_sigpending)     ENTRY(139, rt_sigreturn) \
	ENTRY(142, reboot)            ENTRY(153, times)             ENTRY(154, setpgid) \
	ENTRY(155, getpgid)           ENTRY(156, getsid)            ENTRY(157, setsid) \
	ENTRY(160, uname)             ENTRY(165, getrusage)         ENTRY(166, umask) \
	ENTRY(167, prctl)             ENTRY(168, getcpu)            ENTRY(172, getpid) \
	ENTRY(173, getppid)           ENTRY(174, getuid)            ENTRY(175, geteuid) \
	ENTRY(176, getgid)            ENTRY(177, getegid)           ENTRY(178, gettid) \
	ENTRY(179, sysinfo)           ENTRY(214, brk)               ENTRY(215, munmap) \
	ENTRY(216, mremap)            ENTRY(220, clone)             ENTRY(221, execve) \
	ENTRY(222, mmap)              ENTRY(226, mprotect)          ENTRY(227, msync) \
	ENTRY(233, madvise)           ENTRY(260, wait4)             ENTRY(261, prlimit64) \
	ENTRY(276, renameat2)         ENTRY(278, getrandom)

#endif /* ARCH_SYSCALL_TABLE_H */
