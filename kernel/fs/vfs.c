/*
 * vfs.c - the VFS's state, its boot-time initialisation, its counters, and open files: open,
 * close, dup, flags (vfs.h).
 *
 * vfs_ctx is used in its cluster 0 copy only (VFS_CTX): the root, the next inode number and the
 * counters, all atomic or written once by vfs_init.
 */
#include <fs/mapper.h>
#include <fs/vfs_private.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

vfs_ctx_t vfs_ctx;

void vfs_init(void)
{
	xptr_t root_xp, dev_xp;
	error_t err;

	kassert(local_cxy == 0);
	vfs_poll_init();
	err = vfs_inode_create(VFS_DIR, 0755, XPTR_NULL, NULL, 0, VFS_DEV_NONE, NULL, &root_xp);
	if (err)
		panic("%s: no memory for the root directory", __func__);
	vfs_inode_link(root_xp); /* the root is named by nothing, yet lives for ever */
	hal_remote_s32(IF(root_xp, fs), VFS_FS_RAMFS);
	hal_remote_s32(IF(root_xp, mount_root), 1);
	remote_queuelock_init(VFS_CTX(rename_lock), "vfs.rename", LOCK_VFS_RENAME);
	hal_remote_sxp(VFS_CTX(root_xp), root_xp);
	err = vfs_create(root_xp, "dev", VFS_DIR, 0755, NULL, VFS_DEV_NONE, &dev_xp);
	if (!err) {
		/* /dev is a file system of its own, mounted there: its entries are devfs's */
		hal_remote_s32(IF(dev_xp, fs), VFS_FS_DEVFS);
		hal_remote_s32(IF(dev_xp, mount_root), 1);
		devfs_init(dev_xp);
		vfs_inode_put(dev_xp);
		err = vfs_mkdir(root_xp, "tmp", 01777);
	}
	if (err)
		panic("%s: cannot create /dev or /tmp (error %d)", __func__, err);
}

void vfs_stats(vfs_stats_t *out)
{
	mapper_counters_t m;

	mapper_counters(&m);
	out->inodes = hal_remote_l64(VFS_CTX(inodes));
	out->dentries = hal_remote_l64(VFS_CTX(dentries));
	out->files = hal_remote_l64(VFS_CTX(files));
	out->mapper_pages = m.pages;
	out->mapper_nodes = m.nodes;
}

/* ---- open ---- */

/*
 * The inode named @name in @dir_xp (with a reference) for O_CREAT: the existing one (EEXIST with
 * O_EXCL; a symbolic link is followed unless O_NOFOLLOW: ELOOP), else a new regular file. Another
 * thread may create the name between the look and the creation: then look again.
 */
static error_t open_or_create(xptr_t dir_xp, const char *name, size_t len, uint32_t flags,
			      uint32_t mode, xptr_t *inode_xp)
{
	xptr_t dxp, child, ixp;
	error_t err;

	for (;;) {
		child = XPTR_NULL;
		remote_rwlock_rd_acquire(ILOCK(dir_xp));
		dxp = vfs_dir_find(dir_xp, name, len);
		if (dxp != XPTR_NULL) {
			child = hal_remote_lxp(DF(dxp, inode_xp));
			vfs_inode_get(child);
		}
		remote_rwlock_rd_release(ILOCK(dir_xp));
		if (child != XPTR_NULL) {
			if (flags & O_EXCL) {
				vfs_inode_put(child);
				return EEXIST;
			}
			if (vfs_itype(child) != VFS_LNK || (flags & O_NOFOLLOW)) {
				*inode_xp = child;
				return 0;
			}
			vfs_inode_put(child);
			return vfs_lookup(dir_xp, name, VFS_LOOKUP_FOLLOW, inode_xp);
		}
		err = vfs_inode_create(VFS_REG, mode, XPTR_NULL, NULL, 0, VFS_DEV_NONE, NULL, &ixp);
		if (err)
			return err;
		err = vfs_dir_add(dir_xp, name, len, ixp);
		if (!err) {
			*inode_xp = ixp;
			return 0;
		}
		vfs_inode_put(ixp);
		if (err != EEXIST || (flags & O_EXCL))
			return err;
	}
}

/* The inode for open(O_CREAT), with a reference. */
static error_t open_creat(xptr_t cwd_xp, const char *path, uint32_t flags, uint32_t mode,
			  xptr_t *inode_xp)
{
	char name[CONFIG_NAME_MAX + 1];
	xptr_t dir_xp;
	size_t len;
	bool trailing;
	error_t err = vfs_lookup_parent(cwd_xp, path, &dir_xp, name, &len, &trailing);

	if (err)
		return err;
	if (len == 0 || trailing)
		err = EISDIR;
	else
		err = open_or_create(dir_xp, name, len, flags, mode, inode_xp);
	vfs_inode_put(dir_xp);
	return err;
}

/* The checks of open on the inode found, and O_TRUNC. */
static error_t open_check(xptr_t ixp, uint32_t flags)
{
	uint32_t type = vfs_itype(ixp);

	if (type == VFS_LNK)
		return ELOOP; /* only reached with O_NOFOLLOW */
	if ((flags & O_DIRECTORY) && type != VFS_DIR)
		return ENOTDIR;
	if (type == VFS_DIR && ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC))))
		return EISDIR;
	if (type == VFS_REG && (flags & O_TRUNC))
		return vfs_truncate(ixp, 0);
	return 0;
}

/* Make the zeroed file @fxp an open file of @ixp with @flags (its reference is the file's). */
static void file_init(xptr_t fxp, xptr_t ixp, uint32_t flags)
{
	hal_remote_sxp(FF(fxp, inode_xp), ixp);
	hal_remote_s32(FF(fxp, flags), flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC));
	hal_remote_s32(FF(fxp, refs), 1);
	hal_remote_s32(FF(fxp, type), vfs_itype(ixp));
	hal_remote_s32(FF(fxp, dev), hal_remote_l32(IF(ixp, dev)));
	hal_remote_atomic_add64(VFS_CTX(files), 1);
}

error_t vfs_file_alloc(cxy_t cxy, xptr_t ixp, uint32_t flags, xptr_t *file_xp)
{
	vfs_file_t *file = kmem_remote_alloc(cxy, sizeof(vfs_file_t), KMEM_ZERO);

	if (!file)
		return ENOMEM;
	*file_xp = XPTR(cxy, file);
	file_init(*file_xp, ixp, flags);
	return 0;
}

error_t vfs_open(cxy_t file_cxy, xptr_t cwd_xp, const char *path, uint32_t flags, uint32_t mode,
		 xptr_t *file_xp)
{
	vfs_file_t *file;
	xptr_t ixp;
	error_t err;

	if ((flags & O_ACCMODE) == O_ACCMODE)
		return EINVAL;
	/* The file first, as Linux: once a new file is created, nothing may fail for lack of
	 * memory and leave it behind (found by the fail-nth sweep). */
	file = kmem_remote_alloc(file_cxy, sizeof(vfs_file_t), KMEM_ZERO);
	if (!file)
		return ENOMEM;
	if (flags & O_CREAT)
		err = open_creat(cwd_xp, path, flags, mode, &ixp);
	else
		err = vfs_lookup(cwd_xp, path, (flags & O_NOFOLLOW) ? 0 : VFS_LOOKUP_FOLLOW, &ixp);
	if (!err) {
		err = open_check(ixp, flags);
		if (err)
			vfs_inode_put(ixp);
	}
	if (err) {
		kmem_remote_free(file_cxy, file);
		return err;
	}
	*file_xp = XPTR(file_cxy, file);
	file_init(*file_xp, ixp, flags);
	if (hal_remote_l32(FF(*file_xp, type)) == VFS_DEV) {
		const vfs_dev_ops_t *ops = &vfs_devices[hal_remote_l32(FF(*file_xp, dev))];

		if (ops->open)
			ops->open(*file_xp, flags); /* the console: a controlling terminal */
	}
	return 0;
}

void vfs_close(xptr_t file_xp)
{
	uint32_t old = hal_remote_atomic_add32(FF(file_xp, refs), -1);

	if (old == 0)
		panic("%s: file %lx has no reference", __func__, file_xp);
	if (old > 1)
		return;
	if (hal_remote_l32(FF(file_xp, type)) == VFS_FIFO)
		pipe_release(file_xp);
	vfs_inode_put(hal_remote_lxp(FF(file_xp, inode_xp)));
	kmem_remote_free(GET_CXY(file_xp), GET_PTR(file_xp));
	hal_remote_atomic_add64(VFS_CTX(files), -1);
}

void vfs_file_dup(xptr_t file_xp)
{
	hal_remote_atomic_add32(FF(file_xp, refs), 1);
}

xptr_t vfs_file_inode(xptr_t file_xp)
{
	return hal_remote_lxp(FF(file_xp, inode_xp));
}

uint32_t vfs_file_flags(xptr_t file_xp)
{
	return hal_remote_l32(FF(file_xp, flags));
}

void vfs_file_set_flags(xptr_t file_xp, uint32_t flags)
{
	for (;;) {
		uint32_t old = hal_remote_l32(FF(file_xp, flags));
		uint32_t new = (old & ~VFS_O_SETFL_MASK) | (flags & VFS_O_SETFL_MASK);

		if (hal_remote_atomic_cas32(FF(file_xp, flags), old, new))
			return;
	}
}
