/*
 * ppm_pcp.c - the per-core stacks of free single pages in front of each cluster's PPM (ppm_pcp.h,
 * ppm.h's ppm_pcp_t, docs/memory.md): a local order-0 allocation or free is served from the calling
 * core's stack with IRQs off and without the PPM lock; refills and spills move PPM_PCP_BATCH pages
 * between the stack and the cluster's cache (ppm.c) under the lock, and an allocation that would
 * fail drains every core's stack of the cluster first.
 */
#include <hal_atomic.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/busylock.h>
#include <mm/ppm.h>
#include <mm/ppm_pcp.h>

_Static_assert(PPM_PCP_BATCH == 1u << PPM_CACHE_BATCH_ORDER && PPM_PCP_BATCH <= PPM_PCP_MAX,
	       "a core's refill takes one block of the cache's batch order");

/* Move up to @n pages from the top of core @lid's stack (busy held) to the cache. Caller holds L. */
static uint32_t pcp_spill_locked(const ppm_geo_t *g, lid_t lid, uint32_t n)
{
	uint32_t nr = hal_remote_l32(PCP_F(g->ppm_xp, lid, nr)), moved = 0;

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	for (; moved < n && nr > 0; moved++)
		ppm_cache_give(g, hal_remote_l64(PCP_IDX(g->ppm_xp, lid, --nr)));
	hal_remote_s32(PCP_F(g->ppm_xp, lid, nr), nr);
	xp_add64(PPM_F(g->ppm_xp, free_pages_nr), moved);
	xp_add64(PPM_F(g->ppm_xp, alloc_pages_nr), -(int64_t)moved);
	return moved;
}

/* Give every core's stack of @g's cluster back to the cache; returns how many pages moved. Caller
 * holds L: an owner inside its stack holds busy with IRQs off for a few instructions and never
 * waits for L there, so the wait ends. */
uint64_t ppm_pcp_drain_all(const ppm_geo_t *g)
{
	uint64_t moved = 0;

	for (lid_t lid = 0; lid < CONFIG_MAX_CORES_PER_CLUSTER; lid++) {
		xptr_t busy_xp = PCP_F(g->ppm_xp, lid, busy);
		uint32_t rounds = 0;

		if (hal_remote_l32(PCP_F(g->ppm_xp, lid, nr)) == 0)
			continue; /* a page given meanwhile stays: ours are the pages seen empty-handed */
		while (!hal_remote_atomic_cas32(busy_xp, 0, 1)) /* as a busylock waits */
			if (++rounds % 32)
				hal_cpu_relax();
			else
				hal_cpu_wait_other(); /* the owner may need this core's turn (icount) */
		moved += pcp_spill_locked(g, lid, PPM_PCP_MAX);
		hal_fence(); /* the moves before the release of busy */
		hal_remote_s32(busy_xp, 0);
	}
	return moved;
}

/* Refill the calling core's stack with up to PPM_PCP_BATCH pages from the cache (itself refilled
 * from the buddy); false if the cluster has none. */
static bool pcp_refill(const ppm_geo_t *g)
{
	irqstate_t irq = 0;
	ppm_pcp_t *pcp;
	uint32_t n = 0;
	uint64_t idx;

	remote_busylock_acquire(PPM_LOCK(g->ppm_xp));
	pcp = ppm_pcp_enter(g, &irq); /* busy is only ever held by us (IRQs off) or by an L holder */
	kassert(pcp != NULL); /* our callers checked that the core has a stack */
	/* an empty stack (the usual case) takes a whole block of the buddy rather than the cache's
	 * pages: a run of faults that frees nothing would otherwise pass every page through both */
	idx = pcp->nr == 0 && hal_remote_l64(PPM_F(g->ppm_xp, cache_nr)) < PPM_PCP_BATCH ?
		ppm_buddy_take(g, PPM_CACHE_BATCH_ORDER) : NO_INDEX;
	for (uint32_t i = PPM_PCP_BATCH; idx != NO_INDEX && i-- > 0; n++) /* lowest page on top */
		pcp->idx[n] = idx + i;
	while (pcp->nr + n < PPM_PCP_BATCH && (idx = ppm_cache_take(g)) != NO_INDEX)
		pcp->idx[pcp->nr + n++] = idx;
	for (uint32_t i = pcp->nr; i < pcp->nr + n; i++) {
		g->tbl[pcp->idx[i]].flags = PG_CACHED; /* also the heads of blocks taken whole */
		g->tbl[pcp->idx[i]].order = 0;
	}
	pcp->nr += n;
	xp_add64(PPM_F(g->ppm_xp, free_pages_nr), -(int64_t)n);
	xp_add64(PPM_F(g->ppm_xp, alloc_pages_nr), n);
	ppm_pcp_leave(pcp, irq);
	remote_busylock_release(PPM_LOCK(g->ppm_xp));
	return n != 0;
}

/* ppm_pcp_pop after a refill of the stack, when it found it empty. */
__attribute__((noinline)) xptr_t ppm_pcp_refill_pop(const ppm_geo_t *g)
{
	return pcp_refill(g) ? ppm_pcp_pop(g) : XPTR_NULL;
}

/* Make room in the calling core's stack: PPM_PCP_BATCH pages go to the cache. */
static void pcp_spill(const ppm_geo_t *g)
{
	irqstate_t irq = 0;
	ppm_pcp_t *pcp;

	remote_busylock_acquire(PPM_LOCK(g->ppm_xp));
	pcp = ppm_pcp_enter(g, &irq);
	kassert(pcp != NULL);
	pcp_spill_locked(g, hal_get_lid(), PPM_PCP_BATCH);
	ppm_pcp_leave(pcp, irq);
	remote_busylock_release(PPM_LOCK(g->ppm_xp));
}

/*
 * Push the frees @pages[0..@n) (checked descriptors of the local cluster @g) onto the calling
 * core's stack while each is a plain allocated single page and the stack has room; returns how
 * many it took, and in *@full whether it stopped on a full stack. What it leaves goes by the
 * locked path, which also reports whatever is wrong with it.
 */
static uint32_t pcp_push_run(const ppm_geo_t *g, const xptr_t *pages, uint32_t n, bool *full)
{
	irqstate_t irq = 0;
	ppm_pcp_t *pcp = ppm_pcp_enter(g, &irq);
	uint32_t i = 0;

	*full = false;
	if (!pcp)
		return 0;
	for (; i < n; i++) {
		page_t *page = GET_PTR(pages[i]);

		if (page->flags != PG_ALLOCATED || page->order != 0 || page->refcount != 0)
			break;
		if (pcp->nr == PPM_PCP_MAX) {
			*full = true;
			break;
		}
		page->flags = PG_CACHED;
		page->owner_xp = XPTR_NULL;
		pcp->idx[pcp->nr++] = (uint64_t)(page - g->tbl);
	}
	pcp->free_calls += i;
	ppm_pcp_leave(pcp, irq);
	return i;
}

/* Free the run @pages[0..@n) of the local cluster @g onto the calling core's stack, spilling it
 * when full; returns how many it took. */
uint32_t ppm_pcp_free_run(const ppm_geo_t *g, const xptr_t *pages, uint32_t n)
{
	uint32_t done = 0;
	bool full;

	for (int round = 0; round < 2 && done < n; round++) {
		done += pcp_push_run(g, pages + done, n - done, &full);
		if (!full)
			break;
		pcp_spill(g);
	}
	return done;
}

/* The pages of cluster @ppm_xp's cores' stacks (one aligned load each). */
uint64_t ppm_pcp_pages(xptr_t ppm_xp)
{
	uint64_t nr = 0;

	for (lid_t lid = 0; lid < CONFIG_MAX_CORES_PER_CLUSTER; lid++)
		nr += hal_remote_l32(PCP_F(ppm_xp, lid, nr));
	return nr;
}
