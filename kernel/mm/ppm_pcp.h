/*
 * ppm_pcp.h - what ppm.c and ppm_pcp.c share, and nothing else includes: the per-core stacks of
 * free single pages in front of a cluster's PPM (ppm_pcp_t in ppm.h; docs/memory.md), and the
 * parts of the buddy and of the cache (ppm.c) that the stacks move pages to and from.
 *
 * Locks (the legends of ppm_t and ppm_pcp_t in ppm.h): L = the cluster's PPM lock (ppm_t.lock),
 * busy = ppm_pcp_t.busy. Lock order: L, then busy. The owner core enters its own stack with IRQs
 * off and never waits for busy (it takes the locked path instead); a core holding L may take any
 * core's busy to move its pages (a refill, a spill, a drain before an allocation fails).
 */
#ifndef MM_PPM_PCP_H
#define MM_PPM_PCP_H

#include <hal_atomic.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <mm/ppm.h>

#define PPM_F(ppm_xp, field)   XPTR_FIELD(ppm_xp, ppm_t, field)
#define PPM_LOCK(ppm_xp)       PPM_F(ppm_xp, lock)
#define PCP_F(ppm_xp, lid, f)  (PPM_F(ppm_xp, pcp) + (lid) * sizeof(ppm_pcp_t) + \
				offsetof(ppm_pcp_t, f))
#define PCP_IDX(ppm_xp, lid, i) (PCP_F(ppm_xp, lid, idx) + (i) * sizeof(uint64_t))
#define NO_INDEX    UINT64_MAX /* "no page" for the index of a page in its cluster's range */

static inline xptr_t geo_page(const ppm_geo_t *g, uint64_t idx)
{
	return XPTR(g->cxy, g->tbl + idx);
}

static inline void xp_add64(xptr_t xp, int64_t delta)
{
	hal_remote_s64(xp, hal_remote_l64(xp) + (uint64_t)delta);
}

/* ---- ppm.c: the buddy and the cache (their contracts are at their definitions); caller holds L */
uint64_t ppm_buddy_take(const ppm_geo_t *g, uint32_t order);
uint64_t ppm_cache_take(const ppm_geo_t *g);
void     ppm_cache_give(const ppm_geo_t *g, uint64_t idx);

/* ---- ppm_pcp.c: the per-core stacks -------------------------------------------------------- */

/* The calling core's stack in the local cluster, entered: IRQs off (*@irq: the state to give
 * back to ppm_pcp_leave) and busy set. NULL if the core has none now (before its bring-up, or a
 * core holding the PPM lock is moving its pages): the caller takes the locked path. */
static inline ppm_pcp_t *ppm_pcp_enter(const ppm_geo_t *g, irqstate_t *irq)
{
	ppm_pcp_t *pcp;

	if (!hal_get_core_ptr()) /* hal_get_lid() is valid from the core's bring-up on */
		return NULL;
	*irq = hal_disable_irq();
	pcp = &((ppm_t *)GET_PTR(g->ppm_xp))->pcp[hal_get_lid()];
	if (hal_atomic_cas32(&pcp->busy, 0, 1))
		return pcp;
	hal_restore_irq(*irq);
	return NULL;
}

static inline void ppm_pcp_leave(ppm_pcp_t *pcp, irqstate_t irq)
{
	hal_atomic_store32(&pcp->busy, 0);
	hal_restore_irq(irq);
}

/* An order-0 allocation in the local cluster @g from the calling core's stack: XPTR_NULL if it is
 * empty (or a mover is inside). Inline and small, so that the common case saves no register. */
static inline xptr_t ppm_pcp_pop(const ppm_geo_t *g)
{
	irqstate_t irq = 0;
	ppm_pcp_t *pcp = ppm_pcp_enter(g, &irq);
	uint64_t idx;
	page_t *page;

	if (!pcp)
		return XPTR_NULL;
	if (!pcp->nr) {
		ppm_pcp_leave(pcp, irq);
		return XPTR_NULL;
	}
	idx = pcp->idx[--pcp->nr];
	page = &g->tbl[idx];
	kassert(page->flags == PG_CACHED && page->refcount == 0);
	page->flags = PG_ALLOCATED;
	page->owner_xp = XPTR_NULL;
	page->forks = 0;
	pcp->alloc_calls++;
	ppm_pcp_leave(pcp, irq);
	return geo_page(g, idx);
}

/* ppm_pcp_pop after a refill of the calling core's stack (from the cache, itself refilled from
 * the buddy), when it found it empty: XPTR_NULL if the cluster has no free page. The caller holds
 * no L and has checked that the core has a stack (a running core, a ready local PPM). */
xptr_t ppm_pcp_refill_pop(const ppm_geo_t *g);

/* Free the run @pages[0..@n) (checked descriptors of the local cluster @g, whose PPM is ready) onto
 * the calling core's stack while each is a plain allocated single page, spilling the stack to the
 * cache when full; returns how many it took. What it leaves goes by the locked path, which also
 * reports whatever is wrong with it. The caller holds no L. */
uint32_t ppm_pcp_free_run(const ppm_geo_t *g, const xptr_t *pages, uint32_t n);

/* Give every core's stack of @g's cluster back to the cache; returns how many pages moved. Caller
 * holds L. */
uint64_t ppm_pcp_drain_all(const ppm_geo_t *g);

/* The pages in the stacks of cluster @ppm_xp's cores (one aligned load each, no lock). */
uint64_t ppm_pcp_pages(xptr_t ppm_xp);

#endif /* MM_PPM_PCP_H */
