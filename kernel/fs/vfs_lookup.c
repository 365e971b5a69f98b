/*
 * vfs_lookup.c - path resolution: components, ".", "..", symbolic links (vfs.h: vfs_lookup).
 *
 * The walk holds a reference on the directory it stands in (never its lock between two steps):
 * one step takes that directory's lock in read mode, finds the name, takes a reference on the
 * inode found while the entry still exists, and releases the lock; then the walk drops its
 * reference on the directory it leaves. So a walk holds one VFS lock at a time, and a concurrent
 * unlink cannot free an inode under it.
 *
 * The path is read in place. A symbolic link replaces the component by its target: the rest of the
 * path is appended to the target in a buffer of CONFIG_PATH_MAX bytes (two halves: the new path is
 * built in the half that does not hold the rest), allocated at the first link only.
 */
#include <fs/vfs_private.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

typedef struct walk_s {
	xptr_t      cur;      /* the directory the walk stands in (a reference held)            */
	const char *p;        /* the rest of the path                                           */
	char       *buf;      /* 2 * CONFIG_PATH_MAX bytes once a link was met, else NULL       */
	uint32_t    half;     /* the half of buf that p points into                             */
	uint32_t    links;    /* symbolic links followed                                        */
	uint32_t    flags;    /* VFS_LOOKUP_*                                                   */
} walk_t;

/* One component of the rest of the path. */
typedef struct comp_s {
	const char *name;
	size_t      len;
	const char *next;     /* what follows the name ('/'... or the end)                      */
	bool        last;     /* nothing but slashes follows                                    */
	bool        trailing; /* last, and followed by at least one '/'                         */
} comp_t;

xptr_t vfs_root(void)
{
	return hal_remote_lxp(VFS_CTX(root_xp));
}

/* Move the walk to the directory @dir_xp, whose reference the caller passes on to the walk. */
static void walk_move(walk_t *w, xptr_t dir_xp)
{
	vfs_inode_put(w->cur);
	w->cur = dir_xp;
}

/* Start at the root or at @cwd_xp. ENOENT for an empty path, ENAMETOOLONG, ENOTDIR. */
static error_t walk_start(walk_t *w, xptr_t cwd_xp, const char *path, uint32_t flags)
{
	xptr_t start;

	memset(w, 0, sizeof(*w));
	if (path[0] == '\0')
		return ENOENT;
	if (strnlen(path, CONFIG_PATH_MAX) == CONFIG_PATH_MAX)
		return ENAMETOOLONG;
	start = (path[0] == '/' || cwd_xp == XPTR_NULL) ? vfs_root() : cwd_xp;
	if (vfs_itype(start) != VFS_DIR)
		return ENOTDIR;
	vfs_inode_get(start);
	w->cur = start;
	w->p = path;
	w->flags = flags;
	return 0;
}

static void walk_end(walk_t *w)
{
	if (w->cur != XPTR_NULL)
		vfs_inode_put(w->cur);
	kmem_free(w->buf);
}

/* Cut the next component of the rest. Returns false if there is none (only slashes left). */
static bool next_comp(walk_t *w, comp_t *c)
{
	const char *p = w->p, *q, *r;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return false;
	for (q = p; *q && *q != '/'; q++)
		;
	for (r = q; *r == '/'; r++)
		;
	c->name = p;
	c->len = (size_t)(q - p);
	c->next = q;
	c->last = *r == '\0';
	c->trailing = c->last && r != q;
	return true;
}

static bool is_dot(const comp_t *c) { return c->len == 1 && c->name[0] == '.'; }
static bool is_dotdot(const comp_t *c) { return c->len == 2 && c->name[0] == '.' && c->name[1] == '.'; }

/* The inode named @c in the walk's directory, with a reference; XPTR_NULL if none. */
static xptr_t find_child(walk_t *w, const comp_t *c)
{
	xptr_t dxp, child = XPTR_NULL;

	remote_rwlock_rd_acquire(ILOCK(w->cur));
	dxp = vfs_dir_find(w->cur, c->name, c->len);
	if (dxp != XPTR_NULL) {
		child = hal_remote_lxp(DF(dxp, inode_xp));
		vfs_inode_get(child);
	}
	remote_rwlock_rd_release(ILOCK(w->cur));
	return child;
}

/*
 * Replace the component @c, the symbolic link @link_xp, by its target: the rest becomes target +
 * what followed @c; an absolute target restarts at the root. ELOOP, ENAMETOOLONG, ENOENT (empty
 * target), ENOMEM.
 */
static error_t follow_link(walk_t *w, const comp_t *c, xptr_t link_xp)
{
	size_t tlen = hal_remote_l64(IF(link_xp, size));
	size_t rlen = strlen(c->next);
	char *dst;

	if (++w->links > CONFIG_SYMLINK_MAX_FOLLOW)
		return ELOOP;
	if (tlen == 0)
		return ENOENT;
	if (tlen + rlen >= CONFIG_PATH_MAX)
		return ENAMETOOLONG;
	if (!w->buf) {
		w->buf = kmem_alloc(2 * CONFIG_PATH_MAX, 0);
		if (!w->buf)
			return ENOMEM;
		w->half = 1; /* the rest is in the caller's path: build in half 0 */
	}
	dst = w->buf + (w->half ^ 1) * CONFIG_PATH_MAX;
	hal_remote_memcpy(XPTR(local_cxy, dst), hal_remote_lxp(IF(link_xp, target_xp)), tlen);
	memcpy(dst + tlen, c->next, rlen + 1); /* c->next is in the other half or the path */
	w->half ^= 1;
	w->p = dst;
	if (dst[0] == '/') {
		xptr_t root = vfs_root();

		vfs_inode_get(root);
		walk_move(w, root);
	}
	return 0;
}

/*
 * One step of the walk on the component @c (not the last one in parent mode). Returns 0 with the
 * walk moved on (into a directory, or the rest replaced by a link's target), or with *@result set
 * (with a reference) when @c was the last component and resolved; or an error.
 */
static error_t walk_step(walk_t *w, const comp_t *c, xptr_t *result)
{
	xptr_t child, parent;
	uint32_t type;
	error_t err;

	if (c->len > CONFIG_NAME_MAX)
		return ENAMETOOLONG;
	w->p = c->next;
	if (is_dot(c))
		return 0;
	if (is_dotdot(c)) {
		/* under the directory's lock: a rename that moves it drops its reference on the old
		 * parent only after a pass through this lock (vfs_rename.c) */
		remote_rwlock_rd_acquire(ILOCK(w->cur));
		parent = hal_remote_lxp(IF(w->cur, parent_xp));
		vfs_inode_get(parent);
		remote_rwlock_rd_release(ILOCK(w->cur));
		walk_move(w, parent);
		return 0;
	}
	child = find_child(w, c);
	if (child == XPTR_NULL)
		return ENOENT;
	type = vfs_itype(child);
	if (type == VFS_LNK && (!c->last || c->trailing || (w->flags & VFS_LOOKUP_FOLLOW))) {
		err = follow_link(w, c, child);
		vfs_inode_put(child);
		return err;
	}
	if (!c->last) {
		if (type != VFS_DIR) {
			vfs_inode_put(child);
			return ENOTDIR;
		}
		walk_move(w, child);
		return 0;
	}
	if ((c->trailing || (w->flags & VFS_LOOKUP_DIRECTORY)) && type != VFS_DIR) {
		vfs_inode_put(child);
		return ENOTDIR;
	}
	*result = child;
	return 0;
}

error_t vfs_lookup(xptr_t cwd_xp, const char *path, uint32_t flags, xptr_t *inode_xp)
{
	xptr_t result = XPTR_NULL;
	walk_t w;
	comp_t c;
	error_t err = walk_start(&w, cwd_xp, path, flags);

	while (!err && result == XPTR_NULL) {
		if (!next_comp(&w, &c)) {
			/* nothing left: the result is the directory the walk stands in */
			result = w.cur;
			w.cur = XPTR_NULL;
			break;
		}
		err = walk_step(&w, &c, &result);
	}
	walk_end(&w);
	if (!err)
		*inode_xp = result;
	return err;
}

error_t vfs_lookup_parent(xptr_t cwd_xp, const char *path, xptr_t *dir_xp, char *name,
			  size_t *len, bool *trailing)
{
	xptr_t result = XPTR_NULL;
	walk_t w;
	comp_t c;
	error_t err = walk_start(&w, cwd_xp, path, 0);

	*len = 0;
	*trailing = false;
	while (!err) {
		if (!next_comp(&w, &c))
			break;
		if (c.last && !is_dot(&c) && !is_dotdot(&c)) {
			if (c.len > CONFIG_NAME_MAX) {
				err = ENAMETOOLONG;
				break;
			}
			memcpy(name, c.name, c.len);
			name[c.len] = '\0';
			*len = c.len;
			*trailing = c.trailing;
			break;
		}
		err = walk_step(&w, &c, &result);
		kassert(result == XPTR_NULL); /* only a last component resolves, and it is a dot here */
	}
	if (!err) {
		*dir_xp = w.cur;
		w.cur = XPTR_NULL;
	}
	walk_end(&w);
	return err;
}
