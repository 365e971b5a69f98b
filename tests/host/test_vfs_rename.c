/*
 * test_vfs_rename.c - rename, link, chmod, utimens and statfs of the VFS on the host: every check
 * of Linux's rename in its order, exchange, replacement of files and directories with the link
 * counts and ".." that follow, hard links, the file systems of / and /dev (EXDEV, EBUSY), renames
 * racing with lookups and getcwd from threads of other clusters, and the counters back to their
 * baseline (no leak) after each test.
 */
#include <fs/vfs_private.h>
#include <libk/errno.h>

#include "htest.h"
#include "vfs_fixture.h"
#include <fs/mapper.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define ROOT XPTR_NULL
#define NOREPLACE VFS_RENAME_NOREPLACE
#define EXCHANGE  VFS_RENAME_EXCHANGE

static bool mkfile(const char *path, const char *text)
{
	xptr_t f = vfx_open(path, O_CREAT | O_WRONLY | O_TRUNC);
	bool ok = f != XPTR_NULL && vfx_write_str(f, text) == (int64_t)strlen(text);

	if (f != XPTR_NULL)
		vfs_close(f);
	return ok;
}

static int rn(const char *a, const char *b, uint32_t flags)
{
	return vfs_rename(ROOT, a, ROOT, b, flags);
}

static bool build(void)
{
	return vfs_mkdir(ROOT, "/r", 0755) == 0 && vfs_mkdir(ROOT, "/r/d1", 0755) == 0 &&
	       vfs_mkdir(ROOT, "/r/d1/sub", 0755) == 0 && vfs_mkdir(ROOT, "/r/d2", 0755) == 0 &&
	       mkfile("/r/f", "file f") && mkfile("/r/g", "file g") && mkfile("/r/d1/sub/x", "x");
}

static void clean(const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (vfs_unlink(ROOT, paths[i], 0) == EISDIR)
			vfs_unlink(ROOT, paths[i], AT_REMOVEDIR);
	}
}

HT_TEST(rename_moves_and_replaces)
{
	static const char *const paths[] = { "/r/d2/d1/sub/x", "/r/d2/d1/sub", "/r/d2/d1", "/r/d2/g",
					     "/r/d2", "/r/h", "/r" };
	xptr_t f, dotdot, d2;

	vfx_setup();
	HT_REQUIRE(build());
	HT_CHECK(rn("/r/f", "/r/h", 0) == 0 && vfx_file_is("/r/h", "file f", 6) && vfx_lookup_err("/r/f", 0) == ENOENT);
	/* a file replaced: still readable through an open file, with no link left */
	f = vfx_open("/r/h", O_RDONLY);
	HT_REQUIRE(f != XPTR_NULL);
	HT_CHECK(rn("/r/g", "/r/h", 0) == 0 && vfx_file_is("/r/h", "file g", 6));
	struct vfs_stat st;
	vfs_stat(vfs_file_inode(f), &st);
	HT_CHECK(st.st_nlink == 0);
	vfs_close(f);
	/* a directory moves: link counts and ".." follow */
	HT_CHECK(vfx_nlink("/r") == 4 && rn("/r/d1", "/r/d2/d1", 0) == 0 && vfx_nlink("/r") == 3 && vfx_nlink("/r/d2") == 3);
	dotdot = vfx_lookup("/r/d2/d1/..", 0);
	d2 = vfx_lookup("/r/d2", 0);
	HT_CHECK(dotdot == d2 && dotdot != XPTR_NULL);
	vfs_inode_put(dotdot);
	vfs_inode_put(d2);
	char cwd[64];
	xptr_t sub = vfx_lookup("/r/d2/d1/sub", 0);
	HT_CHECK(vfs_path_of(sub, cwd, sizeof(cwd)) == 0 && !strcmp(cwd, "/r/d2/d1/sub"));
	vfs_inode_put(sub);
	HT_CHECK(mkfile("/r/d2/g", "g2"));
	clean(paths, sizeof(paths) / sizeof(paths[0]));
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(rename_errors_in_linux_order)
{
	static const char *const paths[] = { "/r/d1/sub/x", "/r/d1/sub", "/r/d1", "/r/d2/y", "/r/d2",
					     "/r/f", "/r/g", "/r/e", "/r" };

	vfx_setup();
	HT_REQUIRE(build());
	HT_REQUIRE(vfs_mkdir(ROOT, "/r/e", 0755) == 0 && mkfile("/r/d2/y", "y"));
	HT_CHECK(rn("/r/none", "/r/z", 0) == ENOENT);
	HT_CHECK(rn("/r/f", "/r/none/z", 0) == ENOENT);
	HT_CHECK(rn("/r/f", "/r/g", NOREPLACE) == EEXIST);
	HT_CHECK(rn("/r/f", "/r/z", EXCHANGE) == ENOENT);
	HT_CHECK(rn("/r/f/", "/r/z", 0) == ENOTDIR);
	HT_CHECK(rn("/r/f", "/r/z/", 0) == ENOTDIR);
	HT_CHECK(rn("/r/d1", "/r/d1/sub/in", 0) == EINVAL);
	HT_CHECK(rn("/r/d1", "/r/d1", 0) == 0);              /* the same name: nothing */
	HT_CHECK(rn("/r/d1/sub", "/r/d1", 0) == ENOTEMPTY); /* over its own ancestor */
	HT_CHECK(rn("/r/d1", "/r/d2", 0) == ENOTEMPTY);
	HT_CHECK(rn("/r/f", "/r/e", 0) == EISDIR);
	HT_CHECK(rn("/r/e", "/r/f", 0) == ENOTDIR);
	HT_CHECK(rn("/", "/r/z", 0) == EBUSY && rn("/r/..", "/r/z", 0) == EBUSY);
	HT_CHECK(rn("/r/f", "/", 0) == EBUSY && rn("/r/f", "/", NOREPLACE) == EEXIST);
	HT_CHECK(rn("/dev/null", "/r/null", 0) == EXDEV && rn("/r/f", "/dev/f", 0) == EXDEV);
	HT_CHECK(rn("/dev", "/r/dev", 0) == EBUSY && rn("/r/e", "/dev", 0) == EBUSY);
	/* nothing changed */
	HT_CHECK(vfx_file_is("/r/f", "file f", 6) && vfx_file_is("/r/g", "file g", 6) && vfx_nlink("/r") == 5);
	/* exchange: a file and a directory swap in one directory, then across two */
	HT_CHECK(rn("/r/f", "/r/d2", EXCHANGE) == 0 && vfx_file_is("/r/d2", "file f", 6) &&
		 vfx_file_is("/r/f/y", "y", 1) && vfx_nlink("/r") == 5);
	HT_CHECK(rn("/r/f", "/r/d2", EXCHANGE) == 0 && vfx_nlink("/r") == 5);
	HT_CHECK(rn("/r/d2", "/r/d1/sub/x", EXCHANGE) == 0 && vfx_nlink("/r") == 4 && vfx_nlink("/r/d1/sub") == 3 &&
		 vfx_file_is("/r/d2", "x", 1) && vfx_file_is("/r/d1/sub/x/y", "y", 1));
	xptr_t dd = vfx_lookup("/r/d1/sub/x/..", 0), s = vfx_lookup("/r/d1/sub", 0);
	HT_CHECK(dd == s && dd != XPTR_NULL);
	vfs_inode_put(dd);
	vfs_inode_put(s);
	HT_CHECK(rn("/r/d2", "/r/d1/sub/x", EXCHANGE) == 0 && vfx_nlink("/r") == 5 && vfx_nlink("/r/d1/sub") == 2);
	HT_CHECK(rn("/r/e", "/r/d2/e2", 0) == 0 && rn("/r/d2/e2", "/r/e", 0) == 0);
	clean(paths, sizeof(paths) / sizeof(paths[0]));
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(link_chmod_utimens_statfs)
{
	struct vfs_statfs sf;
	struct vfs_stat st;
	vfs_time_t a = { 100, 5 }, m = { 200, 6 };
	xptr_t ixp;

	vfx_setup();
	HT_REQUIRE(mkfile("/lf", "shared"));
	HT_CHECK(vfs_link(ROOT, "/lf", ROOT, "/lf2", false) == 0 && vfx_nlink("/lf") == 2 && vfx_ino("/lf") == vfx_ino("/lf2"));
	HT_CHECK(vfs_link(ROOT, "/lf", ROOT, "/lf2", false) == EEXIST);
	HT_CHECK(vfs_link(ROOT, "/tmp", ROOT, "/tl", false) == EPERM);
	HT_CHECK(vfs_link(ROOT, "/dev/null", ROOT, "/nl", false) == EXDEV);
	HT_CHECK(vfs_link(ROOT, "/lf", ROOT, "/nl/", false) == ENOENT);
	HT_CHECK(vfs_link(ROOT, "/lf", ROOT, "/", false) == EEXIST);
	HT_CHECK(vfs_symlink(ROOT, "/lf", "/sl") == 0);
	HT_CHECK(vfs_link(ROOT, "/sl", ROOT, "/slf", true) == 0 && vfx_ino("/slf") == vfx_ino("/lf") && vfx_nlink("/lf") == 3);
	HT_CHECK(vfs_link(ROOT, "/sl", ROOT, "/sln", false) == 0 && vfx_ino("/sln") == vfx_ino("/sl"));
	ixp = vfx_lookup("/lf", 0);
	HT_REQUIRE(ixp != XPTR_NULL);
	HT_CHECK(vfs_chmod(ixp, 0104755) == 0 && vfs_stat(ixp, &st) == 0 && st.st_mode == (S_IFREG | 04755));
	vfs_utimens(ixp, &a, NULL);
	vfs_stat(ixp, &st);
	HT_CHECK(st.st_atime == 100 && st.st_atime_nsec == 5 && st.st_mtime != 200);
	vfs_utimens(ixp, NULL, &m);
	vfs_stat(ixp, &st);
	HT_CHECK(st.st_atime == 100 && st.st_mtime == 200 && st.st_mtime_nsec == 6);
	vfs_statfs(ixp, &sf);
	HT_CHECK(sf.type == 0x858458f6 && sf.bsize == 4096 && sf.blocks > 0 && sf.bfree <= sf.blocks);
	vfs_inode_put(ixp);
	ixp = vfx_lookup("/dev/zero", 0);
	vfs_statfs(ixp, &sf);
	vfs_stat(ixp, &st);
	HT_CHECK(sf.type == 0x01021994 && st.st_dev == 2);
	vfs_inode_put(ixp);
	static const char *const paths[] = { "/lf", "/lf2", "/sl", "/slf", "/sln" };
	clean(paths, 5);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* A truncation that cuts a held (mapped) page asks for the mappings to go; one that cuts only
 * unheld pages, or grows the file, does not. */
HT_TEST(truncate_of_held_pages_unmaps)
{
	xptr_t ixp, page;

	vfx_setup();
	HT_REQUIRE(mkfile("/big", "x"));
	ixp = vfx_lookup("/big", 0);
	HT_REQUIRE(ixp != XPTR_NULL && vfs_truncate(ixp, 5 * 4096) == 0);
	HT_REQUIRE(mapper_hold_page(vfs_inode_mapper(ixp), 3, true, &page) == 0);
	vfx_unmap_calls = 0;
	HT_CHECK(vfs_truncate(ixp, 4 * 4096 + 10) == 0 && vfx_unmap_calls == 0); /* page 3 stays */
	HT_CHECK(vfs_truncate(ixp, 8 * 4096) == 0 && vfx_unmap_calls == 0);      /* grows        */
	HT_CHECK(vfs_truncate(ixp, 100) == 0 && vfx_unmap_calls == 1 && vfx_unmap_size == 100);
	HT_CHECK(vfs_inode_size(ixp) == 100);
	mapper_release_page(page); /* the orphan goes with its last holder */
	vfs_inode_put(ixp);
	vfs_unlink(ROOT, "/big", 0);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* Threads rename a directory back and forth while others walk through it and ask its path. */
static int race_stop; /* atomic */
static int race_errors;

typedef struct race_arg_s {
	lid_t lid;
	bool  mover;
} race_arg_t;

static void *race_thread(void *p)
{
	race_arg_t *a = p;
	char cwd[64];

	host_lid = a->lid;
	for (int i = 0; a->mover ? i < 300 : !__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE); i++) {
		if (a->mover) {
			int e = rn(i % 2 ? "/q/b" : "/q/a", i % 2 ? "/q/a" : "/q/b", 0);
			if (e && e != ENOENT)
				__atomic_fetch_add(&race_errors, 1, __ATOMIC_RELAXED);
		} else {
			xptr_t ixp;
			error_t e = vfs_lookup(ROOT, i % 2 ? "/q/a/s/../s/f" : "/q/b/s/..", 0, &ixp);
			if (!e) {
				if (vfs_inode_is_dir(ixp) && vfs_path_of(ixp, cwd, sizeof(cwd)) == 0 &&
				    strcmp(cwd, "/q/a") && strcmp(cwd, "/q/b"))
					__atomic_fetch_add(&race_errors, 1, __ATOMIC_RELAXED);
				vfs_inode_put(ixp);
			} else if (e != ENOENT) {
				__atomic_fetch_add(&race_errors, 1, __ATOMIC_RELAXED);
			}
		}
	}
	return NULL;
}

HT_TEST(rename_races_lookups)
{
	race_arg_t args[4] = { { 1, true }, { 2, true }, { 3, false }, { 4, false } };
	pthread_t t[4];

	vfx_setup();
	HT_REQUIRE(vfs_mkdir(ROOT, "/q", 0755) == 0 && vfs_mkdir(ROOT, "/q/a", 0755) == 0 &&
		   vfs_mkdir(ROOT, "/q/a/s", 0755) == 0 && mkfile("/q/a/s/f", "f"));
	__atomic_store_n(&race_stop, 0, __ATOMIC_RELEASE);
	race_errors = 0;
	for (int i = 0; i < 4; i++)
		HT_REQUIRE(pthread_create(&t[i], NULL, race_thread, &args[i]) == 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
	pthread_join(t[2], NULL);
	pthread_join(t[3], NULL);
	HT_CHECK(race_errors == 0);
	HT_CHECK((vfx_lookup_err("/q/a", 0) == 0) != (vfx_lookup_err("/q/b", 0) == 0));
	rn("/q/b", "/q/a", 0);
	static const char *const paths[] = { "/q/a/s/f", "/q/a/s", "/q/a", "/q" };
	clean(paths, 4);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}
