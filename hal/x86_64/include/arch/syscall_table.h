/*
 * arch/syscall_table.h - the system calls of Linux x86_64 that Archipel answers (hal_uabi.h).
 *
 * x86_64 has its own table (arch/x86/entry/syscalls/syscall_64.tbl), with the old calls (open,
 * stat, fork, poll, select, ...) beside their successors: glibc's x86_64 build calls some of each.
 * The old ones are generic wrappers of the new (kernel/syscalls/sys_compat.c, sys_poll.c).
 * ENTRY(nr, name): number nr runs sys_<name>. user/uabi_check.c, compiled by the host-tests tree
 * on an x86_64 host, checks every number against the host's <asm/unistd_64.h>.
 */
#ifndef ARCH_SYSCALL_TABLE_H
#define ARCH_SYSCALL_TABLE_H

#define ARCH_SYSCALLS(ENTRY) \
	ENTRY(0, read)                ENTRY(1, write)               ENTRY(2, open) \
	ENTRY(3, close)               ENTRY(4, stat)                ENTRY(5, fstat) \
	ENTRY(6, lstat)               ENTRY(7, poll)                ENTRY(8, lseek) \
	ENTRY(9, mmap)                ENTRY(10, mprotect)           ENTRY(11, munmap) \
	ENTRY(12, brk)                ENTRY(13, rt_sigaction)       ENTRY(14, rt_sigprocmask) \
	ENTRY(15, rt_sigreturn)       ENTRY(16, ioctl)              ENTRY(17, pread64) \
	ENTRY(18, pwrite64)           ENTRY(19, readv)              ENTRY(20, writev) \
	ENTRY(21, access)             ENTRY(22, pipe)               ENTRY(23, select) \
	ENTRY(24, sched_yield)        ENTRY(25, mremap)             ENTRY(26, msync) \
	ENTRY(28, madvise)            ENTRY(32, dup)                ENTRY(33, dup2) \
	ENTRY(34, pause)              ENTRY(35, nanosleep)          ENTRY(36, getitimer) \
	ENTRY(37, alarm)              ENTRY(38, setitimer)          ENTRY(39, getpid) \
	ENTRY(56, clone)              ENTRY(57, fork)               ENTRY(58, vfork) \
	ENTRY(59, execve)             ENTRY(60, exit)               ENTRY(61, wait4) \
	ENTRY(62, kill)               ENTRY(63, uname)              ENTRY(72, fcntl) \
	ENTRY(76, truncate)           ENTRY(77, ftruncate)          ENTRY(79, getcwd) \
	ENTRY(80, chdir)              ENTRY(82, rename)             ENTRY(83, mkdir) \
	ENTRY(84, rmdir)              ENTRY(86, link)               ENTRY(87, unlink) \
	ENTRY(88, symlink)            ENTRY(89, readlink)           ENTRY(90, chmod) \
	ENTRY(91, fchmod)             ENTRY(95, umask)              ENTRY(98, getrusage) \
	ENTRY(99, sysinfo)            ENTRY(100, times)             ENTRY(102, getuid) \
	ENTRY(104, getgid)            ENTRY(107, geteuid)           ENTRY(108, getegid) \
	ENTRY(109, setpgid)           ENTRY(110, getppid)           ENTRY(111, getpgrp) \
	ENTRY(112, setsid)            ENTRY(121, getpgid)           ENTRY(124, getsid) \
	ENTRY(127, rt_sigpending)     ENTRY(130, rt_sigsuspend)     ENTRY(131, sigaltstack) \
	ENTRY(137, statfs)            ENTRY(138, fstatfs)           ENTRY(157, prctl) \
	ENTRY(158, arch_prctl)        ENTRY(162, sync)              ENTRY(169, reboot) \
	ENTRY(186, gettid)            ENTRY(200, tkill)             ENTRY(201, time) \
	ENTRY(202, futex)             ENTRY(203, sched_setaffinity) ENTRY(204, sched_getaffinity) \
	ENTRY(217, getdents64)        ENTRY(218, set_tid_address)   ENTRY(222, timer_create) \
	ENTRY(223, timer_settime)     ENTRY(224, timer_gettime)     ENTRY(225, timer_getoverrun) \
	ENTRY(226, timer_delete)      ENTRY(228, clock_gettime)     ENTRY(229, clock_getres) \
	ENTRY(230, clock_nanosleep)   ENTRY(231, exit_group)        ENTRY(234, tgkill) \
	ENTRY(257, openat)            ENTRY(258, mkdirat)           ENTRY(262, newfstatat) \
	ENTRY(263, unlinkat)          ENTRY(264, renameat)          ENTRY(265, linkat) \
	ENTRY(266, symlinkat)         ENTRY(267, readlinkat)        ENTRY(268, fchmodat) \
	ENTRY(269, faccessat)         ENTRY(270, pselect6)          ENTRY(271, ppoll) \
	ENTRY(273, set_robust_list)   ENTRY(280, utimensat)         ENTRY(292, dup3) \
	ENTRY(293, pipe2)             ENTRY(302, prlimit64)         ENTRY(309, getcpu) \
	ENTRY(316, renameat2)         ENTRY(318, getrandom)

#endif /* ARCH_SYSCALL_TABLE_H */
