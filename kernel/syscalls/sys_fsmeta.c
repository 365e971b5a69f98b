/*
 * sys_fsmeta.c - the file system calls on names and inodes beyond open/read/write: chmod,
 * truncate, rename, link, symlink, utimensat, statfs; and x86_64's older forms of them (chmod,
 * rename, renameat, link, symlink) as wrappers of their successors, as Linux defines them.
 *
 * Paths are copied first (EFAULT, ENAMETOOLONG); the *at calls take AT_FDCWD as their directory
 * (syscall_at_dir). Each call checks its arguments in Linux's order (fs/open.c, fs/namei.c,
 * fs/utimes.c, fs/statfs.c), then asks the VFS.
 */
#include <fs/vfs.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/process.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <syscalls/syscall.h>

#define DIRFD_CWD ((uint64_t)(int64_t)AT_FDCWD) /* as a 64-bit argument register */

/* The inode @path names from @dirfd (a reference to put). */
static error_t path_inode(int dirfd, uintptr_t upath, uint32_t lookup, xptr_t *inode_xp)
{
	xptr_t cwd;
	char *path;
	error_t error = syscall_get_path(upath, &path);

	if (error)
		return error;
	error = syscall_at_dir(dirfd, &cwd);
	if (!error) {
		error = vfs_lookup(cwd, path, lookup, inode_xp);
		vfs_inode_put(cwd);
	}
	kmem_free(path);
	return error;
}

/* The inode of the open file @fd (a reference to put), and its open flags. */
static error_t fd_inode(int fd, xptr_t *inode_xp, uint32_t *flags)
{
	xptr_t ref = current_ref(), file;

	if (ref == XPTR_NULL || fd_get(ref, fd, &file))
		return EBADF;
	*inode_xp = vfs_file_inode(file);
	vfs_inode_get(*inode_xp);
	if (flags)
		*flags = vfs_file_flags(file);
	vfs_close(file);
	return 0;
}

/* fchmodat(dirfd, path, mode): Linux's has no flags argument and follows links. */
int64_t sys_fchmodat(const uint64_t args[6])
{
	xptr_t ixp;
	error_t error = path_inode((int)args[0], args[1], VFS_LOOKUP_FOLLOW, &ixp);

	if (error)
		return -error;
	error = vfs_chmod(ixp, (uint32_t)args[2]);
	vfs_inode_put(ixp);
	return -error;
}

int64_t sys_fchmod(const uint64_t args[6])
{
	xptr_t ixp;
	error_t error = fd_inode((int)args[0], &ixp, NULL);

	if (error)
		return -error;
	error = vfs_chmod(ixp, (uint32_t)args[1]);
	vfs_inode_put(ixp);
	return -error;
}

/* chmod(path, mode) = fchmodat(AT_FDCWD, path, mode). */
int64_t sys_chmod(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], args[1] };

	return sys_fchmodat(at);
}

int64_t sys_truncate(const uint64_t args[6])
{
	xptr_t ixp;
	error_t error;

	if ((int64_t)args[1] < 0)
		return -EINVAL;
	error = path_inode(AT_FDCWD, args[0], VFS_LOOKUP_FOLLOW, &ixp);
	if (error)
		return -error;
	error = vfs_truncate(ixp, args[1]);
	vfs_inode_put(ixp);
	return -error;
}

/* ftruncate: EINVAL before EBADF for a negative length; a file not open for writing, or not a
 * regular file, is EINVAL (Linux's do_sys_ftruncate). */
int64_t sys_ftruncate(const uint64_t args[6])
{
	xptr_t ixp;
	uint32_t flags;
	error_t error;

	if ((int64_t)args[1] < 0)
		return -EINVAL;
	error = fd_inode((int)args[0], &ixp, &flags);
	if (error)
		return -error;
	if (!vfs_inode_is_reg(ixp) || (flags & O_ACCMODE) == O_RDONLY)
		error = EINVAL;
	else
		error = vfs_truncate(ixp, args[1]);
	vfs_inode_put(ixp);
	return -error;
}

/* Two paths of a two-name call, each with its *at directory. */
typedef struct two_paths_s {
	char  *old, *new;
	xptr_t old_dir, new_dir;
} two_paths_t;

static error_t two_paths_get(two_paths_t *p, int olddirfd, uintptr_t uold, int newdirfd,
			     uintptr_t unew)
{
	error_t error;

	memset(p, 0, sizeof(*p));
	if ((error = syscall_get_path(uold, &p->old)))
		return error;
	if ((error = syscall_get_path(unew, &p->new)))
		goto free_old;
	if ((error = syscall_at_dir(olddirfd, &p->old_dir)))
		goto free_new;
	if ((error = syscall_at_dir(newdirfd, &p->new_dir)) == 0)
		return 0;
	vfs_inode_put(p->old_dir);
free_new:
	kmem_free(p->new);
free_old:
	kmem_free(p->old);
	return error;
}

static void two_paths_put(two_paths_t *p)
{
	vfs_inode_put(p->new_dir);
	vfs_inode_put(p->old_dir);
	kmem_free(p->new);
	kmem_free(p->old);
}

int64_t sys_renameat2(const uint64_t args[6])
{
	uint32_t flags = (uint32_t)args[4];
	two_paths_t p;
	error_t error;

	if (flags & ~(uint32_t)(UABI_RENAME_NOREPLACE | UABI_RENAME_EXCHANGE | UABI_RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & (UABI_RENAME_NOREPLACE | UABI_RENAME_WHITEOUT)) && (flags & UABI_RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & UABI_RENAME_WHITEOUT)
		return -EINVAL; /* the RAM file system has no whiteouts (Linux's simple_rename) */
	error = two_paths_get(&p, (int)args[0], args[1], (int)args[2], args[3]);
	if (error)
		return -error;
	error = vfs_rename(p.old_dir, p.old, p.new_dir, p.new,
			   ((flags & UABI_RENAME_NOREPLACE) ? VFS_RENAME_NOREPLACE : 0) |
			   ((flags & UABI_RENAME_EXCHANGE) ? VFS_RENAME_EXCHANGE : 0));
	two_paths_put(&p);
	return -error;
}

/* renameat(olddirfd, old, newdirfd, new) = renameat2(..., 0). */
int64_t sys_renameat(const uint64_t args[6])
{
	const uint64_t at[6] = { args[0], args[1], args[2], args[3], 0 };

	return sys_renameat2(at);
}

/* rename(old, new) = renameat2(AT_FDCWD, old, AT_FDCWD, new, 0). */
int64_t sys_rename(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], DIRFD_CWD, args[1], 0 };

	return sys_renameat2(at);
}

/* linkat: AT_SYMLINK_FOLLOW follows a last symbolic link of the old name (not by default). */
int64_t sys_linkat(const uint64_t args[6])
{
	uint32_t flags = (uint32_t)args[4];
	two_paths_t p;
	error_t error;

	if (flags & ~(uint32_t)(UABI_AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	error = two_paths_get(&p, (int)args[0], args[1], (int)args[2], args[3]);
	if (error)
		return -error;
	/* AT_EMPTY_PATH names the directory fd itself: only AT_FDCWD is a base here, and a
	 * directory cannot be linked (EPERM), so an empty path stays ENOENT (the lookup's) */
	error = vfs_link(p.old_dir, p.old, p.new_dir, p.new, flags & UABI_AT_SYMLINK_FOLLOW);
	two_paths_put(&p);
	return -error;
}

/* link(old, new) = linkat(AT_FDCWD, old, AT_FDCWD, new, 0). */
int64_t sys_link(const uint64_t args[6])
{
	const uint64_t at[6] = { DIRFD_CWD, args[0], DIRFD_CWD, args[1], 0 };

	return sys_linkat(at);
}

/* symlinkat(target, newdirfd, linkpath): the target is any string (not resolved). */
int64_t sys_symlinkat(const uint64_t args[6])
{
	two_paths_t p;
	error_t error = two_paths_get(&p, AT_FDCWD, args[0], (int)args[1], args[2]);

	if (error)
		return -error;
	error = vfs_symlink(p.new_dir, p.old, p.new);
	two_paths_put(&p);
	return -error;
}

/* symlink(target, linkpath) = symlinkat(target, AT_FDCWD, linkpath). */
int64_t sys_symlink(const uint64_t args[6])
{
	const uint64_t at[6] = { args[0], DIRFD_CWD, args[1] };

	return sys_symlinkat(at);
}

/* One utimensat time: now, omitted (NULL), or a valid timespec (EINVAL otherwise). */
static error_t utime_value(const int64_t ts[2], vfs_time_t now, vfs_time_t *out, vfs_time_t **ptr)
{
	if (ts[1] == UABI_UTIME_NOW) {
		*out = now;
	} else if (ts[1] == UABI_UTIME_OMIT) {
		*ptr = NULL;
		return 0;
	} else if (ts[1] < 0 || ts[1] >= (int64_t)UABI_NSEC_PER_SEC) {
		return EINVAL;
	} else {
		out->sec = ts[0];
		out->nsec = (uint64_t)ts[1];
	}
	*ptr = out;
	return 0;
}

/*
 * utimensat(dirfd, path, times, flags): times NULL sets both to now; UTIME_NOW and UTIME_OMIT per
 * field; AT_SYMLINK_NOFOLLOW changes a link itself. A NULL path with a file descriptor is
 * futimens(fd, times) (flags must be 0 then); a NULL path with AT_FDCWD is EFAULT.
 */
int64_t sys_utimensat(const uint64_t args[6])
{
	int dirfd = (int)args[0];
	uint32_t flags = (uint32_t)args[3];
	int64_t ts[2][2] = { { 0, UABI_UTIME_NOW }, { 0, UABI_UTIME_NOW } };
	vfs_time_t now = { 0, 0 }, a, m, *ap, *mp;
	uint64_t ns = hal_get_time_ns();
	xptr_t ixp;
	error_t error;

	if (args[2] && hal_copy_from_uspace(ts, args[2], sizeof(ts)))
		return -EFAULT;
	now.sec = (int64_t)(ns / UABI_NSEC_PER_SEC);
	now.nsec = ns % UABI_NSEC_PER_SEC;
	if ((error = utime_value(ts[0], now, &a, &ap)) || (error = utime_value(ts[1], now, &m, &mp)))
		return -error;
	if (flags & ~(uint32_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!args[1] && dirfd != AT_FDCWD) {
		if (flags)
			return -EINVAL;
		error = fd_inode(dirfd, &ixp, NULL);
	} else {
		error = path_inode(dirfd, args[1],
				   (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_LOOKUP_FOLLOW, &ixp);
	}
	if (error)
		return -error;
	vfs_utimens(ixp, ap, mp);
	vfs_inode_put(ixp);
	return 0;
}

static int64_t statfs_to_user(xptr_t ixp, uintptr_t ubuf)
{
	struct vfs_statfs k;
	struct uabi_statfs u;

	vfs_statfs(ixp, &k);
	memset(&u, 0, sizeof(u));
	u.f_type = k.type;
	u.f_bsize = k.bsize;
	u.f_blocks = k.blocks;
	u.f_bfree = k.bfree;
	u.f_bavail = k.bavail;
	u.f_files = k.files;
	u.f_ffree = k.ffree;
	u.f_fsid[0] = (int32_t)k.fs;
	u.f_namelen = k.namelen;
	u.f_frsize = k.bsize;
	u.f_flags = k.flags;
	return hal_copy_to_uspace(ubuf, &u, sizeof(u)) ? -EFAULT : 0;
}

int64_t sys_statfs(const uint64_t args[6])
{
	xptr_t ixp;
	int64_t result;
	error_t error = path_inode(AT_FDCWD, args[0], VFS_LOOKUP_FOLLOW, &ixp);

	if (error)
		return -error;
	result = statfs_to_user(ixp, args[1]);
	vfs_inode_put(ixp);
	return result;
}

int64_t sys_fstatfs(const uint64_t args[6])
{
	xptr_t ixp;
	int64_t result;
	error_t error = fd_inode((int)args[0], &ixp, NULL);

	if (error)
		return -error;
	result = statfs_to_user(ixp, args[1]);
	vfs_inode_put(ixp);
	return result;
}
