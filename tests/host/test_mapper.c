/*
 * test_mapper.c - the page cache of a file (kernel/fs/mapper.c) on simulated clusters: lookups and
 * insertions at every height of the radix tree, truncation, the hold/release rule for pages cut
 * off while referenced, mappers homed in another cluster, and the counters back to zero.
 */
#include <fs/mapper.h>
#include <libk/errno.h>
#include <mm/page.h>
#include <mm/ppm.h>

#include "htest.h"
#include "mm_fixture.h"
#include "vfs_fixture.h"

#include <string.h>

#define PAGE CONFIG_PAGE_SIZE

static mapper_counters_t base;

static void setup(void)
{
	vfx_setup();
	mapper_counters(&base);
}

static bool counters_are(uint64_t pages, uint64_t nodes)
{
	mapper_counters_t c;

	mapper_counters(&c);
	return c.pages - base.pages == pages && c.nodes - base.nodes == nodes;
}

HT_TEST(get_page_allocates_zeroed_pages_and_finds_them_again)
{
	xptr_t m, p1, p2;

	setup();
	m = mapper_create(0);
	HT_REQUIRE(m != XPTR_NULL);
	HT_CHECK(mapper_get_page(m, 0, false, &p1) == ENOENT);
	HT_CHECK(mapper_get_page(m, 3, true, &p1) == 0);
	HT_CHECK(GET_CXY(p1) == 0);
	for (size_t i = 0; i < PAGE; i++)
		if (((char *)GET_PTR(mapper_page_data(p1)))[i])
			HT_CHECK(!"a new page is not zero");
	memset(GET_PTR(mapper_page_data(p1)), 0x5a, PAGE);
	HT_CHECK(mapper_get_page(m, 3, false, &p2) == 0 && p2 == p1);
	HT_CHECK(mapper_get_page(m, 3, true, &p2) == 0 && p2 == p1);
	HT_CHECK(mapper_get_page(m, 2, false, &p2) == ENOENT);
	HT_CHECK(mapper_pages(m) == 1);
	HT_CHECK(counters_are(1, 1));
	HT_CHECK(((page_t *)GET_PTR(p1))->owner_xp == m);
	mapper_display(m);
	mapper_destroy(m);
	HT_CHECK(counters_are(0, 0));
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* Pages at indexes that need 1, 2, 3 and 5 levels; the tree shrinks back as they go. */
HT_TEST(tree_grows_for_far_pages_and_shrinks_when_truncated)
{
	static const uint64_t idx[] = { 0, 63, 64, 4095, 4096, 262143, 262144, (1ULL << 30) - 1 };
	xptr_t m, p[8], q;

	setup();
	m = mapper_create(0);
	HT_REQUIRE(m != XPTR_NULL);
	for (int i = 0; i < 8; i++) {
		HT_REQUIRE(mapper_get_page(m, idx[i], true, &p[i]) == 0);
		*(uint64_t *)GET_PTR(mapper_page_data(p[i])) = idx[i];
	}
	HT_CHECK(((mapper_t *)GET_PTR(m))->height == 5);
	HT_CHECK(mapper_get_page(m, 1ULL << 30, true, &q) == EFBIG);
	HT_CHECK(mapper_get_page(m, 1ULL << 30, false, &q) == ENOENT);
	for (int i = 0; i < 8; i++) {
		HT_CHECK(mapper_get_page(m, idx[i], false, &q) == 0 && q == p[i]);
		HT_CHECK(*(uint64_t *)GET_PTR(mapper_page_data(q)) == idx[i]);
	}
	HT_CHECK(mapper_get_page(m, 4097, false, &q) == ENOENT);
	HT_CHECK(mapper_pages(m) == 8);
	mapper_truncate(m, 4096 * PAGE);           /* keeps 0, 63, 64, 4095 */
	HT_CHECK(mapper_pages(m) == 4);
	HT_CHECK(((mapper_t *)GET_PTR(m))->height == 2);
	HT_CHECK(mapper_get_page(m, 4095, false, &q) == 0 && q == p[3]);
	HT_CHECK(mapper_get_page(m, 4096, false, &q) == ENOENT);
	mapper_truncate(m, 64 * PAGE);             /* keeps 0, 63 */
	HT_CHECK(((mapper_t *)GET_PTR(m))->height == 1 && mapper_pages(m) == 2);
	HT_CHECK(counters_are(2, 1));
	mapper_truncate(m, 0);
	HT_CHECK(((mapper_t *)GET_PTR(m))->height == 0 && mapper_pages(m) == 0);
	HT_CHECK(counters_are(0, 0));
	mapper_destroy(m);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

HT_TEST(truncate_zeroes_the_tail_of_the_last_page)
{
	xptr_t m, p;
	unsigned char *d;

	setup();
	m = mapper_create(0);
	HT_REQUIRE(mapper_get_page(m, 1, true, &p) == 0);
	d = GET_PTR(mapper_page_data(p));
	memset(d, 0xff, PAGE);
	mapper_truncate(m, PAGE + 100);
	HT_CHECK(d[99] == 0xff && d[100] == 0 && d[PAGE - 1] == 0);
	mapper_truncate(m, PAGE);                  /* the page goes */
	HT_CHECK(mapper_get_page(m, 1, false, &p) == ENOENT);
	mapper_destroy(m);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* A held page cut off by truncate or destroy stays until its last release. */
HT_TEST(held_pages_survive_truncate_and_destroy_until_released)
{
	xptr_t m, p, q, r;

	setup();
	m = mapper_create(0);
	HT_REQUIRE(mapper_hold_page(m, 5, true, &p) == 0);
	HT_REQUIRE(mapper_hold_page(m, 5, false, &q) == 0 && q == p);
	HT_CHECK(((page_t *)GET_PTR(p))->refcount == 2);
	HT_REQUIRE(mapper_hold_page(m, 9, true, &r) == 0);
	strcpy(GET_PTR(mapper_page_data(p)), "still here");
	mapper_truncate(m, 0);
	HT_CHECK(mapper_pages(m) == 0);
	HT_CHECK(counters_are(2, 0));               /* orphans, still allocated */
	HT_CHECK(((page_t *)GET_PTR(p))->owner_xp == XPTR_NULL);
	HT_CHECK(!strcmp(GET_PTR(mapper_page_data(p)), "still here"));
	mapper_release_page(p);
	HT_CHECK(counters_are(2, 0));
	mapper_release_page(q);                    /* last reference: freed */
	HT_CHECK(counters_are(1, 0));
	HT_REQUIRE(mapper_get_page(m, 1, true, &q) == 0);
	mapper_destroy(m);                         /* r is held: orphaned; q is freed */
	HT_CHECK(counters_are(1, 0));
	mapper_release_page(r);
	HT_CHECK(counters_are(0, 0));
	HT_EXPECT_PANIC(mapper_release_page(r)); /* freed: no reference left to drop */
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* A mapper homed in cluster 2, used from cluster 1: pages and nodes live in cluster 2. */
HT_TEST(mapper_of_another_cluster_keeps_its_pages_there)
{
	xptr_t m, p;
	ppm_stats_t before, after;

	setup();
	local_cxy = 1;
	ppm_stats(2, &before);
	m = mapper_create(2);
	HT_REQUIRE(m != XPTR_NULL && GET_CXY(m) == 2);
	for (uint64_t i = 0; i < 100; i++) {
		HT_REQUIRE(mapper_get_page(m, i * 7, true, &p) == 0);
		HT_CHECK(GET_CXY(p) == 2 && GET_CXY(mapper_page_data(p)) == 2);
	}
	ppm_stats(2, &after);
	HT_CHECK(before.free_pages - after.free_pages >= 100);
	mapper_destroy(m);
	local_cxy = 0;
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* Out of memory: no page, no leak, and the mapper goes on working once memory is back. */
HT_TEST(exhausted_memory_gives_enomem_and_leaks_nothing)
{
	xptr_t m, p, *hoard;
	uint64_t nr;

	setup();
	m = mapper_create(0);
	HT_REQUIRE(mapper_get_page(m, 0, true, &p) == 0);
	hoard = fix_hoard(0, 0, &nr);
	HT_CHECK(mapper_get_page(m, 1, true, &p) == ENOMEM);
	HT_CHECK(mapper_get_page(m, 100000, true, &p) == ENOMEM);
	fix_unhoard(hoard, nr);
	HT_CHECK(mapper_get_page(m, 100000, true, &p) == 0);
	mapper_destroy(m);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

static bool bytes_are(xptr_t page_xp, int c)
{
	const unsigned char *b = GET_PTR(mapper_page_data(page_xp));

	for (size_t i = 0; i < PAGE; i++)
		if (b[i] != (unsigned char)c)
			return false;
	return true;
}

static mapper_replica_stats_t replica_stats(cxy_t cxy)
{
	mapper_replica_stats_t s;

	mapper_replica_stats(cxy, &s);
	return s;
}

/*
 * Replicas (CODE in other clusters): one copy per cluster, then the same one again, held as the
 * mapper's pages are; a write or a cut of the page drops it (orphaned while held, freed by the last
 * release), memory pressure frees those no one holds; no page of any cluster leaks.
 */
HT_TEST(replicas_are_made_once_per_cluster_and_go_with_their_page)
{
	xptr_t m, src, r1, r2, r3, *hoard;
	uint64_t nr;

	setup();
	for (cxy_t c = 0; c < VFX_CLUSTERS; c++) {
		local_cxy = c;
		mapper_replicas_init();
	}
	local_cxy = 0;
	m = mapper_create(0);
	HT_REQUIRE(m != XPTR_NULL && mapper_get_page(m, 5, true, &src) == 0);
	memset(GET_PTR(mapper_page_data(src)), 0x33, PAGE);
	HT_CHECK(mapper_hold_replica(m, 4, 1, &r1) == ENOENT); /* a hole: no page to copy */
	HT_CHECK(mapper_hold_replica(m, 5, 1, &r1) == 0 && GET_CXY(r1) == 1 && bytes_are(r1, 0x33));
	HT_CHECK(mapper_hold_replica(m, 5, 1, &r2) == 0 && r2 == r1); /* the cached one */
	HT_CHECK(mapper_hold_replica(m, 5, 2, &r3) == 0 && GET_CXY(r3) == 2 && r3 != r1);
	HT_CHECK(((page_t *)GET_PTR(r1))->refcount == 2 && ((page_t *)GET_PTR(src))->refcount == 0);
	HT_CHECK(replica_stats(1).cached == 1 && replica_stats(1).made == 1 &&
		 replica_stats(1).reused == 1 && replica_stats(2).made == 1);
	HT_CHECK(mapper_replicas_shrink(1) == 0); /* held */
	mapper_release_page(r1);
	mapper_release_page(r2);
	HT_CHECK(mapper_replicas_shrink(1) == 1 && replica_stats(1).cached == 0); /* unheld: freed */

	/* no page in the cluster: ENOMEM, nothing cached (the fault copies privately or elsewhere) */
	hoard = fix_hoard(1, 0, &nr);
	HT_CHECK(mapper_hold_replica(m, 5, 1, &r1) == ENOMEM && replica_stats(1).cached == 0);
	fix_unhoard(hoard, nr);

	/* a write drops the copies of the old bytes: the next hold copies the new ones */
	HT_REQUIRE(mapper_hold_replica(m, 5, 1, &r1) == 0 && bytes_are(r1, 0x33));
	memset(GET_PTR(mapper_page_data(src)), 0x44, PAGE);
	mapper_page_written(m, 5, src);
	HT_CHECK(replica_stats(1).cached == 0 && replica_stats(2).cached == 0);
	HT_CHECK(bytes_are(r1, 0x33) && bytes_are(r3, 0x33)); /* orphans, still held */
	HT_CHECK(mapper_hold_replica(m, 5, 1, &r2) == 0 && r2 != r1 && bytes_are(r2, 0x44));
	mapper_release_page(r1); /* the last holds of the orphans free them */
	mapper_release_page(r3);

	/* a cut of the page drops its replicas: held ones become orphans */
	HT_CHECK(mapper_truncate(m, 0) == 0 && replica_stats(1).cached == 0);
	HT_CHECK(mapper_hold_replica(m, 5, 1, &r1) == ENOENT);
	HT_CHECK(bytes_are(r2, 0x44));
	mapper_release_page(r2);
	mapper_destroy(m);
	HT_CHECK(counters_are(0, 0));
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}
