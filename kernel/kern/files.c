/*
 * files.c - the file table of a process, kept in its reference copy and reached by extended
 * pointer from any cluster (see process.h).
 */
#include <fs/vfs.h>
#include <hal_remote.h>
#include <kern/process.h>
#include <libk/errno.h>

#define FILES_LOCK(ref_xp) PROC_XP(ref_xp, files_lock)
#define FILE_SLOT(ref_xp, fd) (PROC_XP(ref_xp, files) + (size_t)(fd) * sizeof(xptr_t))
#define CLOEXEC(ref_xp) PROC_XP(ref_xp, cloexec)

static void set_cloexec(xptr_t ref_xp, int fd, bool on)
{
	uint64_t bits = hal_remote_l64(CLOEXEC(ref_xp));

	bits = on ? bits | (1ULL << fd) : bits & ~(1ULL << fd);
	hal_remote_s64(CLOEXEC(ref_xp), bits);
}

int fd_install(xptr_t ref_xp, xptr_t file_xp, int min_fd, bool cloexec)
{
	int fd = -EMFILE;

	if (min_fd < 0 || min_fd >= CONFIG_MAX_FILES)
		return -EINVAL;
	remote_busylock_acquire(FILES_LOCK(ref_xp));
	for (int i = min_fd; i < CONFIG_MAX_FILES; i++) {
		if (hal_remote_lxp(FILE_SLOT(ref_xp, i)) == XPTR_NULL) {
			hal_remote_sxp(FILE_SLOT(ref_xp, i), file_xp);
			set_cloexec(ref_xp, i, cloexec);
			fd = i;
			break;
		}
	}
	remote_busylock_release(FILES_LOCK(ref_xp));
	return fd;
}

int fd_install_pair(xptr_t ref_xp, xptr_t file0_xp, xptr_t file1_xp, bool cloexec, int fds[2])
{
	int found = 0;

	remote_busylock_acquire(FILES_LOCK(ref_xp));
	for (int i = 0; i < CONFIG_MAX_FILES && found < 2; i++)
		if (hal_remote_lxp(FILE_SLOT(ref_xp, i)) == XPTR_NULL)
			fds[found++] = i;
	if (found == 2) { /* both or nothing */
		hal_remote_sxp(FILE_SLOT(ref_xp, fds[0]), file0_xp);
		hal_remote_sxp(FILE_SLOT(ref_xp, fds[1]), file1_xp);
		set_cloexec(ref_xp, fds[0], cloexec);
		set_cloexec(ref_xp, fds[1], cloexec);
	}
	remote_busylock_release(FILES_LOCK(ref_xp));
	return found == 2 ? 0 : -EMFILE;
}

error_t fd_get(xptr_t ref_xp, int fd, xptr_t *file_xp)
{
	xptr_t f = XPTR_NULL;

	if (fd < 0 || fd >= CONFIG_MAX_FILES)
		return EBADF;
	remote_busylock_acquire(FILES_LOCK(ref_xp));
	f = hal_remote_lxp(FILE_SLOT(ref_xp, fd));
	if (f != XPTR_NULL)
		vfs_file_dup(f);
	remote_busylock_release(FILES_LOCK(ref_xp));
	*file_xp = f;
	return f == XPTR_NULL ? EBADF : 0;
}

error_t fd_close(xptr_t ref_xp, int fd)
{
	xptr_t f;

	if (fd < 0 || fd >= CONFIG_MAX_FILES)
		return EBADF;
	remote_busylock_acquire(FILES_LOCK(ref_xp));
	f = hal_remote_lxp(FILE_SLOT(ref_xp, fd));
	hal_remote_sxp(FILE_SLOT(ref_xp, fd), XPTR_NULL);
	set_cloexec(ref_xp, fd, false);
	remote_busylock_release(FILES_LOCK(ref_xp));
	if (f == XPTR_NULL)
		return EBADF;
	vfs_close(f); /* outside the lock: may block */
	return 0;
}

error_t fd_dup_to(xptr_t ref_xp, int oldfd, int newfd, bool cloexec)
{
	xptr_t f, old = XPTR_NULL;

	if (oldfd < 0 || oldfd >= CONFIG_MAX_FILES || newfd < 0 || newfd >= CONFIG_MAX_FILES)
		return EBADF;
	remote_busylock_acquire(FILES_LOCK(ref_xp));
	f = hal_remote_lxp(FILE_SLOT(ref_xp, oldfd));
	if (f != XPTR_NULL) {
		vfs_file_dup(f);
		old = hal_remote_lxp(FILE_SLOT(ref_xp, newfd));
		hal_remote_sxp(FILE_SLOT(ref_xp, newfd), f);
		set_cloexec(ref_xp, newfd, cloexec);
	}
	remote_busylock_release(FILES_LOCK(ref_xp));
	if (f == XPTR_NULL)
		return EBADF;
	if (old != XPTR_NULL)
		vfs_close(old);
	return 0;
}

void fd_close_on_exec(xptr_t ref_xp)
{
	uint64_t bits;

	remote_busylock_acquire(FILES_LOCK(ref_xp));
	bits = hal_remote_l64(CLOEXEC(ref_xp));
	remote_busylock_release(FILES_LOCK(ref_xp));
	for (int fd = 0; fd < CONFIG_MAX_FILES; fd++)
		if (bits & (1ULL << fd))
			fd_close(ref_xp, fd); /* one at a time: vfs_close may block */
}

xptr_t process_cwd(xptr_t ref_xp)
{
	xptr_t cwd;

	remote_busylock_acquire(FILES_LOCK(ref_xp));
	cwd = hal_remote_lxp(PROC_XP(ref_xp, cwd_xp));
	vfs_inode_get(cwd);
	remote_busylock_release(FILES_LOCK(ref_xp));
	return cwd;
}

bool fd_cloexec(xptr_t ref_xp, int fd)
{
	return fd >= 0 && fd < CONFIG_MAX_FILES && (hal_remote_l64(CLOEXEC(ref_xp)) >> fd) & 1;
}

void fd_set_cloexec(xptr_t ref_xp, int fd, bool on)
{
	remote_busylock_acquire(FILES_LOCK(ref_xp));
	set_cloexec(ref_xp, fd, on);
	remote_busylock_release(FILES_LOCK(ref_xp));
}

void process_set_cwd(xptr_t ref_xp, xptr_t inode_xp)
{
	xptr_t old;

	remote_busylock_acquire(FILES_LOCK(ref_xp));
	old = hal_remote_lxp(PROC_XP(ref_xp, cwd_xp));
	hal_remote_sxp(PROC_XP(ref_xp, cwd_xp), inode_xp);
	remote_busylock_release(FILES_LOCK(ref_xp));
	vfs_inode_put(old);
}
