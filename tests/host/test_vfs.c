/*
 * test_vfs.c - names and inodes of the VFS on the host: path resolution of every kind, creation and
 * removal with their errors, open's checks, stat, readlink, getcwd, getdents64 over a large
 * directory, lifetimes of removed files and directories, use from another cluster, and the
 * counters and free pages back to their baseline (no leak) after each test.
 */
#include <fs/vfs_private.h>
#include <libk/errno.h>

#include "htest.h"
#include "vfs_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT XPTR_NULL
#define FOLLOW VFS_LOOKUP_FOLLOW

/* The tree most tests start from. */
static bool build_tree(void)
{
	xptr_t f;
	bool ok = true;

	ok &= vfs_mkdir(ROOT, "/a", 0755) == 0;
	ok &= vfs_mkdir(ROOT, "/a/b", 0750) == 0;
	ok &= vfs_mkdir(ROOT, "a/b/c", 0755) == 0;
	f = vfx_open("/a/f", O_CREAT | O_WRONLY);
	ok &= f != XPTR_NULL && vfx_write_str(f, "hello") == 5;
	if (f != XPTR_NULL)
		vfs_close(f);
	ok &= vfs_symlink(ROOT, "b", "/a/l") == 0;       /* relative link to a directory */
	ok &= vfs_symlink(ROOT, "/a/b", "/a/abs") == 0;  /* absolute link                */
	ok &= vfs_symlink(ROOT, "f", "/a/fl") == 0;      /* link to a file                */
	ok &= vfs_symlink(ROOT, "..", "/a/b/up") == 0;
	ok &= vfs_symlink(ROOT, "/loop2", "/loop1") == 0;
	ok &= vfs_symlink(ROOT, "/loop1", "/loop2") == 0;
	ok &= vfs_symlink(ROOT, "self", "/self") == 0;
	ok &= vfs_symlink(ROOT, "/nowhere", "/dangling") == 0;
	return ok;
}

/* Remove what build_tree made (and whatever the test added under /a/b/c, /x). */
static void remove_tree(void)
{
	static const char *const links[] = { "/a/l", "/a/abs", "/a/fl", "/a/b/up", "/loop1",
					     "/loop2", "/self", "/dangling", "/a/f" };

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		vfs_unlink(ROOT, links[i], 0);
	vfs_unlink(ROOT, "/a/b/c", AT_REMOVEDIR);
	vfs_unlink(ROOT, "/a/b", AT_REMOVEDIR);
	vfs_unlink(ROOT, "/a", AT_REMOVEDIR);
}

/* True if @path (with @flags, from @cwd) resolves to the inode /@expect names (no follow). */
static bool resolves(xptr_t cwd, const char *path, uint32_t flags, const char *expect)
{
	xptr_t got, want = vfx_lookup(expect, 0);
	error_t err = vfs_lookup(cwd, path, flags, &got);
	bool ok = !err && got == want;

	if (!err)
		vfs_inode_put(got);
	if (want != XPTR_NULL)
		vfs_inode_put(want);
	if (!ok)
		printf("# '%s' -> error %d, expected '%s'\n", path, err, expect);
	return ok;
}

static int lookup_err(xptr_t cwd, const char *path, uint32_t flags)
{
	xptr_t ixp;
	error_t err = vfs_lookup(cwd, path, flags, &ixp);

	if (!err)
		vfs_inode_put(ixp);
	return err;
}

HT_TEST(lookup_resolves_every_kind_of_path)
{
	vfx_setup();
	HT_REQUIRE(build_tree());
	HT_CHECK(resolves(ROOT, "/", 0, "/"));
	HT_CHECK(resolves(ROOT, "/a", 0, "/a"));
	HT_CHECK(resolves(ROOT, "a/b", 0, "/a/b"));                 /* relative to the root */
	HT_CHECK(resolves(ROOT, "/a/./b/.", 0, "/a/b"));
	HT_CHECK(resolves(ROOT, "/a/b/..", 0, "/a"));
	HT_CHECK(resolves(ROOT, "/a/../a/b/c/../..", 0, "/a"));
	HT_CHECK(resolves(ROOT, "/../..", 0, "/"));                 /* ".." of the root */
	HT_CHECK(resolves(ROOT, "//a///b//", 0, "/a/b"));
	HT_CHECK(resolves(ROOT, "/a/b/c/", 0, "/a/b/c"));
	HT_CHECK(resolves(ROOT, "/a/l", 0, "/a/l"));                /* the link itself */
	HT_CHECK(resolves(ROOT, "/a/l", FOLLOW, "/a/b"));
	HT_CHECK(resolves(ROOT, "/a/l/", 0, "/a/b"));               /* "/" after it follows */
	HT_CHECK(resolves(ROOT, "/a/l/c", 0, "/a/b/c"));
	HT_CHECK(resolves(ROOT, "/a/abs/c", 0, "/a/b/c"));
	HT_CHECK(resolves(ROOT, "/a/l/up/f", 0, "/a/f"));           /* link to ".." */
	HT_CHECK(resolves(ROOT, "/a/fl", FOLLOW, "/a/f"));
	HT_CHECK(resolves(ROOT, "/a/b/up/l/up", FOLLOW, "/a"));
	HT_CHECK(resolves(ROOT, "/dev/null", 0, "/dev/null"));
	HT_CHECK(resolves(ROOT, "/a/b", VFS_LOOKUP_DIRECTORY, "/a/b"));
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(lookup_relative_to_a_working_directory)
{
	xptr_t cwd, file;

	vfx_setup();
	HT_REQUIRE(build_tree());
	cwd = vfx_lookup("/a/b", 0);
	HT_REQUIRE(cwd != XPTR_NULL);
	HT_CHECK(resolves(cwd, "c", 0, "/a/b/c"));
	HT_CHECK(resolves(cwd, ".", 0, "/a/b"));
	HT_CHECK(resolves(cwd, "..", 0, "/a"));
	HT_CHECK(resolves(cwd, "../f", 0, "/a/f"));
	HT_CHECK(resolves(cwd, "../../a/l/c", 0, "/a/b/c"));
	HT_CHECK(resolves(cwd, "/a", 0, "/a"));                     /* absolute ignores it */
	file = vfx_lookup("/a/f", 0);
	HT_CHECK(lookup_err(file, "x", 0) == ENOTDIR);
	HT_CHECK(resolves(file, "/a/b", 0, "/a/b"));
	vfs_inode_put(file);
	vfs_inode_put(cwd);
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(lookup_errors)
{
	char *path = malloc(CONFIG_PATH_MAX + 2);

	vfx_setup();
	HT_REQUIRE(build_tree());
	HT_CHECK(lookup_err(ROOT, "", 0) == ENOENT);
	HT_CHECK(lookup_err(ROOT, "/nope", 0) == ENOENT);
	HT_CHECK(lookup_err(ROOT, "/a/nope/x", 0) == ENOENT);
	HT_CHECK(lookup_err(ROOT, "/dangling", FOLLOW) == ENOENT);
	HT_CHECK(lookup_err(ROOT, "/dangling", 0) == 0);
	HT_CHECK(lookup_err(ROOT, "/a/f/", 0) == ENOTDIR);
	HT_CHECK(lookup_err(ROOT, "/a/f/x", 0) == ENOTDIR);
	HT_CHECK(lookup_err(ROOT, "/a/f/..", 0) == ENOTDIR);
	HT_CHECK(lookup_err(ROOT, "/a/fl/", 0) == ENOTDIR);
	HT_CHECK(lookup_err(ROOT, "/a/f", VFS_LOOKUP_DIRECTORY) == ENOTDIR);
	HT_CHECK(lookup_err(ROOT, "/loop1", FOLLOW) == ELOOP);
	HT_CHECK(lookup_err(ROOT, "/loop1", 0) == 0);
	HT_CHECK(lookup_err(ROOT, "/loop1/x", 0) == ELOOP);
	HT_CHECK(lookup_err(ROOT, "/self/", 0) == ELOOP);
	/* a component of CONFIG_NAME_MAX bytes is fine, one more is too long */
	memset(path, 'n', 300);
	path[0] = '/';
	path[CONFIG_NAME_MAX + 1] = '\0';
	HT_CHECK(lookup_err(ROOT, path, 0) == ENOENT);
	path[CONFIG_NAME_MAX + 1] = 'n';
	path[CONFIG_NAME_MAX + 2] = '\0';
	HT_CHECK(lookup_err(ROOT, path, 0) == ENAMETOOLONG);
	/* a path of CONFIG_PATH_MAX - 1 bytes is fine, CONFIG_PATH_MAX is too long */
	memset(path, '/', CONFIG_PATH_MAX + 1);
	path[CONFIG_PATH_MAX - 2] = 'a';
	path[CONFIG_PATH_MAX - 1] = '\0';
	HT_CHECK(resolves(ROOT, path, 0, "/a"));
	path[CONFIG_PATH_MAX - 1] = '/';
	path[CONFIG_PATH_MAX] = '\0';
	HT_CHECK(lookup_err(ROOT, path, 0) == ENAMETOOLONG);
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
	free(path);
}

/* CONFIG_SYMLINK_MAX_FOLLOW links in a row resolve, one more is ELOOP; an expansion longer than
 * CONFIG_PATH_MAX is ENAMETOOLONG. */
HT_TEST(symlink_limits)
{
	char name[32], target[32], *big = malloc(CONFIG_PATH_MAX + 64);
	int n = CONFIG_SYMLINK_MAX_FOLLOW;

	vfx_setup();
	HT_REQUIRE(build_tree());
	HT_REQUIRE(vfs_symlink(ROOT, "/a", "/chain0") == 0);
	for (int i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "/chain%d", i);
		snprintf(target, sizeof(target), "chain%d", i - 1);
		HT_REQUIRE(vfs_symlink(ROOT, target, name) == 0);
	}
	snprintf(name, sizeof(name), "/chain%d", n - 1);            /* n links to follow */
	HT_CHECK(resolves(ROOT, name, FOLLOW, "/a"));
	snprintf(name, sizeof(name), "/chain%d/b", n - 1);
	HT_CHECK(resolves(ROOT, name, 0, "/a/b"));
	snprintf(name, sizeof(name), "/chain%d", n);                /* n + 1 */
	HT_CHECK(lookup_err(ROOT, name, FOLLOW) == ELOOP);
	/* a 4000-byte target: with a short rest it fits, with a long one it does not */
	strcpy(big, "/a");
	for (int i = 0; i < 1999; i++)
		strcat(big, "/.");
	HT_REQUIRE(vfs_symlink(ROOT, big, "/big") == 0);
	HT_CHECK(resolves(ROOT, "/big/b/c", 0, "/a/b/c"));
	memset(big, '/', 200);
	strcpy(big, "/big");
	big[4] = '/';
	memset(big + 4, '/', 100);
	strcpy(big + 104, "b");
	HT_CHECK(lookup_err(ROOT, big, 0) == ENAMETOOLONG);
	HT_CHECK(vfs_symlink(ROOT, "", "/empty") == ENOENT);
	for (int i = 0; i <= n; i++) {
		snprintf(name, sizeof(name), "/chain%d", i);
		HT_CHECK(vfs_unlink(ROOT, name, 0) == 0);
	}
	HT_CHECK(vfs_unlink(ROOT, "/big", 0) == 0);
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
	free(big);
}

HT_TEST(mkdir_unlink_rmdir_errors)
{
	vfx_setup();
	HT_REQUIRE(build_tree());
	HT_CHECK(vfs_mkdir(ROOT, "/a", 0755) == EEXIST);
	HT_CHECK(vfs_mkdir(ROOT, "/a/f", 0755) == EEXIST);
	HT_CHECK(vfs_mkdir(ROOT, "/a/l", 0755) == EEXIST);          /* a link is a name too */
	HT_CHECK(vfs_mkdir(ROOT, "/", 0755) == EEXIST);
	HT_CHECK(vfs_mkdir(ROOT, "/a/b/..", 0755) == EEXIST);
	HT_CHECK(vfs_mkdir(ROOT, "/nope/x", 0755) == ENOENT);
	HT_CHECK(vfs_mkdir(ROOT, "/a/f/x", 0755) == ENOTDIR);
	HT_CHECK(vfs_mkdir(ROOT, "/a/new/", 0755) == 0);            /* a trailing slash is fine */
	HT_CHECK(vfs_unlink(ROOT, "/a/new", AT_REMOVEDIR) == 0);
	HT_CHECK(vfs_unlink(ROOT, "/a/b", 0) == EISDIR);
	HT_CHECK(vfs_unlink(ROOT, "/", 0) == EISDIR);
	HT_CHECK(vfs_unlink(ROOT, "/a/f/", 0) == ENOTDIR);
	HT_CHECK(vfs_unlink(ROOT, "/a/nope", 0) == ENOENT);
	HT_CHECK(vfs_unlink(ROOT, "/a/f", AT_REMOVEDIR) == ENOTDIR);
	HT_CHECK(vfs_unlink(ROOT, "/a/l", AT_REMOVEDIR) == ENOTDIR); /* a link to a directory */
	HT_CHECK(vfs_unlink(ROOT, "/a/b", AT_REMOVEDIR) == ENOTEMPTY);
	HT_CHECK(vfs_unlink(ROOT, "/a/b/.", AT_REMOVEDIR) == EINVAL);
	HT_CHECK(vfs_unlink(ROOT, "/a/b/..", AT_REMOVEDIR) == ENOTEMPTY);
	HT_CHECK(vfs_unlink(ROOT, "/", AT_REMOVEDIR) == EBUSY);
	HT_CHECK(vfs_unlink(ROOT, "/a/b/c/", AT_REMOVEDIR) == 0);
	HT_CHECK(vfs_unlink(ROOT, "/a/b/c", AT_REMOVEDIR) == ENOENT);
	HT_CHECK(vfs_unlink(ROOT, "/a/l", 0) == 0);                 /* the link, not its target */
	HT_CHECK(lookup_err(ROOT, "/a/b", 0) == 0);
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(open_checks)
{
	xptr_t f;

	vfx_setup();
	HT_REQUIRE(build_tree());
	HT_CHECK(vfs_open(0, ROOT, "/a/f", 3, 0, &f) == EINVAL);
	HT_CHECK(vfs_open(0, ROOT, "/a/nope", O_RDONLY, 0, &f) == ENOENT);
	HT_CHECK(vfs_open(0, ROOT, "/a/f", O_CREAT | O_EXCL | O_RDWR, 0644, &f) == EEXIST);
	HT_CHECK(vfs_open(0, ROOT, "/dangling", O_CREAT | O_EXCL | O_RDWR, 0644, &f) == EEXIST);
	HT_CHECK(vfs_open(0, ROOT, "/dangling", O_CREAT | O_RDWR, 0644, &f) == ENOENT);
	HT_CHECK(vfs_open(0, ROOT, "/a/b", O_WRONLY, 0, &f) == EISDIR);
	HT_CHECK(vfs_open(0, ROOT, "/a/b", O_RDWR, 0, &f) == EISDIR);
	HT_CHECK(vfs_open(0, ROOT, "/a/b", O_RDONLY | O_CREAT, 0644, &f) == EISDIR);
	HT_CHECK(vfs_open(0, ROOT, "/a/new/", O_RDWR | O_CREAT, 0644, &f) == EISDIR);
	HT_CHECK(vfs_open(0, ROOT, "/", O_RDWR | O_CREAT, 0644, &f) == EISDIR);
	HT_CHECK(vfs_open(0, ROOT, "/a/f", O_RDONLY | O_DIRECTORY, 0, &f) == ENOTDIR);
	HT_CHECK(vfs_open(0, ROOT, "/a/fl", O_RDONLY | O_NOFOLLOW, 0, &f) == ELOOP);
	HT_CHECK(vfs_open(0, ROOT, "/a/fl", O_RDONLY | O_CREAT | O_NOFOLLOW, 0, &f) == ELOOP);
	HT_CHECK(vfs_open(0, ROOT, "/a/f/", O_RDONLY, 0, &f) == ENOTDIR);
	HT_CHECK(vfs_open(0, ROOT, "/nope/x", O_RDWR | O_CREAT, 0644, &f) == ENOENT);
	/* O_CREAT through a link to an existing file opens the file; O_TRUNC empties it */
	HT_REQUIRE(vfs_open(0, ROOT, "/a/fl", O_RDWR | O_CREAT | O_TRUNC, 0644, &f) == 0);
	HT_CHECK(vfs_file_inode(f) != XPTR_NULL && vfs_inode_size(vfs_file_inode(f)) == 0);
	vfs_close(f);
	/* a directory opens read-only */
	HT_REQUIRE(vfs_open(0, ROOT, "/a/l", O_RDONLY | O_DIRECTORY, 0, &f) == 0);
	HT_CHECK(vfs_inode_is_dir(vfs_file_inode(f)));
	HT_CHECK(vfs_write(f, (uintptr_t)"x", 1) == -EBADF);
	HT_CHECK(vfs_read(f, (uintptr_t)&f, 1) == -EISDIR);
	vfs_close(f);
	/* the stored flags: creation flags dropped, status flags kept, F_SETFL changes those only */
	HT_REQUIRE(vfs_open(0, ROOT, "/a/f", O_WRONLY | O_APPEND | O_CLOEXEC | O_TRUNC, 0, &f) == 0);
	HT_CHECK(vfs_file_flags(f) == (O_WRONLY | O_APPEND));
	vfs_file_set_flags(f, O_NONBLOCK | O_RDWR);
	HT_CHECK(vfs_file_flags(f) == (O_WRONLY | O_NONBLOCK));
	vfs_file_dup(f);
	vfs_close(f);
	HT_CHECK(vfx_write_str(f, "still open") == 10);
	vfs_close(f);
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(stat_fields)
{
	struct vfs_stat st, st2;
	xptr_t ixp;

	vfx_setup();
	HT_REQUIRE(build_tree());
	ixp = vfx_lookup("/a/f", 0);
	HT_REQUIRE(ixp != XPTR_NULL && vfs_stat(ixp, &st) == 0);
	HT_CHECK(st.st_mode == (S_IFREG | 0644) && st.st_nlink == 1 && st.st_size == 5);
	HT_CHECK(st.st_blocks == 8 && st.st_blksize == 4096 && st.st_uid == 0 && st.st_gid == 0);
	HT_CHECK(st.st_ino != 0 && st.st_dev == 1 && st.st_rdev == 0);
	HT_CHECK(st.st_mtime >= 0 && st.st_mtime_nsec < 1000000000u);
	HT_CHECK(vfs_access(ixp, VFS_R_OK | VFS_W_OK) == 0);
	HT_CHECK(vfs_access(ixp, VFS_X_OK) == EACCES);
	vfs_inode_put(ixp);
	ixp = vfx_lookup("/a", 0);
	vfs_stat(ixp, &st);
	HT_CHECK(st.st_mode == (S_IFDIR | 0755) && st.st_nlink == 3); /* ".", its name, b's ".." */
	HT_CHECK(vfs_access(ixp, VFS_X_OK) == 0);
	vfs_inode_put(ixp);
	ixp = vfx_lookup("/", 0);
	vfs_stat(ixp, &st);
	HT_CHECK(st.st_ino == 1 && st.st_nlink == 5);                  /* a, dev, tmp */
	vfs_inode_put(ixp);
	ixp = vfx_lookup("/a/b", 0);
	vfs_stat(ixp, &st);
	HT_CHECK(st.st_mode == (S_IFDIR | 0750));
	vfs_inode_put(ixp);
	ixp = vfx_lookup("/a/abs", 0);
	vfs_stat(ixp, &st);
	HT_CHECK(st.st_mode == (S_IFLNK | 0777) && st.st_size == 4 && st.st_nlink == 1);
	vfs_inode_put(ixp);
	ixp = vfx_lookup("/tmp", 0);
	vfs_stat(ixp, &st);
	HT_CHECK(st.st_mode == (S_IFDIR | 01777));
	vfs_inode_put(ixp);
	ixp = vfx_lookup("/dev/console", 0);
	vfs_stat(ixp, &st);
	HT_CHECK(st.st_mode == (S_IFCHR | 0600) && st.st_rdev == 0x501 && st.st_size == 0);
	vfs_inode_put(ixp);
	ixp = vfx_lookup("/dev/zero", 0);
	vfs_stat(ixp, &st2);
	HT_CHECK(st2.st_mode == (S_IFCHR | 0666) && st2.st_rdev == 0x105 && st2.st_ino != st.st_ino);
	vfs_inode_put(ixp);
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(readlink_getcwd_chdir)
{
	char buf[64], *ubuf = malloc(8192);
	xptr_t cwd, d;

	vfx_setup();
	HT_REQUIRE(build_tree());
	HT_CHECK(vfs_readlink(ROOT, "/a/abs", (uintptr_t)buf, sizeof(buf)) == 4);
	HT_CHECK(!memcmp(buf, "/a/b", 4));
	HT_CHECK(vfs_readlink(ROOT, "/a/abs", (uintptr_t)buf, 2) == 2 && !memcmp(buf, "/a", 2));
	HT_CHECK(vfs_readlink(ROOT, "/a/abs", (uintptr_t)buf, 0) == -EINVAL);
	HT_CHECK(vfs_readlink(ROOT, "/a/f", (uintptr_t)buf, sizeof(buf)) == -EINVAL);
	HT_CHECK(vfs_readlink(ROOT, "/a/l/", (uintptr_t)buf, sizeof(buf)) == -EINVAL);
	HT_CHECK(vfs_readlink(ROOT, "/nope", (uintptr_t)buf, sizeof(buf)) == -ENOENT);
	host_uspace_set_fault((uintptr_t)ubuf + 4096, (uintptr_t)ubuf + 8192);
	HT_CHECK(vfs_readlink(ROOT, "/a/abs", (uintptr_t)ubuf + 4096, 8) == -EFAULT);
	host_uspace_set_fault(0, 0);

	HT_REQUIRE(vfs_chdir(ROOT, "/a/l/c", &cwd) == 0);
	HT_CHECK(vfs_path_of(cwd, buf, sizeof(buf)) == 0 && !strcmp(buf, "/a/b/c"));
	HT_CHECK(vfs_path_of(cwd, buf, 7) == 0 && !strcmp(buf, "/a/b/c"));
	HT_CHECK(vfs_path_of(cwd, buf, 6) == ERANGE);
	HT_REQUIRE(vfs_chdir(cwd, "../..", &d) == 0);
	HT_CHECK(vfs_path_of(d, buf, sizeof(buf)) == 0 && !strcmp(buf, "/a"));
	vfs_inode_put(d);
	HT_CHECK(vfs_path_of(vfs_root(), buf, sizeof(buf)) == 0 && !strcmp(buf, "/"));
	HT_CHECK(vfs_path_of(vfs_root(), buf, 1) == ERANGE);
	HT_CHECK(vfs_chdir(cwd, "../../f", &d) == ENOTDIR);
	HT_CHECK(vfs_chdir(cwd, "nope", &d) == ENOENT);
	d = vfx_lookup("/a/f", 0);
	HT_CHECK(vfs_path_of(d, buf, sizeof(buf)) == ENOTDIR);
	vfs_inode_put(d);
	vfs_inode_put(cwd);
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
	free(ubuf);
}

/* A removed file stays readable while open; a removed directory stays usable as a working
 * directory (no new entries, getcwd ENOENT) and keeps its removed parent alive. */
HT_TEST(removed_files_and_directories_live_while_referenced)
{
	vfs_stats_t before, s;
	struct vfs_stat st;
	char buf[16];
	xptr_t f, cwd, up, dir;

	vfx_setup();
	HT_REQUIRE(build_tree());
	f = vfx_open("/a/f", O_RDWR);
	HT_REQUIRE(f != XPTR_NULL);
	vfs_stats(&before);
	HT_CHECK(vfs_unlink(ROOT, "/a/f", 0) == 0);
	vfs_stats(&s);
	HT_CHECK(s.inodes == before.inodes && s.dentries == before.dentries - 1);
	HT_CHECK(vfs_read(f, (uintptr_t)buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5));
	HT_CHECK(vfx_write_str(f, "!") == 1);
	vfs_stat(vfs_file_inode(f), &st);
	HT_CHECK(st.st_nlink == 0 && st.st_size == 6);
	HT_CHECK(lookup_err(ROOT, "/a/f", 0) == ENOENT);
	vfs_close(f);
	vfs_stats(&s);
	HT_CHECK(s.inodes == before.inodes - 1 && s.mapper_pages == before.mapper_pages - 1);

	cwd = vfx_lookup("/a/b/c", 0);
	HT_REQUIRE(cwd != XPTR_NULL);
	HT_REQUIRE(vfs_open(0, cwd, ".", O_RDONLY, 0, &dir) == 0);
	vfs_unlink(ROOT, "/a/b/up", 0);
	HT_CHECK(vfs_unlink(ROOT, "/a/b/c", AT_REMOVEDIR) == 0);
	HT_CHECK(vfs_unlink(ROOT, "/a/b", AT_REMOVEDIR) == 0);   /* empty now; c keeps it alive */
	vfs_stat(cwd, &st);
	HT_CHECK(st.st_nlink == 0);
	HT_CHECK(lookup_err(cwd, "x", 0) == ENOENT);
	HT_CHECK(vfs_mkdir(cwd, "x", 0755) == ENOENT);
	HT_CHECK(vfs_open(0, cwd, "x", O_CREAT | O_RDWR, 0644, &f) == ENOENT);
	HT_CHECK(vfs_symlink(cwd, "t", "x") == ENOENT);
	HT_CHECK(vfs_path_of(cwd, buf, sizeof(buf)) == ENOENT);
	HT_CHECK(vfs_getdents64(dir, (uintptr_t)buf, sizeof(buf)) == -ENOENT);
	HT_REQUIRE(vfs_lookup(cwd, "..", 0, &up) == 0);          /* the removed parent */
	vfs_stat(up, &st);
	HT_CHECK(st.st_nlink == 0);
	vfs_inode_put(up);
	vfs_stats(&before);
	vfs_close(dir);
	vfs_inode_put(cwd);                                      /* frees c, then b */
	vfs_stats(&s);
	HT_CHECK(s.inodes == before.inodes - 2);
	remove_tree();
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* ---- getdents64 ---- */

#define BIG_DIR_ENTRIES 300

/* Check the records of one getdents64 answer (@n bytes of @buf); mark seen[] by the number in
 * each name "e<number>_..."; count "." and "..". Returns the records, -1 if one is malformed. */
static int parse_records(const char *buf, int64_t n, int *seen, int *dots)
{
	int records = 0;

	for (int64_t off = 0; off < n; records++) {
		const struct linux_dirent64 *d = (const struct linux_dirent64 *)(buf + off);

		if (d->d_reclen % 8 || d->d_reclen < 20 || off + d->d_reclen > n ||
		    strlen(d->d_name) + 20 > d->d_reclen || d->d_ino == 0)
			return -1;
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			(*dots)++;
		else if (d->d_name[0] == 'e' && d->d_type == DT_REG)
			seen[atoi(d->d_name + 1)]++;
		else if (d->d_name[0] != 'd' || d->d_type != DT_DIR)
			return -1;
		off += d->d_reclen;
	}
	return records;
}

/* Read the rest of the directory @fd with calls of @bufsize bytes (see parse_records). Returns
 * the records, or -1 on error. */
static int read_dir(xptr_t fd, size_t bufsize, int *seen, int *dots)
{
	char *buf = malloc(bufsize);
	int records = 0, r = 0;
	int64_t n = 0;

	while (r >= 0 && (n = vfs_getdents64(fd, (uintptr_t)buf, bufsize)) > 0)
		if ((r = parse_records(buf, n, seen, dots)) >= 0)
			records += r;
	free(buf);
	return (r < 0 || n < 0) ? -1 : records;
}

HT_TEST(getdents_iterates_a_large_directory_in_small_calls)
{
	static int seen[BIG_DIR_ENTRIES];
	char name[300];
	int dots = 0;
	xptr_t fd, f;
	char small[24];

	vfx_setup();
	HT_REQUIRE(vfs_mkdir(ROOT, "/big", 0755) == 0);
	HT_REQUIRE(vfs_mkdir(ROOT, "/big/dsub", 0755) == 0);
	for (int i = 0; i < BIG_DIR_ENTRIES; i++) {
		snprintf(name, sizeof(name), "/big/e%d_%0*d", i, i % 200, 0); /* names of 3..205 bytes */
		f = vfx_open(name, O_CREAT | O_WRONLY);
		HT_REQUIRE(f != XPTR_NULL);
		vfs_close(f);
	}
	HT_REQUIRE(vfs_open(0, ROOT, "/big", O_RDONLY | O_DIRECTORY, 0, &fd) == 0);
	HT_CHECK(vfs_getdents64(fd, (uintptr_t)small, sizeof(small)) == 24); /* "." fits alone */
	HT_CHECK(vfs_getdents64(fd, (uintptr_t)small, 10) == -EINVAL);
	HT_CHECK(vfs_lseek(fd, 0, SEEK_SET) == 0);
	memset(seen, 0, sizeof(seen));
	HT_CHECK(read_dir(fd, 300, seen, &dots) == BIG_DIR_ENTRIES + 3);
	for (int i = 0; i < BIG_DIR_ENTRIES; i++)
		HT_CHECK(seen[i] == 1);
	HT_CHECK(dots == 2);
	HT_CHECK(vfs_getdents64(fd, (uintptr_t)name, sizeof(name)) == 0);  /* at the end */
	/* again in one large call, after lseek to the start */
	HT_CHECK(vfs_lseek(fd, 0, SEEK_SET) == 0);
	HT_CHECK(vfs_lseek(fd, 0, SEEK_END) == -EINVAL);
	memset(seen, 0, sizeof(seen));
	dots = 0;
	HT_CHECK(read_dir(fd, 1 << 16, seen, &dots) == BIG_DIR_ENTRIES + 3);
	/* removals and additions during an iteration: no entry twice, every survivor once */
	HT_CHECK(vfs_lseek(fd, 0, SEEK_SET) == 0);
	memset(seen, 0, sizeof(seen));
	dots = 0;
	{
		char buf[1024];
		int64_t n = vfs_getdents64(fd, (uintptr_t)buf, sizeof(buf));

		HT_CHECK(parse_records(buf, n, seen, &dots) > 0);
		for (int i = 0; i < BIG_DIR_ENTRIES; i += 2) {
			snprintf(name, sizeof(name), "/big/e%d_%0*d", i, i % 200, 0);
			HT_CHECK(vfs_unlink(ROOT, name, 0) == 0);
		}
	}
	HT_CHECK(read_dir(fd, 512, seen, &dots) > 0);
	for (int i = 0; i < BIG_DIR_ENTRIES; i++)
		HT_CHECK(seen[i] <= 1 && (i % 2 == 0 || seen[i] == 1));
	vfs_close(fd);
	HT_CHECK(vfs_open(0, ROOT, "/big/e1_0", O_RDONLY, 0, &fd) == 0);
	HT_CHECK(vfs_getdents64(fd, (uintptr_t)name, sizeof(name)) == -ENOTDIR);
	vfs_close(fd);
	for (int i = 1; i < BIG_DIR_ENTRIES; i += 2) {
		snprintf(name, sizeof(name), "/big/e%d_%0*d", i, i % 200, 0);
		HT_CHECK(vfs_unlink(ROOT, name, 0) == 0);
	}
	HT_CHECK(vfs_unlink(ROOT, "/big/dsub", AT_REMOVEDIR) == 0);
	HT_CHECK(vfs_unlink(ROOT, "/big", AT_REMOVEDIR) == 0);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(getdents_records_match_stat)
{
	char buf[512];
	struct vfs_stat st;
	xptr_t fd;
	int64_t n;
	int found = 0;

	vfx_setup();
	HT_REQUIRE(vfs_open(0, ROOT, "/dev", O_RDONLY, 0, &fd) == 0);
	n = vfs_getdents64(fd, (uintptr_t)buf, sizeof(buf));
	HT_REQUIRE(n > 0);
	for (int64_t off = 0; off < n;) {
		struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
		char path[64];

		snprintf(path, sizeof(path), "/dev/%s", d->d_name);
		xptr_t ixp = vfx_lookup(path, 0);
		HT_REQUIRE(ixp != XPTR_NULL);
		vfs_stat(ixp, &st);
		vfs_inode_put(ixp);
		HT_CHECK(st.st_ino == d->d_ino);
		HT_CHECK(d->d_type == (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") ? DT_CHR : DT_DIR));
		HT_CHECK(d->d_off > 0);
		off += d->d_reclen;
		found++;
	}
	HT_CHECK(found == 5);
	/* lseek to the d_off of the first record goes on from the second one */
	HT_CHECK(vfs_lseek(fd, ((struct linux_dirent64 *)buf)->d_off, SEEK_SET) == 1);
	n = vfs_getdents64(fd, (uintptr_t)buf, sizeof(buf));
	HT_CHECK(n > 0 && !strcmp(((struct linux_dirent64 *)buf)->d_name, ".."));
	vfs_close(fd);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* Everything from cluster 3: inodes in cluster 0, the open file in cluster 3. */
HT_TEST(operations_from_another_cluster)
{
	char buf[32];
	xptr_t f;

	vfx_setup();
	local_cxy = 3;
	HT_REQUIRE(vfs_mkdir(ROOT, "/c3", 0755) == 0);
	HT_REQUIRE(vfs_open(3, ROOT, "/c3/file", O_CREAT | O_RDWR, 0600, &f) == 0);
	HT_CHECK(GET_CXY(f) == 3 && GET_CXY(vfs_file_inode(f)) == 0);
	HT_CHECK(vfx_write_str(f, "from cluster 3") == 14);
	HT_CHECK(vfs_pread(f, (uintptr_t)buf, sizeof(buf), 5) == 9 && !memcmp(buf, "cluster 3", 9));
	vfs_close(f);
	HT_REQUIRE(vfs_open(1, ROOT, "/c3/file", O_RDONLY, 0, &f) == 0);  /* file in cluster 1 */
	HT_CHECK(GET_CXY(f) == 1);
	HT_CHECK(vfs_read(f, (uintptr_t)buf, sizeof(buf)) == 14);
	vfs_close(f);
	vfs_display();
	HT_CHECK(vfs_unlink(ROOT, "/c3/file", 0) == 0);
	HT_CHECK(vfs_unlink(ROOT, "/c3", AT_REMOVEDIR) == 0);
	local_cxy = 0;
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}
