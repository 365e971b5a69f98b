/*
 * test_vfs_cpio.c - the RAM file system filled from newc archives (vfs_populate_from_cpio): the
 * archive the cpio tool makes at build time (CPIO_TEST_DIR/tree.cpio, from CPIO_TEST_DIR/tree,
 * cpio/mkarchive.sh) compared file by file with that tree; archives made here for the cases the
 * tool does not produce (missing parents, devices, hard links, "./" names, merges); malformed
 * archives, truncated at every length, which change nothing; and failures in the middle (a name
 * clash, memory exhausted), after which everything added is gone again (no leak).
 */
#include <fs/cpio.h>
#include <fs/vfs_private.h>
#include <libk/errno.h>

#include "htest.h"
#include "mm_fixture.h"
#include "vfs_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT XPTR_NULL
#define REG(m) (0100000 | (m))
#define DIR(m) (0040000 | (m))
#define LNK    (0120000 | 0777)
#define S_ISDIR_HOST(m) (((m) & 0170000) == 0040000)

/* The tree of mkarchive.sh, deepest names first (the order to remove them in). */
static const char *const tree_files[] = {
	"bin/hello", "bin/sh", "etc/a", "etc/bb", "etc/empty", "etc/motd", "etc/motd2",
	"usr/share/doc/big",
};
static const char *const tree_dirs[] = { "usr/share/doc", "usr/share", "usr", "etc", "bin" };

static bool same_stat(const char *name)
{
	char host[512], path[256];
	struct vfs_stat st;
	int64_t mtime;
	uint32_t mode;
	uint64_t size;
	xptr_t ixp;
	bool ok;

	snprintf(host, sizeof(host), "%s/tree/%s", CPIO_TEST_DIR, name);
	snprintf(path, sizeof(path), "/%s", name);
	ixp = vfx_lookup(path, 0);
	if (ixp == XPTR_NULL || !host_file_times(host, &mtime, &mode, &size))
		return false;
	vfs_stat(ixp, &st);
	vfs_inode_put(ixp);
	ok = st.st_mode == mode && st.st_mtime == mtime &&
	     (S_ISDIR_HOST(mode) || st.st_size == (int64_t)size);
	if (!ok)
		printf("# %s: mode 0%o/0%o mtime %ld/%ld size %ld/%lu\n", name, st.st_mode, mode,
		       st.st_mtime, mtime, st.st_size, size);
	return ok;
}

HT_TEST(populate_from_the_archive_of_the_cpio_tool)
{
	size_t size, fsize;
	char *archive = host_file_load(CPIO_TEST_DIR "/tree.cpio", &size);
	char buf[64], host[512];
	uint32_t count;

	if (!archive) {
		printf("# skipped: no %s/tree.cpio (cpio not installed?)\n", CPIO_TEST_DIR);
		return;
	}
	vfx_setup();
	HT_REQUIRE(vfs_populate_from_cpio(archive, size, &count) == 0);
	HT_CHECK(count == 13);                            /* every entry but "." */
	for (size_t i = 0; i < sizeof(tree_files) / sizeof(tree_files[0]); i++) {
		char path[64];
		void *data;

		snprintf(host, sizeof(host), "%s/tree/%s", CPIO_TEST_DIR, tree_files[i]);
		snprintf(path, sizeof(path), "/%s", tree_files[i]);
		data = host_file_load(host, &fsize);
		HT_CHECK(data && vfx_file_is(path, data, fsize));
		HT_CHECK(same_stat(tree_files[i]));
		free(data);
	}
	for (size_t i = 0; i < sizeof(tree_dirs) / sizeof(tree_dirs[0]); i++)
		HT_CHECK(same_stat(tree_dirs[i]));
	HT_CHECK(vfs_readlink(ROOT, "/bin/sh", (uintptr_t)buf, sizeof(buf)) == 5);
	HT_CHECK(!memcmp(buf, "hello", 5));
	HT_CHECK(vfx_ino("/etc/motd") == vfx_ino("/etc/motd2"));   /* a hard link */
	{
		struct vfs_stat st;
		xptr_t ixp = vfx_lookup("/etc/motd2", 0);

		vfs_stat(ixp, &st);
		vfs_inode_put(ixp);
		HT_CHECK(st.st_nlink == 2 && st.st_size == 3);
	}
	vfs_display();
	for (size_t i = 0; i < sizeof(tree_files) / sizeof(tree_files[0]); i++) {
		snprintf(host, sizeof(host), "/%s", tree_files[i]);
		HT_CHECK(vfs_unlink(ROOT, host, 0) == 0);
	}
	for (size_t i = 0; i < sizeof(tree_dirs) / sizeof(tree_dirs[0]); i++) {
		snprintf(host, sizeof(host), "/%s", tree_dirs[i]);
		HT_CHECK(vfs_unlink(ROOT, host, AT_REMOVEDIR) == 0);
	}
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
	free(archive);
}

/* Cut before the end of its trailer's name, the archive is refused whole, whatever the length. */
HT_TEST(truncated_archives_change_nothing)
{
	size_t size, end = 0;
	char *archive = host_file_load(CPIO_TEST_DIR "/tree.cpio", &size);
	vfs_stats_t base, now;
	cpio_entry_t e;
	uint32_t count;

	if (!archive) {
		printf("# skipped: no tree.cpio\n");
		return;
	}
	for (size_t off = 0; cpio_next(archive, size, &off, &e) == 0;)
		end = off;                             /* where the trailer starts */
	end += CPIO_HEADER_SIZE + sizeof("TRAILER!!!"); /* its padding may be missing */
	vfx_setup();
	vfs_stats(&base);
	for (size_t len = 0; len < end; len++) {
		char *copy = malloc(len + 1);            /* exact size: ASan sees any overread */

		memcpy(copy, archive, len);
		HT_CHECK(vfs_populate_from_cpio(copy, len, &count) == EINVAL && count == 0);
		free(copy);
		vfs_stats(&now);
		if (memcmp(&now, &base, sizeof(now))) {
			HT_CHECK(!"a truncated archive added something");
			break;
		}
	}
	HT_CHECK(vfx_lookup_err("/bin", 0) == ENOENT);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
	free(archive);
}

HT_TEST(names_parents_devices_hard_links_and_merges)
{
	vfx_cpio_t a = { 0 };
	uint32_t count;
	char buf[16];

	vfx_setup();
	vfx_cpio_add(&a, ".", DIR(0755), NULL, 0, 1, 2, 0);
	vfx_cpio_add(&a, "./x/y/z", REG(0600), "zz", 2, 2, 1, 77);      /* x and x/y are missing */
	vfx_cpio_add(&a, "x/y", DIR(0700), NULL, 0, 3, 2, 0);           /* exists by then: merged */
	vfx_cpio_add(&a, "dev", DIR(0755), NULL, 0, 4, 2, 0);           /* exists: merged */
	vfx_cpio_add(&a, "dev/extra", REG(0644), "e", 1, 5, 1, 0);
	vfx_cpio_add(&a, "dev/ttyS0", 0020620, NULL, 0, 6, 1, 0);      /* a device: skipped */
	vfx_cpio_add(&a, "h1", REG(0644), NULL, 0, 7, 3, 0);            /* three names, data last */
	vfx_cpio_add(&a, "x/h2", REG(0644), NULL, 0, 7, 3, 0);
	vfx_cpio_add(&a, "/h3", REG(0644), "linked", 6, 7, 3, 0);
	vfx_cpio_add(&a, "x/ln", LNK, "y/z", 3, 8, 1, 0);
	vfx_cpio_trailer(&a);
	HT_REQUIRE(vfs_populate_from_cpio(a.data, a.size, &count) == 0);
	HT_CHECK(count == 6);          /* x/y/z, dev/extra, h1, x/h2, /h3, x/ln */
	HT_CHECK(vfx_file_is("/x/y/z", "zz", 2));
	HT_CHECK(vfx_file_is("/x/ln", "zz", 2));
	HT_CHECK(vfx_file_is("/dev/extra", "e", 1));
	HT_CHECK(vfx_lookup_err("/dev/ttyS0", 0) == ENOENT);
	HT_CHECK(vfx_lookup_err("/dev/console", 0) == 0);
	HT_CHECK(vfx_file_is("/h1", "linked", 6) && vfx_file_is("/x/h2", "linked", 6));
	HT_CHECK(vfx_ino("/h1") == vfx_ino("/h3") && vfx_ino("/h1") == vfx_ino("/x/h2"));
	{
		struct vfs_stat st;
		xptr_t ixp = vfx_lookup("/x/y", 0);

		vfs_stat(ixp, &st);
		HT_CHECK(st.st_mode == DIR(0755));       /* created as a parent, not changed after */
		vfs_inode_put(ixp);
		ixp = vfx_lookup("/x/y/z", 0);
		vfs_stat(ixp, &st);
		HT_CHECK(st.st_mode == REG(0600) && st.st_mtime == 77);
		vfs_inode_put(ixp);
	}
	HT_CHECK(vfs_readlink(ROOT, "/x/ln", (uintptr_t)buf, sizeof(buf)) == 3);
	/* the same archive again: its first new name clashes, and nothing of this call stays */
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == EEXIST && count == 0);
	HT_CHECK(vfx_file_is("/x/y/z", "zz", 2));
	static const char *const files[] = { "/x/y/z", "/dev/extra", "/h1", "/x/h2", "/h3", "/x/ln" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		HT_CHECK(vfs_unlink(ROOT, files[i], 0) == 0);
	HT_CHECK(vfs_unlink(ROOT, "/x/y", AT_REMOVEDIR) == 0);
	HT_CHECK(vfs_unlink(ROOT, "/x", AT_REMOVEDIR) == 0);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
	vfx_cpio_free(&a);
}

/* Archives refused by the first pass: nothing is added. */
HT_TEST(malformed_archives_are_refused_whole)
{
	char longname[300];
	vfx_cpio_t a = { 0 };
	uint32_t count;

	vfx_setup();
	vfx_cpio_add(&a, "ok", REG(0644), "1", 1, 1, 1, 0);
	vfx_cpio_add(&a, "a/../../etc", REG(0644), "1", 1, 2, 1, 0);
	vfx_cpio_trailer(&a);
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == EINVAL && count == 0);
	vfx_cpio_free(&a);

	memset(longname, 'n', sizeof(longname));
	longname[CONFIG_NAME_MAX + 1] = '\0';
	vfx_cpio_add(&a, "ok", REG(0644), "1", 1, 1, 1, 0);
	vfx_cpio_add(&a, longname, REG(0644), "1", 1, 2, 1, 0);
	vfx_cpio_trailer(&a);
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == ENAMETOOLONG);
	vfx_cpio_free(&a);

	vfx_cpio_add(&a, "ok", REG(0644), "1", 1, 1, 1, 0);
	vfx_cpio_add(&a, "empty-link", LNK, NULL, 0, 2, 1, 0);
	vfx_cpio_trailer(&a);
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == EINVAL);
	a.data[0] = 'X';                                                 /* bad magic */
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == EINVAL);
	vfx_cpio_free(&a);

	vfx_cpio_add(&a, "no-trailer", REG(0644), "1", 1, 1, 1, 0);
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == EINVAL);
	HT_CHECK(vfx_lookup_err("/ok", 0) == ENOENT && vfx_lookup_err("/no-trailer", 0) == ENOENT);
	HT_CHECK(vfs_populate_from_cpio(NULL, 0, &count) == EINVAL);
	vfx_cpio_free(&a);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* A failure after some entries were added: they are all removed again. */
HT_TEST(a_failure_in_the_middle_removes_what_was_added)
{
	vfx_cpio_t a = { 0 };
	uint32_t count;

	vfx_setup();
	vfx_cpio_add(&a, "r", DIR(0755), NULL, 0, 1, 2, 0);
	vfx_cpio_add(&a, "r/a", REG(0644), "data", 4, 2, 1, 0);
	vfx_cpio_add(&a, "r/d/deep/er", REG(0644), "x", 1, 3, 1, 0);
	vfx_cpio_add(&a, "r/h", REG(0644), "hl", 2, 9, 2, 0);
	vfx_cpio_add(&a, "r/l", LNK, "a", 1, 4, 1, 0);
	vfx_cpio_add(&a, "r/a", REG(0644), "again", 5, 5, 1, 0);   /* the clash */
	vfx_cpio_trailer(&a);
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == EEXIST && count == 0);
	HT_CHECK(vfx_lookup_err("/r", 0) == ENOENT);
	HT_CHECK(vfx_no_leak());
	vfx_cpio_free(&a);

	vfx_cpio_add(&a, "q", REG(0644), "file", 4, 1, 1, 0);
	vfx_cpio_add(&a, "q/x", REG(0644), "below a file", 12, 2, 1, 0);
	vfx_cpio_trailer(&a);
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == ENOTDIR);
	HT_CHECK(vfx_lookup_err("/q", 0) == ENOENT);
	HT_CHECK(vfx_no_leak());
	vfx_cpio_free(&a);
	vfx_teardown();
}

HT_TEST(memory_exhausted_while_populating_leaves_nothing)
{
	size_t big = 300 * CONFIG_PAGE_SIZE;
	char *data = malloc(big);
	vfx_cpio_t a = { 0 };
	xptr_t *hoard;
	uint64_t nr;
	uint32_t count;

	memset(data, 'b', big);
	vfx_setup();
	vfx_cpio_add(&a, "m", DIR(0755), NULL, 0, 1, 2, 0);
	vfx_cpio_add(&a, "m/small", REG(0644), "s", 1, 2, 1, 0);
	vfx_cpio_add(&a, "m/big", REG(0644), data, big, 3, 1, 0);
	vfx_cpio_trailer(&a);
	hoard = fix_hoard(0, 200, &nr);                  /* 200 pages left: not enough */
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == ENOSPC && count == 0);
	fix_unhoard(hoard, nr);
	HT_CHECK(vfx_lookup_err("/m", 0) == ENOENT);
	HT_CHECK(vfx_no_leak());
	/* from cluster 2, with memory: it works, and the data is in cluster 0 */
	local_cxy = 2;
	HT_CHECK(vfs_populate_from_cpio(a.data, a.size, &count) == 0 && count == 3);
	HT_CHECK(vfx_file_is("/m/big", data, big));
	HT_CHECK(vfs_unlink(ROOT, "/m/big", 0) == 0 && vfs_unlink(ROOT, "/m/small", 0) == 0);
	HT_CHECK(vfs_unlink(ROOT, "/m", AT_REMOVEDIR) == 0);
	local_cxy = 0;
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
	vfx_cpio_free(&a);
	free(data);
}
