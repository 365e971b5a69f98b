/*
 * vfs.h - the virtual file system: the API of the system-call layer and of exec.
 *
 * One tree of inodes and directory entries for the whole machine, in cluster 0 (the *VFS cluster*):
 * a RAM file system filled at boot from the initramfs (cpio newc), with /dev (console, null, zero)
 * and /tmp. Every function below may be called by a thread of any cluster: the tree is reached
 * through extended pointers and hal_remote_*, under per-inode rwlocks (class LOCK_VFS) and the
 * mappers' rwlocks (LOCK_MAPPER). docs/vfs.md explains the design, the locking and the lifetimes.
 *
 * Conventions:
 *  - paths are kernel strings (the caller copied them from user space); a relative path is resolved
 *    against @cwd_xp, an inode the caller holds a reference on (XPTR_NULL: the root);
 *  - user buffers are user addresses of the calling thread, reached only through hal_uspace.h;
 *  - functions returning error_t return 0 or a positive errno.h code; those returning int64_t
 *    return a count (>= 0) or -errno, ready for a system call's return value;
 *  - every caller must be a thread that may block (no busylock held); none may hold a VFS lock.
 *
 * Permissions: the only user is root (uid 0). Mode bits are kept and reported, and checked as Linux
 * checks them for root: read and write are always granted, search (x) on directories too; execute
 * needs a regular file with at least one x bit (vfs_access). There is no read-only file system.
 * Times are those of the archive for initramfs files, else the time since boot (no RTC yet); atime
 * is not updated by reads (a "noatime" mount).
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <hal_types.h>
#include <params.h>

/* ---- Linux values (asm-generic: riscv64 and x86_64 share them) used at this interface ---- */

/* open flags */
#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR      00000002
#define O_CREAT     00000100
#define O_EXCL      00000200
#define O_NOCTTY    00000400
#define O_TRUNC     00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW  00400000
#define O_CLOEXEC   02000000 /* the fd table's business: ignored here */
/* Status flags an open file may change after open (fcntl F_SETFL). */
#define VFS_O_SETFL_MASK (O_APPEND | O_NONBLOCK)

/* file types and mode bits (st_mode) */
#define S_IFMT   0170000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_IFREG  0100000
#define S_IFLNK  0120000
#define S_IALLUGO 07777      /* permission bits, setuid/setgid/sticky included */

/* poll events (asm-generic poll.h), spelled as glibc's so that both may be included */
#define POLLIN		0x001
#define POLLPRI		0x002
#define POLLOUT		0x004
#define POLLERR		0x008
#define POLLHUP		0x010
#define POLLNVAL	0x020
#define POLLRDNORM	0x040
#define POLLRDBAND	0x080
#define POLLWRNORM	0x100
#define POLLWRBAND	0x200

/* Writes to a pipe of at most this many bytes are atomic (Linux's PIPE_BUF). */
#define PIPE_BUF 4096

/* lseek */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* unlinkat */
#define AT_REMOVEDIR 0x200

/* access modes (faccessat) */
#define VFS_R_OK 4
#define VFS_W_OK 2
#define VFS_X_OK 1

/* getdents64 d_type */
#define DT_UNKNOWN 0
#define DT_CHR     2
#define DT_DIR     4
#define DT_REG     8
#define DT_LNK     10

/* ioctl: the terminal's (Linux asm-generic ioctls.h; kernel/fs/console.c, docs/tty.md) */
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TCSBRK     0x5409
#define TCFLSH     0x540b
#define TIOCSCTTY  0x540e
#define TIOCGPGRP  0x540f
#define TIOCSPGRP  0x5410
#define TIOCOUTQ   0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541b
#define TIOCGSID   0x5429

/*
 * The stat of an inode, the kernel's record: the system calls convert it to the architecture's
 * struct stat at the user boundary (syscalls/uabi.h).
 */
struct vfs_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint32_t st_mode;    /* S_IF* type bits | permission bits */
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint64_t st_rdev;    /* device files: Linux encoding of (major, minor) */
	int64_t  st_size;
	uint32_t st_blksize;
	int64_t  st_blocks;  /* 512-byte blocks held */
	int64_t  st_atime;
	uint64_t st_atime_nsec;
	int64_t  st_mtime;
	uint64_t st_mtime_nsec;
	int64_t  st_ctime;
	uint64_t st_ctime_nsec;
};

/* struct linux_dirent64, as getdents64 writes it: records of d_reclen bytes (a multiple of 8). */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t  d_off;      /* position of the next record (for lseek) */
	uint16_t d_reclen;
	uint8_t  d_type;     /* DT_* */
	char     d_name[];   /* NUL-terminated */
};

/* struct termios (asm-generic termbits.h: riscv64 and x86_64) and struct winsize, for the console's
 * ioctls. */
#define VFS_NCCS 19
struct vfs_termios {
	uint32_t c_iflag;
	uint32_t c_oflag;
	uint32_t c_cflag;
	uint32_t c_lflag;
	uint8_t  c_line;
	uint8_t  c_cc[VFS_NCCS];
};

struct vfs_winsize {
	uint16_t ws_row;
	uint16_t ws_col;
	uint16_t ws_xpixel;
	uint16_t ws_ypixel;
};

/* Counters for leak checks (vfs_stats). */
typedef struct vfs_stats_s {
	uint64_t inodes;       /* inodes alive (the root and /dev included)          */
	uint64_t dentries;     /* directory entries                                  */
	uint64_t files;        /* open files (vfs_file_t)                            */
	uint64_t mapper_pages; /* pages of every mapper, orphans not yet freed included */
	uint64_t mapper_nodes; /* radix-tree nodes of every mapper                   */
} vfs_stats_t;

/* vfs_lookup flags */
#define VFS_LOOKUP_FOLLOW    0x1 /* follow a symbolic link named by the last component       */
#define VFS_LOOKUP_DIRECTORY 0x2 /* the result must be a directory (else ENOTDIR)            */

/* ---- boot ---- */

/* Cluster 0, once, at boot: the root (mode 0755), /dev with its device files, /tmp (1777). */
void vfs_init(void);

/*
 * Add the content of the cpio (newc) archive [@base, @base + @size) (a kernel buffer) to the tree:
 * directories, regular files (their data copied into their mappers), symbolic links, hard links.
 * Names are relative to the root ("bin/sh" or "./bin/sh"); the entry "." is the root itself;
 * missing parent directories are created (0755); an existing directory is kept as it is; other
 * kinds of entry (devices, fifos) are skipped with a warning. The whole archive is checked before
 * anything is added (validate, then commit).
 * [out] count  entries added (directories, files, links), 0 on failure
 * Returns 0; EINVAL for a malformed archive or a name with a ".." component; ENAMETOOLONG; and,
 * while adding, ENOMEM/ENOSPC, EEXIST (a non-directory name given twice), ENOTDIR (a name below a
 * file): then every entry this call added is removed again (nothing leaks).
 */
error_t vfs_populate_from_cpio(const void *base, size_t size, uint32_t *count);

/* ---- inodes ---- */

/* The root directory (never freed: no reference needed, but vfs_inode_get/put accept it). */
xptr_t vfs_root(void);

/*
 * Resolve @path. [out] inode_xp: the inode, with a reference the caller drops with vfs_inode_put.
 * Errors: ENOENT (a component is missing, or @path is empty), ENOTDIR (a non-final component, or a
 * final one followed by '/', is not a directory; or VFS_LOOKUP_DIRECTORY), ENAMETOOLONG (a path of
 * CONFIG_PATH_MAX bytes or more, a component longer than CONFIG_NAME_MAX, or a symbolic link
 * expansion too long), ELOOP (more than CONFIG_SYMLINK_MAX_FOLLOW links), ENOMEM.
 * A final component followed by '/' is always followed if it is a symbolic link.
 */
error_t vfs_lookup(xptr_t cwd_xp, const char *path, uint32_t flags, xptr_t *inode_xp);

/* Take / drop a reference on an inode. The last reference of an unlinked inode frees it. */
void vfs_inode_get(xptr_t inode_xp);
void vfs_inode_put(xptr_t inode_xp);

/* Fill @st (a kernel buffer). Caller holds a reference on @inode_xp. Returns 0. */
error_t vfs_stat(xptr_t inode_xp, struct vfs_stat *st);

/* Check @amode (VFS_R_OK | VFS_W_OK | VFS_X_OK, 0: existence) as Linux checks it for root:
 * 0, or EACCES for X_OK on a file that is not a directory and has no x bit. */
error_t vfs_access(xptr_t inode_xp, uint32_t amode);

/* Facts of an inode the caller holds a reference on. */
bool     vfs_inode_is_dir(xptr_t inode_xp);
bool     vfs_inode_is_reg(xptr_t inode_xp);
uint64_t vfs_inode_size(xptr_t inode_xp);   /* bytes (a snapshot)                       */
uint32_t vfs_inode_mode(xptr_t inode_xp);   /* st_mode                                  */
/* The mapper of a regular file (XPTR_NULL for any other inode). See mapper.h for the rule on the
 * lifetime of its pages: valid while the inode is referenced and not truncated, or held. */
xptr_t   vfs_inode_mapper(xptr_t inode_xp);

/*
 * A new regular file named by nothing, of @size bytes (zeros), its mapper and pages in cluster
 * @mapper_cxy: the object behind a shared anonymous mapping (Linux's shmem file). [out] inode_xp
 * with one reference (the caller's; the last vfs_inode_put frees it all). ENOMEM (nothing left).
 */
error_t vfs_inode_create_anon(cxy_t mapper_cxy, uint64_t size, xptr_t *inode_xp);

/*
 * Read up to @size bytes at @offset of the regular file @inode_xp into the kernel buffer @kbuf
 * (exec's ELF reader). Holes read as zeros. Returns the bytes read (short at the end of the file,
 * 0 beyond it), -EISDIR for a directory, -EINVAL for another kind of inode.
 */
int64_t vfs_kernel_read(xptr_t inode_xp, uint64_t offset, void *kbuf, size_t size);

/*
 * Set the size of the regular file @inode_xp: pages beyond it are freed, a larger size reads as
 * zeros. EISDIR for a directory, EINVAL for another kind or a size above CONFIG_VFS_MAX_FILE_SIZE
 * (EFBIG for that one, as Linux).
 */
error_t vfs_truncate(xptr_t inode_xp, uint64_t size);

/*
 * chmod: the permission bits of @inode_xp become @mode & S_IALLUGO (type kept), ctime now.
 * Returns 0 (root may change any file).
 */
error_t vfs_chmod(xptr_t inode_xp, uint32_t mode);

/* A time of an inode: seconds and nanoseconds (since boot: there is no RTC yet). */
typedef struct vfs_time_s {
	int64_t  sec;
	uint64_t nsec;
} vfs_time_t;

/* utimensat: set the access and/or modification time of @inode_xp (NULL: unchanged); ctime
 * becomes now if either is set. The caller validated the values. */
void vfs_utimens(xptr_t inode_xp, const vfs_time_t *atime, const vfs_time_t *mtime);

/* statfs of the file system holding @inode_xp (the system call fills Linux's struct statfs). */
struct vfs_statfs {
	uint32_t fs;                   /* vfs_fs_t: f_fsid                                */
	int64_t  type;                 /* f_type: Linux's magic number                     */
	int64_t  bsize;
	uint64_t blocks, bfree, bavail; /* in bsize units: the memory the file system uses */
	uint64_t files, ffree;         /* not counted (0), as Linux's ramfs               */
	int64_t  namelen;
	int64_t  flags;                /* ST_* | ST_VALID                                  */
};
void vfs_statfs(xptr_t inode_xp, struct vfs_statfs *out);

/* ---- names ---- */

/* Create the directory @path (mode & S_IALLUGO). EEXIST, ENOENT, ENOTDIR, ENAMETOOLONG, ENOMEM. */
error_t vfs_mkdir(xptr_t cwd_xp, const char *path, uint32_t mode);

/* Create the symbolic link @path holding @target. ENOENT for an empty target, EEXIST, ... */
error_t vfs_symlink(xptr_t cwd_xp, const char *target, const char *path);

/*
 * rename(2): the name @opath (relative to @ocwd_xp, last component not followed) becomes @npath
 * (relative to @ncwd_xp), atomically replacing what @npath named. @flags: 0, VFS_RENAME_NOREPLACE
 * (EEXIST if @npath exists) or VFS_RENAME_EXCHANGE (both must exist; they swap). Linux's errors:
 * EXDEV (the two names in different file systems: / and /dev), EBUSY ("/", "." or ".." as a
 * last component; /dev, a mount point, as source or target), ENOENT, ENOTDIR (a non-directory
 * over a directory... or with a trailing '/'), EISDIR (a non-directory over a directory), EINVAL
 * (a directory into its own subtree), ENOTEMPTY (over a non-empty directory, or over an ancestor
 * of the source), EEXIST, ENOMEM, and lookup errors. Two names of one inode: 0, nothing changes.
 * The caller checked @flags (EINVAL for others, or for both together).
 */
#define VFS_RENAME_NOREPLACE 0x1
#define VFS_RENAME_EXCHANGE  0x2
error_t vfs_rename(xptr_t ocwd_xp, const char *opath, xptr_t ncwd_xp, const char *npath,
		   uint32_t flags);

/*
 * link(2): a new name @npath for the inode @opath names (followed if @follow, as
 * AT_SYMLINK_FOLLOW). EEXIST (the name exists, or is "/", "." or ".."), ENOENT (a trailing '/', or
 * the file was removed meanwhile), EXDEV (another file system), EPERM (a directory), ENOMEM,
 * lookup errors. The inode's link count grows; its ctime is now.
 */
error_t vfs_link(xptr_t ocwd_xp, const char *opath, xptr_t ncwd_xp, const char *npath, bool follow);

/*
 * Remove the name @path (the last component is not followed). Without AT_REMOVEDIR: a file,
 * link or device (EISDIR for a directory); with it: an empty directory (ENOTDIR if it is not one,
 * ENOTEMPTY if not empty, EINVAL for ".", EBUSY for the root). The inode lives on while referenced
 * (open files, working directories).
 */
error_t vfs_unlink(xptr_t cwd_xp, const char *path, uint32_t flags);

/*
 * readlinkat: copy the target of the symbolic link @path (not followed) to the user buffer @ubuf,
 * at most @size bytes, no NUL. Returns the bytes copied, -EINVAL if @path is not a symbolic link or
 * @size is 0, -EFAULT, or a lookup error.
 */
int64_t vfs_readlink(xptr_t cwd_xp, const char *path, uintptr_t ubuf, size_t size);

/*
 * chdir: resolve @path (following links); [out] new_cwd_xp with a reference (the caller drops the
 * reference of the old working directory). ENOTDIR if it is not a directory, lookup errors.
 */
error_t vfs_chdir(xptr_t cwd_xp, const char *path, xptr_t *new_cwd_xp);

/*
 * getcwd: the absolute path of the directory @inode_xp in the kernel buffer @buf (@size bytes, NUL
 * included). ERANGE if it does not fit, ENOENT if the directory was removed, ENOTDIR if @inode_xp
 * is not a directory.
 */
error_t vfs_path_of(xptr_t inode_xp, char *buf, size_t size);

/* ---- open files ---- */

/*
 * Open @path. The vfs_file_t is allocated in cluster @file_cxy (the caller's choice: the cluster of
 * the process's fd table); it holds a reference on the inode and starts with one reference.
 * @flags: O_RDONLY/O_WRONLY/O_RDWR, O_CREAT (with @mode & S_IALLUGO, umask applied by the caller),
 * O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW; others are ignored.
 * Errors: EINVAL (access mode 3), ENOENT, EEXIST (O_CREAT|O_EXCL and the name exists), EISDIR
 * (a directory opened for writing, or O_CREAT on a directory), ENOTDIR, ELOOP (O_NOFOLLOW on a
 * link), ENAMETOOLONG, ENOMEM. O_CREAT through a dangling symbolic link fails with ENOENT.
 */
error_t vfs_open(cxy_t file_cxy, xptr_t cwd_xp, const char *path, uint32_t flags, uint32_t mode,
		 xptr_t *file_xp);

/*
 * pipe2: a new pipe (an anonymous inode of type FIFO with a ring buffer of 64 KiB, one page if
 * memory is short) in the calling cluster, and its two open files in cluster @file_cxy:
 * [out] rd_xp (O_RDONLY) and wr_xp (O_WRONLY), each with one reference. @flags: 0 or O_NONBLOCK
 * (the caller checked them; O_CLOEXEC is the fd table's). Returns 0 or ENOMEM (nothing left).
 * Reads return what is there (at least one byte; 0 once empty without a writer), writes of at
 * most PIPE_BUF bytes are atomic, a write without a reader is -EPIPE, waits end with -EINTR when
 * the thread is killed, O_NONBLOCK gives -EAGAIN instead of a wait; lseek, pread, pwrite -ESPIPE.
 * An end stays open while its file has a reference (vfs_file_dup); the pipe is freed with the
 * last reference of both (docs/pipes.md).
 */
error_t vfs_pipe(cxy_t file_cxy, uint32_t flags, xptr_t *rd_xp, xptr_t *wr_xp);

/* Drop a reference on an open file; the last one frees it and drops its inode reference. */
void vfs_close(xptr_t file_xp);

/* Take a reference on an open file (dup, fork: the copies share the offset and the flags). */
void vfs_file_dup(xptr_t file_xp);

/* The inode of an open file (no new reference: valid while the file is). */
xptr_t vfs_file_inode(xptr_t file_xp);

/* The open flags (access mode and status flags). */
uint32_t vfs_file_flags(xptr_t file_xp);

/* fcntl(F_SETFL): replace the status flags of VFS_O_SETFL_MASK by those of @flags. */
void vfs_file_set_flags(xptr_t file_xp, uint32_t flags);

/*
 * read / write at the file offset, which advances by the bytes transferred, between the file and
 * the user buffer @ubuf. Return the bytes transferred, or -errno: EBADF (not open for reading /
 * writing), EISDIR (a directory), EFAULT (the buffer is bad and nothing was transferred; if some
 * bytes were, their count is returned and nothing beyond them changed), EFBIG (writing at the
 * maximal size), ENOSPC (no memory for the data and nothing written), EAGAIN (O_NONBLOCK console
 * without input, O_NONBLOCK pipe empty or full), EPIPE (a pipe without reader), EINTR (the thread
 * was killed while a pipe made it wait). A regular file reads 0 at or past its end; O_APPEND writes at the end.
 * @count is capped at 0x7ffff000 (Linux's MAX_RW_COUNT).
 */
int64_t vfs_read(xptr_t file_xp, uintptr_t ubuf, size_t count);
int64_t vfs_write(xptr_t file_xp, uintptr_t ubuf, size_t count);

/* The same at @offset, leaving the file offset alone (-EINVAL if @offset < 0, -ESPIPE on the
 * console and pipes). pwrite on an O_APPEND file appends, as on Linux. */
int64_t vfs_pread(xptr_t file_xp, uintptr_t ubuf, size_t count, int64_t offset);
int64_t vfs_pwrite(xptr_t file_xp, uintptr_t ubuf, size_t count, int64_t offset);

/* read / write with a kernel buffer instead of a user one (kernel users, in-kernel tests). */
int64_t vfs_kread(xptr_t file_xp, void *kbuf, size_t count);
int64_t vfs_kwrite(xptr_t file_xp, const void *kbuf, size_t count);

/*
 * lseek: the new offset, or -EINVAL (bad @whence, a negative or overflowing result; SEEK_END on a
 * directory), -ESPIPE (console, pipes). /dev/null and /dev/zero always answer 0.
 */
int64_t vfs_lseek(xptr_t file_xp, int64_t offset, int whence);

/*
 * getdents64: records (struct linux_dirent64) of the directory from the file offset on, "." and
 * ".." first, into the user buffer @ubuf of @count bytes. Returns the bytes written (0 at the end),
 * -ENOTDIR, -EINVAL if the first record does not fit, -EFAULT, -ENOENT if the directory was
 * removed. The offset is a position in the directory, stable under insertions and removals.
 */
int64_t vfs_getdents64(xptr_t file_xp, uintptr_t ubuf, size_t count);

/*
 * ioctl on an open file; @arg is a user pointer or value as Linux's. The console answers the
 * terminal's commands above (docs/tty.md); anything else, and any command on another kind of
 * file, -ENOTTY. Returns 0 (FIONREAD and friends write their int to @arg) or -errno.
 */
int64_t vfs_ioctl(xptr_t file_xp, uint32_t cmd, uintptr_t arg);

/* ---- readiness (poll, select: vfs_poll.c, docs/poll.md) ---- */

/*
 * The POLL* events of the open file @file_xp now (a snapshot, any cluster): regular files,
 * directories, /dev/null and /dev/zero are always readable and writable (POLLIN | POLLRDNORM |
 * POLLOUT | POLLWRNORM, Linux's DEFAULT_POLLMASK); a pipe's read end POLLIN | POLLRDNORM with data,
 * POLLHUP without a writer; its write end POLLOUT | POLLWRNORM with room for PIPE_BUF bytes (a
 * write of PIPE_BUF bytes does not wait), POLLERR without a reader; the console POLLIN |
 * POLLRDNORM when a read would not wait for input (canonical mode: a complete line; raw mode: a
 * byte), always POLLOUT | POLLWRNORM. POLLERR and POLLHUP come whatever the caller asked.
 */
uint32_t vfs_poll(xptr_t file_xp);

/*
 * The machine-wide poll wait. Every change that may make a file ready (pipe read, write or close,
 * console input, a terminal mode change) counts one event and wakes the pollers. A poller reads
 * the count (vfs_poll_events), looks at its files, and if none is ready calls vfs_poll_wait with
 * the count it read: it sleeps only if no event came since, so no change between its look and its
 * sleep is missed. Wake-ups are broadcast and may be spurious: the poller looks again.
 */
uint64_t vfs_poll_events(void);

/*
 * Sleep until an event after @seen, a signal the caller does not block (or a kill), or
 * @timeout_ns (0: no deadline). Returns 0 (an event: possibly before the call, then at once),
 * ETIMEDOUT or EINTR. Caller: a user thread that may block, no lock held.
 */
error_t vfs_poll_wait(uint64_t seen, uint64_t timeout_ns);

/*
 * The console becomes the controlling terminal of the session @sid, with the group @pgid in the
 * foreground, whoever had it before: for the first process, which the kernel starts with its fds
 * 0, 1, 2 on /dev/console (launch.c). Any cluster.
 */
void vfs_console_attach(uint32_t sid, uint32_t pgid);

/* RPC service (RPC_FILE_SHRUNK, vfs_shrink.c), in a process's reference cluster: args pid,
 * inode, size; drops the process's mappings of the file beyond @size (vfs_truncate). */
void vfs_rpc_file_shrunk(xptr_t desc_xp);

/* ---- observation ---- */

/* A snapshot of the counters (any cluster). */
void vfs_stats(vfs_stats_t *out);

/* printk the tree: one line per name (inode, type, mode, links, size, name, link target). */
void vfs_display(void);

#endif /* FS_VFS_H */
