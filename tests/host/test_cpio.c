/*
 * test_cpio.c - the newc cpio reader (kernel/fs/cpio.c), on the host.
 *
 * The archive CPIO_TEST_DIR/tree.cpio is made at build time by the cpio tool from the tree
 * CPIO_TEST_DIR/tree (cpio/mkarchive.sh); the walk is checked against lstat() of that tree. Then the
 * reader gets malformed archives: truncation at every length, one test per check, and random
 * mutations with a fixed seed. Every buffer is malloc'ed at its exact size, so that ASan reports a
 * read past its end.
 */
#include <fs/cpio.h>
#include <libk/errno.h>

#include "fuzz/invariants.h"
#include "htest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ENTRIES 64

/* The names of tree/, in the order of `find . | LC_ALL=C sort` (cpio strips the leading "./"). */
static const char *const tree_names[] = {
	".", "bin", "bin/hello", "bin/sh", "etc", "etc/a", "etc/bb", "etc/empty", "etc/motd", "etc/motd2",
	"usr", "usr/share", "usr/share/doc", "usr/share/doc/big",
};
#define TREE_ENTRIES (sizeof(tree_names) / sizeof(tree_names[0]))

typedef struct archive_s {
	char  *data;
	size_t size;
} archive_t;

static archive_t archive_load_file(const char *path)
{
	archive_t a = { 0 };
	FILE *f = fopen(path, "rb");
	long size;

	if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		a.data = malloc((size_t)size);
		if (a.data && fread(a.data, 1, (size_t)size, f) == (size_t)size)
			a.size = (size_t)size;
	}
	if (f)
		fclose(f);
	if (a.size == 0) {
		free(a.data);
		a.data = NULL;
		printf("# cannot read %s\n", path);
	}
	return a;
}

static archive_t archive_load(void)
{
	return archive_load_file(CPIO_TEST_DIR "/tree.cpio");
}

/* A copy of the first @size bytes of @a in a buffer of exactly that size (NULL if size is 0). */
static char *prefix_copy(const archive_t *a, size_t size)
{
	char *p = size ? malloc(size) : NULL;

	if (size)
		memcpy(p, a->data, size);
	return p;
}

/*
 * Walk the archive [base, base + size) and check each entry's contract. Returns the error that
 * ended the walk; *count gets the entries returned and, for the first MAX_ENTRIES, needs[] (if not
 * NULL) the bytes each one needs to be returned (the end of its data, or of its name if empty).
 */
static error_t walk(const void *base, size_t size, unsigned *count, size_t *needs, const char **why)
{
	const char *b = base;
	size_t offset = 0;
	cpio_entry_t e;
	error_t err;

	*count = 0;
	while ((err = cpio_next(base, size, &offset, &e)) == 0) {
		size_t start = (size_t)(e.name - b) - CPIO_HEADER_SIZE;
		const char *bad = cpio_entry_violation(base, size, start, offset, &e);

		if (bad) {
			printf("# entry %u: %s\n", *count, bad);
			ht_fail(__FILE__, __LINE__, "cpio_entry_violation");
		}
		if (needs && *count < MAX_ENTRIES)
			needs[*count] = e.size ? (size_t)((const char *)e.data - b) + e.size
					       : (size_t)(e.name - b) + e.name_len + 1;
		if (++*count > size / (CPIO_HEADER_SIZE + 2)) {
			ht_fail(__FILE__, __LINE__, "the walk does not end");
			return 0;
		}
	}
	if (why)
		*why = e.why;
	return err;
}

/* Compare the entry @e with the file of the same name in tree/. */
static void check_against_tree(const cpio_entry_t *e)
{
	char path[512], target[64];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), CPIO_TEST_DIR "/tree/%s", e->name);
	HT_REQUIRE(lstat(path, &st) == 0);
	HT_CHECK(e->mode == st.st_mode && e->nlink == st.st_nlink);
	HT_CHECK(e->uid == st.st_uid && e->gid == st.st_gid);
	HT_CHECK(e->mtime == (uint32_t)st.st_mtime);
	if (cpio_mode_is_dir(e->mode)) {
		HT_CHECK(S_ISDIR(st.st_mode) && e->size == 0);
	} else if (cpio_mode_is_symlink(e->mode)) {
		ssize_t n = readlink(path, target, sizeof(target));

		HT_CHECK(S_ISLNK(st.st_mode) && n > 0 && (size_t)n == e->size);
		HT_CHECK(memcmp(e->data, target, e->size) == 0);
	} else if (e->size != (size_t)st.st_size) {
		/* newc stores the data of a hard-linked file once, in its last link */
		HT_CHECK(cpio_mode_is_reg(e->mode) && e->size == 0 && st.st_nlink > 1);
	} else {
		char *content = malloc(e->size + 1);

		HT_CHECK(cpio_mode_is_reg(e->mode) && S_ISREG(st.st_mode));
		f = fopen(path, "rb");
		HT_REQUIRE(f != NULL && content != NULL);
		HT_CHECK(fread(content, 1, e->size + 1, f) == e->size);
		HT_CHECK(memcmp(content, e->data, e->size) == 0);
		fclose(f);
		free(content);
	}
}

HT_TEST(walk_matches_the_tree)
{
	archive_t a = archive_load();
	size_t offset = 0;
	unsigned n = 0;
	cpio_entry_t e, motd = { 0 };
	error_t err;

	HT_REQUIRE(a.data != NULL);
	while ((err = cpio_next(a.data, a.size, &offset, &e)) == 0) {
		HT_REQUIRE(n < TREE_ENTRIES);
		HT_CHECK(strcmp(e.name, tree_names[n]) == 0 && e.name_len == strlen(tree_names[n]));
		HT_CHECK(strcmp(e.why, "") == 0 && offset % 4 == 0);
		check_against_tree(&e);
		if (strcmp(e.name, "etc/motd") == 0)
			motd = e;
		if (strcmp(e.name, "etc/motd2") == 0)          /* the hard link */
			HT_CHECK(e.ino == motd.ino && e.nlink == 2 && motd.size == 0 && e.size == 3);
		n++;
	}
	HT_CHECK(err == ENOENT && n == TREE_ENTRIES && strcmp(e.why, "end of the archive") == 0);
	/* After the trailer: cpio's zero padding to a 512-byte block, then the end of the buffer. */
	HT_CHECK(offset <= a.size && a.size % 512 == 0);
	for (size_t i = offset; i < a.size; i++)
		HT_CHECK(a.data[i] == 0);
	free(a.data);
}

HT_TEST(empty_archive_is_its_trailer)
{
	archive_t a = archive_load_file(CPIO_TEST_DIR "/empty.cpio");
	size_t offset = 0;
	cpio_entry_t e;

	HT_REQUIRE(a.data != NULL);
	HT_CHECK(cpio_next(a.data, a.size, &offset, &e) == ENOENT);
	HT_CHECK(offset == 124);                /* header and "TRAILER!!!\0": 121, rounded up to 4 */
	free(a.data);
}

HT_TEST(mode_helpers)
{
	HT_CHECK(cpio_mode_is_dir(040755) && !cpio_mode_is_reg(040755) && !cpio_mode_is_symlink(040755));
	HT_CHECK(cpio_mode_is_reg(0100644) && !cpio_mode_is_dir(0100644) && !cpio_mode_is_symlink(0100644));
	HT_CHECK(cpio_mode_is_symlink(0120777) && !cpio_mode_is_reg(0120777) && !cpio_mode_is_dir(0120777));
	HT_CHECK(!cpio_mode_is_dir(020644) && !cpio_mode_is_reg(060644) && !cpio_mode_is_symlink(0140755));
}

HT_TEST(truncation_at_every_length)
{
	archive_t a = archive_load();
	size_t needs[MAX_ENTRIES], trailer_end;
	unsigned count, bad = 0;
	const char *why;

	HT_REQUIRE(a.data != NULL);
	HT_REQUIRE(walk(a.data, a.size, &count, needs, NULL) == ENOENT && count == TREE_ENTRIES);
	/* The trailer needs its header and its name: the last entry ends 4-aligned, then 110 + 11. */
	trailer_end = ((needs[count - 1] + 3) & ~(size_t)3) + CPIO_HEADER_SIZE + sizeof("TRAILER!!!");
	for (size_t len = 0; len <= a.size; len++) {
		char *p = prefix_copy(&a, len);
		unsigned expect = 0;
		error_t err = walk(p, len, &count, NULL, &why);

		while (expect < TREE_ENTRIES && needs[expect] <= len)
			expect++;
		if (count != expect || err != (len >= trailer_end ? ENOENT : EINVAL)) {
			if (bad++ < 5)
				printf("# %zu bytes: %u entries, error %d (%s)\n", len, count, err, why);
		}
		free(p);
	}
	HT_CHECK(bad == 0);
	free(a.data);
}

/* ---- one test per check, on edited copies of the archive ---- */

enum { F_FILESIZE = 6, F_NAMESIZE = 11 };      /* indexes of header fields (cpio.h) */

/* Offset of the header of entry @i of the intact archive @a. */
static size_t entry_offset(const archive_t *a, unsigned i)
{
	size_t offset = 0;
	cpio_entry_t e;

	while (i-- > 0) {
		if (cpio_next(a->data, a->size, &offset, &e) != 0)
			abort();
	}
	return offset;
}

/* Write @value as the 8 hex digits of field @field of the header at @hdr. */
static void set_field(char *hdr, int field, uint32_t value)
{
	char digits[9];

	snprintf(digits, sizeof(digits), "%08X", value);
	memcpy(hdr + 6 + 8 * field, digits, 8);
}

/* cpio_next at @offset of [base, base + size) must fail with EINVAL and a reason containing @reason. */
#define CHECK_EINVAL(base, size, offset, reason) check_einval((base), (size), (offset), (reason), __LINE__)
static void check_einval(const void *base, size_t size, size_t offset, const char *reason, int line)
{
	size_t off = offset;
	cpio_entry_t e = { 0 };
	error_t err = cpio_next(base, size, &off, &e);

	if (err != EINVAL || e.why == NULL || strstr(e.why, reason) == NULL || off != offset) {
		printf("# expected EINVAL \"%s\", got %d \"%s\"\n", reason, err, e.why ? e.why : "(null)");
		ht_fail(__FILE__, line, reason);
	}
}

HT_TEST(reject_bad_magic_and_hex)
{
	archive_t a = archive_load();
	size_t off;
	cpio_entry_t e;

	HT_REQUIRE(a.data != NULL);
	for (int i = 0; i < 6; i++) {
		char c = a.data[i];

		a.data[i] = 'x';
		CHECK_EINVAL(a.data, a.size, 0, "bad magic");
		a.data[i] = c;
	}
	a.data[5] = '2';                                   /* "070702": the CRC format */
	CHECK_EINVAL(a.data, a.size, 0, "bad magic");
	a.data[5] = '1';
	for (int i = 6; i < CPIO_HEADER_SIZE; i++) {
		static const char bad[] = { 'g', 'G', ' ', '-', 'x', '\0', '/', ':', '@', '`' };
		char c = a.data[i];

		a.data[i] = bad[i % sizeof(bad)];
		CHECK_EINVAL(a.data, a.size, 0, "hex digits");
		a.data[i] = c;
	}
	/* Lower-case digits are hex digits too. */
	for (int i = 6; i < CPIO_HEADER_SIZE; i++)
		a.data[i] = (char)(a.data[i] >= 'A' && a.data[i] <= 'F' ? a.data[i] - 'A' + 'a' : a.data[i]);
	off = 0;
	HT_CHECK(cpio_next(a.data, a.size, &off, &e) == 0 && strcmp(e.name, ".") == 0);
	HT_CHECK(e.mode == 040755);
	/* The magic is checked at every entry. */
	off = entry_offset(&a, 1);
	a.data[off] = '1';
	CHECK_EINVAL(a.data, a.size, off, "bad magic");
	free(a.data);
}

HT_TEST(reject_bad_names)
{
	archive_t a = archive_load();
	size_t hello, etc;
	char *small;

	HT_REQUIRE(a.data != NULL);
	hello = entry_offset(&a, 2);                        /* "bin/hello": namesize 10 */
	etc = entry_offset(&a, 4);                          /* "etc\0" and 2 bytes of padding */
	set_field(a.data + hello, F_NAMESIZE, 0);
	CHECK_EINVAL(a.data, a.size, hello, "empty name");
	a.data[hello + 110] = '\0';                         /* the empty name "" (found by fuzzing) */
	set_field(a.data + hello, F_NAMESIZE, 1);
	CHECK_EINVAL(a.data, a.size, hello, "empty name");
	a.data[hello + 110] = 'b';
	set_field(a.data + hello, F_NAMESIZE, 9);           /* the 'o' where the NUL should be */
	CHECK_EINVAL(a.data, a.size, hello, "not NUL-terminated");
	set_field(a.data + etc, F_NAMESIZE, 5);
	CHECK_EINVAL(a.data, a.size, etc, "NUL inside the name");
	set_field(a.data + hello, F_NAMESIZE, CPIO_NAME_MAX + 1);
	CHECK_EINVAL(a.data, a.size, hello, "name too long");
	set_field(a.data + hello, F_NAMESIZE, UINT32_MAX);
	CHECK_EINVAL(a.data, a.size, hello, "name too long");
	set_field(a.data + hello, F_NAMESIZE, 10);
	/* A name that runs past the end of the buffer. */
	small = malloc(CPIO_HEADER_SIZE + 8);
	memcpy(small, a.data + hello, CPIO_HEADER_SIZE + 8);
	CHECK_EINVAL(small, CPIO_HEADER_SIZE + 8, 0, "name beyond the end");
	set_field(small, F_NAMESIZE, 9);
	CHECK_EINVAL(small, CPIO_HEADER_SIZE + 8, 0, "name beyond the end");
	free(small);
	free(a.data);
}

HT_TEST(reject_data_beyond_the_end_and_overflows)
{
	archive_t a = archive_load();
	size_t hello, data_off, off;
	cpio_entry_t e;

	HT_REQUIRE(a.data != NULL);
	hello = entry_offset(&a, 2);
	data_off = hello + CPIO_HEADER_SIZE + 10;          /* after "bin/hello\0", already aligned */
	set_field(a.data + hello, F_FILESIZE, (uint32_t)(a.size - data_off + 1));
	CHECK_EINVAL(a.data, a.size, hello, "data beyond the end");
	set_field(a.data + hello, F_FILESIZE, UINT32_MAX);
	CHECK_EINVAL(a.data, a.size, hello, "data beyond the end");
	set_field(a.data + hello, F_FILESIZE, (uint32_t)(a.size - data_off));  /* up to the last byte */
	off = hello;
	HT_CHECK(cpio_next(a.data, a.size, &off, &e) == 0 && off == a.size);
	CHECK_EINVAL(a.data, a.size, off, "without a trailer");
	/* Offsets at the top of size_t: rejected before any pointer is formed. */
	CHECK_EINVAL(a.data, SIZE_MAX, SIZE_MAX - 3, "truncated header");
	CHECK_EINVAL(a.data, SIZE_MAX, SIZE_MAX, "without a trailer");
	CHECK_EINVAL(a.data, a.size, SIZE_MAX & ~(size_t)3, "beyond the end");
	CHECK_EINVAL(a.data, a.size, 2, "not aligned");
	free(a.data);
}

HT_TEST(reject_missing_trailer)
{
	archive_t a = archive_load();
	size_t trailer;
	unsigned count;
	const char *why;
	char *p;

	HT_REQUIRE(a.data != NULL);
	CHECK_EINVAL(NULL, 0, 0, "without a trailer");
	trailer = entry_offset(&a, TREE_ENTRIES);
	p = prefix_copy(&a, trailer);                       /* every entry, no trailer */
	HT_CHECK(walk(p, trailer, &count, NULL, &why) == EINVAL && count == TREE_ENTRIES);
	HT_CHECK(strstr(why, "without a trailer") != NULL);
	free(p);
	a.data[trailer + CPIO_HEADER_SIZE + 9] = '?';       /* "TRAILER!!?": then the zero padding */
	HT_CHECK(walk(a.data, a.size, &count, NULL, &why) == EINVAL && count == TREE_ENTRIES + 1);
	HT_CHECK(strstr(why, "bad magic") != NULL);
	a.data[trailer + CPIO_HEADER_SIZE + 9] = '!';
	/* The trailer exactly at the end, without padding, is an end. */
	p = prefix_copy(&a, trailer + CPIO_HEADER_SIZE + 11);
	HT_CHECK(walk(p, trailer + CPIO_HEADER_SIZE + 11, &count, NULL, &why) == ENOENT);
	free(p);
	free(a.data);
}

/* ---- random mutations ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Mutate 1 to 4 places of @a: a random byte, a hex digit, or a whole field of a header (@hdrs). */
static void mutate(archive_t *a, const size_t *hdrs, unsigned nhdrs)
{
	static const uint32_t values[] = { 0, 1, 2, 3, 4, 11, 110, 4095, 4096, 4097, 0x7fffffff, 0xfffffffc,
					   0xffffffff };
	static const char digits[] = "0123456789abcdefABCDEFg";

	for (uint64_t n = 1 + rng() % 4; n > 0; n--) {
		size_t hdr = hdrs[rng() % nhdrs];
		int field = (int)(rng() % 13);

		switch (rng() % 4) {
		case 0:
			a->data[rng() % a->size] = (char)rng();
			break;
		case 1:
			a->data[hdr + 6 + rng() % (CPIO_HEADER_SIZE - 6)] = digits[rng() % (sizeof(digits) - 1)];
			break;
		case 2:
			set_field(a->data + hdr, field, values[rng() % (sizeof(values) / sizeof(values[0]))]);
			break;
		default:
			field = rng() % 2 ? F_NAMESIZE : F_FILESIZE;
			set_field(a->data + hdr, field, (uint32_t)(rng() % 8192));
			break;
		}
	}
}

HT_TEST(random_mutations)
{
	const unsigned runs = 20000;
	archive_t a = archive_load();
	size_t hdrs[TREE_ENTRIES + 1];
	unsigned count, ends = 0, fails = 0;
	char *pristine;

	HT_REQUIRE(a.data != NULL);
	for (unsigned i = 0; i <= TREE_ENTRIES; i++)
		hdrs[i] = entry_offset(&a, i);
	pristine = prefix_copy(&a, a.size);
	for (unsigned r = 0; r < runs; r++) {
		size_t len = rng() % 4 ? a.size : rng() % (a.size + 1);
		char *p;
		error_t err;

		memcpy(a.data, pristine, a.size);
		mutate(&a, hdrs, TREE_ENTRIES + 1);
		p = prefix_copy(&a, len);                   /* exact size: ASan sees any overread */
		err = walk(p, len, &count, NULL, NULL);
		HT_CHECK(err == ENOENT || err == EINVAL);
		ends += err == ENOENT;
		fails += err == EINVAL;
		free(p);
	}
	printf("# %u mutants: %u read to the trailer, %u rejected\n", runs, ends, fails);
	HT_CHECK(ends > 0 && fails > 0);
	free(pristine);
	free(a.data);
}
