/*
 * kt_mm.c - in-kernel tests of the physical page manager and the object caches, local and remote.
 */
#include <hal_boot.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <mm/kmem.h>
#include <mm/ppm.h>

#define FRAMES_PER_CORE 16

static uint64_t free_pages_of(cxy_t cxy)
{
	ppm_stats_t stats;

	ppm_stats(cxy, &stats);
	return stats.free_pages;
}

static bool pa_in_cluster(paddr_t pa, cxy_t cxy)
{
	const boot_cluster_t *bc = &boot_info.cluster[cxy];
	return pa >= bc->mem_base && pa - bc->mem_base < bc->mem_size;
}

/* Frames allocated locally belong to the cluster's own node, blocks aligned on their size. */
KTEST(ppm, local_frames_in_own_node)
{
	xptr_t pages[FRAMES_PER_CORE];
	uint64_t before = 0;

	if (ctx->lid == 0)
		before = free_pages_of(local_cxy);
	ktest_barrier(ctx);
	for (uint32_t i = 0; i < FRAMES_PER_CORE; i++) {
		uint32_t order = i % 5;
		pages[i] = ppm_alloc_pages(order);
		KT_EXPECT(ctx, pages[i] != XPTR_NULL);
		if (pages[i] == XPTR_NULL)
			continue;
		paddr_t pa = ppm_page2base(pages[i]);
		KT_EXPECT_EQ(ctx, GET_CXY(pages[i]), local_cxy);
		KT_EXPECT(ctx, pa_in_cluster(pa, local_cxy));
		KT_EXPECT_EQ(ctx, pa & ((CONFIG_PAGE_SIZE << order) - 1), 0);
		KT_EXPECT_EQ(ctx, cluster_of_paddr(pa), local_cxy);
	}
	for (uint32_t i = 0; i < FRAMES_PER_CORE; i++)
		if (pages[i] != XPTR_NULL)
			ppm_remote_free_pages(pages[i]);
	ktest_barrier(ctx);
	if (ctx->lid == 0)
		KT_EXPECT_EQ(ctx, free_pages_of(local_cxy), before);
}

/* Every core allocates a frame in every cluster, writes it remotely, reads it back, frees it. */
KTEST(ppm, remote_alloc_in_every_cluster)
{
	uint64_t before = 0;

	if (ctx->lid == 0)
		before = free_pages_of(local_cxy);
	ktest_barrier(ctx);
	for (cxy_t c = 0; c < cluster_count(); c++) {
		xptr_t page = ppm_remote_alloc_pages(c, 1);
		KT_EXPECT(ctx, page != XPTR_NULL);
		if (page == XPTR_NULL)
			continue;
		KT_EXPECT_EQ(ctx, GET_CXY(page), c);
		KT_EXPECT(ctx, pa_in_cluster(ppm_page2base(page), c));
		xptr_t frame = XPTR(c, ppm_page2kva(page));
		uint64_t tag = ((uint64_t)local_cxy << 32) | ctx->lid;
		for (uint32_t off = 0; off < 2 * CONFIG_PAGE_SIZE; off += 512)
			hal_remote_s64(frame + off, tag ^ off);
		for (uint32_t off = 0; off < 2 * CONFIG_PAGE_SIZE; off += 512)
			KT_EXPECT_EQ(ctx, hal_remote_l64(frame + off), tag ^ off);
		ppm_remote_free_pages(page);
	}
	ktest_barrier(ctx);
	if (ctx->lid == 0)
		KT_EXPECT_EQ(ctx, free_pages_of(local_cxy), before);
}

/* Objects of every size class in every cluster: usable, in the right node, freed to baseline. */
KTEST(kmem, objects_in_every_cluster)
{
	static const size_t sizes[] = { 1, 24, 64, 100, 512, 2048, 5000, 3 * CONFIG_PAGE_SIZE };
	uint64_t before = 0;

	ktest_barrier(ctx);
	if (ctx->lid == 0)
		before = ktest_free_pages();
	ktest_barrier(ctx);
	for (cxy_t c = 0; c < cluster_count(); c++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint8_t *obj = kmem_remote_alloc(c, sizes[i], KMEM_ZERO);
			KT_EXPECT(ctx, obj != NULL);
			if (!obj)
				continue;
			KT_EXPECT(ctx, pa_in_cluster(hal_kva_to_paddr(obj), c));
			KT_EXPECT_EQ(ctx, hal_remote_lb(XPTR(c, obj + sizes[i] - 1)), 0);
			hal_remote_memset(XPTR(c, obj), 0x5a, sizes[i]);
			KT_EXPECT_EQ(ctx, hal_remote_lb(XPTR(c, obj + sizes[i] / 2)), 0x5a);
			kmem_remote_free(c, obj);
		}
	}
	ktest_barrier(ctx);
	if (ctx->lid == 0)
		KT_EXPECT_EQ(ctx, ktest_free_pages(), before);
}
