/*
 * sys_compat.c - the calls other architectures have and riscv64 lacks, each with the exact
 * semantics of Linux's, as a wrapper of the call that replaced it (docs/user.md, "One ABI per
 * architecture"). x86_64's table lists them; riscv64's does not (its glibc calls the successors).
 * poll, select and pause are sys_poll.c's (they share ppoll's and pselect6's work).
 *
 * Each wrapper rebuilds the successor's arguments, as Linux's own definitions do (fs/open.c,
 * fs/stat.c, fs/namei.c, fs/pipe.c, fs/file.c, kernel/fork.c, kernel/time/time.c): what the
 * successor checks, it checks for both.
 */
#include <hal_context.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <fs/vfs.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

#define DIRFD_CWD ((uint64_t)(int64_t)AT_FDCWD) /* as a 64-bit argument register */

/* open(path, flags, mode) = openat(AT_FDCWD, path, flags, mode). */
int64_t sys_open(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], args[1], args[2] };

	return sys_openat(at);
}

/* stat(path, buf) = newfstatat(AT_FDCWD, path, buf, 0); lstat does not follow a last symlink. */
int64_t sys_stat(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], args[1], 0 };

	return sys_newfstatat(at);
}

int64_t sys_lstat(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], args[1], AT_SYMLINK_NOFOLLOW };

	return sys_newfstatat(at);
}

/* access(path, mode) = faccessat(AT_FDCWD, path, mode). */
int64_t sys_access(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], args[1] };

	return sys_faccessat(at);
}

/* readlink(path, buf, size) = readlinkat(AT_FDCWD, path, buf, size). */
int64_t sys_readlink(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], args[1], args[2] };

	return sys_readlinkat(at);
}

/* mkdir(path, mode) = mkdirat(AT_FDCWD, path, mode). */
int64_t sys_mkdir(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], args[1] };

	return sys_mkdirat(at);
}

/* rmdir(path) = unlinkat(AT_FDCWD, path, AT_REMOVEDIR); unlink(path) without the flag. */
int64_t sys_rmdir(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], AT_REMOVEDIR };

	return sys_unlinkat(at);
}

int64_t sys_unlink(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], 0 };

	return sys_unlinkat(at);
}

/* pipe(fds) = pipe2(fds, 0). */
int64_t sys_pipe(const uint64_t args[6])
{
	const uint64_t at[6] = { args[0], 0 };

	return sys_pipe2(at);
}

/*
 * dup2(oldfd, newfd) = dup3(oldfd, newfd, 0), but for oldfd == newfd, which dup3 refuses (EINVAL)
 * and dup2 answers with newfd if it is open, EBADF if not (fs/file.c). The fds are unsigned ints.
 */
int64_t sys_dup2(const uint64_t args[6])
{
	uint32_t oldfd = (uint32_t)args[0], newfd = (uint32_t)args[1];
	const uint64_t dup3_args[6] = { oldfd, newfd, 0 };
	const uint64_t getfd_args[6] = { oldfd, F_GETFD };
	int64_t result;

	if (oldfd != newfd)
		return sys_dup3(dup3_args);
	result = sys_fcntl(getfd_args);
	return result < 0 ? result : newfd;
}

/* fork() = clone(SIGCHLD, 0): a new process on the caller's stack. */
int64_t sys_fork(const uint64_t args[6])
{
	const clone_req_t req = { .flags = SIGCHLD };

	(void)args;
	return syscall_clone(&req);
}

/* vfork() = clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0): the caller waits until the child execs or
 * ends. */
int64_t sys_vfork(const uint64_t args[6])
{
	const clone_req_t req = { .flags = CLONE_VM | CLONE_VFORK | SIGCHLD };

	(void)args;
	return syscall_clone(&req);
}

/* getpgrp() = getpgid(0). */
int64_t sys_getpgrp(const uint64_t args[6])
{
	const uint64_t at[6] = { 0 };

	(void)args;
	return sys_getpgid(at);
}

/*
 * time(tloc): the seconds of CLOCK_REALTIME (whose epoch is the boot, as clock_gettime's, there
 * being no RTC), also written at tloc unless it is NULL: EFAULT then (kernel/time/time.c).
 */
int64_t sys_time(const uint64_t args[6])
{
	int64_t now = (int64_t)(hal_get_time_ns() / UABI_NSEC_PER_SEC);

	if (args[0] && hal_copy_to_uspace(args[0], &now, sizeof(now)))
		return -EFAULT;
	return now;
}

/*
 * arch_prctl(code, addr): ARCH_SET_FS sets the thread pointer (the TLS register) to addr,
 * ARCH_GET_FS writes it at addr (EFAULT). The GS base, which no Linux program uses for TLS, is not
 * kept: ARCH_SET_GS and ARCH_GET_GS answer EINVAL, as every code Linux does not know.
 */
int64_t sys_arch_prctl(const uint64_t args[6])
{
	thread_t *self = thread_current();
	uint64_t tls;

	switch (args[0]) {
	case UABI_ARCH_SET_FS:
		if (args[1] >= CONFIG_VMM_USER_END)
			return -EPERM; /* as Linux: a base beyond user space is refused */
		self->user_tls = args[1];
		hal_user_set_tls(args[1]);
		return 0;
	case UABI_ARCH_GET_FS:
		tls = self->user_tls;
		return hal_copy_to_uspace(args[1], &tls, sizeof(tls)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}
