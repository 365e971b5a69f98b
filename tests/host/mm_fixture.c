/*
 * mm_fixture.c - simulated clusters for the mm host tests (see mm_fixture.h).
 */
#include "mm_fixture.h"

#include <mm/failnth.h>

#include <kern/printk.h>

#include <stdlib.h>
#include <string.h>

fix_cluster_t fix_clusters[FIX_MAX_CLUSTERS];

/* mm/failnth.h's seam: the allocators test failnth_counting, then call failnth_hit(). */
uint32_t failnth_counting;
static uint32_t fail_left;
static uint64_t fail_points;

bool failnth_hit(void)
{
	fail_points++;
	return fail_left && --fail_left == 0;
}

void fix_fail_nth(uint32_t n)
{
	fail_left = n;
	fail_points = 0;
	failnth_counting = n != 0;
}

uint64_t fix_fail_points(void)
{
	return fail_points;
}

xptr_t cluster_ppm_xp(cxy_t cxy)
{
	if (cxy >= FIX_MAX_CLUSTERS)
		panic("fixture: no cluster %x", cxy);
	return XPTR(cxy, &fix_clusters[cxy].ppm);
}

xptr_t cluster_kcm_xp(cxy_t cxy, uint32_t order)
{
	if (cxy >= FIX_MAX_CLUSTERS || order < CONFIG_KCM_MIN_ORDER || order > CONFIG_KCM_MAX_ORDER)
		panic("fixture: no kcm (%x, %u)", cxy, order);
	return XPTR(cxy, &fix_clusters[cxy].kcm[order - CONFIG_KCM_MIN_ORDER]);
}

cxy_t cluster_of_paddr(paddr_t pa)
{
	for (cxy_t cxy = 0; cxy < FIX_MAX_CLUSTERS; cxy++) {
		fix_cluster_t *c = &fix_clusters[cxy];

		if (c->arena && pa >= c->base && pa < c->base + c->size)
			return cxy;
	}
	return 0; /* outside every cluster: ppm_base2page rejects it */
}

error_t fix_cluster_setup(cxy_t cxy, size_t size, size_t align, size_t skew,
			  const boot_rsvd_t *rsvd_rel, uint32_t rsvd_nr)
{
	fix_cluster_t *c = &fix_clusters[cxy];
	boot_rsvd_t rsvd[CONFIG_MAX_RSVD_RANGES];
	size_t bytes = (size + skew + align - 1) / align * align;

	if (rsvd_nr > CONFIG_MAX_RSVD_RANGES)
		abort();
	free(c->arena); /* a test that stopped early may have left it */
	c->arena = aligned_alloc(align, bytes);
	if (!c->arena)
		abort();
	c->base = (paddr_t)(uintptr_t)c->arena + skew;
	c->size = size;
	for (uint32_t i = 0; i < rsvd_nr; i++) {
		rsvd[i].base = c->base + rsvd_rel[i].base;
		rsvd[i].size = rsvd_rel[i].size;
	}

	cxy_t saved = local_cxy;
	local_cxy = cxy; /* as the cluster's own boot core */
	error_t err = ppm_init(&c->ppm, c->base, size, rsvd, rsvd_nr);
	for (uint32_t o = CONFIG_KCM_MIN_ORDER; o <= CONFIG_KCM_MAX_ORDER; o++)
		kcm_init(&c->kcm[o - CONFIG_KCM_MIN_ORDER], o);
	local_cxy = saved;
	return err;
}

void fix_setup(uint32_t n, size_t size)
{
	fix_teardown();
	for (cxy_t cxy = 0; cxy < n; cxy++)
		if (fix_cluster_setup(cxy, size, 2u << 20, 0, NULL, 0) != 0)
			abort();
}

void fix_teardown(void)
{
	for (cxy_t cxy = 0; cxy < FIX_MAX_CLUSTERS; cxy++) {
		free(fix_clusters[cxy].arena);
		memset(&fix_clusters[cxy], 0, sizeof(fix_clusters[cxy]));
	}
	local_cxy = 0;
}

uint64_t fix_page_index(xptr_t page_xp)
{
	const ppm_t *ppm = &fix_clusters[GET_CXY(page_xp)].ppm;

	return (uint64_t)((const page_t *)GET_PTR(page_xp) - ppm->pages_tbl);
}

xptr_t *fix_hoard(cxy_t cxy, uint64_t leave, uint64_t *nr)
{
	ppm_stats_t s;
	xptr_t *pages;

	ppm_stats(cxy, &s);
	if (s.free_pages < leave)
		abort();
	pages = malloc((s.free_pages - leave + 1) * sizeof(xptr_t));
	if (!pages)
		abort();
	for (*nr = 0; *nr < s.free_pages - leave; (*nr)++)
		pages[*nr] = ppm_remote_alloc_pages(cxy, 0);
	return pages;
}

void fix_unhoard(xptr_t *pages, uint64_t nr)
{
	for (uint64_t i = 0; i < nr; i++)
		ppm_remote_free_pages(pages[i]);
	free(pages);
}
