/*
 * vfs_inode.c - inodes and directory entries: creation, references and links, lookup of a name in
 * one directory, stat (vfs_private.h has the structures and the lifetime rules).
 *
 * Every inode and dentry is a kmem object of cluster 0 (but a pipe's inode is in its creator's
 * cluster), reached through hal_remote_* from any cluster; nothing here holds more than one VFS
 * lock.
 */
#include <fs/mapper.h>
#include <fs/vfs_private.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

vfs_time_t vfs_now(void)
{
	uint64_t ns = hal_get_time_ns();

	return (vfs_time_t){ (int64_t)(ns / 1000000000u), ns % 1000000000u };
}

void vfs_time_store(xptr_t time_xp, vfs_time_t t)
{
	hal_remote_s64(XPTR_FIELD(time_xp, vfs_time_t, sec), (uint64_t)t.sec);
	hal_remote_s64(XPTR_FIELD(time_xp, vfs_time_t, nsec), t.nsec);
}

vfs_time_t vfs_time_load(xptr_t time_xp)
{
	return (vfs_time_t){ (int64_t)hal_remote_l64(XPTR_FIELD(time_xp, vfs_time_t, sec)),
			     hal_remote_l64(XPTR_FIELD(time_xp, vfs_time_t, nsec)) };
}

static uint32_t type_bits(vfs_type_t type)
{
	switch (type) {
	case VFS_DIR: return S_IFDIR;
	case VFS_REG: return S_IFREG;
	case VFS_LNK: return S_IFLNK;
	case VFS_FIFO: return S_IFIFO;
	default:      return S_IFCHR;
	}
}

/* The type-specific parts of a new inode: mapper or target. Returns 0 or ENOMEM. */
static error_t inode_alloc_parts(xptr_t ixp, vfs_type_t type, const char *target, size_t size)
{
	if (type == VFS_REG) {
		xptr_t mapper_xp = mapper_create(0);

		if (mapper_xp == XPTR_NULL)
			return ENOMEM;
		hal_remote_sxp(IF(ixp, mapper_xp), mapper_xp);
	} else if (type == VFS_LNK) {
		char *copy = kmem_remote_alloc(0, size + 1, 0);

		if (!copy)
			return ENOMEM;
		hal_remote_memcpy(XPTR(0, copy), XPTR(local_cxy, target), size);
		hal_remote_sb(XPTR(0, copy + size), 0);
		hal_remote_sxp(IF(ixp, target_xp), XPTR(0, copy));
		hal_remote_s64(IF(ixp, size), size);
	}
	return 0;
}

/* Allocate and initialise an inode in cluster @cxy (the parts of @type done by the caller). */
static error_t inode_alloc(cxy_t cxy, vfs_type_t type, uint32_t mode, uint32_t dev, vfs_time_t t,
			   xptr_t *inode_xp)
{
	vfs_inode_t *inode = kmem_remote_alloc(cxy, sizeof(vfs_inode_t), KMEM_ZERO);
	xptr_t ixp;

	if (!inode)
		return ENOMEM;
	ixp = XPTR(cxy, inode);
	remote_rwlock_init(ILOCK(ixp), "inode", LOCK_VFS);
	hal_remote_s64(IF(ixp, life), 1);
	hal_remote_s64(IF(ixp, ino), hal_remote_atomic_add64(VFS_CTX(next_ino), 1) + 1);
	hal_remote_s32(IF(ixp, type), type);
	hal_remote_s32(IF(ixp, mode), (mode & S_IALLUGO) | type_bits(type));
	hal_remote_s32(IF(ixp, dev), dev);
	hal_remote_s64(IF(ixp, next_seq), 2);
	xlist_root_init(IF(ixp, children));
	vfs_time_store(IF(ixp, atime), t);
	vfs_time_store(IF(ixp, mtime), t);
	vfs_time_store(IF(ixp, ctime), t);
	*inode_xp = ixp;
	return 0;
}

error_t vfs_inode_create(vfs_type_t type, uint32_t mode, xptr_t parent_xp, const char *target,
			 size_t size, uint32_t dev, const vfs_time_t *time, xptr_t *inode_xp)
{
	xptr_t ixp;

	if (inode_alloc(0, type, mode, dev, time ? *time : vfs_now(), &ixp))
		return ENOMEM;
	if (inode_alloc_parts(ixp, type, target, size)) {
		kmem_remote_free(0, GET_PTR(ixp));
		return ENOMEM;
	}
	if (type == VFS_DIR) {
		if (parent_xp == XPTR_NULL)
			parent_xp = ixp; /* the root */
		else
			vfs_inode_get(parent_xp);
		hal_remote_sxp(IF(ixp, parent_xp), parent_xp);
	}
	hal_remote_atomic_add64(VFS_CTX(inodes), 1);
	*inode_xp = ixp;
	return 0;
}

error_t vfs_inode_create_anon(cxy_t mapper_cxy, uint64_t size, xptr_t *inode_xp)
{
	xptr_t ixp, mapper_xp = mapper_create(mapper_cxy);

	if (mapper_xp == XPTR_NULL)
		return ENOMEM;
	if (inode_alloc(0, VFS_REG, 0600, VFS_DEV_NONE, vfs_now(), &ixp)) {
		mapper_destroy(mapper_xp);
		return ENOMEM;
	}
	hal_remote_sxp(IF(ixp, mapper_xp), mapper_xp);
	hal_remote_s64(IF(ixp, size), size);
	hal_remote_atomic_add64(VFS_CTX(inodes), 1);
	*inode_xp = ixp;
	return 0;
}

error_t vfs_inode_create_fifo(xptr_t pipe_xp, xptr_t *inode_xp)
{
	xptr_t ixp;

	if (inode_alloc(GET_CXY(pipe_xp), VFS_FIFO, 0600, VFS_DEV_NONE, vfs_now(), &ixp))
		return ENOMEM;
	hal_remote_sxp(IF(ixp, pipe_xp), pipe_xp);
	hal_remote_s32(IF(ixp, fs), VFS_FS_PIPEFS);
	hal_remote_atomic_add64(VFS_CTX(inodes), 1);
	*inode_xp = ixp;
	return 0;
}

/* Free an inode whose life word reached 0. Returns the parent of a directory, whose reference
 * the caller must drop (XPTR_NULL otherwise). */
static xptr_t inode_destroy(xptr_t ixp)
{
	uint32_t type = vfs_itype(ixp);
	xptr_t parent_xp = XPTR_NULL;

	if (type == VFS_REG) {
		mapper_destroy(hal_remote_lxp(IF(ixp, mapper_xp)));
	} else if (type == VFS_LNK) {
		kmem_remote_free(0, GET_PTR(hal_remote_lxp(IF(ixp, target_xp))));
	} else if (type == VFS_DIR) {
		kassert((hal_remote_l32(IF(ixp, entries)) & ~VFS_DIR_DEAD) == 0);
		parent_xp = hal_remote_lxp(IF(ixp, parent_xp));
		if (parent_xp == ixp)
			panic("%s: the root directory lost its last reference", __func__);
	} else if (type == VFS_FIFO) {
		pipe_destroy(hal_remote_lxp(IF(ixp, pipe_xp)));
	}
	kmem_remote_free(GET_CXY(ixp), GET_PTR(ixp));
	hal_remote_atomic_add64(VFS_CTX(inodes), -1);
	return parent_xp;
}

/* Subtract @amount (one reference or one link) from the life word; free the inode if it reaches
 * 0, then drop the reference it held on its parent, and so on up. */
static void life_drop(xptr_t ixp, uint64_t amount)
{
	while (ixp != XPTR_NULL) {
		uint64_t old = hal_remote_atomic_add64(IF(ixp, life), -(int64_t)amount);

		if ((amount == 1 && (old & VFS_LIFE_REFS) == 0) || old < amount)
			panic("%s: inode %lx: life word 0x%lx has no %s to drop", __func__, ixp, old,
			      amount == 1 ? "reference" : "link");
		if (old != amount)
			return;
		ixp = inode_destroy(ixp);
		amount = 1;
	}
}

void vfs_inode_get(xptr_t inode_xp)
{
	hal_remote_atomic_add64(IF(inode_xp, life), 1);
}

void vfs_inode_put(xptr_t inode_xp)
{
	life_drop(inode_xp, 1);
}

void vfs_inode_link(xptr_t inode_xp)
{
	hal_remote_atomic_add64(IF(inode_xp, life), VFS_LIFE_LINK);
}

void vfs_inode_unlink(xptr_t inode_xp)
{
	life_drop(inode_xp, VFS_LIFE_LINK);
}

uint32_t vfs_name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

size_t vfs_dentry_name(xptr_t dentry_xp, char *buf)
{
	size_t len = hal_remote_l32(DF(dentry_xp, len));

	hal_remote_memcpy(XPTR(local_cxy, buf), DF(dentry_xp, name), len + 1);
	return len;
}

xptr_t vfs_dir_find(xptr_t dir_xp, const char *name, size_t len)
{
	uint32_t hash = vfs_name_hash(name, len);
	char other[CONFIG_NAME_MAX + 1];
	xptr_t iter;

	kassert(lockdep_is_held(ILOCK(dir_xp)));
	XLIST_FOREACH(IF(dir_xp, children), iter) {
		xptr_t dxp = XLIST_ELEMENT(iter, vfs_dentry_t, list);

		if (hal_remote_l32(DF(dxp, hash)) != hash || hal_remote_l32(DF(dxp, len)) != len)
			continue;
		vfs_dentry_name(dxp, other);
		if (!memcmp(other, name, len))
			return dxp;
	}
	return XPTR_NULL;
}

bool vfs_dir_count_entry(xptr_t dir_xp)
{
	for (;;) {
		uint32_t old = hal_remote_l32(IF(dir_xp, entries));

		if (old & VFS_DIR_DEAD)
			return false;
		if (hal_remote_atomic_cas32(IF(dir_xp, entries), old, old + 1))
			return true;
	}
}

xptr_t vfs_dentry_alloc(const char *name, size_t len, xptr_t inode_xp)
{
	vfs_dentry_t *d = kmem_remote_alloc(0, sizeof(vfs_dentry_t) + len + 1, 0);
	xptr_t dxp;

	if (!d)
		return XPTR_NULL;
	dxp = XPTR(0, d);
	xlist_entry_init(DF(dxp, list));
	hal_remote_sxp(DF(dxp, inode_xp), inode_xp);
	hal_remote_s32(DF(dxp, hash), vfs_name_hash(name, len));
	hal_remote_s32(DF(dxp, len), (uint32_t)len);
	hal_remote_memcpy(DF(dxp, name), XPTR(local_cxy, name), len);
	hal_remote_sb(DF(dxp, name) + len, 0);
	return dxp;
}

void vfs_dir_insert(xptr_t dir_xp, xptr_t dxp)
{
	xptr_t inode_xp = hal_remote_lxp(DF(dxp, inode_xp));
	uint64_t seq = hal_remote_l64(IF(dir_xp, next_seq));

	kassert(lockdep_is_held(ILOCK(dir_xp)));
	hal_remote_s64(IF(dir_xp, next_seq), seq + 1);
	hal_remote_s64(DF(dxp, seq), seq);
	xlist_add_last(IF(dir_xp, children), DF(dxp, list));
	if (vfs_itype(inode_xp) == VFS_DIR)
		hal_remote_s32(IF(dir_xp, subdirs), hal_remote_l32(IF(dir_xp, subdirs)) + 1);
	vfs_inode_touch(dir_xp);
}

void vfs_dir_take(xptr_t dir_xp, xptr_t dxp)
{
	kassert(lockdep_is_held(ILOCK(dir_xp)));
	xlist_unlink(DF(dxp, list));
	hal_remote_atomic_add32(IF(dir_xp, entries), -1);
	if (vfs_itype(hal_remote_lxp(DF(dxp, inode_xp))) == VFS_DIR)
		hal_remote_s32(IF(dir_xp, subdirs), hal_remote_l32(IF(dir_xp, subdirs)) - 1);
	vfs_inode_touch(dir_xp);
}

error_t vfs_dir_add(xptr_t dir_xp, const char *name, size_t len, xptr_t inode_xp)
{
	xptr_t dxp = vfs_dentry_alloc(name, len, inode_xp);
	error_t err = 0;

	if (dxp == XPTR_NULL)
		return ENOMEM;
	remote_rwlock_wr_acquire(ILOCK(dir_xp));
	if (vfs_dir_find(dir_xp, name, len) != XPTR_NULL)
		err = EEXIST;
	else if (!vfs_dir_count_entry(dir_xp))
		err = ENOENT;
	if (!err) {
		/* a new inode joins its directory's file system; a hard link stays in its own (the
		 * caller checked they are the same: EXDEV) */
		if (hal_remote_l32(IF(inode_xp, fs)) == VFS_FS_NONE)
			hal_remote_s32(IF(inode_xp, fs), hal_remote_l32(IF(dir_xp, fs)));
		vfs_dir_insert(dir_xp, dxp);
		vfs_inode_link(inode_xp);
		hal_remote_atomic_add64(VFS_CTX(dentries), 1);
	}
	remote_rwlock_wr_release(ILOCK(dir_xp));
	if (err)
		kmem_remote_free(0, GET_PTR(dxp));
	return err;
}

/* ---- facts about an inode ---- */

bool vfs_inode_is_dir(xptr_t inode_xp) { return vfs_itype(inode_xp) == VFS_DIR; }

uint32_t vfs_inode_fs(xptr_t inode_xp)
{
	uint32_t fs = hal_remote_l32(IF(inode_xp, fs));

	return fs == VFS_FS_NONE ? VFS_FS_RAMFS : fs; /* an anonymous shared file: RAM like them */
}
bool vfs_inode_is_reg(xptr_t inode_xp) { return vfs_itype(inode_xp) == VFS_REG; }
uint32_t vfs_inode_mode(xptr_t inode_xp) { return hal_remote_l32(IF(inode_xp, mode)); }
uint64_t vfs_inode_size(xptr_t inode_xp) { return hal_remote_l64(IF(inode_xp, size)); }
xptr_t vfs_inode_mapper(xptr_t inode_xp) { return hal_remote_lxp(IF(inode_xp, mapper_xp)); }

error_t vfs_access(xptr_t inode_xp, uint32_t amode)
{
	if (!(amode & VFS_X_OK) || vfs_itype(inode_xp) == VFS_DIR)
		return 0;
	return (vfs_inode_mode(inode_xp) & 0111) ? 0 : EACCES;
}

/* Linux's encoding of a device number (new_encode_dev). */
static uint64_t encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xffu) | ((uint64_t)major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

/* st_nlink: a directory counts its name, its "." and its subdirectories' ".." (0 once removed). */
static uint32_t stat_nlink(xptr_t ixp, uint32_t type)
{
	uint32_t links = (uint32_t)(hal_remote_l64(IF(ixp, life)) >> 32);

	if (type == VFS_FIFO)
		return 1; /* as Linux shows an anonymous pipe */
	if (type != VFS_DIR)
		return links;
	if (hal_remote_l32(IF(ixp, entries)) & VFS_DIR_DEAD)
		return 0;
	return 2 + hal_remote_l32(IF(ixp, subdirs));
}

/* Bytes and 512-byte blocks: a directory's size counts 20 bytes per entry, as tmpfs does. */
static void stat_size(xptr_t ixp, uint32_t type, struct vfs_stat *st)
{
	if (type == VFS_DIR) {
		st->st_size = 20 * (int64_t)((hal_remote_l32(IF(ixp, entries)) & ~VFS_DIR_DEAD) + 2);
	} else if (type == VFS_REG || type == VFS_LNK) {
		st->st_size = (int64_t)hal_remote_l64(IF(ixp, size));
	}
	if (type == VFS_REG)
		st->st_blocks = (int64_t)(mapper_pages(hal_remote_lxp(IF(ixp, mapper_xp))) *
					  (CONFIG_PAGE_SIZE / 512));
}

error_t vfs_stat(xptr_t inode_xp, struct vfs_stat *st)
{
	uint32_t type = vfs_itype(inode_xp);
	vfs_time_t a, m, c;

	memset(st, 0, sizeof(*st));
	remote_rwlock_rd_acquire(ILOCK(inode_xp));
	st->st_dev = vfs_inode_fs(inode_xp); /* 0:fs, one device per file system */
	st->st_ino = hal_remote_l64(IF(inode_xp, ino));
	st->st_mode = hal_remote_l32(IF(inode_xp, mode));
	st->st_nlink = stat_nlink(inode_xp, type);
	st->st_uid = hal_remote_l32(IF(inode_xp, uid));
	st->st_gid = hal_remote_l32(IF(inode_xp, gid));
	if (type == VFS_DEV) {
		const vfs_dev_ops_t *ops = &vfs_devices[hal_remote_l32(IF(inode_xp, dev))];
		st->st_rdev = encode_dev(ops->major, ops->minor);
	}
	stat_size(inode_xp, type, st);
	st->st_blksize = CONFIG_PAGE_SIZE;
	a = vfs_time_load(IF(inode_xp, atime));
	m = vfs_time_load(IF(inode_xp, mtime));
	c = vfs_time_load(IF(inode_xp, ctime));
	remote_rwlock_rd_release(ILOCK(inode_xp));
	st->st_atime = a.sec;
	st->st_atime_nsec = a.nsec;
	st->st_mtime = m.sec;
	st->st_mtime_nsec = m.nsec;
	st->st_ctime = c.sec;
	st->st_ctime_nsec = c.nsec;
	return 0;
}

/* Set the modification and change times of @inode_xp to now (its write lock held). */
void vfs_inode_touch(xptr_t inode_xp)
{
	vfs_time_t now = vfs_now();

	kassert(lockdep_is_held(ILOCK(inode_xp)));
	vfs_time_store(IF(inode_xp, mtime), now);
	vfs_time_store(IF(inode_xp, ctime), now);
}

void vfs_inode_ctime(xptr_t inode_xp)
{
	remote_rwlock_wr_acquire(ILOCK(inode_xp));
	vfs_time_store(IF(inode_xp, ctime), vfs_now());
	remote_rwlock_wr_release(ILOCK(inode_xp));
}

void vfs_inode_set_mtime(xptr_t inode_xp, vfs_time_t mtime)
{
	remote_rwlock_wr_acquire(ILOCK(inode_xp));
	vfs_time_store(IF(inode_xp, mtime), mtime);
	remote_rwlock_wr_release(ILOCK(inode_xp));
}
