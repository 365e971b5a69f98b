/*
 * vfs_private.h - the structures of the VFS and the helpers its files share (kernel/fs only).
 *
 * Inodes and directory entries are kmem objects of cluster 0 (but a pipe's inode, which no
 * directory names, is in its creator's cluster); open files are kmem objects of the cluster their
 * opener chose. All are reached through extended pointers and hal_remote_*, from any
 * cluster, with the accessor macros below (IF, DF, FF: the field of an inode, dentry, file).
 *
 * Lifetime of an inode: one 64-bit atomic word, `life` = links << 32 | refs.
 *   links: directory entries naming the inode (0 or 1 for a directory; hard links for files);
 *   refs:  references held by open files, working directories, lookups in progress, and, for a
 *          directory, by each of its subdirectories (their ".." keeps the parent alive).
 * The inode is freed by whoever brings the word to 0 (one atomic operation decides, so exactly one
 * thread frees it). A reference is only taken on an inode already referenced, or found in a
 * directory under that directory's lock (links >= 1 then): a word at 0 never comes back.
 *
 * Directories: `entries` = number of entries | VFS_DIR_DEAD. An entry is added under the
 * directory's write lock by a compare-and-swap that fails once the directory is dead; rmdir, under
 * the *parent's* write lock, swaps 0 for VFS_DIR_DEAD. So a directory is removed only empty, and
 * nothing is ever added to a removed one, with a single VFS lock held at a time. Only rename holds
 * two inode locks (its two directories, in increasing extended-pointer order: LOCK_VFS is
 * nestable for it), and only under the machine's rename lock (vfs_ctx.rename_lock, a queuelock of
 * class LOCK_VFS_RENAME), which serialises renames and so keeps every directory's parent fixed
 * for whoever holds it (docs/vfs.md, "Rename").
 *
 * File systems: the tree holds the RAM file system (the root's) and /dev, a file system of its own
 * mounted there (as Linux's devtmpfs); pipes are of a third. An inode's `fs` is its directory's
 * when first named (vfs_dir_add); rename and link do not cross file systems (EXDEV), and the root
 * of each (`mount_root`) cannot be renamed or replaced (EBUSY).
 *
 * Lock legend of vfs_inode_t: [I] set before the inode is published, then read-only;
 * [L] the inode's lock (rwlock, LOCK_VFS); [A] atomic; [R] written under the rename lock.
 */
#ifndef FS_VFS_PRIVATE_H
#define FS_VFS_PRIVATE_H

#include <fs/vfs.h>
#include <hal_remote.h>
#include <kern/queuelock.h>
#include <kern/rwlock.h>
#include <libk/xlist.h>

typedef enum vfs_type_e {
	VFS_DIR = 1,
	VFS_REG,
	VFS_LNK,
	VFS_DEV,
	VFS_FIFO,   /* an anonymous pipe (pipe.c): in the cluster of its creator, named by nothing */
} vfs_type_t;

/* Device files (vfs_inode_t.dev): index in vfs_devices[] (devfs.c). */
/* File systems (vfs_inode_t.fs, st_dev, statfs's f_type). */
typedef enum vfs_fs_e {
	VFS_FS_NONE = 0,  /* not named yet (an anonymous shared-memory file: the RAM fs's figures) */
	VFS_FS_RAMFS,     /* the root's RAM file system */
	VFS_FS_DEVFS,     /* /dev                        */
	VFS_FS_PIPEFS,    /* anonymous pipes             */
} vfs_fs_t;

typedef enum vfs_dev_e {
	VFS_DEV_NONE = 0,
	VFS_DEV_CONSOLE,
	VFS_DEV_NULL,
	VFS_DEV_ZERO,
	VFS_DEV_NR
} vfs_dev_t;

#define VFS_DIR_DEAD   0x80000000u
#define VFS_LIFE_LINK  (1ULL << 32)
#define VFS_LIFE_REFS  0xffffffffULL


typedef struct vfs_inode_s {
	rwlock_t      lock;      /* see the legend                                              */
	uint64_t      life;      /* [A] links << 32 | refs                                      */
	uint64_t      ino;       /* [I] inode number                                            */
	uint32_t      type;      /* [I] vfs_type_t                                              */
	uint32_t      mode;      /* [L] st_mode (type bits [I], permission bits: chmod)         */
	uint32_t      fs;        /* [I] vfs_fs_t (set when first named: vfs_dir_add)            */
	uint32_t      mount_root;/* [I] 1 for the root of a file system (/, /dev)               */
	uint32_t      uid, gid;  /* [I]                                                         */
	uint32_t      dev;       /* [I] vfs_dev_t of a device file                              */
	uint32_t      entries;   /* [A] directory: entries | VFS_DIR_DEAD                       */
	uint32_t      subdirs;   /* [L] directory: entries that are directories                 */
	uint64_t      size;      /* [L] regular file: bytes; symbolic link: target length [I]   */
	uint64_t      next_seq;  /* [L] directory: position of the next entry added (from 2)    */
	xlist_entry_t children;  /* [L] directory: its vfs_dentry_t, in position order          */
	xptr_t        parent_xp; /* [R] directory: parent (a reference held); root: itself; read
	                            with the inode's lock by "..", vfs_rename.c explains        */
	xptr_t        mapper_xp; /* [I] regular file: its page cache                            */
	xptr_t        target_xp; /* [I] symbolic link: the target (cluster 0 kmem, size bytes)  */
	xptr_t        pipe_xp;   /* [I] FIFO: its pipe_t (pipe.c), in the inode's cluster       */
	vfs_time_t    atime, mtime, ctime; /* [L]                                              */
} vfs_inode_t;

/* A name in a directory. [I] set before it is linked; [P] the parent directory's lock. */
typedef struct vfs_dentry_s {
	xlist_entry_t list;      /* [P] in the parent's children                                */
	xptr_t        inode_xp;  /* [P] the inode it names (a link counted in its life; changed
	                            by rename's exchange only)                                  */
	uint64_t      seq;       /* [I] position in the parent (getdents offset)                */
	uint32_t      hash;      /* [I] of the name                                             */
	uint32_t      len;       /* [I] of the name, without NUL                                */
	char          name[];    /* [I] NUL-terminated                                          */
} vfs_dentry_t;

/* An open file. [I] set at open; [A] atomic; offset: see vfs_file.c. */
typedef struct vfs_file_s {
	xptr_t   inode_xp;       /* [I] a reference held                                       */
	uint32_t flags;          /* [A] open flags; VFS_O_SETFL_MASK bits change (F_SETFL)      */
	uint32_t refs;           /* [A] fd table entries and other holders                      */
	uint64_t offset;         /* [A] current position                                        */
	uint32_t type;           /* [I] copy of the inode's type                                */
	uint32_t dev;            /* [I] copy of the inode's dev                                 */
} vfs_file_t;

/* The VFS's own state, in cluster 0 (the copy that is used, through VFS_CTX). */
typedef struct vfs_ctx_s {
	xptr_t   root_xp;        /* [I] after vfs_init                                          */
	uint64_t next_ino;       /* [A]                                                         */
	uint64_t inodes;         /* [A] counters of vfs_stats                                   */
	uint64_t dentries;       /* [A]                                                         */
	uint64_t files;          /* [A]                                                         */
	queuelock_t rename_lock; /* serialises renames (vfs_rename.c)                           */
} vfs_ctx_t;

extern vfs_ctx_t vfs_ctx;

#define VFS_CTX(f)   XPTR(0, &vfs_ctx.f)
#define IF(ixp, f)   XPTR_FIELD(ixp, vfs_inode_t, f)
#define DF(dxp, f)   XPTR_FIELD(dxp, vfs_dentry_t, f)
#define FF(fxp, f)   XPTR_FIELD(fxp, vfs_file_t, f)
#define ILOCK(ixp)   IF(ixp, lock)

static inline uint32_t vfs_itype(xptr_t inode_xp) { return hal_remote_l32(IF(inode_xp, type)); }

/* ---- vfs_inode.c ---- */

/* The current time (since boot). */
vfs_time_t vfs_now(void);

/*
 * A new, unpublished inode in cluster 0 with links 0 and one reference (the caller's): type,
 * mode (S_IF bits are set from @type), and per type: a mapper (VFS_REG), the target copied from
 * the kernel string @target of @size bytes (VFS_LNK), @dev (VFS_DEV), a reference on @parent_xp
 * (VFS_DIR; XPTR_NULL only for the root, which is its own parent). NULL time: now.
 * Returns 0 or ENOMEM (nothing allocated).
 */
error_t vfs_inode_create(vfs_type_t type, uint32_t mode, xptr_t parent_xp, const char *target,
			 size_t size, uint32_t dev, const vfs_time_t *time, xptr_t *inode_xp);

/* Set the modification and change times of @inode_xp to now (its write lock held). */
void vfs_inode_touch(xptr_t inode_xp);

/* Set the change time of @inode_xp to now (its write lock taken here). */
void vfs_inode_ctime(xptr_t inode_xp);

/* Set the modification time of @inode_xp (its write lock taken here). */
void vfs_inode_set_mtime(xptr_t inode_xp, vfs_time_t mtime);

/* Add a link to / remove a link from the life word (dentries); the removal may free the inode. */
void vfs_inode_link(xptr_t inode_xp);
void vfs_inode_unlink(xptr_t inode_xp);

/* A new dentry named @name (@len bytes) for @inode_xp, not linked yet; XPTR_NULL if memory is
 * exhausted (kmem_remote_free(0, ...) it, or link it with vfs_dir_insert). */
xptr_t vfs_dentry_alloc(const char *name, size_t len, xptr_t inode_xp);

/* Count one more entry in the directory @dir_xp unless it is dead (its write lock held). */
bool vfs_dir_count_entry(xptr_t dir_xp);

/* Link the dentry @dxp at the end of @dir_xp (its write lock held, the entry already counted):
 * its position, the subdirectory count, the directory's times. */
void vfs_dir_insert(xptr_t dir_xp, xptr_t dxp);

/* Take the dentry @dxp out of @dir_xp (its write lock held): counts and times. */
void vfs_dir_take(xptr_t dir_xp, xptr_t dxp);

/* The time of @time_xp, and a store of one (an inode's lock held). */
vfs_time_t vfs_time_load(xptr_t time_xp);
void vfs_time_store(xptr_t time_xp, vfs_time_t t);

/* The file system of an inode (vfs_fs_t; an unnamed regular file counts as the RAM fs's). */
uint32_t vfs_inode_fs(xptr_t inode_xp);

/* Hash of a name (FNV-1a). */
uint32_t vfs_name_hash(const char *name, size_t len);

/*
 * Find the entry @name (@len bytes) of the directory @dir_xp; caller holds its lock (either mode).
 * Returns the dentry or XPTR_NULL.
 */
xptr_t vfs_dir_find(xptr_t dir_xp, const char *name, size_t len);

/*
 * Link the inode @inode_xp into the directory @dir_xp under @name (write lock taken here): a new
 * dentry, the inode's link, the directory's counts and times. Returns 0; EEXIST if the name
 * exists; ENOENT if the directory was removed; ENOMEM.
 */
error_t vfs_dir_add(xptr_t dir_xp, const char *name, size_t len, xptr_t inode_xp);

/* The name of @dentry_xp into @buf (CONFIG_NAME_MAX + 1 bytes); returns its length. */
size_t vfs_dentry_name(xptr_t dentry_xp, char *buf);

/*
 * A new pipe inode (VFS_FIFO, mode S_IFIFO | 0600) in the cluster of @pipe_xp, holding that pipe,
 * with links 0 and one reference (the caller's); the last reference frees it and the pipe
 * (pipe_destroy). Returns 0 or ENOMEM (then the pipe is still the caller's).
 */
error_t vfs_inode_create_fifo(xptr_t pipe_xp, xptr_t *inode_xp);

/* ---- vfs_lookup.c ---- */

/*
 * Resolve every component of @path but the last: [out] dir_xp the directory that holds the last
 * (with a reference), name (CONFIG_NAME_MAX + 1 bytes) and len the last component, NUL-terminated,
 * trailing true if '/' follows it. A path without a last component ("/", "a/..", "."): len 0,
 * dir_xp the directory it names. Errors as vfs_lookup.
 */
error_t vfs_lookup_parent(xptr_t cwd_xp, const char *path, xptr_t *dir_xp, char *name,
			  size_t *len, bool *trailing);

/* ---- vfs.c ---- */

/* A new open file in cluster @cxy for the inode @ixp, whose reference it takes over: @flags
 * (O_CREAT, O_EXCL, O_TRUNC, O_NOCTTY, O_CLOEXEC dropped), one reference. Returns 0 or ENOMEM. */
error_t vfs_file_alloc(cxy_t cxy, xptr_t ixp, uint32_t flags, xptr_t *file_xp);

/* ---- vfs_file.c ---- */

/* A kernel or user buffer. */
typedef struct vfs_buf_s {
	uintptr_t addr;
	bool      user;
} vfs_buf_t;

/* Copy @n bytes from the extended pointer @src_xp to @buf at @done, or from @buf at @done to
 * @dst_xp: 0 or EFAULT (user buffers only). */
error_t vfs_buf_to(vfs_buf_t buf, size_t done, xptr_t src_xp, size_t n);
error_t vfs_buf_from(xptr_t dst_xp, vfs_buf_t buf, size_t done, size_t n);

/* Bytes of one copy at @done so that a user copy never crosses a user page: a copy that fails
 * then copied nothing, and the count returned to the caller is exact. */
size_t vfs_buf_chunk(vfs_buf_t buf, size_t done, size_t want);

/* A page of zeros (holes of files, /dev/zero). */
extern const uint8_t vfs_zero_page[CONFIG_PAGE_SIZE];

/*
 * Write @n bytes of the kernel buffer @kbuf at @pos of the regular file @inode_xp (its write lock
 * taken here); the size grows to cover them. Returns 0, ENOSPC or EFBIG (then the size covers what
 * was written).
 */
error_t vfs_inode_kwrite(xptr_t inode_xp, uint64_t pos, const void *kbuf, size_t n);

/* ---- pipe.c ---- */

/* read and write of an open pipe file (the checks of vfs_file.c done). See vfs_pipe in vfs.h. */
int64_t pipe_read(xptr_t file_xp, vfs_buf_t buf, size_t count);
int64_t pipe_write(xptr_t file_xp, vfs_buf_t buf, size_t count);

/* poll of an open pipe file (see vfs_poll in vfs.h). */
uint32_t pipe_poll(xptr_t file_xp);

/* The last reference of the pipe file @file_xp is gone: one reader or writer less (wakes the
 * other side). Called by vfs_close before it drops the file's inode reference. */
void pipe_release(xptr_t file_xp);

/* Free the pipe @pipe_xp (no reader, no writer, nobody waiting): by the inode's destruction. */
void pipe_destroy(xptr_t pipe_xp);

/* ---- vfs_shrink.c ---- */

/*
 * The file @inode_xp shrank to @size bytes and some of its pages beyond were mapped: every
 * process's mappings of the file from page ALIGN_UP(@size) on are dropped (in its reference VMM
 * and every copy, as madvise(MADV_DONTNEED) does), so that an access there faults and finds the
 * end of the file: SIGBUS, as after Linux's unmap_mapping_range. No lock held; may block.
 */
void vfs_unmap_beyond(xptr_t inode_xp, uint64_t size);

/* ---- devfs.c ---- */

typedef struct vfs_dev_ops_s {
	const char *name;
	uint32_t    major, minor;
	bool        seekable;    /* lseek answers 0 (else ESPIPE)                               */
	int64_t   (*read)(xptr_t file_xp, vfs_buf_t buf, size_t count);
	int64_t   (*write)(xptr_t file_xp, vfs_buf_t buf, size_t count);
	int64_t   (*ioctl)(xptr_t file_xp, uint32_t cmd, uintptr_t arg); /* NULL: ENOTTY          */
	void      (*open)(xptr_t file_xp, uint32_t flags); /* after a successful open (NULL: none) */
	uint32_t  (*poll)(xptr_t file_xp);                 /* POLL* now (NULL: always ready)    */
} vfs_dev_ops_t;

/* Indexed by vfs_dev_t; image data, identical in every replica (the functions too). */
extern const vfs_dev_ops_t vfs_devices[VFS_DEV_NR];

/* Cluster 0 at boot (vfs_init): the console (console_init), then the device files in the
 * directory @dev_xp. */
void devfs_init(xptr_t dev_xp);

/* ---- console.c (the terminal: docs/tty.md) ---- */

/* Cluster 0 at boot: the console's state, its tty thread, the UART receive hook. */
void console_init(void);
/* The console's entry of vfs_devices[] (run by any cluster, in the caller's context). */
int64_t console_dev_read(xptr_t file_xp, vfs_buf_t buf, size_t count);
int64_t console_dev_write(xptr_t file_xp, vfs_buf_t buf, size_t count);
int64_t console_dev_ioctl(xptr_t file_xp, uint32_t cmd, uintptr_t arg);
void    console_dev_open(xptr_t file_xp, uint32_t flags);
uint32_t console_dev_poll(xptr_t file_xp);

/* ---- vfs_poll.c ---- */

/* Cluster 0 at boot (vfs_init): the poll wait's lock and queue. */
void vfs_poll_init(void);

/*
 * Count one event and wake every poller (vfs.h: the poll wait): called after a change that may
 * make a file ready is made visible (its lock may still be held: pipe or tty class, which rank
 * before LOCK_POLL). Any cluster; no lock taken when nobody polls.
 */
void vfs_poll_notify(void);

/* ---- vfs_dir.c ---- */

/* Create a directory entry of any kind under the last component of @path. See vfs_mkdir. */
error_t vfs_create(xptr_t cwd_xp, const char *path, vfs_type_t type, uint32_t mode,
		   const char *target, uint32_t dev, xptr_t *inode_xp);

#endif /* FS_VFS_PRIVATE_H */
