/*
 * kt_dqdt.c - the load tree (kern/dqdt.h): its shape covers every cluster once, its counters follow
 * page allocations and thread counts of each cluster up to the root, and the queries pick the
 * least loaded cluster, near's on a tie. The checks run on cluster 0's lid 0 while the other cores
 * wait at the barrier; what the host's scheduling may still move meanwhile is said below.
 */
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/dqdt.h>
#include <kern/ktest.h>
#include <kern/thread.h>
#include <libk/string.h>
#include <mm/ppm.h>

#define KT_ORDER 6 /* 64 pages */

/*
 * What the tree says is checked against what the clusters hold at that moment, on a machine that is
 * not quite quiet: a core the host ran late may still finish earlier work (a thread made or freed,
 * pages taken), and each cluster reports at its own ticks. So every reading is one the rest of the
 * machine did not move under it: readings are taken again, within the hang bound, until the
 * counters they are compared with held still around them. A tree that does not add up fails every
 * reading, however quiet the machine.
 */

/*
 * Report @c's counters and read its leaf, until the leaf holds exactly @c's PPM counters (@stats)
 * and they held still around the reading. One report may not be enough: the cluster's own periodic
 * report (dqdt_tick) can count the pages before ours and store its older count after ours (each
 * report stores what it counted), leaving the leaf one report behind until the next one. False if
 * the leaf never catches up within the hang bound.
 */
static bool leaf_reported(cxy_t c, dqdt_load_t *leaf, ppm_stats_t *stats)
{
	ppm_stats_t after;

	return KTEST_WAIT_UNTIL((ppm_stats(c, stats), dqdt_update(c), dqdt_leaf_load(c, leaf),
				 ppm_stats(c, &after),
				 stats->alloc_pages == after.alloc_pages &&
				 stats->free_pages == after.free_pages &&
				 leaf->pages == stats->alloc_pages &&
				 leaf->free_pages == stats->free_pages));
}

/* Every leaf, the root, then every leaf again, until both leaf readings agree: a report adds to
 * the leaf before the root, so one that ran in between shows. @sum: the leaves added up. */
static bool tree_read(dqdt_load_t *sum, dqdt_load_t *root)
{
	dqdt_load_t again, leaf;

	return KTEST_WAIT_UNTIL(({
		*sum = again = (dqdt_load_t){ 0 };
		for (cxy_t c = 0; c < cluster_count(); c++) {
			dqdt_leaf_load(c, &leaf);
			sum->threads += leaf.threads;
			sum->pages += leaf.pages;
			sum->free_pages += leaf.free_pages;
		}
		dqdt_root_load(root);
		for (cxy_t c = 0; c < cluster_count(); c++) {
			dqdt_leaf_load(c, &leaf);
			again.threads += leaf.threads;
			again.pages += leaf.pages;
			again.free_pages += leaf.free_pages;
		}
		!memcmp(sum, &again, sizeof(again));
	}));
}

/* The root is the sum of the leaves. */
static void expect_tree_adds_up(ktest_ctx_t *ctx)
{
	dqdt_load_t root, sum;

	KT_EXPECT(ctx, tree_read(&sum, &root));
	KT_EXPECT_EQ(ctx, root.threads, sum.threads);
	KT_EXPECT_EQ(ctx, root.pages, sum.pages);
	KT_EXPECT_EQ(ctx, root.free_pages, sum.free_pages);
}

/* Once reported, each leaf holds its cluster's counters, and the root their sum. */
KTEST(dqdt, leaves_and_root_agree)
{
	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	KT_EXPECT(ctx, dqdt_levels() >= 1 && dqdt_levels() <= DQDT_MAX_LEVELS);
	KT_EXPECT(ctx, cluster_count() == 1 ? dqdt_levels() == 1 : dqdt_levels() >= 2);
	for (cxy_t c = 0; c < cluster_count(); c++) {
		dqdt_load_t leaf;
		ppm_stats_t stats;
		uint32_t threads;

		xptr_t threads_xp = XPTR(c, &cluster_manager.threads_nr);

		KT_EXPECT(ctx, KTEST_WAIT_UNTIL((threads = hal_remote_l32(threads_xp), dqdt_update(c),
						  dqdt_leaf_load(c, &leaf),
						  threads == hal_remote_l32(threads_xp))));
		KT_EXPECT_EQ(ctx, leaf.threads, threads);
		KT_EXPECT(ctx, leaf_reported(c, &leaf, &stats));
		KT_EXPECT(ctx, leaf.free_pages > 0 && leaf.pages > 0);
	}
	expect_tree_adds_up(ctx);
}

/* 64 pages allocated in each cluster in turn show in its leaf once reported (the PPM counted them:
 * 64 more allocated), and the root still adds up; freed, they go the same way. */
KTEST(dqdt, pages_follow_allocations)
{
	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		dqdt_load_t leaf0, leaf1;
		ppm_stats_t stats0, stats1;
		xptr_t block;

		KT_EXPECT(ctx, leaf_reported(c, &leaf0, &stats0));
		block = ppm_remote_alloc_pages(c, KT_ORDER);
		KT_EXPECT(ctx, block != XPTR_NULL);
		if (block == XPTR_NULL)
			return;
		KT_EXPECT(ctx, leaf_reported(c, &leaf1, &stats1));
		KT_EXPECT(ctx, stats1.alloc_calls > stats0.alloc_calls);
		expect_tree_adds_up(ctx);
		ppm_remote_free_pages(block);
		KT_EXPECT(ctx, leaf_reported(c, &leaf1, &stats1));
		expect_tree_adds_up(ctx);
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

/* True if every leaf's threads per core and free pages are those of @l[0] and the same as @l's. */
static bool leaves_tied(const dqdt_load_t *l, bool compare)
{
	for (cxy_t c = 0; c < cluster_count(); c++) {
		dqdt_load_t now;

		dqdt_leaf_load(c, &now);
		if (compare && (now.threads != l[c].threads || now.free_pages != l[c].free_pages))
			return false;
		if (now.threads * 1024 / cluster_cores_of(c) != l[0].threads * 1024 / cluster_cores_of(0) ||
		    now.free_pages != l[0].free_pages)
			return false;
	}
	return true;
}

/*
 * @query(@near) with every leaf tied, or -1. The tie holds only while no cluster reports new
 * counts: each cluster's core 0 reports its threads and pages every few ticks, and other cores
 * still make and free threads and pages (a deferred free, a kernel stack), so a report may land
 * between the equalization and the query (x86_64 4x2 CI beside a fuzzer: cluster 3's free pages
 * moved, and the memory query chose it over near). The leaves are read before and after the
 * query: a query they did not stay tied across says nothing of ties, and is made again.
 */
static int tied_query(cxy_t (*query)(cxy_t), cxy_t near)
{
	for (int round = 0; round < 100; round++) {
		int64_t bt[CONFIG_MAX_CLUSTERS], bf[CONFIG_MAX_CLUSTERS];
		dqdt_load_t l[CONFIG_MAX_CLUSTERS];
		bool tied;
		cxy_t got;

		equalize(1, bt, bf);
		for (cxy_t c = 0; c < cluster_count(); c++)
			dqdt_leaf_load(c, &l[c]);
		tied = leaves_tied(l, false);
		got = query(near);
		tied = tied && leaves_tied(l, true);
		equalize(-1, bt, bf);
		if (tied)
			return got;
	}
	return -1;
}

KTEST(dqdt, queries_pick_least_loaded)
{
	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	for (cxy_t c = 0; c < cluster_count(); c++)
		only_c_is_free(ctx, c);
	/* all equal: near's own cluster wins the tie */
	for (cxy_t near = 0; near < cluster_count(); near++) {
		KT_EXPECT_EQ(ctx, tied_query(dqdt_get_cluster_for_thread, near), near);
		KT_EXPECT_EQ(ctx, tied_query(dqdt_get_cluster_for_memory, near), near);
	}
}
