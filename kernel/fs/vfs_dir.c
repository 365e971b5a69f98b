/*
 * vfs_dir.c - operations on names: create, mkdir, symlink, unlink and rmdir, readlink, chdir,
 * getcwd (vfs_path_of), getdents64, and the display of the tree (vfs.h).
 *
 * Each operation holds at most one VFS lock at a time: the lock of the directory whose entries it
 * reads or changes. What must stay true across two directories (a directory is removed only when
 * empty, nothing is added to a removed one) rests on the atomic `entries` word of a directory
 * (vfs_private.h).
 */
#include <fs/vfs_private.h>
#include <hal_uspace.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

#define DIRENT_NAME_OFF   offsetof(struct linux_dirent64, d_name)
#define DIRENT_MAX        ((DIRENT_NAME_OFF + CONFIG_NAME_MAX + 1 + 7) & ~7UL)
#define DISPLAY_MAX_DEPTH 8

_Static_assert(DIRENT_NAME_OFF == 19, "struct linux_dirent64 layout");

error_t vfs_create(xptr_t cwd_xp, const char *path, vfs_type_t type, uint32_t mode,
		   const char *target, uint32_t dev, xptr_t *inode_xp)
{
	char name[CONFIG_NAME_MAX + 1];
	size_t len, tlen = target ? strlen(target) : 0;
	xptr_t dir_xp, ixp;
	bool trailing;
	error_t err = vfs_lookup_parent(cwd_xp, path, &dir_xp, name, &len, &trailing);

	if (err)
		return err;
	if (len == 0)
		err = EEXIST;
	else if (trailing && type != VFS_DIR)
		err = ENOENT;
	else
		err = vfs_inode_create(type, mode, type == VFS_DIR ? dir_xp : XPTR_NULL, target, tlen,
				       dev, NULL, &ixp);
	if (!err) {
		err = vfs_dir_add(dir_xp, name, len, ixp);
		if (err || !inode_xp)
			vfs_inode_put(ixp);
		else
			*inode_xp = ixp;
	}
	vfs_inode_put(dir_xp);
	return err;
}

error_t vfs_mkdir(xptr_t cwd_xp, const char *path, uint32_t mode)
{
	return vfs_create(cwd_xp, path, VFS_DIR, mode, NULL, VFS_DEV_NONE, NULL);
}

error_t vfs_symlink(xptr_t cwd_xp, const char *target, const char *path)
{
	size_t tlen = strnlen(target, CONFIG_PATH_MAX);

	if (tlen == 0)
		return ENOENT;
	if (tlen == CONFIG_PATH_MAX)
		return ENAMETOOLONG;
	return vfs_create(cwd_xp, path, VFS_LNK, 0777, target, VFS_DEV_NONE, NULL);
}

/* rmdir of a path without a last component: the error Linux gives for its last word. */
static error_t rmdir_no_name(const char *path)
{
	size_t end = strlen(path);

	while (end > 0 && path[end - 1] == '/')
		end--;
	if (end >= 1 && path[end - 1] == '.' && (end == 1 || path[end - 2] == '/'))
		return EINVAL;                      /* "."  */
	if (end >= 2 && path[end - 1] == '.' && path[end - 2] == '.' &&
	    (end == 2 || path[end - 3] == '/'))
		return ENOTEMPTY;                   /* ".." */
	return EBUSY;                               /* "/"  */
}

/*
 * Take the entry @name out of @dir_xp (write lock taken here) after the checks of unlink or rmdir.
 * Returns 0 with *@child_xp the inode whose link the caller must drop, or an error.
 */
static error_t dir_remove(xptr_t dir_xp, const char *name, size_t len, bool rmdir, bool trailing,
			  xptr_t *child_xp, xptr_t *dentry_xp)
{
	xptr_t dxp, child = XPTR_NULL;
	uint32_t type = 0;
	error_t err = 0;

	remote_rwlock_wr_acquire(ILOCK(dir_xp));
	dxp = vfs_dir_find(dir_xp, name, len);
	if (dxp == XPTR_NULL) {
		err = ENOENT;
	} else {
		child = hal_remote_lxp(DF(dxp, inode_xp));
		type = vfs_itype(child);
		if (rmdir && type != VFS_DIR)
			err = ENOTDIR;
		else if (rmdir && !hal_remote_atomic_cas32(IF(child, entries), 0, VFS_DIR_DEAD))
			err = ENOTEMPTY;
		else if (!rmdir && type == VFS_DIR)
			err = EISDIR;
		else if (!rmdir && trailing)
			err = ENOTDIR;
	}
	if (!err)
		vfs_dir_take(dir_xp, dxp);
	remote_rwlock_wr_release(ILOCK(dir_xp));
	*child_xp = child;
	*dentry_xp = dxp;
	return err;
}

error_t vfs_unlink(xptr_t cwd_xp, const char *path, uint32_t flags)
{
	bool rmdir = flags & AT_REMOVEDIR;
	char name[CONFIG_NAME_MAX + 1];
	xptr_t dir_xp, child_xp, dentry_xp;
	size_t len;
	bool trailing;
	error_t err = vfs_lookup_parent(cwd_xp, path, &dir_xp, name, &len, &trailing);

	if (err)
		return err;
	if (len == 0)
		err = rmdir ? rmdir_no_name(path) : EISDIR;
	else
		err = dir_remove(dir_xp, name, len, rmdir, trailing, &child_xp, &dentry_xp);
	vfs_inode_put(dir_xp);
	if (err)
		return err;
	kmem_remote_free(0, GET_PTR(dentry_xp));
	hal_remote_atomic_add64(VFS_CTX(dentries), -1);
	vfs_inode_unlink(child_xp);
	return 0;
}

int64_t vfs_readlink(xptr_t cwd_xp, const char *path, uintptr_t ubuf, size_t size)
{
	xptr_t ixp;
	size_t n;
	int64_t result;
	error_t err = vfs_lookup(cwd_xp, path, 0, &ixp);

	if (err)
		return -(int64_t)err;
	if (vfs_itype(ixp) != VFS_LNK || size == 0) {
		result = -EINVAL;
	} else {
		n = hal_remote_l64(IF(ixp, size));
		if (n > size)
			n = size;
		err = hal_copy_to_uspace_xp(ubuf, hal_remote_lxp(IF(ixp, target_xp)), n);
		result = err ? -(int64_t)err : (int64_t)n;
	}
	vfs_inode_put(ixp);
	return result;
}

error_t vfs_chdir(xptr_t cwd_xp, const char *path, xptr_t *new_cwd_xp)
{
	return vfs_lookup(cwd_xp, path, VFS_LOOKUP_FOLLOW | VFS_LOOKUP_DIRECTORY, new_cwd_xp);
}

/* The name of the directory @child_xp in its parent @dir_xp into @name; 0 or ENOENT (removed). */
static error_t name_in_parent(xptr_t dir_xp, xptr_t child_xp, char *name, size_t *len)
{
	error_t err = ENOENT;
	xptr_t iter;

	remote_rwlock_rd_acquire(ILOCK(dir_xp));
	XLIST_FOREACH(IF(dir_xp, children), iter) {
		xptr_t dxp = XLIST_ELEMENT(iter, vfs_dentry_t, list);

		if (hal_remote_lxp(DF(dxp, inode_xp)) == child_xp) {
			*len = vfs_dentry_name(dxp, name);
			err = 0;
			break;
		}
	}
	remote_rwlock_rd_release(ILOCK(dir_xp));
	return err;
}

/*
 * Built from the end of @buf towards its start, one name at a time, under the rename lock (no
 * directory moves meanwhile). The ancestors need no reference: each directory holds one on its
 * parent, and the caller holds one on @inode_xp.
 */
error_t vfs_path_of(xptr_t inode_xp, char *buf, size_t size)
{
	char name[CONFIG_NAME_MAX + 1];
	xptr_t cur = inode_xp, root = vfs_root();
	size_t pos, len;
	error_t err;

	if (vfs_itype(inode_xp) != VFS_DIR)
		return ENOTDIR;
	if (size < 2)
		return ERANGE;
	pos = size - 1;
	buf[pos] = '\0';
	err = 0;
	remote_queuelock_acquire(VFS_CTX(rename_lock));
	while (cur != root && !err) {
		xptr_t parent = hal_remote_lxp(IF(cur, parent_xp));

		if ((err = name_in_parent(parent, cur, name, &len)))
			break;
		if (len + 1 > pos) {
			err = ERANGE;
			break;
		}
		pos -= len;
		memcpy(buf + pos, name, len);
		buf[--pos] = '/';
		cur = parent;
	}
	remote_queuelock_release(VFS_CTX(rename_lock));
	if (err)
		return err;
	if (pos == size - 1)
		buf[--pos] = '/';
	memmove(buf, buf + pos, size - pos);
	return 0;
}

/* ---- getdents64 ---- */

/* The state of one getdents64 call. */
typedef struct dents_s {
	uintptr_t ubuf;
	size_t    count;    /* room of the user buffer    */
	size_t    done;     /* bytes written              */
	uint64_t  pos;      /* position of the next record */
	error_t   err;
} dents_t;

static uint8_t dtype_of(uint32_t type)
{
	switch (type) {
	case VFS_DIR: return DT_DIR;
	case VFS_REG: return DT_REG;
	case VFS_LNK: return DT_LNK;
	case VFS_DEV: return DT_CHR;
	default:      return DT_UNKNOWN;
	}
}

/* Emit the record at position d->pos; false when the buffer is full or a copy failed. */
static bool dents_emit(dents_t *d, uint64_t ino, uint8_t type, const char *name, size_t len,
		       uint64_t next)
{
	uint64_t rec[DIRENT_MAX / 8];
	struct linux_dirent64 *de = (struct linux_dirent64 *)rec;
	size_t reclen = (DIRENT_NAME_OFF + len + 1 + 7) & ~7UL;

	if (d->done + reclen > d->count) {
		if (d->done == 0)
			d->err = EINVAL;
		return false;
	}
	memset(rec, 0, reclen);
	de->d_ino = ino;
	de->d_off = (int64_t)next;
	de->d_reclen = (uint16_t)reclen;
	de->d_type = type;
	memcpy(de->d_name, name, len);
	if (hal_copy_to_uspace(d->ubuf + d->done, rec, reclen)) {
		d->err = EFAULT;
		return false;
	}
	d->done += reclen;
	d->pos = next;
	return true;
}

/* Emit ".", ".." and the entries from d->pos on (directory read lock held). */
static void dents_fill(dents_t *d, xptr_t dir_xp)
{
	kassert(lockdep_is_held(ILOCK(dir_xp)));
	char name[CONFIG_NAME_MAX + 1];
	xptr_t parent = hal_remote_lxp(IF(dir_xp, parent_xp));
	xptr_t iter;

	if (d->pos == 0 && !dents_emit(d, hal_remote_l64(IF(dir_xp, ino)), DT_DIR, ".", 1, 1))
		return;
	if (d->pos == 1 && !dents_emit(d, hal_remote_l64(IF(parent, ino)), DT_DIR, "..", 2, 2))
		return;
	XLIST_FOREACH(IF(dir_xp, children), iter) {
		xptr_t dxp = XLIST_ELEMENT(iter, vfs_dentry_t, list);
		uint64_t seq = hal_remote_l64(DF(dxp, seq));
		xptr_t child = hal_remote_lxp(DF(dxp, inode_xp));
		size_t len;

		if (seq < d->pos)
			continue;
		len = vfs_dentry_name(dxp, name);
		if (!dents_emit(d, hal_remote_l64(IF(child, ino)), dtype_of(vfs_itype(child)), name,
				len, seq + 1))
			return;
	}
}

int64_t vfs_getdents64(xptr_t file_xp, uintptr_t ubuf, size_t count)
{
	xptr_t dir_xp = hal_remote_lxp(FF(file_xp, inode_xp));
	dents_t d = { ubuf, count, 0, 0, 0 };
	uint64_t start;

	if (vfs_itype(dir_xp) != VFS_DIR)
		return -ENOTDIR;
	if (!hal_uspace_range_ok(ubuf, count))
		return -EFAULT;
	remote_rwlock_rd_acquire(ILOCK(dir_xp));
	if (hal_remote_l32(IF(dir_xp, entries)) & VFS_DIR_DEAD) {
		d.err = ENOENT;
	} else {
		start = d.pos = hal_remote_l64(FF(file_xp, offset));
		dents_fill(&d, dir_xp);
		hal_remote_atomic_cas64(FF(file_xp, offset), start, d.pos);
	}
	remote_rwlock_rd_release(ILOCK(dir_xp));
	if (d.done)
		return (int64_t)d.done;
	return d.err ? -(int64_t)d.err : 0;
}

/* ---- display ---- */

static const char *type_name(uint32_t type)
{
	switch (type) {
	case VFS_DIR: return "dir";
	case VFS_REG: return "file";
	case VFS_LNK: return "link";
	case VFS_DEV: return "dev";
	default:      return "?";
	}
}

/* One line for the entry @name naming @ixp, indented by @depth. */
static void display_entry(xptr_t ixp, const char *name, uint32_t depth)
{
	char target[64] = "";
	uint32_t type = vfs_itype(ixp);

	if (type == VFS_LNK)
		hal_remote_strcpy(XPTR(local_cxy, target), hal_remote_lxp(IF(ixp, target_xp)),
				  sizeof(target));
	printk_raw("%*s%-16s ino %lu %s mode %04o links %u size %lu%s%s\n", (int)(2 * depth), "",
		   name, hal_remote_l64(IF(ixp, ino)), type_name(type),
		   hal_remote_l32(IF(ixp, mode)) & S_IALLUGO,
		   (uint32_t)(hal_remote_l64(IF(ixp, life)) >> 32), hal_remote_l64(IF(ixp, size)),
		   type == VFS_LNK ? " -> " : "", target);
}

/* The entries of @dir_xp, then their subtrees: one entry per lock hold (the display takes no
 * lock while it recurses into a subdirectory). */
static void display_dir(xptr_t dir_xp, uint32_t depth)
{
	char name[CONFIG_NAME_MAX + 1];
	uint64_t pos = 2;

	for (;;) {
		xptr_t iter, child = XPTR_NULL;

		remote_rwlock_rd_acquire(ILOCK(dir_xp));
		XLIST_FOREACH(IF(dir_xp, children), iter) {
			xptr_t dxp = XLIST_ELEMENT(iter, vfs_dentry_t, list);

			if (hal_remote_l64(DF(dxp, seq)) < pos)
				continue;
			pos = hal_remote_l64(DF(dxp, seq)) + 1;
			vfs_dentry_name(dxp, name);
			child = hal_remote_lxp(DF(dxp, inode_xp));
			vfs_inode_get(child);
			break;
		}
		remote_rwlock_rd_release(ILOCK(dir_xp));
		if (child == XPTR_NULL)
			return;
		display_entry(child, name, depth);
		if (vfs_itype(child) == VFS_DIR && depth < DISPLAY_MAX_DEPTH)
			display_dir(child, depth + 1);
		vfs_inode_put(child);
	}
}

void vfs_display(void)
{
	vfs_stats_t s;

	vfs_stats(&s);
	printk("vfs: %lu inodes, %lu names, %lu open files, %lu mapper pages (%lu nodes)", s.inodes,
	       s.dentries, s.files, s.mapper_pages, s.mapper_nodes);
	display_entry(vfs_root(), "/", 0);
	display_dir(vfs_root(), 1);
}
