/*
 * test_ppm.c - the buddy allocator (mm/ppm.c) on simulated clusters (mm_fixture.h).
 */
#include <libk/bits.h>
#include <libk/errno.h>
#include <hal_special.h>
#include <mm/ppm.h>

#include "htest.h"
#include "mm_fixture.h"

#include <stdlib.h>
#include <string.h>

#define PAGE      CONFIG_PAGE_SIZE
#define MAX_ORDER CONFIG_PPM_MAX_ORDER

typedef struct blk_s {
	uint64_t idx;
	uint32_t order;
} blk_t;

static int blk_cmp(const void *a, const void *b)
{
	const blk_t *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The free blocks of cluster @cxy, sorted by index; returns their number (at most @max). */
static int layout(cxy_t cxy, blk_t *out, int max)
{
	ppm_t *ppm = &fix_clusters[cxy].ppm;
	int n = 0;

	for (uint32_t o = 0; o <= MAX_ORDER; o++) {
		xptr_t root_xp = XPTR(cxy, &ppm->free_root[o]), iter_xp;

		XLIST_FOREACH(root_xp, iter_xp) {
			if (n < max) {
				out[n].idx = fix_page_index(XLIST_ELEMENT(iter_xp, page_t, list));
				out[n].order = o;
			}
			n++;
		}
	}
	qsort(out, (size_t)MIN(n, max), sizeof(blk_t), blk_cmp);
	return n;
}

#define LAYOUT_MAX 4096
static blk_t base_layout[LAYOUT_MAX], cur_layout[LAYOUT_MAX];
static int base_layout_nr;

static void save_layout(cxy_t cxy)
{
	base_layout_nr = layout(cxy, base_layout, LAYOUT_MAX);
}

/* The buddy's free blocks are those saved: the cache is given back to the buddy first. */
static bool same_layout(cxy_t cxy)
{
	ppm_remote_drain(cxy);
	int n = layout(cxy, cur_layout, LAYOUT_MAX);

	return n == base_layout_nr && memcmp(cur_layout, base_layout, (size_t)n * sizeof(blk_t)) == 0;
}

/*
 * Every structural invariant of cluster @cxy's PPM: each listed block is a PG_FREE head of its
 * order, physically aligned, in range, over tail pages only; each cached page is PG_CACHED, order 0,
 * listed once, and so in the cores' stacks; counts match (free = listed + cached + stacked);
 * total = rsvd+free+alloc; the lock and the stacks are free.
 */
static bool ppm_consistent(cxy_t cxy)
{
	ppm_t *ppm = &fix_clusters[cxy].ppm;
	uint64_t free_pages = 0;
	ppm_stats_t s;

	if (ppm->lock.holder != 0)
		return false;
	for (uint32_t o = 0; o <= MAX_ORDER; o++) {
		xptr_t root_xp = XPTR(cxy, &ppm->free_root[o]), iter_xp;
		uint64_t blocks = 0;

		XLIST_FOREACH(root_xp, iter_xp) {
			xptr_t page_xp = XLIST_ELEMENT(iter_xp, page_t, list);
			uint64_t idx = fix_page_index(page_xp);
			page_t *p = GET_PTR(page_xp);

			if (p->flags != PG_FREE || p->order != o || idx + (1ull << o) > ppm->pages_nr ||
			    !IS_ALIGNED(ppm_page2base(page_xp), PAGE << o))
				return false;
			for (uint64_t t = 1; t < (1ull << o); t++)
				if (p[t].flags & PG_STATE_MASK)
					return false;
			blocks++;
			free_pages += 1ull << o;
		}
		if (blocks != ppm->free_blocks_nr[o])
			return false;
	}
	if (ppm->cache_nr > PPM_CACHE_MAX)
		return false;
	for (uint64_t i = 0; i < ppm->cache_nr; i++) {
		uint64_t idx = ppm->cache[i];

		if (idx >= ppm->pages_nr || ppm->pages_tbl[idx].flags != PG_CACHED ||
		    ppm->pages_tbl[idx].order != 0)
			return false;
		for (uint64_t j = 0; j < i; j++)
			if (ppm->cache[j] == idx)
				return false;
		free_pages++;
	}
	uint64_t cached = ppm->cache_nr;
	for (uint32_t lid = 0; lid < CONFIG_MAX_CORES_PER_CLUSTER; lid++) { /* the cores' stacks */
		const ppm_pcp_t *pcp = &ppm->pcp[lid];

		if (pcp->busy || pcp->nr > PPM_PCP_MAX)
			return false;
		for (uint32_t i = 0; i < pcp->nr; i++)
			if (pcp->idx[i] >= ppm->pages_nr ||
			    ppm->pages_tbl[pcp->idx[i]].flags != PG_CACHED ||
			    ppm->pages_tbl[pcp->idx[i]].order != 0)
				return false;
		free_pages += pcp->nr;
		cached += pcp->nr;
	}
	ppm_stats(cxy, &s);
	return free_pages == s.free_pages && s.cached_pages == cached &&
	       s.total_pages == s.reserved_pages + s.free_pages + s.alloc_pages;
}

static page_t *page_of(xptr_t page_xp)
{
	return GET_PTR(page_xp);
}

HT_TEST(init_places_descriptors_in_first_free_pages)
{
	const size_t size = 4u << 20;
	const uint64_t pages = size / PAGE, tbl = DIV_ROUND_UP(pages * sizeof(page_t), PAGE);
	ppm_t *ppm = &fix_clusters[0].ppm;
	ppm_stats_t s;

	fix_teardown();
	HT_REQUIRE(fix_cluster_setup(0, size, 2u << 20, 0, NULL, 0) == 0);
	HT_CHECK(ppm->pages_nr == pages && ppm->tbl_pages_nr == tbl);
	HT_CHECK((paddr_t)(uintptr_t)ppm->pages_tbl == fix_clusters[0].base);
	for (uint64_t i = 0; i < tbl; i++)
		HT_CHECK(ppm->pages_tbl[i].flags == PG_RESERVED);
	HT_CHECK(ppm->pages_tbl[tbl].flags == PG_FREE);
	ppm_stats(0, &s);
	HT_CHECK(s.total_pages == pages && s.reserved_pages == tbl && s.free_pages == pages - tbl);
	HT_CHECK(s.alloc_pages == 0 && s.largest_free_pages == 512); /* 2 MiB aligned arena */
	HT_CHECK(ppm_consistent(0));

	/* reserved head (3.5 pages) and a reserved byte where the array would end: it moves past both */
	boot_rsvd_t rsvd[] = { { 0, 3 * PAGE + PAGE / 2 }, { (4 + tbl - 1) * PAGE + 10, 1 } };
	HT_REQUIRE(fix_cluster_setup(0, size, 2u << 20, 0, rsvd, 2) == 0);
	HT_CHECK((paddr_t)(uintptr_t)ppm->pages_tbl == fix_clusters[0].base + (4 + tbl) * PAGE);
	HT_CHECK(ppm->pages_tbl[3].flags == PG_RESERVED && ppm->pages_tbl[4].flags != PG_RESERVED);
	HT_CHECK(ppm->pages_tbl[4 + tbl - 1].flags == PG_RESERVED);
	HT_CHECK(ppm->rsvd_pages_nr == 4 + 1 + tbl);
	HT_CHECK(ppm_consistent(0));
	fix_teardown();
}

HT_TEST(init_reserves_every_overlapped_page)
{
	const size_t size = 1u << 20;
	const uint64_t pages = size / PAGE;
	boot_rsvd_t rsvd[] = {
		{ 3 * PAGE + 100, 3000 },           /* inside page 3                    */
		{ 10 * PAGE - 1, 2 },               /* one byte of pages 9 and 10       */
		{ 20 * PAGE, PAGE },                /* exactly page 20, not 21          */
		{ size - 1, 100 },                  /* last page, and beyond the range  */
		{ (paddr_t)-100, 200 },             /* before the range, and page 0     */
		{ size + PAGE, 10 * PAGE },         /* outside: ignored                 */
		{ 30 * PAGE, 0 },                   /* empty: ignored                   */
	};
	ppm_t *ppm = &fix_clusters[0].ppm;
	bool rsvd_expected[256] = { false };
	ppm_stats_t s0, s;

	fix_teardown();
	HT_REQUIRE(fix_cluster_setup(0, size, 1u << 20, 0, rsvd, ARRAY_SIZE(rsvd)) == 0);
	rsvd_expected[0] = rsvd_expected[3] = rsvd_expected[9] = rsvd_expected[10] = true;
	rsvd_expected[20] = rsvd_expected[pages - 1] = true;
	/* the array is in the first run of non-reserved pages long enough to hold it: not pages 1-2
	 * (it needs 4 or more), pages 4-8 if it needs 5 or fewer, else after page 10 */
	uint64_t tbl_idx = ((uintptr_t)ppm->pages_tbl - fix_clusters[0].base) / PAGE, want = 0;
	for (uint64_t run = 0, i = 0; i < pages && run < ppm->tbl_pages_nr; i++) {
		run = rsvd_expected[i] ? 0 : run + 1;
		want = i + 1 - run;
	}
	HT_CHECK(tbl_idx == want && want > 1);
	for (uint64_t i = tbl_idx; i < tbl_idx + ppm->tbl_pages_nr; i++)
		rsvd_expected[i] = true;
	for (uint64_t i = 0; i < pages; i++)
		HT_CHECK(((ppm->pages_tbl[i].flags & PG_RESERVED) != 0) == rsvd_expected[i]);
	HT_CHECK(ppm_consistent(0));

	/* take every page one by one: never a reserved one, exactly the free ones */
	ppm_stats(0, &s0);
	uint64_t got = 0;
	xptr_t xp;
	while ((xp = ppm_alloc_pages(0)) != XPTR_NULL) {
		HT_CHECK(!rsvd_expected[fix_page_index(xp)]);
		got++;
	}
	ppm_stats(0, &s);
	HT_CHECK(got == s0.free_pages && s.free_pages == 0 && s.alloc_pages == got);
	HT_CHECK(s.largest_free_pages == 0);
	for (uint64_t i = 0; i < pages; i++)
		if (!rsvd_expected[i])
			ppm_free_pages(&ppm->pages_tbl[i]);
	ppm_stats(0, &s);
	HT_CHECK(s.free_pages == s0.free_pages && s.alloc_pages == 0);
	HT_CHECK(ppm_consistent(0));
	fix_teardown();
}

HT_TEST(init_fails_on_too_small_or_bad_ranges)
{
	/* one page more than a page of descriptors describes, so that the array needs two, and every
	 * odd page reserved: no two consecutive pages for it */
	const uint64_t n = PAGE / sizeof(page_t) + 1;
	boot_rsvd_t odd[PAGE / sizeof(page_t) / 2 + 1];
	uint32_t odd_nr = 0;
	boot_rsvd_t all = { 0, 64 * PAGE };

	fix_teardown();
	HT_CHECK(fix_cluster_setup(0, 0, PAGE, 0, NULL, 0) == ENOMEM);
	HT_CHECK(fix_cluster_setup(0, PAGE, PAGE, 0, NULL, 0) == ENOMEM); /* only the array fits */
	HT_CHECK(ppm_alloc_pages(0) == XPTR_NULL);
	HT_CHECK(fix_cluster_setup(0, 64 * PAGE, PAGE, 0, &all, 1) == ENOMEM);
	for (uint64_t i = 1; i < n; i += 2)
		odd[odd_nr++] = (boot_rsvd_t){ (paddr_t)i * PAGE, 1 };
	HT_CHECK(fix_cluster_setup(0, n * PAGE, PAGE, 0, odd, odd_nr) == ENOMEM);
	HT_CHECK(ppm_alloc_pages(0) == XPTR_NULL);
	HT_CHECK(fix_cluster_setup(0, 64 * PAGE, PAGE, 100, NULL, 0) == EINVAL);
	HT_CHECK(fix_cluster_setup(0, 64 * PAGE + 1, PAGE, 0, NULL, 0) == EINVAL);
	HT_CHECK(ppm_alloc_pages(0) == XPTR_NULL);
	HT_CHECK(fix_cluster_setup(0, 3 * PAGE, PAGE, 0, NULL, 0) == 0);
	HT_CHECK(fix_clusters[0].ppm.free_pages_nr == 2);
	fix_teardown();
}

HT_TEST(every_order_allocated_aligned_and_freed)
{
	const size_t size = (size_t)PAGE << (MAX_ORDER + 1); /* 128 MiB: one free block of each order */
	ppm_stats_t s0, s;

	fix_teardown();
	HT_REQUIRE(fix_cluster_setup(0, size, (size_t)PAGE << MAX_ORDER, 0, NULL, 0) == 0);
	save_layout(0);
	ppm_stats(0, &s0);
	HT_CHECK(s0.largest_free_pages == 1ull << MAX_ORDER);
	for (uint32_t o = 0; o <= MAX_ORDER; o++) {
		xptr_t xp = ppm_alloc_pages(o);

		HT_REQUIRE(xp != XPTR_NULL);
		paddr_t pa = ppm_page2base(xp);
		HT_CHECK(IS_ALIGNED(pa, PAGE << o));
		HT_CHECK(pa >= fix_clusters[0].base && pa + (PAGE << o) <= fix_clusters[0].base + size);
		HT_CHECK(page_of(xp)->flags == PG_ALLOCATED && page_of(xp)->order == o);
		HT_CHECK(ppm_base2page(pa + (PAGE << o) - 1) == xp + (((1ull << o) - 1) * sizeof(page_t)));
		HT_CHECK(ppm_page2kva(xp) == (void *)(uintptr_t)pa);
		ppm_stats(0, &s);
		HT_CHECK(s.alloc_pages == 1ull << o && s.free_pages == s0.free_pages - (1ull << o));
		HT_CHECK(ppm_consistent(0));
		ppm_free_pages(page_of(xp));
		HT_CHECK(same_layout(0));
	}
	HT_CHECK(ppm_alloc_pages(MAX_ORDER + 1) == XPTR_NULL);
	HT_CHECK(ppm_remote_alloc_pages(0, 1000) == XPTR_NULL);
	ppm_stats(0, &s);
	HT_CHECK(s.alloc_calls == MAX_ORDER + 1 && s.free_calls == MAX_ORDER + 1);
	fix_teardown();
}

HT_TEST(split_and_coalesce_back_to_initial_layout)
{
	const size_t size = 8u << 20;
	xptr_t *got = calloc(size / PAGE, sizeof(xptr_t));
	ppm_stats_t s0, s;
	uint64_t n = 0;

	/* skewed by 3 pages: blocks must still be physically aligned */
	fix_teardown();
	HT_REQUIRE(got && fix_cluster_setup(0, size, 2u << 20, 3 * PAGE, NULL, 0) == 0);
	save_layout(0);
	ppm_stats(0, &s0);

	xptr_t one = ppm_alloc_pages(0); /* splits the smallest block that fits */
	HT_CHECK(!same_layout(0) && ppm_consistent(0));
	ppm_free_pages(page_of(one));
	HT_CHECK(same_layout(0));

	while ((got[n] = ppm_alloc_pages(0)) != XPTR_NULL)
		n++;
	HT_CHECK(n == s0.free_pages);
	for (uint32_t o = 0; o <= MAX_ORDER; o++)
		HT_CHECK(ppm_alloc_pages(o) == XPTR_NULL);
	HT_CHECK(ppm_consistent(0));
	srand(77);
	for (uint64_t i = n - 1; i > 0; i--) { /* shuffle, free in random order */
		uint64_t j = (uint64_t)rand() % (i + 1);
		xptr_t t = got[i];
		got[i] = got[j];
		got[j] = t;
	}
	for (uint64_t i = 0; i < n; i++)
		ppm_free_pages(page_of(got[i]));
	ppm_stats(0, &s);
	HT_CHECK(same_layout(0) && s.free_pages == s0.free_pages && s.alloc_pages == 0);
	HT_CHECK(ppm_consistent(0));

	/* exhaustion at order 3, then what remains at order 0, then everything back */
	n = 0;
	while ((got[n] = ppm_alloc_pages(3)) != XPTR_NULL)
		n++;
	while ((got[n] = ppm_alloc_pages(0)) != XPTR_NULL)
		n++;
	ppm_stats(0, &s);
	HT_CHECK(s.free_pages == 0 && ppm_consistent(0));
	for (uint64_t i = 0; i < n; i++)
		ppm_free_pages(page_of(got[i]));
	HT_CHECK(same_layout(0) && ppm_consistent(0));
	free(got);
	fix_teardown();
}

HT_TEST(bad_frees_panic_and_leave_the_ppm_usable)
{
	ppm_t *ppm = &fix_clusters[0].ppm;

	fix_setup(1, 4u << 20);
	save_layout(0);
	xptr_t a = ppm_alloc_pages(0), b = ppm_alloc_pages(2);
	HT_REQUIRE(a != XPTR_NULL && b != XPTR_NULL);

	ppm_free_pages(page_of(a));
	HT_EXPECT_PANIC(ppm_free_pages(page_of(a)));
	HT_CHECK(strstr(ht_panic_msg, "double free") != NULL);
	HT_EXPECT_PANIC(ppm_free_pages(&ppm->pages_tbl[0])); /* the descriptor array's page */
	HT_CHECK(strstr(ht_panic_msg, "reserved") != NULL);
	HT_EXPECT_PANIC(ppm_free_pages(page_of(b) + 1));
	HT_CHECK(strstr(ht_panic_msg, "not the head") != NULL);
	HT_EXPECT_PANIC(ppm_free_pages(&ppm->pages_tbl[ppm->pages_nr - 1])); /* tail of a free block */
	HT_CHECK(strstr(ht_panic_msg, "not the head") != NULL);
	HT_EXPECT_PANIC(ppm_remote_free_pages(b + 8)); /* inside a descriptor */
	HT_CHECK(strstr(ht_panic_msg, "not a page descriptor") != NULL);
	HT_EXPECT_PANIC(ppm_remote_free_pages(XPTR(1, page_of(b)))); /* named in the wrong cluster */
	HT_CHECK(strstr(ht_panic_msg, "not a page descriptor") != NULL);

	page_of(b)->order = MAX_ORDER + 1;
	HT_EXPECT_PANIC(ppm_free_pages(page_of(b)));
	HT_CHECK(strstr(ht_panic_msg, "bad order") != NULL);
	page_of(b)->order = 3; /* a block of 4 pages claiming 8: misaligned or overlapping */
	if (IS_ALIGNED(ppm_page2base(b), 8 * PAGE))
		page_of(b)->order = MAX_ORDER; /* beyond the 4 MiB range then */
	HT_EXPECT_PANIC(ppm_free_pages(page_of(b)));
	HT_CHECK(strstr(ht_panic_msg, "bad order") != NULL);
	page_of(b)->order = 2;

	page_of(b)->refcount = 1;
	HT_EXPECT_PANIC(ppm_free_pages(page_of(b)));
	HT_CHECK(strstr(ht_panic_msg, "still referenced") != NULL);
	page_of(b)->refcount = 0;

	HT_CHECK(ppm_consistent(0)); /* the lock was released by every panic */
	ppm_free_pages(page_of(b));
	HT_CHECK(same_layout(0) && ppm_consistent(0));
	hal_enable_irq();
	fix_teardown();
}

HT_TEST(single_pages_come_from_the_cache_and_count_as_free)
{
	ppm_t *ppm = &fix_clusters[0].ppm;
	const uint64_t batch = 1ull << PPM_CACHE_BATCH_ORDER;
	xptr_t got[PPM_CACHE_MAX + 16 + 1];
	ppm_stats_t s0, s;

	fix_setup(1, 4u << 20);
	save_layout(0);
	ppm_stats(0, &s0);
	HT_CHECK(s0.cached_pages == 0);

	/* the first single page refills the cache with one block: the rest of it is cached */
	got[0] = ppm_alloc_pages(0);
	HT_REQUIRE(got[0] != XPTR_NULL);
	ppm_stats(0, &s);
	HT_CHECK(s.cached_pages == batch - 1 && s.free_pages == s0.free_pages - 1);
	HT_CHECK(s.alloc_pages == 1 && ppm_consistent(0));
	HT_CHECK(IS_ALIGNED(ppm_page2base(got[0]), PAGE << PPM_CACHE_BATCH_ORDER));

	/* a free puts the page back in the cache, not in the buddy: no merge */
	ppm_free_pages(page_of(got[0]));
	HT_CHECK(page_of(got[0])->flags == PG_CACHED);
	ppm_stats(0, &s);
	HT_CHECK(s.cached_pages == batch && s.free_pages == s0.free_pages && s.alloc_pages == 0);
	HT_CHECK(ppm_consistent(0));
	HT_EXPECT_PANIC(ppm_free_pages(page_of(got[0]))); /* a cached page is free */
	HT_CHECK(strstr(ht_panic_msg, "double free") != NULL);

	/* more frees than the cache holds: a batch goes back to the buddy, counts stay exact */
	for (int i = 0; i < PPM_CACHE_MAX + 16 + 1; i++)
		HT_REQUIRE((got[i] = ppm_alloc_pages(0)) != XPTR_NULL);
	for (int i = 0; i < PPM_CACHE_MAX + 16 + 1; i++)
		ppm_free_pages(page_of(got[i]));
	ppm_stats(0, &s);
	HT_CHECK(s.cached_pages <= PPM_CACHE_MAX && s.free_pages == s0.free_pages);
	HT_CHECK(s.alloc_calls == s.free_calls && ppm_consistent(0));

	/* the buddy empty and an aligned block's pages in the cache: a block allocation empties
	 * the cache into the buddy, which merges them back into that block */
	xptr_t *all = calloc(ppm->pages_nr, sizeof(xptr_t));
	uint64_t n = 0, base_ppn = ppm_page2base(XPTR(0, &ppm->pages_tbl[0])) / PAGE, blk;
	HT_REQUIRE(all != NULL);
	while ((all[n] = ppm_alloc_pages(0)) != XPTR_NULL)
		n++;
	ppm_stats(0, &s);
	HT_CHECK(n == s0.free_pages && s.free_pages == 0 && s.cached_pages == 0);
	HT_CHECK(ppm_alloc_pages(PPM_CACHE_BATCH_ORDER) == XPTR_NULL);
	for (blk = ppm->pages_nr - batch; (base_ppn + blk) % batch != 0; blk--)
		;
	for (uint64_t i = 0; i < batch; i++)
		ppm_free_pages(&ppm->pages_tbl[blk + i]);
	ppm_stats(0, &s);
	HT_CHECK(s.cached_pages == batch && s.free_pages == batch && s.largest_free_pages == 1);
	HT_CHECK(ppm_consistent(0));
	xptr_t big = ppm_alloc_pages(PPM_CACHE_BATCH_ORDER);
	HT_CHECK(big == XPTR(0, &ppm->pages_tbl[blk]) && ppm_consistent(0));
	if (big != XPTR_NULL)
		ppm_free_pages(page_of(big));
	for (uint64_t i = 0; i < n; i++) {
		uint64_t idx = fix_page_index(all[i]);

		if (idx < blk || idx >= blk + batch)
			ppm_free_pages(page_of(all[i]));
	}
	free(all);
	ppm_stats(0, &s);
	HT_CHECK(s.free_pages == s0.free_pages && s.alloc_pages == 0);
	HT_CHECK(same_layout(0) && ppm_consistent(0));
	hal_enable_irq();
	fix_teardown();
}

/*
 * The cores' stacks (a core pointer set: the host thread is a running core): single pages come
 * from and go to the calling core's stack, count as free in the stats, spill to the cache when
 * full, and an allocation drains every core's stack before it fails.
 */
HT_TEST(per_core_stacks_count_as_free_and_drain_before_failing)
{
	extern __thread lid_t host_lid;
	ppm_t *ppm = &fix_clusters[0].ppm;
	static int core;
	ppm_stats_t s0, s;
	xptr_t *all, one;
	uint64_t n = 0;

	fix_setup(1, 1u << 20);
	save_layout(0);
	ppm_stats(0, &s0);
	hal_set_core_ptr(&core);
	host_lid = 0;

	one = ppm_alloc_pages(0); /* an empty stack takes a block of the buddy */
	HT_REQUIRE(one != XPTR_NULL);
	HT_CHECK(ppm->pcp[0].nr == PPM_PCP_BATCH - 1 && ppm->cache_nr == 0);
	ppm_stats(0, &s);
	HT_CHECK(s.free_pages == s0.free_pages - 1 && s.alloc_pages == 1 && s.alloc_calls == 1);
	HT_CHECK(s.cached_pages == PPM_PCP_BATCH - 1 && ppm_consistent(0));
	ppm_free_pages(page_of(one));
	HT_CHECK(ppm->pcp[0].nr == PPM_PCP_BATCH && page_of(one)->flags == PG_CACHED);
	ppm_stats(0, &s);
	HT_CHECK(s.free_pages == s0.free_pages && s.alloc_pages == 0 && s.free_calls == 1);
	HT_EXPECT_PANIC(ppm_free_pages(page_of(one))); /* a stacked page is free */
	HT_CHECK(strstr(ht_panic_msg, "double free") != NULL && ppm_consistent(0));

	/* more frees than a stack holds: batches spill into the cache, counts stay exact */
	all = calloc(s0.free_pages + 1, sizeof(*all));
	HT_REQUIRE(all != NULL);
	for (n = 0; n < 3 * PPM_PCP_MAX; n++)
		HT_REQUIRE((all[n] = ppm_alloc_pages(0)) != XPTR_NULL);
	ppm_remote_free_array(all, (uint32_t)n);
	HT_CHECK(ppm->pcp[0].nr <= PPM_PCP_MAX && ppm->cache_nr > 0 && ppm_consistent(0));
	ppm_stats(0, &s);
	HT_CHECK(s.free_pages == s0.free_pages && s.alloc_calls == s.free_calls);

	/* core 1 keeps pages on its stack; core 0 can still take every free page of the cluster */
	host_lid = 1;
	one = ppm_alloc_pages(0);
	HT_REQUIRE(one != XPTR_NULL);
	ppm_free_pages(page_of(one));
	HT_CHECK(ppm->pcp[1].nr > 0);
	host_lid = 0;
	for (n = 0; n <= s0.free_pages; n++)
		if ((all[n] = ppm_alloc_pages(0)) == XPTR_NULL)
			break;
	HT_CHECK(n == s0.free_pages && ppm->pcp[1].nr == 0);
	ppm_stats(0, &s);
	HT_CHECK(s.free_pages == 0 && ppm_consistent(0));
	ppm_remote_free_array(all, (uint32_t)n);
	ppm_stats(0, &s);
	HT_CHECK(s.free_pages == s0.free_pages && ppm_consistent(0));
	HT_CHECK(same_layout(0)); /* the drain empties the stacks too */
	HT_CHECK(ppm->pcp[0].nr == 0 && ppm->pcp[1].nr == 0);
	free(all);
	hal_set_core_ptr(NULL);
	fix_teardown();
}

HT_TEST(remote_allocation_uses_the_target_cluster)
{
	ppm_stats_t s0[3], s;

	fix_setup(3, 4u << 20);
	for (cxy_t c = 0; c < 3; c++)
		ppm_stats(c, &s0[c]);

	local_cxy = 0;
	xptr_t xp = ppm_remote_alloc_pages(1, 2);
	HT_REQUIRE(xp != XPTR_NULL);
	HT_CHECK(GET_CXY(xp) == 1);
	paddr_t pa = ppm_page2base(xp);
	HT_CHECK(pa >= fix_clusters[1].base && pa + 4 * PAGE <= fix_clusters[1].base + fix_clusters[1].size);
	HT_CHECK(cluster_of_paddr(pa) == 1 && ppm_base2page(pa) == xp);
	HT_CHECK(ppm_base2page(pa + 4 * PAGE - 1) == xp + 3 * sizeof(page_t));
	ppm_stats(1, &s);
	HT_CHECK(s.alloc_pages == 4 && s.free_pages == s0[1].free_pages - 4);
	for (cxy_t c = 0; c < 3; c += 2) {
		ppm_stats(c, &s);
		HT_CHECK(s.alloc_pages == 0 && s.free_pages == s0[c].free_pages);
	}
	local_cxy = 2; /* freed by a core of a third cluster */
	ppm_remote_free_pages(xp);
	ppm_stats(1, &s);
	HT_CHECK(s.alloc_pages == 0 && s.free_pages == s0[1].free_pages);

	xptr_t lxp = ppm_alloc_pages(0); /* local wrappers act on local_cxy */
	HT_CHECK(GET_CXY(lxp) == 2 && cluster_of_paddr(ppm_page2base(lxp)) == 2);
	ppm_free_pages(page_of(lxp));
	for (cxy_t c = 0; c < 3; c++)
		HT_CHECK(ppm_consistent(c));
	local_cxy = 0;
	fix_teardown();
}

HT_TEST(free_array_frees_runs_of_several_clusters)
{
	ppm_stats_t s0[2], s;
	xptr_t pages[7];
	const cxy_t where[7] = { 0, 0, 1, 1, 1, 0, 1 };
	const uint32_t order[7] = { 0, 2, 0, 0, 1, 0, 3 };

	fix_setup(2, 4u << 20);
	for (cxy_t c = 0; c < 2; c++) {
		ppm_remote_drain(c);
		ppm_stats(c, &s0[c]);
	}
	for (int i = 0; i < 7; i++)
		HT_REQUIRE((pages[i] = ppm_remote_alloc_pages(where[i], order[i])) != XPTR_NULL);
	ppm_remote_free_array(pages, 7); /* runs 0,0 | 1,1,1 | 0 | 1 */
	for (cxy_t c = 0; c < 2; c++) {
		ppm_stats(c, &s);
		HT_CHECK(s.alloc_pages == 0 && s.free_pages == s0[c].free_pages);
		HT_CHECK(s.free_calls - s0[c].free_calls == (c == 0 ? 3 : 4));
		HT_CHECK(ppm_consistent(c));
	}
	ppm_remote_free_array(pages, 0); /* nothing */

	/* a bad block midway: those before it are freed, the PPM stays usable */
	for (int i = 0; i < 3; i++)
		HT_REQUIRE((pages[i] = ppm_remote_alloc_pages(0, 0)) != XPTR_NULL);
	ppm_remote_free_pages(pages[1]);
	HT_EXPECT_PANIC(ppm_remote_free_array(pages, 3));
	HT_CHECK(strstr(ht_panic_msg, "double free") != NULL);
	ppm_stats(0, &s);
	HT_CHECK(s.alloc_pages == 1 && ppm_consistent(0)); /* pages[0] freed, pages[2] not */
	pages[1] = pages[0] + 8; /* not a descriptor: refused before the lock */
	HT_EXPECT_PANIC(ppm_remote_free_array(&pages[1], 2));
	HT_CHECK(strstr(ht_panic_msg, "not a page descriptor") != NULL);
	ppm_stats(0, &s);
	HT_CHECK(s.alloc_pages == 1 && ppm_consistent(0));
	ppm_remote_free_array(&pages[2], 1);
	ppm_stats(0, &s);
	HT_CHECK(s.alloc_pages == 0 && s.free_pages == s0[0].free_pages && ppm_consistent(0));
	hal_enable_irq();
	fix_teardown();
}

HT_TEST(base2page_rejects_addresses_outside_the_cluster)
{
	char outside[64];

	fix_setup(2, 1u << 20);
	HT_CHECK(ppm_base2page((paddr_t)(uintptr_t)outside) == XPTR_NULL);
	HT_CHECK(ppm_base2page(fix_clusters[0].base - 1) == XPTR_NULL);
	HT_CHECK(ppm_base2page(fix_clusters[1].base + fix_clusters[1].size) == XPTR_NULL);
	HT_CHECK(ppm_base2page(fix_clusters[1].base) == XPTR(1, fix_clusters[1].ppm.pages_tbl));
	HT_EXPECT_PANIC(ppm_page2base(XPTR(0, outside)));
	ppm_display(1);
	fix_teardown();
}

/* Random allocations and frees on two clusters against a page-ownership model. */
HT_TEST(random_sequences_match_a_model)
{
	enum { CL = 2, SLOTS = 400 };
	const size_t size = 4u << 20;
	uint8_t *owner[CL];
	xptr_t held[SLOTS] = { 0 };
	ppm_stats_t s0[CL], s;
	uint64_t alloc_model[CL] = { 0 };

	fix_teardown();
	HT_REQUIRE(fix_cluster_setup(0, size, 2u << 20, 0, NULL, 0) == 0);
	HT_REQUIRE(fix_cluster_setup(1, size, 2u << 20, 5 * PAGE, NULL, 0) == 0);
	for (cxy_t c = 0; c < CL; c++) {
		owner[c] = calloc(size / PAGE, 1);
		ppm_stats(c, &s0[c]);
	}
	srand(2024);
	for (int step = 0; step < 30000; step++) {
		int k = rand() % SLOTS;

		if (held[k] != XPTR_NULL) {
			cxy_t c = GET_CXY(held[k]);
			uint64_t idx = fix_page_index(held[k]), n = 1ull << page_of(held[k])->order;

			for (uint64_t i = idx; i < idx + n; i++)
				owner[c][i] = 0;
			alloc_model[c] -= n;
			local_cxy = (cxy_t)(rand() % CL);
			ppm_remote_free_pages(held[k]);
			held[k] = XPTR_NULL;
		} else {
			cxy_t c = (cxy_t)(rand() % CL);
			uint32_t order = (uint32_t)(rand() % 100 < 70 ? rand() % 3 : rand() % 9);

			held[k] = ppm_remote_alloc_pages(c, order);
			if (held[k] == XPTR_NULL)
				continue;
			uint64_t idx = fix_page_index(held[k]);
			HT_REQUIRE(GET_CXY(held[k]) == c && idx + (1ull << order) <= size / PAGE);
			for (uint64_t i = idx; i < idx + (1ull << order); i++) {
				HT_REQUIRE(owner[c][i] == 0 && !(fix_clusters[c].ppm.pages_tbl[i].flags & PG_RESERVED));
				owner[c][i] = 1;
			}
			alloc_model[c] += 1ull << order;
		}
		if (step % 1000 == 0) {
			for (cxy_t c = 0; c < CL; c++) {
				ppm_stats(c, &s);
				HT_REQUIRE(s.alloc_pages == alloc_model[c]);
				HT_REQUIRE(s.free_pages == s0[c].free_pages - alloc_model[c]);
				HT_REQUIRE(ppm_consistent(c));
			}
		}
	}
	for (int k = 0; k < SLOTS; k++)
		if (held[k] != XPTR_NULL)
			ppm_remote_free_pages(held[k]);
	for (cxy_t c = 0; c < CL; c++) {
		ppm_stats(c, &s);
		HT_CHECK(s.alloc_pages == 0 && s.free_pages == s0[c].free_pages);
		HT_CHECK(ppm_consistent(c));
		free(owner[c]);
	}
	local_cxy = 0;
	fix_teardown();
}
