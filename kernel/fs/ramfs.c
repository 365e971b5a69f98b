/*
 * ramfs.c - the RAM file system's content from the initramfs: vfs_populate_from_cpio (vfs.h).
 *
 * Two passes over the archive (validate, then commit). The first one decodes every entry and checks
 * every name, so a malformed archive changes nothing. The second one adds the entries in archive
 * order and records each name it adds; if one fails (memory, or a name clash the first pass cannot
 * see), the recorded names are removed again in reverse order (children before their directory),
 * which frees everything this call allocated.
 *
 * Hard links: newc gives every name of a file its own entry, with the same inode number and nlink
 * > 1, and the data in the last of them only. The first name creates the inode (kept in a table by
 * archive inode number), the others link it, and whichever entry has the data writes it.
 */
#include <fs/cpio.h>
#include <fs/vfs_private.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

/* A name added by this call: the first @len bytes of an archive name; for a directory of the
 * archive, its time (set once the archive is in: adding entries changes it). */
typedef struct added_s {
	const char *name;
	uint32_t    len;
	bool        dir;
	bool        timed;
	uint32_t    mtime;
} added_t;

/* A file of the archive with several names: its inode number in the archive and its inode. */
typedef struct hlink_s {
	uint32_t ino;
	xptr_t   inode_xp;  /* a reference held until the end of the call */
} hlink_t;

typedef struct pop_s {
	added_t *added;
	uint32_t added_nr, added_max;
	hlink_t *links;
	uint32_t links_nr, links_max;
	char    *path;      /* CONFIG_PATH_MAX bytes: NUL-terminated copies of names */
	uint32_t count;     /* entries added                                        */
} pop_t;

/* Make room for one more element in the array *@arr of *@max elements of @size bytes. */
static error_t reserve(void **arr, uint32_t nr, uint32_t *max, size_t size)
{
	uint32_t new_max = *max ? 2 * *max : 16;
	void *bigger;

	if (nr < *max)
		return 0;
	bigger = kmem_alloc(new_max * size, 0);
	if (!bigger)
		return ENOMEM;
	if (*arr)
		memcpy(bigger, *arr, nr * size);
	kmem_free(*arr);
	*arr = bigger;
	*max = new_max;
	return 0;
}

/* The name without its leading "./" and "/" (an archive made by `find .` has them). */
static const char *norm_name(const char *name, size_t *len)
{
	for (;;) {
		if (name[0] == '.' && name[1] == '/')
			name += 2;
		else if (name[0] == '/')
			name++;
		else
			break;
	}
	*len = strlen(name);
	if (*len == 1 && name[0] == '.')
		*len = 0; /* the root itself */
	return name;
}

/* First pass on one name: ENAMETOOLONG for a long component, EINVAL for a ".." one. */
static error_t name_check(const char *name, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		if (i - start > CONFIG_NAME_MAX)
			return ENAMETOOLONG;
		if (i - start == 2 && name[start] == '.' && name[start + 1] == '.')
			return EINVAL;
		start = i + 1;
	}
	return 0;
}

/* First pass: every entry decodes and every name is acceptable. */
static error_t archive_check(const void *base, size_t size)
{
	size_t off = 0, len;
	cpio_entry_t e;
	error_t err;

	while ((err = cpio_next(base, size, &off, &e)) == 0) {
		const char *name = norm_name(e.name, &len);

		if ((err = name_check(name, len)))
			return err;
		if (cpio_mode_is_symlink(e.mode) && (e.size == 0 || e.size >= CONFIG_PATH_MAX))
			return EINVAL;
		if (cpio_mode_is_reg(e.mode) && e.size > CONFIG_VFS_MAX_FILE_SIZE)
			return EFBIG;
	}
	return err == ENOENT ? 0 : err;
}

/* Record the first @len bytes of @name as added (room reserved beforehand). */
static void record(pop_t *pp, const char *name, size_t len, bool dir)
{
	kassert(pp->added_nr < pp->added_max);
	pp->added[pp->added_nr++] = (added_t){ name, (uint32_t)len, dir, false, 0 };
}

/* NUL-terminated copy of the first @len bytes of @name in pp->path. */
static const char *path_of(pop_t *pp, const char *name, size_t len)
{
	memcpy(pp->path, name, len);
	pp->path[len] = '\0';
	return pp->path;
}

/* Create the missing directories above @name (0755), recording them. */
static error_t ensure_parents(pop_t *pp, const char *name, size_t len)
{
	xptr_t ixp;
	error_t err;

	for (size_t i = 1; i < len; i++) {
		if (name[i] != '/' || name[i - 1] == '/')
			continue;
		err = vfs_lookup(vfs_root(), path_of(pp, name, i),
				 VFS_LOOKUP_FOLLOW | VFS_LOOKUP_DIRECTORY, &ixp);
		if (!err) {
			vfs_inode_put(ixp);
			continue;
		}
		if (err != ENOENT)
			return err;
		if ((err = reserve((void **)&pp->added, pp->added_nr, &pp->added_max, sizeof(added_t))))
			return err;
		if ((err = vfs_mkdir(vfs_root(), pp->path, 0755)))
			return err;
		record(pp, name, i, true);
	}
	return 0;
}

/* Link the inode @ixp (new or not) under @name, the name of an entry: recorded and counted. */
static error_t link_name(pop_t *pp, const char *name, size_t len, xptr_t ixp, bool dir)
{
	char last[CONFIG_NAME_MAX + 1];
	xptr_t dir_xp;
	size_t last_len;
	bool trailing;
	error_t err;

	if ((err = reserve((void **)&pp->added, pp->added_nr, &pp->added_max, sizeof(added_t))))
		return err;
	err = vfs_lookup_parent(vfs_root(), path_of(pp, name, len), &dir_xp, last, &last_len,
				&trailing);
	if (err)
		return err;
	err = last_len ? vfs_dir_add(dir_xp, last, last_len, ixp) : EEXIST;
	vfs_inode_put(dir_xp);
	if (!err) {
		record(pp, name, len, dir);
		pp->count++;
	}
	return err;
}

/* A directory: created, or merged into an existing one (then neither counted nor recorded). */
static error_t add_dir(pop_t *pp, const cpio_entry_t *e, const char *name, size_t len)
{
	vfs_time_t t = { e->mtime, 0 };
	char last[CONFIG_NAME_MAX + 1];
	xptr_t ixp, dir_xp;
	size_t last_len;
	bool trailing;
	error_t err;

	if (vfs_lookup(vfs_root(), path_of(pp, name, len), 0, &ixp) == 0) {
		err = vfs_itype(ixp) == VFS_DIR ? 0 : EEXIST;
		vfs_inode_put(ixp);
		return err;
	}
	if ((err = vfs_lookup_parent(vfs_root(), pp->path, &dir_xp, last, &last_len, &trailing)))
		return err;
	err = vfs_inode_create(VFS_DIR, e->mode, dir_xp, NULL, 0, VFS_DEV_NONE, &t, &ixp);
	vfs_inode_put(dir_xp);
	if (err)
		return err;
	hal_remote_s32(IF(ixp, uid), e->uid);
	hal_remote_s32(IF(ixp, gid), e->gid);
	err = link_name(pp, name, len, ixp, true);
	vfs_inode_put(ixp);
	if (!err) {
		pp->added[pp->added_nr - 1].timed = true;
		pp->added[pp->added_nr - 1].mtime = e->mtime;
	}
	return err;
}

/* The inode of a regular file or symbolic link entry, with its data, not linked yet. */
static error_t make_inode(const cpio_entry_t *e, xptr_t *ixp)
{
	vfs_time_t t = { e->mtime, 0 };
	bool link = cpio_mode_is_symlink(e->mode);
	error_t err = vfs_inode_create(link ? VFS_LNK : VFS_REG, e->mode, XPTR_NULL,
				       link ? e->data : NULL, link ? e->size : 0, VFS_DEV_NONE, &t,
				       ixp);

	if (err)
		return err;
	hal_remote_s32(IF(*ixp, uid), e->uid);
	hal_remote_s32(IF(*ixp, gid), e->gid);
	if (!link && e->size && (err = vfs_inode_kwrite(*ixp, 0, e->data, e->size)))
		vfs_inode_put(*ixp);
	return err;
}

/* A regular file or a symbolic link, or another name of a file met before (hard link). */
static error_t add_file(pop_t *pp, const cpio_entry_t *e, const char *name, size_t len)
{
	bool multi = cpio_mode_is_reg(e->mode) && e->nlink > 1;
	xptr_t ixp = XPTR_NULL;
	error_t err;

	for (uint32_t i = 0; multi && i < pp->links_nr; i++)
		if (pp->links[i].ino == e->ino)
			ixp = pp->links[i].inode_xp;
	if (ixp != XPTR_NULL) {
		if (e->size && (err = vfs_inode_kwrite(ixp, 0, e->data, e->size)))
			return err;
		return link_name(pp, name, len, ixp, false);
	}
	if (multi && (err = reserve((void **)&pp->links, pp->links_nr, &pp->links_max,
				    sizeof(hlink_t))))
		return err;
	if ((err = make_inode(e, &ixp)))
		return err;
	err = link_name(pp, name, len, ixp, false);
	if (!err && multi)
		pp->links[pp->links_nr++] = (hlink_t){ e->ino, ixp }; /* keeps the reference */
	else
		vfs_inode_put(ixp);
	return err;
}

/* Second pass on one entry. */
static error_t add_entry(pop_t *pp, const cpio_entry_t *e)
{
	size_t len;
	const char *name = norm_name(e->name, &len);
	error_t err;

	if (len == 0)
		return 0; /* "." : the root exists */
	if ((err = ensure_parents(pp, name, len)))
		return err;
	if (cpio_mode_is_dir(e->mode))
		err = add_dir(pp, e, name, len);
	else if (cpio_mode_is_reg(e->mode) || cpio_mode_is_symlink(e->mode))
		err = add_file(pp, e, name, len);
	else
		pr_warn("vfs: initramfs entry '%s' skipped: mode 0%o is not supported", name, e->mode);
	return err;
}

/* Give the directories of the archive their time, as Linux's initramfs unpacker does. */
static void set_dir_times(pop_t *pp)
{
	for (uint32_t i = 0; i < pp->added_nr; i++) {
		added_t *a = &pp->added[i];
		xptr_t ixp;

		if (a->timed && vfs_lookup(vfs_root(), path_of(pp, a->name, a->len), 0, &ixp) == 0) {
			vfs_inode_set_mtime(ixp, (vfs_time_t){ a->mtime, 0 });
			vfs_inode_put(ixp);
		}
	}
}

/* Remove every name recorded, last first. */
static void undo(pop_t *pp)
{
	while (pp->added_nr > 0) {
		added_t *a = &pp->added[--pp->added_nr];
		error_t err = vfs_unlink(vfs_root(), path_of(pp, a->name, a->len),
					 a->dir ? AT_REMOVEDIR : 0);

		if (err)
			pr_warn("vfs: initramfs: cannot remove '%s' again (error %d)", pp->path, err);
	}
}

error_t vfs_populate_from_cpio(const void *base, size_t size, uint32_t *count)
{
	pop_t pp;
	size_t off = 0;
	cpio_entry_t e;
	error_t err;

	*count = 0;
	if ((err = archive_check(base, size)))
		return err;
	memset(&pp, 0, sizeof(pp));
	pp.path = kmem_alloc(CONFIG_PATH_MAX, 0);
	if (!pp.path)
		return ENOMEM;
	while ((err = cpio_next(base, size, &off, &e)) == 0)
		if ((err = add_entry(&pp, &e)))
			break;
	if (err == ENOENT)
		err = 0; /* the trailer */
	if (err)
		undo(&pp);
	else
		set_dir_times(&pp);
	for (uint32_t i = 0; i < pp.links_nr; i++)
		vfs_inode_put(pp.links[i].inode_xp);
	kmem_free(pp.links);
	kmem_free(pp.added);
	kmem_free(pp.path);
	*count = err ? 0 : pp.count;
	return err;
}
