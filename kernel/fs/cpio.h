/*
 * cpio.h - a bounds-checked reader of "newc" cpio archives, for the boot-time root file system.
 *
 * The initramfs is one contiguous buffer. An archive is a sequence of entries, each starting on a
 * 4-byte boundary (relative to the buffer):
 *   a 110-byte header: the magic "070701" then 13 fields of 8 hexadecimal digits (ino, mode, uid,
 *   gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check);
 *   the name, namesize bytes including its final NUL, padded with zeros to a 4-byte boundary;
 *   the data, filesize bytes (a symbolic link's data is its target, without NUL), padded likewise.
 * The entry named "TRAILER!!!" ends the archive. The CRC variant ("070702") is not accepted.
 *
 * The reader never touches a byte outside [base, base + size) and checks every addition of an
 * offset and a size for overflow. It keeps no state and allocates nothing: it may run anywhere.
 */
#ifndef FS_CPIO_H
#define FS_CPIO_H

#include <hal_types.h>

#define CPIO_HEADER_SIZE   110      /* bytes of a newc header                              */
#define CPIO_NAME_MAX      4096     /* longest name accepted, its NUL included (PATH_MAX)  */

/* File type bits of a mode (as in struct stat). */
#define CPIO_S_IFMT        0170000
#define CPIO_S_IFDIR       0040000
#define CPIO_S_IFREG       0100000
#define CPIO_S_IFLNK       0120000

/* One entry of an archive; the pointers point into the archive buffer. */
typedef struct cpio_entry_s {
	const char *name;           /* the name, NUL-terminated (name[name_len] == 0)        */
	size_t      name_len;       /* length of the name without its NUL, >= 0              */
	const void *data;           /* first byte of the data (a valid pointer even if size 0) */
	size_t      size;           /* bytes of data                                         */
	uint32_t    mode;           /* file type and permission bits                         */
	uint32_t    uid;
	uint32_t    gid;
	uint32_t    nlink;
	uint32_t    mtime;          /* seconds since the epoch                               */
	uint32_t    ino;            /* inode number in the archive (hard links share it)     */
	uint32_t    rdevmajor;      /* device numbers of a character or block special file   */
	uint32_t    rdevminor;
	const char *why;            /* set on every failure: a short static reason           */
} cpio_entry_t;

/*
 * Decode the entry at *@offset of the archive [@base, @base + @size).
 * [in,out] offset  where the entry starts (0 for the first one); on success, where the next starts
 * [out]    entry   the entry; on failure only entry->why is meaningful
 * Returns 0; ENOENT at the trailer ("TRAILER!!!"; *offset then points past it, 4-byte aligned, in
 * case another archive follows); EINVAL if the archive is malformed: bad magic, a field that is not
 * 8 hex digits, an empty name, a name longer than CPIO_NAME_MAX or not NUL-terminated exactly at its
 * end, a header, name or data beyond the buffer, an unaligned *offset, or the end of the buffer
 * reached without a trailer.
 */
error_t cpio_next(const void *base, size_t size, size_t *offset, cpio_entry_t *entry);

static inline bool cpio_mode_is_dir(uint32_t mode)
{
	return (mode & CPIO_S_IFMT) == CPIO_S_IFDIR;
}

static inline bool cpio_mode_is_reg(uint32_t mode)
{
	return (mode & CPIO_S_IFMT) == CPIO_S_IFREG;
}

static inline bool cpio_mode_is_symlink(uint32_t mode)
{
	return (mode & CPIO_S_IFMT) == CPIO_S_IFLNK;
}

#endif /* FS_CPIO_H */
