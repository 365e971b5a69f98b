/*
 * test_alloc_failnth.c - the fault-injection points of the allocators (mm/failnth.h) on simulated
 * clusters: each allocation request passes exactly one point (a KCM's slab page is not a second
 * one, a large kmem block is the PPM's point), and an injected failure looks like exhaustion with
 * nothing changed: no page, no object, no counter moved. The fixture plays the per-thread counter
 * (mm_fixture.h: fix_fail_nth).
 */
#include <mm/kcm.h>
#include <mm/kmem.h>
#include <mm/ppm.h>

#include "htest.h"
#include "mm_fixture.h"

static uint64_t free_pages(cxy_t cxy)
{
	ppm_stats_t s;

	ppm_stats(cxy, &s);
	return s.free_pages;
}

static uint64_t objects(cxy_t cxy, uint32_t order)
{
	kcm_stats_t s;

	kcm_remote_stats(cxy, order, &s);
	return s.objs_used;
}

HT_TEST(ppm_injected_failure_changes_nothing)
{
	fix_setup(2, 4u << 20);
	uint64_t free0 = free_pages(1);
	ppm_stats_t before, after;

	ppm_stats(1, &before);
	fix_fail_nth(1);
	HT_CHECK(ppm_remote_alloc_pages(1, 0) == XPTR_NULL);
	HT_CHECK(ppm_remote_alloc_pages(1, 3) != XPTR_NULL); /* only the n-th fails */
	HT_CHECK(fix_fail_points() == 2);
	ppm_stats(1, &after);
	HT_CHECK(after.alloc_calls == before.alloc_calls + 1 && free_pages(1) == free0 - 8);
	fix_fail_nth(0);
	fix_teardown();
}

HT_TEST(ppm_block_allocation_has_no_injection_point)
{
	fix_setup(1, 4u << 20);
	fix_fail_nth(1);
	xptr_t page = ppm_remote_alloc_block(0, 0);
	HT_CHECK(page != XPTR_NULL && fix_fail_points() == 0);
	ppm_remote_free_pages(page);
	fix_fail_nth(0);
	fix_teardown();
}

/* The first object of a class takes a slab page: still one point, and the n-th is the object. */
HT_TEST(kcm_counts_one_point_per_object)
{
	uint32_t order = CONFIG_KCM_MIN_ORDER + 1;

	fix_setup(1, 4u << 20);
	uint64_t free0 = free_pages(0);
	fix_fail_nth(2);
	void *a = kcm_alloc(order);
	HT_CHECK(a != NULL && fix_fail_points() == 1 && free_pages(0) == free0 - 1);
	HT_CHECK(kcm_alloc(order) == NULL && objects(0, order) == 1); /* the 2nd, injected */
	void *b = kcm_alloc(order);
	HT_CHECK(b != NULL && objects(0, order) == 2 && fix_fail_points() == 3);
	kcm_free(a);
	kcm_free(b);
	kcm_remote_shrink(0, order);
	HT_CHECK(free_pages(0) == free0);
	fix_fail_nth(0);
	fix_teardown();
}

/* An injected failure of an empty cache's first object leaves no slab page behind. */
HT_TEST(kcm_injected_failure_takes_no_slab_page)
{
	uint32_t order = CONFIG_KCM_MAX_ORDER;
	kcm_stats_t s;

	fix_setup(1, 4u << 20);
	uint64_t free0 = free_pages(0);
	fix_fail_nth(1);
	HT_CHECK(kcm_alloc(order) == NULL);
	kcm_remote_stats(0, order, &s);
	HT_CHECK(s.pages == 0 && s.objs_used == 0 && s.alloc_calls == 0 && free_pages(0) == free0);
	fix_fail_nth(0);
	fix_teardown();
}

/* kmem is a front end: one point per call, the KCM's for small objects, the PPM's for large. */
HT_TEST(kmem_counts_one_point_per_call)
{
	fix_setup(1, 4u << 20);
	uint64_t free0 = free_pages(0);

	fix_fail_nth(3);
	void *small = kmem_alloc(100, KMEM_ZERO);
	void *large = kmem_alloc(5 * CONFIG_PAGE_SIZE, 0);
	HT_CHECK(small && large && fix_fail_points() == 2);
	HT_CHECK(kmem_alloc(64, 0) == NULL); /* the 3rd */
	HT_CHECK(objects(0, CONFIG_KCM_MIN_ORDER) == 0);
	kmem_free(small);
	kmem_free(large);
	fix_fail_nth(1);
	HT_CHECK(kmem_alloc(5 * CONFIG_PAGE_SIZE, 0) == NULL && fix_fail_points() == 1);
	fix_fail_nth(0);
	for (uint32_t o = CONFIG_KCM_MIN_ORDER; o <= CONFIG_KCM_MAX_ORDER; o++)
		kcm_remote_shrink(0, o);
	HT_CHECK(free_pages(0) == free0);
	fix_teardown();
}
