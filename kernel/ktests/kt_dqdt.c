/*
 * kt_dqdt.c - the load tree (kern/dqdt.h): its shape covers every cluster once, its counters follow
 * page allocations and thread counts of each cluster up to the root, and the queries pick the
 * least loaded cluster, near's on a tie. The checks that need a quiet machine run on cluster 0's
 * lid 0 while the other cores wait at the barrier.
 */
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/dqdt.h>
#include <kern/ktest.h>
#include <kern/thread.h>
#include <mm/ppm.h>

#define KT_ORDER 6 /* 64 pages */

/* The root covers every core; the leaves are exact once reported. Every core checks. */
KTEST(dqdt, leaves_and_root_agree)
{
	dqdt_load_t root, leaf, sum = { 0 };

	if (ctx->lid == 0)
		dqdt_update(local_cxy);
	ktest_barrier(ctx);
	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	KT_EXPECT(ctx, dqdt_levels() >= 1 && dqdt_levels() <= DQDT_MAX_LEVELS);
	KT_EXPECT(ctx, cluster_count() == 1 ? dqdt_levels() == 1 : dqdt_levels() >= 2);
	for (cxy_t c = 0; c < cluster_count(); c++) {
		dqdt_update(c);
		dqdt_leaf_load(c, &leaf);
		sum.threads += leaf.threads;
		sum.pages += leaf.pages;
		sum.free_pages += leaf.free_pages;
		KT_EXPECT_EQ(ctx, leaf.threads, hal_remote_l32(XPTR(c, &cluster_manager.threads_nr)));
		KT_EXPECT(ctx, leaf.free_pages > 0 && leaf.pages > 0);
	}
	dqdt_root_load(&root);
	KT_EXPECT_EQ(ctx, root.threads, sum.threads);
	KT_EXPECT_EQ(ctx, root.pages, sum.pages);
	KT_EXPECT_EQ(ctx, root.free_pages, sum.free_pages);
}

/* 64 pages allocated in each cluster in turn show in its leaf and the root once reported. */
KTEST(dqdt, pages_follow_allocations)
{
	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		dqdt_load_t leaf0, root0, leaf1, root1;
		xptr_t block;

		dqdt_update(c);
		dqdt_leaf_load(c, &leaf0);
		dqdt_root_load(&root0);
		block = ppm_remote_alloc_pages(c, KT_ORDER);
		KT_EXPECT(ctx, block != XPTR_NULL);
		if (block == XPTR_NULL)
			return;
		dqdt_update(c);
		dqdt_leaf_load(c, &leaf1);
		dqdt_root_load(&root1);
		KT_EXPECT_EQ(ctx, leaf1.pages - leaf0.pages, 1u << KT_ORDER);
		KT_EXPECT_EQ(ctx, leaf0.free_pages - leaf1.free_pages, 1u << KT_ORDER);
		KT_EXPECT_EQ(ctx, root1.pages - root0.pages, 1u << KT_ORDER);
		ppm_remote_free_pages(block);
		dqdt_update(c);
		dqdt_leaf_load(c, &leaf1);
		dqdt_root_load(&root1);
		KT_EXPECT_EQ(ctx, leaf1.pages, leaf0.pages);
		KT_EXPECT_EQ(ctx, root1.free_pages, root0.free_pages);
	}
}

static void kt_dqdt_nothing(void *arg)
{
	(void)arg;
}

/* A thread made shows in the leaf and the root at once, without a report, and goes when it ends. */
KTEST(dqdt, threads_follow_at_once)
{
	dqdt_load_t leaf0, root0, leaf1, root1;
	thread_t *t;

	if (ctx->cxy != cluster_count() - 1 || ctx->lid != 0)
		return;
	dqdt_leaf_load(local_cxy, &leaf0);
	dqdt_root_load(&root0);
	KT_EXPECT(ctx, thread_kernel_create(&t, THREAD_KERNEL, "kt_dqdt", 0, kt_dqdt_nothing,
					    NULL) == 0);
	dqdt_leaf_load(local_cxy, &leaf1);
	dqdt_root_load(&root1);
	KT_EXPECT_EQ(ctx, leaf1.threads, leaf0.threads + 1);
	KT_EXPECT_EQ(ctx, root1.threads, root0.threads + 1);
	thread_start(t);
	/* its core frees it once it switched away from it */
	KTEST_WAIT_UNTIL((dqdt_leaf_load(local_cxy, &leaf1), leaf1.threads == leaf0.threads));
	KT_EXPECT_EQ(ctx, leaf1.threads, leaf0.threads);
}

/* Load every cluster but @c with threads and give @c many more free pages (the counters are
 * unsigned: adding to one cluster never wraps): every query must then choose @c, whatever the near
 * cluster. The bias is taken back at the end. */
static void only_c_is_free(ktest_ctx_t *ctx, cxy_t c)
{
	for (cxy_t o = 0; o < cluster_count(); o++)
		dqdt_bias(o, o == c ? 0 : 1000 * (int64_t)cluster_cores_of(o), o == c ? 1LL << 40 : 0);
	KT_EXPECT_EQ(ctx, dqdt_get_cluster_for_process(), c);
	for (cxy_t near = 0; near < cluster_count(); near++) {
		KT_EXPECT_EQ(ctx, dqdt_get_cluster_for_thread(near), c);
		KT_EXPECT_EQ(ctx, dqdt_get_cluster_for_memory(near), c);
	}
	for (cxy_t o = 0; o < cluster_count(); o++)
		dqdt_bias(o, o == c ? 0 : -1000 * (int64_t)cluster_cores_of(o), o == c ? -(1LL << 40) : 0);
}

/* Make every leaf's threads per core and free pages equal (biases recorded in @bt, @bf). */
static void equalize(int64_t sign, int64_t *bt, int64_t *bf)
{
	uint64_t max_t = 0, max_f = 0;
	dqdt_load_t l;

	if (sign > 0) {
		for (cxy_t c = 0; c < cluster_count(); c++) {
			dqdt_leaf_load(c, &l);
			if (l.threads * 1024 / cluster_cores_of(c) > max_t)
				max_t = l.threads * 1024 / cluster_cores_of(c);
			if (l.free_pages > max_f)
				max_f = l.free_pages;
		}
		for (cxy_t c = 0; c < cluster_count(); c++) {
			dqdt_leaf_load(c, &l);
			/* threads per core a little over the max, the same everywhere */
			bt[c] = (int64_t)((max_t / 1024 + 2) * cluster_cores_of(c)) - (int64_t)l.threads;
			bf[c] = (int64_t)(max_f + 1000) - (int64_t)l.free_pages;
		}
	}
	for (cxy_t c = 0; c < cluster_count(); c++)
		dqdt_bias(c, sign * bt[c], sign * bf[c]);
}

KTEST(dqdt, queries_pick_least_loaded)
{
	int64_t bt[CONFIG_MAX_CLUSTERS], bf[CONFIG_MAX_CLUSTERS];

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	for (cxy_t c = 0; c < cluster_count(); c++)
		only_c_is_free(ctx, c);
	/* all equal: near's own cluster wins the tie (no report runs meanwhile on this core; the
	 * others wait at the barrier, so the thread counts hold still) */
	equalize(1, bt, bf);
	for (cxy_t near = 0; near < cluster_count(); near++) {
		KT_EXPECT_EQ(ctx, dqdt_get_cluster_for_thread(near), near);
		KT_EXPECT_EQ(ctx, dqdt_get_cluster_for_memory(near), near);
	}
	equalize(-1, bt, bf);
}
