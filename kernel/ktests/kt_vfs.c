/*
 * kt_vfs.c - the VFS from every core of every cluster: a file made by cluster 0 read everywhere,
 * concurrent writers (own files, O_APPEND on one file, one open file shared by all), names made and
 * removed concurrently, /dev/null and /dev/zero. Kernel buffers (vfs_kread / vfs_kwrite): the copies
 * to and from user space are the host tests' and the user programs' business. Each case checks that
 * the VFS counters and every cluster's free pages come back to where they were.
 */
#include <fs/mapper.h>
#include <fs/vfs.h>
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

#define HELLO_SIZE (3 * CONFIG_PAGE_SIZE + 123)  /* four pages, the last one partly */
#define RECORDS    40
#define REC_SIZE   64

static xptr_t kt_shared_file;    /* cluster 0's copy: one open file shared by every core */
static vfs_stats_t kt_stats;     /* cluster 0's copy: counters at the start of a case    */
static uint64_t kt_free_pages;   /* each cluster's copy: its free pages at the start     */

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 8));
}

/* Start of a case: cluster 0 records the counters, each cluster its free pages. */
static void leak_check_start(ktest_ctx_t *ctx)
{
	ktest_barrier(ctx);
	if (ctx->lid == 0)
		kt_free_pages = ktest_free_pages();
	if (ctx->cxy == 0 && ctx->lid == 0)
		vfs_stats(&kt_stats);
	ktest_barrier(ctx);
}

/* End of a case: everything the case made is gone. */
static void leak_check_end(ktest_ctx_t *ctx)
{
	vfs_stats_t now;

	ktest_barrier(ctx);
	if (ctx->cxy == 0 && ctx->lid == 0) {
		vfs_stats(&now);
		KT_EXPECT_EQ(ctx, now.inodes, kt_stats.inodes);
		KT_EXPECT_EQ(ctx, now.dentries, kt_stats.dentries);
		KT_EXPECT_EQ(ctx, now.files, kt_stats.files);
		KT_EXPECT_EQ(ctx, now.mapper_pages, kt_stats.mapper_pages);
		KT_EXPECT_EQ(ctx, now.mapper_nodes, kt_stats.mapper_nodes);
	}
	ktest_barrier(ctx);
	if (ctx->lid == 0)
		KT_EXPECT_EQ(ctx, ktest_free_pages(), kt_free_pages);
}

/* Cluster 0 writes a file; every core opens it in its own cluster and reads it back. */
KTEST(vfs, file_of_cluster_0_read_everywhere)
{
	struct vfs_stat st;
	uint8_t *buf;
	xptr_t f;

	leak_check_start(ctx);
	buf = kmem_alloc(HELLO_SIZE + 16, 0);
	if (buf && ctx->cxy == 0 && ctx->lid == 0) {
		for (uint64_t i = 0; i < HELLO_SIZE; i++)
			buf[i] = pattern(i);
		KT_EXPECT_EQ(ctx, vfs_open(0, XPTR_NULL, "/tmp/kt_hello", O_CREAT | O_EXCL | O_WRONLY,
					   0644, &f), 0);
		KT_EXPECT_EQ(ctx, vfs_kwrite(f, buf, HELLO_SIZE), HELLO_SIZE);
		vfs_close(f);
	}
	ktest_barrier(ctx);
	KT_EXPECT(ctx, buf != NULL);
	if (buf && vfs_open(local_cxy, XPTR_NULL, "/tmp/kt_hello", O_RDONLY, 0, &f) == 0) {
		KT_EXPECT_EQ(ctx, GET_CXY(f), local_cxy);
		KT_EXPECT_EQ(ctx, GET_CXY(vfs_file_inode(f)), 0);
		memset(buf, 0, HELLO_SIZE);
		KT_EXPECT_EQ(ctx, vfs_kread(f, buf, HELLO_SIZE + 16), HELLO_SIZE);
		for (uint64_t i = 0; i < HELLO_SIZE; i++)
			if (buf[i] != pattern(i)) {
				KT_EXPECT_EQ(ctx, buf[i], pattern(i));
				break;
			}
		KT_EXPECT_EQ(ctx, vfs_kread(f, buf, 16), 0);
		KT_EXPECT_EQ(ctx, vfs_kernel_read(vfs_file_inode(f), CONFIG_PAGE_SIZE - 1, buf, 2), 2);
		KT_EXPECT_EQ(ctx, buf[1], pattern(CONFIG_PAGE_SIZE));
		KT_EXPECT_EQ(ctx, vfs_stat(vfs_file_inode(f), &st), 0);
		KT_EXPECT_EQ(ctx, st.st_size, HELLO_SIZE);
		KT_EXPECT_EQ(ctx, st.st_blocks, 4 * (CONFIG_PAGE_SIZE / 512));
		vfs_close(f);
	} else {
		ktest_fail(ctx, __FILE__, __LINE__, "cannot open /tmp/kt_hello");
	}
	kmem_free(buf);
	ktest_barrier(ctx);
	if (ctx->cxy == 0 && ctx->lid == 0)
		KT_EXPECT_EQ(ctx, vfs_unlink(XPTR_NULL, "/tmp/kt_hello", 0), 0);
	leak_check_end(ctx);
}

/* Every record of the file @ixp (@rec bytes each) is whole: one core's, not torn. */
static bool records_whole(xptr_t ixp, size_t rec, size_t count)
{
	uint8_t r[REC_SIZE];

	for (size_t i = 0; i < count; i++) {
		if (vfs_kernel_read(ixp, i * rec, r, rec) != (int64_t)rec)
			return false;
		for (size_t j = 2; j < rec; j++)
			if (r[j] != r[1])
				return false;
	}
	return true;
}

/* One core's writes: its own file, the O_APPEND file, the shared open file. */
static void write_records(ktest_ctx_t *ctx)
{
	char path[48];
	uint8_t rec[REC_SIZE];
	xptr_t own, app, shared = hal_remote_lxp(XPTR(0, &kt_shared_file));

	snprintf(path, sizeof(path), "/tmp/kt_own_%u_%u", ctx->cxy, ctx->lid);
	KT_EXPECT_EQ(ctx, vfs_open(local_cxy, XPTR_NULL, path, O_CREAT | O_WRONLY, 0644, &own), 0);
	KT_EXPECT_EQ(ctx, vfs_open(local_cxy, XPTR_NULL, "/tmp/kt_append",
				   O_CREAT | O_WRONLY | O_APPEND, 0644, &app), 0);
	memset(rec, 'A' + (ctx->cxy * 8 + ctx->lid) % 50, sizeof(rec));
	for (uint32_t i = 0; i < RECORDS; i++) {
		rec[0] = (uint8_t)i;
		KT_EXPECT_EQ(ctx, vfs_kwrite(own, rec, REC_SIZE), REC_SIZE);
		KT_EXPECT_EQ(ctx, vfs_kwrite(app, rec, REC_SIZE), REC_SIZE);
		KT_EXPECT_EQ(ctx, vfs_kwrite(shared, rec, REC_SIZE / 2), REC_SIZE / 2);
	}
	vfs_close(own);
	vfs_close(app);
}

/* Writers on every core: sizes add up exactly, no record is torn. */
KTEST(vfs, concurrent_writers_from_every_cluster)
{
	uint32_t cores = ctx->cores_nr;
	char path[48];
	xptr_t f, ixp;

	leak_check_start(ctx);
	if (ctx->cxy == 0 && ctx->lid == 0) {
		KT_EXPECT_EQ(ctx, vfs_open(0, XPTR_NULL, "/tmp/kt_shared", O_CREAT | O_WRONLY, 0644,
					   &f), 0);
		hal_remote_sxp(XPTR(0, &kt_shared_file), f);
	}
	ktest_barrier(ctx);
	write_records(ctx);
	ktest_barrier(ctx);
	snprintf(path, sizeof(path), "/tmp/kt_own_%u_%u", ctx->cxy, ctx->lid);
	KT_EXPECT_EQ(ctx, vfs_lookup(XPTR_NULL, path, 0, &ixp), 0);
	KT_EXPECT_EQ(ctx, vfs_inode_size(ixp), RECORDS * REC_SIZE);
	KT_EXPECT(ctx, records_whole(ixp, REC_SIZE, RECORDS));
	vfs_inode_put(ixp);
	KT_EXPECT_EQ(ctx, vfs_unlink(XPTR_NULL, path, 0), 0);
	if (ctx->cxy == 0 && ctx->lid == 0) {
		KT_EXPECT_EQ(ctx, vfs_lookup(XPTR_NULL, "/tmp/kt_append", 0, &ixp), 0);
		KT_EXPECT_EQ(ctx, vfs_inode_size(ixp), (uint64_t)cores * RECORDS * REC_SIZE);
		KT_EXPECT(ctx, records_whole(ixp, REC_SIZE, cores * RECORDS));
		vfs_inode_put(ixp);
		ixp = vfs_file_inode(hal_remote_lxp(XPTR(0, &kt_shared_file)));
		KT_EXPECT_EQ(ctx, vfs_inode_size(ixp), (uint64_t)cores * RECORDS * REC_SIZE / 2);
		KT_EXPECT(ctx, records_whole(ixp, REC_SIZE / 2, cores * RECORDS));
		vfs_close(hal_remote_lxp(XPTR(0, &kt_shared_file)));
		KT_EXPECT_EQ(ctx, vfs_unlink(XPTR_NULL, "/tmp/kt_append", 0), 0);
		KT_EXPECT_EQ(ctx, vfs_unlink(XPTR_NULL, "/tmp/kt_shared", 0), 0);
	}
	leak_check_end(ctx);
}

/* Every core makes a directory tree of its own under a shared one, walks it, removes it. */
KTEST(vfs, names_from_every_cluster)
{
	char dir[48], path[96], cwd_path[96];
	xptr_t cwd, ixp;

	leak_check_start(ctx);
	vfs_mkdir(XPTR_NULL, "/tmp/kt_names", 0755);             /* one core wins: EEXIST else */
	snprintf(dir, sizeof(dir), "/tmp/kt_names/c%u_%u", ctx->cxy, ctx->lid);
	KT_EXPECT_EQ(ctx, vfs_mkdir(XPTR_NULL, dir, 0700), 0);
	KT_EXPECT_EQ(ctx, vfs_chdir(XPTR_NULL, dir, &cwd), 0);
	KT_EXPECT_EQ(ctx, vfs_mkdir(cwd, "sub", 0755), 0);
	KT_EXPECT_EQ(ctx, vfs_symlink(cwd, "sub", "link"), 0);
	KT_EXPECT_EQ(ctx, vfs_lookup(cwd, "link/../link/.", VFS_LOOKUP_FOLLOW, &ixp), 0);
	KT_EXPECT(ctx, vfs_inode_is_dir(ixp));
	KT_EXPECT_EQ(ctx, vfs_path_of(ixp, cwd_path, sizeof(cwd_path)), 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	KT_EXPECT(ctx, !strcmp(cwd_path, path));
	vfs_inode_put(ixp);
	KT_EXPECT_EQ(ctx, vfs_lookup(cwd, "/dev/zero", 0, &ixp), 0);
	vfs_inode_put(ixp);
	KT_EXPECT_EQ(ctx, vfs_unlink(cwd, "sub", 0), EISDIR);
	KT_EXPECT_EQ(ctx, vfs_unlink(cwd, "link", 0), 0);
	KT_EXPECT_EQ(ctx, vfs_unlink(cwd, "sub", AT_REMOVEDIR), 0);
	KT_EXPECT_EQ(ctx, vfs_unlink(XPTR_NULL, dir, AT_REMOVEDIR), 0);
	KT_EXPECT_EQ(ctx, vfs_mkdir(cwd, "late", 0755), ENOENT);  /* removed while it is our cwd */
	vfs_inode_put(cwd);
	ktest_barrier(ctx);
	if (ctx->cxy == 0 && ctx->lid == 0)
		KT_EXPECT_EQ(ctx, vfs_unlink(XPTR_NULL, "/tmp/kt_names", AT_REMOVEDIR), 0);
	leak_check_end(ctx);
}

/* /dev/null swallows and reads nothing; /dev/zero reads zeros; from every cluster. */
KTEST(vfs, null_and_zero_from_every_cluster)
{
	uint8_t buf[300];
	xptr_t f;

	leak_check_start(ctx);
	KT_EXPECT_EQ(ctx, vfs_open(local_cxy, XPTR_NULL, "/dev/null", O_RDWR, 0, &f), 0);
	KT_EXPECT_EQ(ctx, vfs_kread(f, buf, sizeof(buf)), 0);
	KT_EXPECT_EQ(ctx, vfs_kwrite(f, buf, sizeof(buf)), sizeof(buf));
	vfs_close(f);
	KT_EXPECT_EQ(ctx, vfs_open(local_cxy, XPTR_NULL, "/dev/zero", O_RDONLY, 0, &f), 0);
	memset(buf, 0xa5, sizeof(buf));
	KT_EXPECT_EQ(ctx, vfs_kread(f, buf, sizeof(buf)), sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i]) {
			KT_EXPECT_EQ(ctx, buf[i], 0);
			break;
		}
	KT_EXPECT_EQ(ctx, vfs_kwrite(f, buf, 1), -EBADF);
	vfs_close(f);
	KT_EXPECT_EQ(ctx, vfs_open(local_cxy, XPTR_NULL, "/dev/null", O_WRONLY | O_DIRECTORY, 0,
				   &f), ENOTDIR);
	leak_check_end(ctx);
}
