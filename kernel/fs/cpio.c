/*
 * cpio.c - a bounds-checked reader of "newc" cpio archives (see cpio.h).
 *
 * All positions are offsets into the buffer, checked against its size before a pointer is formed,
 * so a hostile header can make the reader fail but never read outside the buffer. Offsets only grow
 * (each entry takes at least CPIO_HEADER_SIZE + 2 bytes), so a walk always ends.
 */
#include <fs/cpio.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>

#define CPIO_MAGIC        "070701"
#define CPIO_MAGIC_LEN    6
#define CPIO_FIELD_LEN    8
#define CPIO_TRAILER      "TRAILER!!!"

/* The hexadecimal fields of a header, in their order. */
enum cpio_field {
	CPIO_INO, CPIO_MODE, CPIO_UID, CPIO_GID, CPIO_NLINK, CPIO_MTIME, CPIO_FILESIZE,
	CPIO_DEVMAJOR, CPIO_DEVMINOR, CPIO_RDEVMAJOR, CPIO_RDEVMINOR, CPIO_NAMESIZE, CPIO_CHECK,
	CPIO_FIELDS_NR,
};

_Static_assert(CPIO_MAGIC_LEN + CPIO_FIELDS_NR * CPIO_FIELD_LEN == CPIO_HEADER_SIZE,
	       "a newc header is the magic and 13 fields of 8 hex digits");

/* Record @why as the reason and return EINVAL. */
static error_t cpio_fail(cpio_entry_t *entry, const char *why)
{
	entry->why = why;
	return EINVAL;
}

/* Parse exactly 8 hex digits (either case) at @s into *@val. Returns false on any other byte. */
static bool cpio_hex8(const char *s, uint32_t *val)
{
	uint32_t v = 0;

	for (int i = 0; i < CPIO_FIELD_LEN; i++) {
		char c = s[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		v = (v << 4) | d;
	}
	*val = v;
	return true;
}

/* *@res = @a + @b rounded up to a multiple of 4. Returns false if that overflows a size_t. */
static bool cpio_add_align4(size_t a, size_t b, size_t *res)
{
	size_t sum;

	if (__builtin_add_overflow(a, b, &sum) || sum > SIZE_MAX - 3)
		return false;
	*res = ALIGN_UP(sum, (size_t)4);
	return true;
}

/* Check that a header lies at @off in the buffer and decode its fields into @f. */
static error_t cpio_read_header(const char *base, size_t size, size_t off, uint32_t f[CPIO_FIELDS_NR],
				cpio_entry_t *entry)
{
	const char *hdr;

	if (off >= size)
		return cpio_fail(entry, off == size ? "end of the buffer without a trailer"
						    : "offset beyond the end of the buffer");
	if (!IS_ALIGNED(off, (size_t)4))
		return cpio_fail(entry, "entry offset not aligned on 4 bytes");
	if (size - off < CPIO_HEADER_SIZE)
		return cpio_fail(entry, "truncated header (no trailer)");
	hdr = base + off;
	if (memcmp(hdr, CPIO_MAGIC, CPIO_MAGIC_LEN) != 0)
		return cpio_fail(entry, "bad magic (not a newc cpio header)");
	for (int i = 0; i < CPIO_FIELDS_NR; i++) {
		if (!cpio_hex8(hdr + CPIO_MAGIC_LEN + i * CPIO_FIELD_LEN, &f[i]))
			return cpio_fail(entry, "header field is not 8 hex digits");
	}
	return 0;
}

/* Check the name of @namesize bytes at @name_off (just after the header) and point @entry at it. */
static error_t cpio_read_name(const char *base, size_t size, size_t name_off, uint32_t namesize,
			      cpio_entry_t *entry)
{
	const char *name;

	if (namesize <= 1) /* 0: no room for the NUL; 1: the empty name, which names nothing */
		return cpio_fail(entry, "empty name (name size 0 or 1)");
	if (namesize > CPIO_NAME_MAX)
		return cpio_fail(entry, "name too long");
	/* name_off <= size (the header fits) and namesize is small: no overflow. */
	if (namesize > size - name_off)
		return cpio_fail(entry, "name beyond the end of the buffer");
	name = base + name_off;
	if (name[namesize - 1] != '\0')
		return cpio_fail(entry, "name not NUL-terminated at its size");
	if (strnlen(name, namesize) != namesize - 1)
		return cpio_fail(entry, "NUL inside the name");
	entry->name = name;
	entry->name_len = namesize - 1;
	return 0;
}

error_t cpio_next(const void *base, size_t size, size_t *offset, cpio_entry_t *entry)
{
	const char *buf = base;
	uint32_t f[CPIO_FIELDS_NR];
	size_t name_off, data_off, data_end, next;
	error_t err;

	err = cpio_read_header(buf, size, *offset, f, entry);
	if (err != 0)
		return err;
	name_off = *offset + CPIO_HEADER_SIZE;
	err = cpio_read_name(buf, size, name_off, f[CPIO_NAMESIZE], entry);
	if (err != 0)
		return err;
	if (!cpio_add_align4(name_off, f[CPIO_NAMESIZE], &data_off))
		return cpio_fail(entry, "name size overflows");
	/* An empty file at the very end may lack its name padding. */
	if (f[CPIO_FILESIZE] == 0)
		data_off = MIN(data_off, size);
	if (data_off > size || f[CPIO_FILESIZE] > size - data_off)
		return cpio_fail(entry, "data beyond the end of the buffer");
	data_end = data_off + f[CPIO_FILESIZE];
	if (!cpio_add_align4(data_end, 0, &next))
		return cpio_fail(entry, "data size overflows");
	*offset = MIN(next, size);
	if (entry->name_len == sizeof(CPIO_TRAILER) - 1 &&
	    memcmp(entry->name, CPIO_TRAILER, sizeof(CPIO_TRAILER) - 1) == 0) {
		entry->why = "end of the archive";
		return ENOENT;
	}
	entry->data = buf + data_off;
	entry->size = f[CPIO_FILESIZE];
	entry->mode = f[CPIO_MODE];
	entry->uid = f[CPIO_UID];
	entry->gid = f[CPIO_GID];
	entry->nlink = f[CPIO_NLINK];
	entry->mtime = f[CPIO_MTIME];
	entry->ino = f[CPIO_INO];
	entry->rdevmajor = f[CPIO_RDEVMAJOR];
	entry->rdevminor = f[CPIO_RDEVMINOR];
	entry->why = "";
	return 0;
}
