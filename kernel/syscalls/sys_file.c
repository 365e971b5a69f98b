/*
 * sys_file.c - file system calls: Linux semantics over the VFS and the process's file table.
 *
 * Paths are copied from user space first (EFAULT, ENAMETOOLONG); only AT_FDCWD is accepted as the
 * directory of the *at calls (a directory fd there answers ENOTDIR: directory fds as bases are not
 * supported yet, docs/user.md).
 */
#include <fs/vfs.h>
#include <hal_uspace.h>
#include <kern/process.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <syscalls/syscall.h>

#define IOV_MAX  1024

xptr_t current_ref(void)
{
	thread_t *self = thread_current();

	return self->process ? self->process->ref_xp : XPTR_NULL;
}

error_t syscall_get_path(uintptr_t upath, char **path)
{
	size_t len;
	error_t error;

	*path = kmem_alloc(CONFIG_PATH_MAX, 0);
	if (!*path)
		return ENOMEM;
	error = hal_strcpy_from_uspace(*path, upath, CONFIG_PATH_MAX, &len);
	if (error) {
		kmem_free(*path);
		*path = NULL;
	}
	return error;
}

error_t syscall_at_dir(int dirfd, xptr_t *cwd)
{
	if (dirfd != AT_FDCWD)
		return dirfd < 0 ? EBADF : ENOTDIR;
	*cwd = process_cwd(current_ref());
	return 0;
}

int64_t sys_openat(const uint64_t args[6])
{
	xptr_t ref = current_ref(), cwd, file;
	char *path;
	int64_t result;
	error_t error;

	if (ref == XPTR_NULL)
		return -EBADF;
	error = syscall_get_path(args[1], &path);
	if (error)
		return -error;
	error = syscall_at_dir((int)args[0], &cwd);
	if (!error) {
		/* the umask removes its bits from the mode of a file O_CREAT makes */
		error = vfs_open(GET_CXY(ref), cwd, path, (uint32_t)args[2] & ~O_CLOEXEC,
				 (uint32_t)args[3] & S_IALLUGO & ~syscall_umask(), &file);
		vfs_inode_put(cwd);
	}
	kmem_free(path);
	if (error)
		return -error;
	result = fd_install(ref, file, 0, (args[2] & O_CLOEXEC) != 0);
	if (result < 0)
		vfs_close(file);
	return result;
}

int64_t sys_close(const uint64_t args[6])
{
	xptr_t ref = current_ref();

	return ref == XPTR_NULL ? -EBADF : -fd_close(ref, (int)args[0]);
}

/* Run @op on the file of fd @fd. */
static int64_t with_fd(int fd, int64_t (*op)(xptr_t file, const uint64_t args[6]), const uint64_t args[6])
{
	xptr_t ref = current_ref(), file;
	int64_t result;

	if (ref == XPTR_NULL || fd_get(ref, fd, &file))
		return -EBADF;
	result = op(file, args);
	vfs_close(file);
	return result;
}

static int64_t op_read(xptr_t f, const uint64_t a[6]) { return vfs_read(f, a[1], a[2]); }
static int64_t op_write(xptr_t f, const uint64_t a[6]) { return vfs_write(f, a[1], a[2]); }
static int64_t op_pread(xptr_t f, const uint64_t a[6]) { return vfs_pread(f, a[1], a[2], (int64_t)a[3]); }
static int64_t op_pwrite(xptr_t f, const uint64_t a[6]) { return vfs_pwrite(f, a[1], a[2], (int64_t)a[3]); }
static int64_t op_lseek(xptr_t f, const uint64_t a[6]) { return vfs_lseek(f, (int64_t)a[1], (int)a[2]); }
static int64_t op_getdents(xptr_t f, const uint64_t a[6]) { return vfs_getdents64(f, a[1], a[2]); }
static int64_t op_ioctl(xptr_t f, const uint64_t a[6]) { return vfs_ioctl(f, (uint32_t)a[1], a[2]); }

int64_t sys_read(const uint64_t args[6]) { return with_fd((int)args[0], op_read, args); }
int64_t sys_pread64(const uint64_t args[6]) { return with_fd((int)args[0], op_pread, args); }
int64_t sys_pwrite64(const uint64_t args[6]) { return with_fd((int)args[0], op_pwrite, args); }
int64_t sys_lseek(const uint64_t args[6]) { return with_fd((int)args[0], op_lseek, args); }
int64_t sys_getdents64(const uint64_t args[6]) { return with_fd((int)args[0], op_getdents, args); }
int64_t sys_ioctl(const uint64_t args[6]) { return with_fd((int)args[0], op_ioctl, args); }

/* A write to a pipe without readers: as Linux, SIGPIPE to the writing thread, and EPIPE. */
static int64_t broken_pipe(int64_t result)
{
	if (result == -EPIPE) {
		ksiginfo_t info = { .code = SI_USER, .pid = thread_current()->process->pid };
		signal_send_thread(XPTR(local_cxy, thread_current()), SIGPIPE, &info);
	}
	return result;
}

int64_t sys_write(const uint64_t args[6])
{
	if (current_ref() == XPTR_NULL)
		return sys_write_console(args); /* a bare user thread made by the kernel (ktests) */
	return broken_pipe(with_fd((int)args[0], op_write, args));
}

/* readv / writev: one call per vector element, stopping at the first short transfer. */
static int64_t op_vector(xptr_t f, const uint64_t a[6], bool write)
{
	int iovcnt = (int)a[2];
	int64_t done = 0;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		uint64_t iov[2];
		int64_t n;
		if (hal_copy_from_uspace(iov, a[1] + (uint64_t)i * sizeof(iov), sizeof(iov)))
			return done ? done : -EFAULT;
		n = write ? vfs_write(f, iov[0], iov[1]) : vfs_read(f, iov[0], iov[1]);
		if (n < 0)
			return done ? done : n;
		done += n;
		if ((uint64_t)n < iov[1])
			break;
	}
	return done;
}

static int64_t op_readv(xptr_t f, const uint64_t a[6]) { return op_vector(f, a, false); }
static int64_t op_writev(xptr_t f, const uint64_t a[6]) { return op_vector(f, a, true); }
int64_t sys_readv(const uint64_t args[6]) { return with_fd((int)args[0], op_readv, args); }
int64_t sys_writev(const uint64_t args[6])
{
	return broken_pipe(with_fd((int)args[0], op_writev, args));
}

/* stat of @inode copied to the user buffer @ubuf, in the architecture's layout. */
static int64_t stat_to_user(xptr_t inode, uintptr_t ubuf)
{
	struct vfs_stat st;
	struct uabi_stat ust;
	error_t error = vfs_stat(inode, &st);

	if (!error)
		error = uabi_stat_from(&ust, &st);
	if (!error)
		error = hal_copy_to_uspace(ubuf, &ust, sizeof(ust));
	return -error;
}

static int64_t op_fstat(xptr_t f, const uint64_t a[6]) { return stat_to_user(vfs_file_inode(f), a[1]); }
int64_t sys_fstat(const uint64_t args[6]) { return with_fd((int)args[0], op_fstat, args); }

int64_t sys_newfstatat(const uint64_t args[6])
{
	int dirfd = (int)args[0], flags = (int)args[3];
	xptr_t cwd, inode;
	char *path;
	int64_t result;
	error_t error;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	error = syscall_get_path(args[1], &path);
	if (error)
		return -error;
	if (path[0] == 0 && (flags & AT_EMPTY_PATH)) {
		uint64_t fstat_args[6] = { (uint64_t)dirfd, args[2] };
		kmem_free(path);
		return dirfd == AT_FDCWD ? -EBADF : sys_fstat(fstat_args);
	}
	error = syscall_at_dir(dirfd, &cwd);
	if (!error) {
		error = vfs_lookup(cwd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_LOOKUP_FOLLOW,
				   &inode);
		vfs_inode_put(cwd);
	}
	kmem_free(path);
	if (error)
		return -error;
	result = stat_to_user(inode, args[2]);
	vfs_inode_put(inode);
	return result;
}

int64_t sys_readlinkat(const uint64_t args[6])
{
	xptr_t cwd;
	char *path;
	int64_t result;
	error_t error;

	if ((int64_t)args[3] <= 0)
		return -EINVAL;
	error = syscall_get_path(args[1], &path);
	if (error)
		return -error;
	error = syscall_at_dir((int)args[0], &cwd);
	if (error) {
		kmem_free(path);
		return -error;
	}
	result = vfs_readlink(cwd, path, args[2], args[3]);
	vfs_inode_put(cwd);
	kmem_free(path);
	return result;
}

int64_t sys_dup(const uint64_t args[6])
{
	xptr_t ref = current_ref(), file;
	int64_t fd;

	if (ref == XPTR_NULL || fd_get(ref, (int)args[0], &file))
		return -EBADF;
	fd = fd_install(ref, file, 0, false);
	if (fd < 0)
		vfs_close(file);
	return fd;
}

int64_t sys_dup3(const uint64_t args[6])
{
	xptr_t ref = current_ref();
	int oldfd = (int)args[0], newfd = (int)args[1];

	if (args[2] & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if (ref == XPTR_NULL)
		return -EBADF;
	return fd_dup_to(ref, oldfd, newfd, (args[2] & O_CLOEXEC) != 0) ? -EBADF : newfd;
}

/*
 * pipe2(fds, flags): a new pipe, its read end in fds[0] and its write end in fds[1] (the two
 * lowest free fds). EINVAL for a flag other than O_CLOEXEC and O_NONBLOCK, EMFILE unless both fds
 * fit, EFAULT for a bad array; nothing is left behind on failure. The array is written after the
 * fds are installed (as Linux's fd_install before copy_to_user would not allow: Linux reserves
 * them first), so a failed copy closes them again.
 */
int64_t sys_pipe2(const uint64_t args[6])
{
	xptr_t ref = current_ref(), rd, wr;
	uint32_t flags = (uint32_t)args[1];
	int fds[2];
	error_t error;

	if (flags & ~(uint32_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (ref == XPTR_NULL)
		return -EMFILE;
	if (!hal_uspace_range_ok(args[0], sizeof(fds)))
		return -EFAULT;
	error = vfs_pipe(GET_CXY(ref), flags & O_NONBLOCK, &rd, &wr);
	if (error)
		return -error;
	if (fd_install_pair(ref, rd, wr, (flags & O_CLOEXEC) != 0, fds)) {
		vfs_close(rd);
		vfs_close(wr);
		return -EMFILE;
	}
	if (hal_copy_to_uspace(args[0], fds, sizeof(fds))) {
		fd_close(ref, fds[0]);
		fd_close(ref, fds[1]);
		return -EFAULT;
	}
	return 0;
}

int64_t sys_fcntl(const uint64_t args[6])
{
	xptr_t ref = current_ref(), file;
	int fd = (int)args[0], cmd = (int)args[1];
	int64_t result = 0;

	if (ref == XPTR_NULL || fd_get(ref, fd, &file))
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		vfs_file_dup(file);
		result = fd_install(ref, file, (int)args[2], cmd == F_DUPFD_CLOEXEC);
		if (result < 0)
			vfs_close(file);
		break;
	case F_GETFD:
		result = fd_cloexec(ref, fd) ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		fd_set_cloexec(ref, fd, (args[2] & FD_CLOEXEC) != 0);
		break;
	case F_GETFL:
		result = vfs_file_flags(file);
		break;
	case F_SETFL:
		vfs_file_set_flags(file, (uint32_t)args[2]);
		break;
	default:
		result = -EINVAL;
	}
	vfs_close(file);
	return result;
}

int64_t sys_faccessat(const uint64_t args[6])
{
	xptr_t cwd, inode;
	char *path;
	error_t error;

	if (args[2] & ~7UL)
		return -EINVAL;
	error = syscall_get_path(args[1], &path);
	if (!error) {
		error = syscall_at_dir((int)args[0], &cwd);
		if (!error) {
			error = vfs_lookup(cwd, path, VFS_LOOKUP_FOLLOW, &inode);
			vfs_inode_put(cwd);
		}
		kmem_free(path);
	}
	if (error)
		return -error;
	error = vfs_access(inode, (uint32_t)args[2]);
	vfs_inode_put(inode);
	return -error;
}

/* mkdirat and unlinkat: a path operation against the cwd. */
static int64_t path_op(const uint64_t args[6], bool mkdir)
{
	xptr_t cwd;
	char *path;
	error_t error = syscall_get_path(args[1], &path);

	if (error)
		return -error;
	error = syscall_at_dir((int)args[0], &cwd);
	if (!error) {
		/* mkdir keeps the permission and sticky bits (Linux's S_IRWXUGO | S_ISVTX) less
		 * the umask's */
		error = mkdir ? vfs_mkdir(cwd, path, (uint32_t)args[2] & 01777 & ~syscall_umask())
			      : vfs_unlink(cwd, path, (uint32_t)args[2]);
		vfs_inode_put(cwd);
	}
	kmem_free(path);
	return -error;
}

int64_t sys_mkdirat(const uint64_t args[6]) { return path_op(args, true); }

int64_t sys_unlinkat(const uint64_t args[6])
{
	if (args[2] & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	return path_op(args, false);
}

int64_t sys_chdir(const uint64_t args[6])
{
	xptr_t ref = current_ref(), cwd, new_cwd;
	char *path;
	error_t error;

	if (ref == XPTR_NULL)
		return -ENOENT;
	error = syscall_get_path(args[0], &path);
	if (error)
		return -error;
	cwd = process_cwd(ref);
	error = vfs_chdir(cwd, path, &new_cwd);
	vfs_inode_put(cwd);
	kmem_free(path);
	if (!error)
		process_set_cwd(ref, new_cwd);
	return -error;
}

int64_t sys_getcwd(const uint64_t args[6])
{
	xptr_t ref = current_ref(), cwd;
	char *buf;
	size_t len;
	error_t error;

	if (ref == XPTR_NULL)
		return -ENOENT;
	buf = kmem_alloc(CONFIG_PATH_MAX, 0);
	if (!buf)
		return -ENOMEM;
	cwd = process_cwd(ref);
	error = vfs_path_of(cwd, buf, CONFIG_PATH_MAX);
	vfs_inode_put(cwd);
	len = strlen(buf) + 1;
	if (!error && len > args[1])
		error = ERANGE;
	if (!error)
		error = hal_copy_to_uspace(args[0], buf, len);
	kmem_free(buf);
	return error ? -error : (int64_t)len;
}
