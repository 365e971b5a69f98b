/*
 * vfs_meta.c - what an inode says of itself beyond its data: chmod, utimens, and statfs of its
 * file system (vfs.h).
 */
#include <fs/vfs_private.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/ppm.h>
#include <syscalls/uabi_linux.h>

error_t vfs_chmod(xptr_t inode_xp, uint32_t mode)
{
	remote_rwlock_wr_acquire(ILOCK(inode_xp));
	hal_remote_s32(IF(inode_xp, mode),
		       (hal_remote_l32(IF(inode_xp, mode)) & S_IFMT) | (mode & S_IALLUGO));
	vfs_time_store(IF(inode_xp, ctime), vfs_now());
	remote_rwlock_wr_release(ILOCK(inode_xp));
	return 0;
}

void vfs_utimens(xptr_t inode_xp, const vfs_time_t *atime, const vfs_time_t *mtime)
{
	if (!atime && !mtime)
		return; /* both omitted: nothing changes, not even ctime (Linux) */
	remote_rwlock_wr_acquire(ILOCK(inode_xp));
	if (atime)
		vfs_time_store(IF(inode_xp, atime), *atime);
	if (mtime)
		vfs_time_store(IF(inode_xp, mtime), *mtime);
	vfs_time_store(IF(inode_xp, ctime), vfs_now());
	remote_rwlock_wr_release(ILOCK(inode_xp));
}

void vfs_statfs(xptr_t inode_xp, struct vfs_statfs *out)
{
	uint32_t fs = vfs_inode_fs(inode_xp);
	ppm_stats_t st;

	memset(out, 0, sizeof(*out));
	out->fs = fs;
	out->bsize = CONFIG_PAGE_SIZE;
	out->namelen = CONFIG_NAME_MAX;
	out->flags = UABI_ST_VALID;
	switch (fs) {
	case VFS_FS_RAMFS: /* data pages come from cluster 0's memory: its figures are the room */
		ppm_stats(0, &st);
		out->type = UABI_RAMFS_MAGIC;
		out->blocks = st.total_pages - st.reserved_pages;
		out->bfree = st.free_pages;
		out->bavail = st.free_pages;
		out->flags |= UABI_ST_NOATIME; /* reads do not update atime */
		break;
	case VFS_FS_DEVFS: /* Linux's devtmpfs is a tmpfs: its magic; nothing stored */
		out->type = UABI_TMPFS_MAGIC;
		out->flags |= UABI_ST_NOSUID;
		break;
	default:
		out->type = UABI_PIPEFS_MAGIC;
		break;
	}
}
