/*
 * vfs_rename.c - rename (with RENAME_NOREPLACE and RENAME_EXCHANGE) and hard links (vfs.h).
 *
 * A rename holds the machine's rename lock (vfs_ctx.rename_lock, as Linux's s_vfs_rename_mutex)
 * and the write locks of its two directories, taken in increasing extended-pointer order. Renames
 * being serialised, no directory changes its parent while one runs, so the checks that a directory
 * does not go into its own subtree can walk the parents; every other VFS operation holds a single
 * inode lock, so the two locks cannot deadlock with anything. Each step follows Linux's order of
 * checks (fs/namei.c do_renameat2, vfs_rename; simple_rename for the RAM file system), everything
 * is checked before anything changes, and the one allocation (the new entry) is made first.
 *
 * A directory that moves gets its new parent's reference at once; the old parent's is dropped
 * only after a pass through the directory's own lock, which a ".." lookup holds while it reads the
 * parent and takes its reference (vfs_lookup.c): such a lookup has its reference before the old
 * parent can go.
 */
#include <fs/vfs_private.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

/* One side of a rename: the directory, the last component, and what it names (under the lock). */
typedef struct rn_side_s {
	xptr_t dir;                       /* with a reference                         */
	char   name[CONFIG_NAME_MAX + 1];
	size_t len;                       /* 0: "/", "." or ".." (no last component)  */
	bool   trailing;                  /* a '/' follows the last component         */
	xptr_t dentry;                    /* its entry (XPTR_NULL: none)              */
	xptr_t inode;                     /* what it names                            */
	bool   is_dir;
} rn_side_t;

/* Both sides' directory locks held for writing (lock_dirs): for the assertions. */
#define DIRS_HELD(o, n) (remote_rwlock_is_write_held_by_me(ILOCK((o)->dir)) && \
			 remote_rwlock_is_write_held_by_me(ILOCK((n)->dir)))

/* True if the directory @dir is @anc or below it (the rename lock held: parents are fixed). */
static bool is_within(xptr_t dir, xptr_t anc)
{
	xptr_t root = vfs_root();

	kassert(remote_queuelock_is_owned_by_me(VFS_CTX(rename_lock)));
	for (;;) {
		if (dir == anc)
			return true;
		if (dir == root)
			return false;
		dir = hal_remote_lxp(IF(dir, parent_xp));
	}
}

static void lock_dirs(xptr_t a, xptr_t b)
{
	if (a == b) {
		remote_rwlock_wr_acquire(ILOCK(a));
		return;
	}
	remote_rwlock_wr_acquire(ILOCK(a < b ? a : b)); /* LOCK_VFS nests in xptr order */
	remote_rwlock_wr_acquire(ILOCK(a < b ? b : a));
}

static void unlock_dirs(xptr_t a, xptr_t b)
{
	remote_rwlock_wr_release(ILOCK(a));
	if (a != b)
		remote_rwlock_wr_release(ILOCK(b));
}

static void find_side(rn_side_t *s)
{
	s->dentry = vfs_dir_find(s->dir, s->name, s->len);
	s->inode = s->dentry != XPTR_NULL ? hal_remote_lxp(DF(s->dentry, inode_xp)) : XPTR_NULL;
	s->is_dir = s->inode != XPTR_NULL && vfs_itype(s->inode) == VFS_DIR;
}

/* Linux's checks once both names are looked up (both directory locks held). 0: go on; -1: the
 * same inode, nothing to do; else an errno. */
static int check_names(rn_side_t *o, rn_side_t *n, uint32_t flags)
{
	bool exchange = flags & VFS_RENAME_EXCHANGE;

	kassert(DIRS_HELD(o, n));
	if (o->inode == XPTR_NULL)
		return ENOENT;
	if ((flags & VFS_RENAME_NOREPLACE) && n->inode != XPTR_NULL)
		return EEXIST;
	if (exchange && n->inode == XPTR_NULL)
		return ENOENT;
	if (exchange && !n->is_dir && n->trailing)
		return ENOTDIR;
	if (!o->is_dir && (o->trailing || (!exchange && n->trailing)))
		return ENOTDIR;
	if (o->is_dir && is_within(n->dir, o->inode))
		return EINVAL;               /* into its own subtree */
	if (n->is_dir && is_within(o->dir, n->inode))
		return exchange ? EINVAL : ENOTEMPTY; /* the target is an ancestor of the source */
	if (o->inode == n->inode)
		return -1;                   /* two names of one inode: Linux does nothing */
	if (hal_remote_l32(IF(o->inode, mount_root)))
		return EBUSY;                /* /dev: a mount point */
	if (n->inode == XPTR_NULL)
		return (hal_remote_l32(IF(n->dir, entries)) & VFS_DIR_DEAD) ? ENOENT : 0;
	if (!exchange && o->is_dir && !n->is_dir)
		return ENOTDIR;
	if (!exchange && !o->is_dir && n->is_dir)
		return EISDIR;
	if (hal_remote_l32(IF(n->inode, mount_root)))
		return EBUSY;
	return 0;
}

/* The source leaves @o->dir for the new entry @ndxp in @n->dir, replacing @n's (both locks held,
 * every check passed). Returns the parent whose reference the caller drops later (XPTR_NULL). */
static xptr_t commit_move(rn_side_t *o, rn_side_t *n, xptr_t ndxp)
{
	xptr_t old_parent = XPTR_NULL;

	kassert(DIRS_HELD(o, n));
	vfs_dir_take(o->dir, o->dentry);
	if (n->dentry != XPTR_NULL)
		vfs_dir_take(n->dir, n->dentry); /* its inode's link is dropped after the unlock */
	hal_remote_sxp(DF(ndxp, inode_xp), o->inode);
	vfs_dir_insert(n->dir, ndxp);        /* counted by the caller */
	if (o->is_dir && o->dir != n->dir) {
		vfs_inode_get(n->dir);
		old_parent = o->dir;
		/* the rename lock held; ".." readers hold the directory's lock: drop_old_parent */
		hal_remote_sxp(IF(o->inode, parent_xp), n->dir);
	}
	return old_parent;
}

/* RENAME_EXCHANGE: the two entries swap their inodes (both locks held, checks passed). */
static void commit_exchange(rn_side_t *o, rn_side_t *n)
{
	kassert(DIRS_HELD(o, n));
	hal_remote_sxp(DF(o->dentry, inode_xp), n->inode);
	hal_remote_sxp(DF(n->dentry, inode_xp), o->inode);
	if (o->dir != n->dir) {
		int32_t delta = (int32_t)o->is_dir - (int32_t)n->is_dir; /* directories moving to n */
		hal_remote_s32(IF(o->dir, subdirs), hal_remote_l32(IF(o->dir, subdirs)) - delta);
		hal_remote_s32(IF(n->dir, subdirs), hal_remote_l32(IF(n->dir, subdirs)) + delta);
		if (o->is_dir)
			hal_remote_sxp(IF(o->inode, parent_xp), n->dir);
		if (n->is_dir)
			hal_remote_sxp(IF(n->inode, parent_xp), o->dir);
	}
	vfs_inode_touch(o->dir);
	if (o->dir != n->dir)
		vfs_inode_touch(n->dir);
}

/* The reference of a moved directory's old parent (XPTR_NULL: none) goes, once no ".." lookup of
 * @moved can still be reading the old value. */
static void drop_old_parent(xptr_t moved, xptr_t old_parent)
{
	if (old_parent == XPTR_NULL)
		return;
	remote_rwlock_wr_acquire(ILOCK(moved));
	remote_rwlock_wr_release(ILOCK(moved));
	vfs_inode_put(old_parent);
}

/* The rename itself: both sides resolved, @ndxp the new entry (XPTR_NULL for an exchange). */
static error_t rename_locked(rn_side_t *o, rn_side_t *n, uint32_t flags, xptr_t ndxp)
{
	xptr_t old_parent = XPTR_NULL, gone = XPTR_NULL, gone_dentry = XPTR_NULL, moved = XPTR_NULL;
	bool counted = false;
	int err;

	remote_queuelock_acquire(VFS_CTX(rename_lock));
	lock_dirs(o->dir, n->dir);
	find_side(o);
	find_side(n);
	err = check_names(o, n, flags);
	/* the last checks that commit: a replaced directory dies empty; a new entry is counted */
	if (!err && !(flags & VFS_RENAME_EXCHANGE) && n->is_dir &&
	    !hal_remote_atomic_cas32(IF(n->inode, entries), 0, VFS_DIR_DEAD))
		err = ENOTEMPTY;
	if (!err && !(flags & VFS_RENAME_EXCHANGE) && n->inode == XPTR_NULL) {
		counted = vfs_dir_count_entry(n->dir);
		err = counted ? 0 : ENOENT;
	}
	if (!err && (flags & VFS_RENAME_EXCHANGE)) {
		commit_exchange(o, n);
		if (o->dir != n->dir && o->is_dir != n->is_dir) {
			moved = o->is_dir ? o->inode : n->inode;
			old_parent = o->is_dir ? o->dir : n->dir;
			vfs_inode_get(o->is_dir ? n->dir : o->dir);
		}
	} else if (!err) {
		if (n->dentry != XPTR_NULL) {
			hal_remote_atomic_add32(IF(n->dir, entries), 1); /* vfs_dir_take counts it out */
			gone = n->inode;
			gone_dentry = n->dentry;
		}
		old_parent = commit_move(o, n, ndxp);
		moved = o->inode;
	}
	unlock_dirs(o->dir, n->dir);
	remote_queuelock_release(VFS_CTX(rename_lock));
	if (err)
		return err < 0 ? 0 : (error_t)err;
	if (!(flags & VFS_RENAME_EXCHANGE)) {
		kmem_remote_free(0, GET_PTR(o->dentry));
		hal_remote_atomic_add64(VFS_CTX(dentries), gone_dentry != XPTR_NULL ? -1 : 0);
		if (gone_dentry != XPTR_NULL)
			kmem_remote_free(0, GET_PTR(gone_dentry));
	}
	vfs_inode_ctime(o->inode); /* as Linux's simple_rename: the inode changed too */
	if (flags & VFS_RENAME_EXCHANGE)
		vfs_inode_ctime(n->inode);
	drop_old_parent(moved, old_parent);
	if (gone != XPTR_NULL)
		vfs_inode_unlink(gone);
	return 0;
}

error_t vfs_rename(xptr_t ocwd_xp, const char *opath, xptr_t ncwd_xp, const char *npath,
		   uint32_t flags)
{
	rn_side_t *o = kmem_alloc(2 * sizeof(rn_side_t), KMEM_ZERO), *n = o + 1;
	xptr_t ndxp = XPTR_NULL;
	error_t err;

	if (!o)
		return ENOMEM;
	err = vfs_lookup_parent(ocwd_xp, opath, &o->dir, o->name, &o->len, &o->trailing);
	if (err)
		goto out;
	err = vfs_lookup_parent(ncwd_xp, npath, &n->dir, n->name, &n->len, &n->trailing);
	if (err)
		goto out_o;
	if (vfs_inode_fs(o->dir) != vfs_inode_fs(n->dir))
		err = EXDEV;
	else if (o->len == 0)
		err = EBUSY;
	else if (n->len == 0)
		err = (flags & VFS_RENAME_NOREPLACE) ? EEXIST : EBUSY;
	if (!err && !(flags & VFS_RENAME_EXCHANGE)) {
		ndxp = vfs_dentry_alloc(n->name, n->len, XPTR_NULL);
		if (ndxp == XPTR_NULL)
			err = ENOMEM;
	}
	if (!err) {
		err = rename_locked(o, n, flags, ndxp);
		if (!err && ndxp != XPTR_NULL && o->dentry != XPTR_NULL && o->inode != n->inode)
			ndxp = XPTR_NULL; /* linked */
	}
	if (ndxp != XPTR_NULL)
		kmem_remote_free(0, GET_PTR(ndxp));
	vfs_inode_put(n->dir);
out_o:
	vfs_inode_put(o->dir);
out:
	kmem_free(o);
	return err;
}

error_t vfs_link(xptr_t ocwd_xp, const char *opath, xptr_t ncwd_xp, const char *npath, bool follow)
{
	char name[CONFIG_NAME_MAX + 1];
	xptr_t ixp, dir_xp, dxp;
	size_t len;
	bool trailing;
	error_t err = vfs_lookup(ocwd_xp, opath, follow ? VFS_LOOKUP_FOLLOW : 0, &ixp);

	if (err)
		return err;
	err = vfs_lookup_parent(ncwd_xp, npath, &dir_xp, name, &len, &trailing);
	if (err)
		goto out;
	/* Linux's order (do_linkat): the new name, then the file systems, then the kind */
	if (len == 0) {
		err = EEXIST;
	} else {
		remote_rwlock_rd_acquire(ILOCK(dir_xp));
		dxp = vfs_dir_find(dir_xp, name, len);
		remote_rwlock_rd_release(ILOCK(dir_xp));
		if (dxp != XPTR_NULL)
			err = EEXIST;
		else if (trailing)
			err = ENOENT;
	}
	if (!err && vfs_inode_fs(ixp) != vfs_inode_fs(dir_xp))
		err = EXDEV;
	else if (!err && vfs_itype(ixp) == VFS_DIR)
		err = EPERM;
	else if (!err && (hal_remote_l64(IF(ixp, life)) >> 32) == 0)
		err = ENOENT; /* removed meanwhile: no name brings it back */
	if (!err)
		err = vfs_dir_add(dir_xp, name, len, ixp);
	if (!err)
		vfs_inode_ctime(ixp);
	vfs_inode_put(dir_xp);
out:
	vfs_inode_put(ixp);
	return err;
}
