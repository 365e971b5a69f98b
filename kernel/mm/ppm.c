/*
 * ppm.c - the physical page manager, a buddy allocator per cluster (see ppm.h).
 *
 * Pages are numbered by their index in the cluster's range ([base, base + pages_nr * PAGE_SIZE)),
 * but blocks are aligned in *physical* page numbers, so the buddy of a block is found by flipping
 * bit @order of its physical page number; a buddy falling outside the range does not exist. A page
 * is in exactly one of four states: head of a free block (PG_FREE, order, in free_root[order]),
 * head of an allocated block (PG_ALLOCATED, order), reserved (PG_RESERVED), a free single page in
 * the cache (PG_CACHED, order 0), or a tail page of a block (none of them). Every access to the
 * ppm_t and the descriptors goes through hal_remote_*.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/busylock.h>
#include <libk/errno.h>
#include <libk/xlist.h>
#include <mm/failnth.h>
#include <mm/ppm.h>
#include <mm/ppm_pcp.h>

#define PPM_ROOT(ppm_xp, o)    (PPM_F(ppm_xp, free_root) + (o) * sizeof(xlist_entry_t))
#define PPM_BLOCKS(ppm_xp, o)  (PPM_F(ppm_xp, free_blocks_nr) + (o) * sizeof(uint64_t))
#define PPM_CACHE(ppm_xp, i)   (PPM_F(ppm_xp, cache) + (i) * sizeof(uint64_t))

#define PAGE_SHIFT  CONFIG_PAGE_SHIFT
#define PAGE_SIZE   CONFIG_PAGE_SIZE

_Static_assert(CONFIG_PPM_MAX_ORDER < 32, "orders are stored in 32 bits");

/*
 * ppm_geo_cache / ppm_geo_ready (ppm.h): this cluster's copy of the geometry of every ready PPM
 * ([I] fields, read through hal_remote_* once): the conversions and every allocation need it, and
 * it never changes once the PPM is ready. ppm_geo_ready[c] is set after ppm_geo_cache[c] is
 * complete; ppm_init clears this cluster's own entry (the host tests initialise a PPM several
 * times; on the target each replica has its own table and a PPM becomes ready once).
 */
ppm_geo_t ppm_geo_cache[CONFIG_MAX_CLUSTERS];
uint32_t  ppm_geo_ready[CONFIG_MAX_CLUSTERS];
/* The same as a mask (bit c: ppm_geo_ready[c]), for the search of a frame's cluster: one acquire
 * load, then only the ready geometries. */
static uint32_t ppm_geo_ready_mask;
_Static_assert(CONFIG_MAX_CLUSTERS <= 32, "ppm_geo_ready_mask has a bit per cluster");

/*
 * Which cluster's PPM holds a physical address, by 64 MiB granules (this cluster's copy, for
 * ppm_base2page_slow): 0 unknown, c + 1 cluster c's alone, GRANULE_SHARED two clusters' (a node's
 * memory need not start on a granule). A hint filled as geometries become ready: the answer is
 * checked against the cached geometry, and a miss falls back to the search.
 */
#define GRANULE_SHIFT  26
#define GRANULES       1024 /* 64 GiB of physical addresses */
#define GRANULE_SHARED 0xffffffffu
static uint32_t ppm_granule[GRANULES]; /* 32-bit: a compare-and-swap of a byte is a library call */

static void granules_note(const ppm_geo_t *g, bool ready)
{
	uint32_t mine = (uint32_t)g->cxy + 1;

	if (!g->pages_nr)
		return;
	for (uint64_t i = g->base >> GRANULE_SHIFT;
	     i <= (g->base + (g->pages_nr << PAGE_SHIFT) - 1) >> GRANULE_SHIFT && i < GRANULES; i++) {
		uint32_t old = ready ? 0 : mine;

		if (!__atomic_compare_exchange_n(&ppm_granule[i], &old, ready ? mine : 0, false,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED) && ready && old != mine)
			__atomic_store_n(&ppm_granule[i], GRANULE_SHARED, __ATOMIC_RELAXED);
	}
}

static void geo_set_ready(cxy_t cxy, bool ready)
{
	granules_note(&ppm_geo_cache[cxy], ready);
	if (ready)
		__atomic_fetch_or(&ppm_geo_ready_mask, 1u << cxy, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&ppm_geo_ready_mask, ~(1u << cxy), __ATOMIC_RELEASE);
	__atomic_store_n(&ppm_geo_ready[cxy], ready, __ATOMIC_RELEASE);
}

static __attribute__((noinline)) void ppm_geo_read(cxy_t cxy, ppm_geo_t *g)
{
	g->cxy = cxy;
	g->ppm_xp = cluster_ppm_xp(cxy);

	bool ready = hal_remote_l32(PPM_F(g->ppm_xp, ready)) != 0;
	hal_fence(); /* read after ready: the geometry it announces */
	g->base = hal_remote_l64(PPM_F(g->ppm_xp, base));
	g->base_ppn = g->base >> PAGE_SHIFT;
	g->pages_nr = hal_remote_l64(PPM_F(g->ppm_xp, pages_nr));
	g->tbl = hal_remote_lpt(PPM_F(g->ppm_xp, pages_tbl));
	if (ready && cxy < CONFIG_MAX_CLUSTERS) {
		ppm_geo_cache[cxy] = *g;
		geo_set_ready(cxy, true);
	}
}

static inline void ppm_geo(cxy_t cxy, ppm_geo_t *g)
{
	if (cxy < CONFIG_MAX_CLUSTERS && __atomic_load_n(&ppm_geo_ready[cxy], __ATOMIC_ACQUIRE))
		*g = ppm_geo_cache[cxy];
	else
		ppm_geo_read(cxy, g);
}

/* The geometry of cluster @cxy's PPM: this cluster's cached copy itself once it is ready (not a
 * copy of it: the allocation and the free are on every fault's path), else read into @buf. */
static inline const ppm_geo_t *ppm_geo_ref(cxy_t cxy, ppm_geo_t *buf)
{
	if (cxy < CONFIG_MAX_CLUSTERS && __atomic_load_n(&ppm_geo_ready[cxy], __ATOMIC_ACQUIRE))
		return &ppm_geo_cache[cxy];
	ppm_geo_read(cxy, buf);
	return buf;
}

/* Index of the descriptor @page_xp in @g's array; false if it is not one of its descriptors. */
static bool geo_index(const ppm_geo_t *g, xptr_t page_xp, uint64_t *idx)
{
	uintptr_t p = (uintptr_t)GET_PTR(page_xp);
	uintptr_t t = (uintptr_t)g->tbl;

	if (g->tbl == NULL || GET_CXY(page_xp) != g->cxy || p < t || (p - t) % sizeof(page_t))
		return false;
	*idx = (p - t) / sizeof(page_t);
	return *idx < g->pages_nr;
}

/* Index of the buddy of the block (@idx, @order), NO_INDEX if the buddy is not in the range. */
static uint64_t geo_buddy(const ppm_geo_t *g, uint64_t idx, uint32_t order)
{
	uint64_t buddy_ppn = (g->base_ppn + idx) ^ (1ull << order);

	if (buddy_ppn < g->base_ppn || buddy_ppn - g->base_ppn + (1ull << order) > g->pages_nr)
		return NO_INDEX;
	return buddy_ppn - g->base_ppn;
}

/* Make the pages [idx, idx + 2^order) a free block in the free list of @order. Caller holds L. */
static void ppm_push_free(const ppm_geo_t *g, uint64_t idx, uint32_t order)
{
	xptr_t page_xp = geo_page(g, idx);

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	hal_remote_s32(PAGE_XP(page_xp, flags), PG_FREE);
	hal_remote_s32(PAGE_XP(page_xp, order), order);
	xlist_add_first(PPM_ROOT(g->ppm_xp, order), PAGE_XP(page_xp, list));
	xp_add64(PPM_BLOCKS(g->ppm_xp, order), 1);
}

/* Take the free block headed by @idx out of its free list; its head becomes a tail page. Caller
 * holds L. */
static void ppm_pop_free(const ppm_geo_t *g, uint64_t idx, uint32_t order)
{
	xptr_t page_xp = geo_page(g, idx);

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	xlist_unlink(PAGE_XP(page_xp, list));
	hal_remote_s32(PAGE_XP(page_xp, flags), 0);
	xp_add64(PPM_BLOCKS(g->ppm_xp, order), -1);
}

/* Insert the block (@idx, @order), whose pages are all free, merging it with its buddies while they
 * are free blocks of the same order. Caller holds L. */
static void ppm_merge_insert(const ppm_geo_t *g, uint64_t idx, uint32_t order)
{
	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	while (order < CONFIG_PPM_MAX_ORDER) {
		uint64_t buddy = geo_buddy(g, idx, order);

		if (buddy == NO_INDEX)
			break;
		xptr_t buddy_xp = geo_page(g, buddy);
		if (hal_remote_l32(PAGE_XP(buddy_xp, flags)) != PG_FREE ||
		    hal_remote_l32(PAGE_XP(buddy_xp, order)) != order)
			break;
		ppm_pop_free(g, buddy, order);
		idx = MIN(idx, buddy);
		order++;
	}
	ppm_push_free(g, idx, order);
}

/* ------------------------------------------------------------------------------------------ */
/* initialisation                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* An empty PPM: every allocation fails. Also the state left by a failed ppm_init. */
static void ppm_reset(xptr_t ppm_xp)
{
	hal_remote_s32(PPM_F(ppm_xp, ready), 0);
	geo_set_ready(local_cxy, false);
	remote_busylock_init(PPM_LOCK(ppm_xp), "ppm", LOCK_PPM);
	hal_remote_s64(PPM_F(ppm_xp, base), 0);
	hal_remote_s64(PPM_F(ppm_xp, pages_nr), 0);
	hal_remote_spt(PPM_F(ppm_xp, pages_tbl), NULL);
	hal_remote_s64(PPM_F(ppm_xp, tbl_pages_nr), 0);
	hal_remote_s64(PPM_F(ppm_xp, rsvd_pages_nr), 0);
	for (uint32_t o = 0; o < PPM_ORDERS_NR; o++) {
		xlist_root_init(PPM_ROOT(ppm_xp, o));
		hal_remote_s64(PPM_BLOCKS(ppm_xp, o), 0);
	}
	hal_remote_s64(PPM_F(ppm_xp, free_pages_nr), 0);
	hal_remote_s64(PPM_F(ppm_xp, cache_nr), 0);
	hal_remote_s64(PPM_F(ppm_xp, alloc_pages_nr), 0);
	hal_remote_s64(PPM_F(ppm_xp, alloc_calls), 0);
	hal_remote_s64(PPM_F(ppm_xp, free_calls), 0);
	hal_remote_memset(PPM_F(ppm_xp, pcp), 0, sizeof(((ppm_t *)0)->pcp));
}

/* The pages [*first, *end) of the range (@base, @pages_nr) that the reserved range @r overlaps,
 * even partially; false if it overlaps none. */
static bool rsvd_span(paddr_t base, uint64_t pages_nr, const boot_rsvd_t *r, uint64_t *first,
		      uint64_t *end)
{
	paddr_t range_end = base + (pages_nr << PAGE_SHIFT);
	paddr_t r_end = r->base + r->size < r->base ? UINT64_MAX : r->base + r->size;

	if (r->size == 0 || r_end <= base || r->base >= range_end)
		return false;
	*first = (MAX(r->base, base) - base) >> PAGE_SHIFT;
	*end = DIV_ROUND_UP(MIN(r_end, range_end) - base, PAGE_SIZE);
	return true;
}

/* Index of the first run of @tbl_pages pages that no reserved range overlaps, NO_INDEX if none. */
static uint64_t ppm_place_tbl(paddr_t base, uint64_t pages_nr, uint64_t tbl_pages,
			      const boot_rsvd_t *rsvd, uint32_t rsvd_nr)
{
	uint64_t start = 0, first, end;
	bool moved = true;

	while (moved && start + tbl_pages <= pages_nr) {
		moved = false;
		for (uint32_t i = 0; i < rsvd_nr; i++) {
			if (rsvd_span(base, pages_nr, &rsvd[i], &first, &end) && first < start + tbl_pages &&
			    end > start) {
				start = end;
				moved = true;
			}
		}
	}
	return start + tbl_pages <= pages_nr ? start : NO_INDEX;
}

/* Mark the pages [first, end) reserved; returns how many were not already. */
static uint64_t ppm_mark_rsvd(const ppm_geo_t *g, uint64_t first, uint64_t end)
{
	uint64_t marked = 0;

	for (uint64_t idx = first; idx < end; idx++) {
		xptr_t flags_xp = PAGE_XP(geo_page(g, idx), flags);

		if (!(hal_remote_l32(flags_xp) & PG_RESERVED)) {
			hal_remote_s32(flags_xp, PG_RESERVED);
			marked++;
		}
	}
	return marked;
}

static bool page_is_rsvd(const ppm_geo_t *g, uint64_t idx)
{
	return hal_remote_l32(PAGE_XP(geo_page(g, idx), flags)) & PG_RESERVED;
}

/* Cut every run of non-reserved pages into maximal aligned blocks and free them; returns the number
 * of free pages. Caller holds L (in ppm_init: no other core uses the PPM yet, the lock only
 * satisfies the helpers' assertions). */
static uint64_t ppm_build_free(const ppm_geo_t *g)
{
	uint64_t idx = 0, free_pages = 0;

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	while (idx < g->pages_nr) {
		if (page_is_rsvd(g, idx)) {
			idx++;
			continue;
		}
		uint64_t run_end = idx + 1;
		while (run_end < g->pages_nr && !page_is_rsvd(g, run_end))
			run_end++;
		while (idx < run_end) {
			uint64_t ppn = g->base_ppn + idx;
			uint32_t order = ppn ? MIN((uint32_t)__builtin_ctzll(ppn), CONFIG_PPM_MAX_ORDER)
					     : CONFIG_PPM_MAX_ORDER;

			while (idx + (1ull << order) > run_end)
				order--;
			ppm_push_free(g, idx, order);
			free_pages += 1ull << order;
			idx += 1ull << order;
		}
	}
	return free_pages;
}

/* Clear the descriptor array of @g and initialise each page's lock. */
static void ppm_init_descriptors(const ppm_geo_t *g)
{
	hal_remote_memset(XPTR(g->cxy, g->tbl), 0, g->pages_nr * sizeof(page_t));
	for (uint64_t idx = 0; idx < g->pages_nr; idx++)
		remote_busylock_init(PAGE_XP(geo_page(g, idx), lock), "page", LOCK_PAGE);
}

error_t ppm_init(ppm_t *ppm, paddr_t base, paddr_t size, const boot_rsvd_t *rsvd, uint32_t rsvd_nr)
{
	xptr_t ppm_xp = XPTR(local_cxy, ppm);
	uint64_t first, end, rsvd_pages;
	ppm_geo_t g;

	kassert(cluster_ppm_xp(local_cxy) == ppm_xp);
	kassert(rsvd_nr == 0 || rsvd != NULL);
	ppm_reset(ppm_xp);
	if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || base + size < base)
		return EINVAL;

	uint64_t pages_nr = size >> PAGE_SHIFT;
	uint64_t tbl_pages = DIV_ROUND_UP(pages_nr * sizeof(page_t), PAGE_SIZE);
	uint64_t tbl_idx = ppm_place_tbl(base, pages_nr, tbl_pages, rsvd, rsvd_nr);
	if (pages_nr == 0 || tbl_idx == NO_INDEX)
		return ENOMEM;

	hal_remote_s64(PPM_F(ppm_xp, base), base);
	hal_remote_s64(PPM_F(ppm_xp, pages_nr), pages_nr);
	hal_remote_spt(PPM_F(ppm_xp, pages_tbl), hal_paddr_to_kva(base + (tbl_idx << PAGE_SHIFT)));
	hal_remote_s64(PPM_F(ppm_xp, tbl_pages_nr), tbl_pages);
	ppm_geo(local_cxy, &g);
	ppm_init_descriptors(&g);

	rsvd_pages = ppm_mark_rsvd(&g, tbl_idx, tbl_idx + tbl_pages);
	for (uint32_t i = 0; i < rsvd_nr; i++)
		if (rsvd_span(base, pages_nr, &rsvd[i], &first, &end))
			rsvd_pages += ppm_mark_rsvd(&g, first, end);
	if (rsvd_pages == pages_nr) {
		ppm_reset(ppm_xp);
		return ENOMEM;
	}
	hal_remote_s64(PPM_F(ppm_xp, rsvd_pages_nr), rsvd_pages);
	remote_busylock_acquire(PPM_LOCK(ppm_xp));
	hal_remote_s64(PPM_F(ppm_xp, free_pages_nr), ppm_build_free(&g));
	remote_busylock_release(PPM_LOCK(ppm_xp));
	hal_fence(); /* the geometry is complete before a cluster may cache it */
	hal_remote_s32(PPM_F(ppm_xp, ready), 1);
	ppm_geo_read(local_cxy, &g); /* cached at once: the cores' stacks need it (ppm.h) */
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* allocation and release                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Take a free block of @order out of the buddy (splitting a larger one); returns its index, or
 * NO_INDEX if there is none. Caller holds L. */
uint64_t ppm_buddy_take(const ppm_geo_t *g, uint32_t order)
{
	uint32_t o;
	uint64_t idx;

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	for (o = order; o <= CONFIG_PPM_MAX_ORDER; o++)
		if (!xlist_is_empty(PPM_ROOT(g->ppm_xp, o)))
			break;
	if (o > CONFIG_PPM_MAX_ORDER)
		return NO_INDEX;

	xptr_t page_xp = XLIST_ELEMENT(xlist_first(PPM_ROOT(g->ppm_xp, o)), page_t, list);
	if (!geo_index(g, page_xp, &idx))
		panic("%s: free list %u of cluster %x is corrupted (%llx)", __func__, o, g->cxy,
		      (unsigned long long)page_xp);
	ppm_pop_free(g, idx, o);
	while (o > order) { /* split: the upper half of each step stays free */
		o--;
		ppm_push_free(g, idx + (1ull << o), o);
	}
	return idx;
}

/* Put the free single page @idx in the cache, which has room. Caller holds L. */
static void cache_push(const ppm_geo_t *g, uint64_t idx)
{
	uint64_t n = hal_remote_l64(PPM_F(g->ppm_xp, cache_nr));

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	hal_remote_s32(PAGE_XP(geo_page(g, idx), flags), PG_CACHED);
	hal_remote_s32(PAGE_XP(geo_page(g, idx), order), 0);
	hal_remote_s64(PPM_CACHE(g->ppm_xp, n), idx);
	hal_remote_s64(PPM_F(g->ppm_xp, cache_nr), n + 1);
}

/* Give the last @count pages of the cache back to the buddy. Caller holds L. */
static void cache_flush(const ppm_geo_t *g, uint64_t count)
{
	uint64_t n = hal_remote_l64(PPM_F(g->ppm_xp, cache_nr));

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	for (; count > 0 && n > 0; count--) {
		uint64_t idx = hal_remote_l64(PPM_CACHE(g->ppm_xp, --n));

		hal_remote_s32(PAGE_XP(geo_page(g, idx), flags), 0);
		hal_remote_s64(PPM_F(g->ppm_xp, cache_nr), n);
		ppm_merge_insert(g, idx, 0);
	}
}

/* A free single page for an order-0 allocation: from the cache, refilled from the buddy with a
 * block of 2^PPM_CACHE_BATCH_ORDER pages when empty (or one page when no such block is left);
 * NO_INDEX if the cluster has no free page. Caller holds L. */
uint64_t ppm_cache_take(const ppm_geo_t *g)
{
	uint64_t n = hal_remote_l64(PPM_F(g->ppm_xp, cache_nr));

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	if (n == 0) {
		uint64_t block = ppm_buddy_take(g, PPM_CACHE_BATCH_ORDER);

		if (block == NO_INDEX)
			return ppm_buddy_take(g, 0);
		/* cache_push's work for the whole block, the count written once */
		for (uint64_t i = 1ull << PPM_CACHE_BATCH_ORDER; i-- > 1; n++) {
			hal_remote_s32(PAGE_XP(geo_page(g, block + i), flags), PG_CACHED);
			hal_remote_s32(PAGE_XP(geo_page(g, block + i), order), 0);
			hal_remote_s64(PPM_CACHE(g->ppm_xp, n), block + i);
		}
		hal_remote_s64(PPM_F(g->ppm_xp, cache_nr), n);
		return block;
	}
	hal_remote_s64(PPM_F(g->ppm_xp, cache_nr), n - 1);
	return hal_remote_l64(PPM_CACHE(g->ppm_xp, n - 1));
}

/* The single page @idx, just freed, goes to the cache (making room first). Caller holds L. */
void ppm_cache_give(const ppm_geo_t *g, uint64_t idx)
{
	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	if (hal_remote_l64(PPM_F(g->ppm_xp, cache_nr)) >= PPM_CACHE_MAX)
		cache_flush(g, 1ull << PPM_CACHE_BATCH_ORDER);
	cache_push(g, idx);
}

xptr_t ppm_remote_alloc_pages(cxy_t cxy, uint32_t order)
{
	if (failnth_should_fail()) /* the injection point of every frame, table, stack, block */
		return XPTR_NULL;
	return ppm_remote_alloc_block(cxy, order);
}

/* A free block of @order for an allocation: a single page from the cache, a larger block from the
 * buddy after the cache's pages if needed; NO_INDEX if there is none. Caller holds L. */
static uint64_t take_block(const ppm_geo_t *g, uint32_t order)
{
	uint64_t idx;

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	if (order == 0)
		return ppm_cache_take(g);
	idx = ppm_buddy_take(g, order);
	if (idx == NO_INDEX && hal_remote_l64(PPM_F(g->ppm_xp, cache_nr))) {
		cache_flush(g, PPM_CACHE_MAX); /* the cached pages may complete a block */
		idx = ppm_buddy_take(g, order);
	}
	return idx;
}

/* ppm_remote_alloc_block but for the calling core's stack: the locked path. */
static __attribute__((noinline)) xptr_t alloc_locked(cxy_t cxy, uint32_t order)
{
	ppm_geo_t buf;
	const ppm_geo_t *g = ppm_geo_ref(cxy, &buf);
	uint64_t idx;

	remote_busylock_acquire(PPM_LOCK(g->ppm_xp));
	idx = take_block(g, order);
	if (idx == NO_INDEX && ppm_pcp_drain_all(g)) /* the cores' stacks before a failure */
		idx = take_block(g, order);
	if (idx == NO_INDEX) {
		remote_busylock_release(PPM_LOCK(g->ppm_xp));
		return XPTR_NULL;
	}

	xptr_t page_xp = geo_page(g, idx);
	kassert(hal_remote_l32(PAGE_XP(page_xp, refcount)) == 0);
	hal_remote_s32(PAGE_XP(page_xp, flags), PG_ALLOCATED);
	hal_remote_s32(PAGE_XP(page_xp, order), order);
	hal_remote_sxp(PAGE_XP(page_xp, owner_xp), XPTR_NULL);
	hal_remote_s32(PAGE_XP(page_xp, forks), 0);
	xp_add64(PPM_F(g->ppm_xp, free_pages_nr), -(int64_t)(1ull << order));
	xp_add64(PPM_F(g->ppm_xp, alloc_pages_nr), (int64_t)(1ull << order));
	xp_add64(PPM_F(g->ppm_xp, alloc_calls), 1);

	remote_busylock_release(PPM_LOCK(g->ppm_xp));
	return page_xp;
}

xptr_t ppm_remote_alloc_block(cxy_t cxy, uint32_t order)
{
	if (order == 0 && cxy == local_cxy && hal_get_core_ptr() && /* a running core ... */
	    __atomic_load_n(&ppm_geo_ready[cxy], __ATOMIC_ACQUIRE)) { /* ... and a ready PPM */
		const ppm_geo_t *g = &ppm_geo_cache[cxy];
		xptr_t page_xp = ppm_pcp_pop(g);

		if (page_xp != XPTR_NULL || (page_xp = ppm_pcp_refill_pop(g)) != XPTR_NULL)
			return page_xp;
	}
	if (order > CONFIG_PPM_MAX_ORDER)
		return XPTR_NULL;
	return alloc_locked(cxy, order);
}

/* Why the page @idx (descriptor @page_xp) cannot be freed, NULL if it can. Caller holds L. */
static const char *ppm_check_free(const ppm_geo_t *g, xptr_t page_xp, uint64_t idx)
{
	uint32_t flags = hal_remote_l32(PAGE_XP(page_xp, flags));
	uint32_t order = hal_remote_l32(PAGE_XP(page_xp, order));

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	if (flags & PG_RESERVED)
		return "freeing a reserved page";
	if (flags & (PG_FREE | PG_CACHED))
		return "double free";
	if (!(flags & PG_ALLOCATED))
		return "not the head of an allocated block";
	if (order > CONFIG_PPM_MAX_ORDER || !IS_ALIGNED(g->base_ppn + idx, 1ull << order) ||
	    idx + (1ull << order) > g->pages_nr)
		return "bad order";
	if (hal_remote_l32(PAGE_XP(page_xp, refcount)) != 0)
		return "page still referenced";
	return NULL;
}

/* Count @pages freed by @calls frees in @g's counters. Caller holds L. */
static void free_counts(const ppm_geo_t *g, uint64_t pages, uint64_t calls)
{
	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	xp_add64(PPM_F(g->ppm_xp, free_pages_nr), (int64_t)pages);
	xp_add64(PPM_F(g->ppm_xp, alloc_pages_nr), -(int64_t)pages);
	xp_add64(PPM_F(g->ppm_xp, free_calls), (int64_t)calls);
}

/*
 * Free the block @page_xp of @g's cluster, whose PPM lock the caller holds, counting it in *@pages
 * and *@calls (the caller's totals, for free_counts). Panics on anything ppm_remote_free_pages
 * refuses, after counting the totals so far and releasing the lock (the PPM stays usable for the
 * panic path and the host tests).
 */
static void free_block_locked(const ppm_geo_t *g, xptr_t page_xp, uint64_t *pages, uint64_t *calls)
{
	uint64_t idx;
	const char *why;
	uint32_t order;

	kassert(remote_busylock_is_held_by_me(PPM_LOCK(g->ppm_xp)));
	if (!geo_index(g, page_xp, &idx)) /* checked before the lock: cannot be */
		panic("%s: %llx lost its descriptor", __func__, (unsigned long long)page_xp);
	why = ppm_check_free(g, page_xp, idx);
	order = hal_remote_l32(PAGE_XP(page_xp, order));
	if (why) {
		uint32_t flags = hal_remote_l32(PAGE_XP(page_xp, flags));

		free_counts(g, *pages, *calls);
		remote_busylock_release(PPM_LOCK(g->ppm_xp));
		panic("ppm_remote_free_pages: %s: page %llx (pa %llx) of cluster %x, flags %x, "
		      "order %u", why, (unsigned long long)page_xp,
		      (unsigned long long)(g->base + (idx << PAGE_SHIFT)), g->cxy, flags, order);
	}
	hal_remote_s32(PAGE_XP(page_xp, flags), 0);
	hal_remote_sxp(PAGE_XP(page_xp, owner_xp), XPTR_NULL);
	if (order == 0)
		ppm_cache_give(g, idx);
	else
		ppm_merge_insert(g, idx, order);
	*pages += 1ull << order;
	(*calls)++;
}

void ppm_remote_free_pages(xptr_t page_xp)
{
	ppm_remote_free_array(&page_xp, 1);
}

void ppm_remote_free_array(const xptr_t *pages, uint32_t n)
{
	for (uint32_t i = 0; i < n;) {
		cxy_t cxy = GET_CXY(pages[i]);
		ppm_geo_t buf;
		const ppm_geo_t *g = ppm_geo_ref(cxy, &buf);
		uint64_t freed = 0, calls = 0, idx;

		/* nothing of a block that is not a descriptor may be read, nor the lock of a cluster
		 * that has no PPM taken for it */
		for (uint32_t k = i; k < n && GET_CXY(pages[k]) == cxy; k++)
			if (!geo_index(g, pages[k], &idx))
				panic("ppm_remote_free_pages: %llx is not a page descriptor of cluster %x",
				      (unsigned long long)pages[k], g->cxy);
		if (cxy == local_cxy && ppm_geo_ready[cxy]) { /* single pages onto this core's stack */
			uint32_t end = i;

			while (end < n && GET_CXY(pages[end]) == cxy)
				end++;
			i += ppm_pcp_free_run(g, pages + i, end - i);
			if (i == end)
				continue;
		}
		remote_busylock_acquire(PPM_LOCK(g->ppm_xp));
		for (; i < n && GET_CXY(pages[i]) == cxy; i++)
			free_block_locked(g, pages[i], &freed, &calls);
		free_counts(g, freed, calls);
		remote_busylock_release(PPM_LOCK(g->ppm_xp));
	}
}

void ppm_remote_drain(cxy_t cxy)
{
	ppm_geo_t g;

	ppm_geo(cxy, &g);
	remote_busylock_acquire(PPM_LOCK(g.ppm_xp));
	ppm_pcp_drain_all(&g);
	cache_flush(&g, PPM_CACHE_MAX);
	remote_busylock_release(PPM_LOCK(g.ppm_xp));
}

xptr_t ppm_alloc_pages(uint32_t order)
{
	return ppm_remote_alloc_pages(local_cxy, order);
}

void ppm_free_pages(page_t *page)
{
	ppm_remote_free_pages(XPTR(local_cxy, page));
}

/* ------------------------------------------------------------------------------------------ */
/* conversions and observation                                                                 */
/* ------------------------------------------------------------------------------------------ */

paddr_t ppm_page2base_slow(xptr_t page_xp)
{
	ppm_geo_t g;
	uint64_t idx;

	ppm_geo(GET_CXY(page_xp), &g);
	if (!geo_index(&g, page_xp, &idx))
		panic("ppm_page2base: %llx is not a page descriptor of cluster %x",
		      (unsigned long long)page_xp, g.cxy);
	return g.base + (idx << PAGE_SHIFT);
}

/* @pa's descriptor if cluster @c's geometry is cached (@ready, its mask) and holds it, else
 * XPTR_NULL. */
static inline xptr_t geo_cached_page(cxy_t c, uint32_t ready, paddr_t pa)
{
	const ppm_geo_t *g = &ppm_geo_cache[c];

	if (!(ready & (1u << c)) || pa < g->base || pa - g->base >= (g->pages_nr << PAGE_SHIFT))
		return XPTR_NULL;
	return XPTR(c, g->tbl + ((pa - g->base) >> PAGE_SHIFT));
}

/* The search of ppm_base2page_slow when the granule did not tell (shared by two clusters, not
 * noted yet, or outside every PPM): one bounds test per cached geometry (no ctz: a library call
 * on cores without Zbb), then the PPM of the cluster the platform says. */
static __attribute__((noinline)) xptr_t base2page_search(paddr_t pa)
{
	uint32_t ready = __atomic_load_n(&ppm_geo_ready_mask, __ATOMIC_ACQUIRE);
	ppm_geo_t buf;
	const ppm_geo_t *g;
	xptr_t page_xp;

	for (cxy_t c = 0; ready >> c; c++)
		if ((page_xp = geo_cached_page(c, ready, pa)) != XPTR_NULL)
			return page_xp;
	g = ppm_geo_ref(cluster_of_paddr(pa), &buf); /* not cached yet, or outside every PPM */
	if (pa < g->base || pa - g->base >= (g->pages_nr << PAGE_SHIFT))
		return XPTR_NULL;
	return geo_page(g, (pa - g->base) >> PAGE_SHIFT);
}

xptr_t ppm_base2page_slow(paddr_t pa)
{
	uint64_t granule = pa >> GRANULE_SHIFT;

	/* Another cluster's frame (a fork shares its parent's, a reap frees its child's, ~20 per
	 * fork to another cluster): its granule names the cluster (0, unknown, and GRANULE_SHARED
	 * wrap past the clusters), whose geometry is cached once ready. Straight and without a
	 * frame: the search is out of line. */
	if (granule < GRANULES) {
		uint32_t c = __atomic_load_n(&ppm_granule[granule], __ATOMIC_RELAXED) - 1;

		if (c < CONFIG_MAX_CLUSTERS && __atomic_load_n(&ppm_geo_ready[c], __ATOMIC_ACQUIRE)) {
			const ppm_geo_t *g = &ppm_geo_cache[c];

			if (pa >= g->base && pa - g->base < (g->pages_nr << PAGE_SHIFT))
				return XPTR((cxy_t)c, g->tbl + ((pa - g->base) >> PAGE_SHIFT));
		}
	}
	return base2page_search(pa);
}

void ppm_counts(cxy_t cxy, uint64_t *alloc_pages, uint64_t *free_pages)
{
	xptr_t ppm_xp = cluster_ppm_xp(cxy);
	uint64_t stacked = ppm_pcp_pages(ppm_xp);

	*alloc_pages = hal_remote_l64(PPM_F(ppm_xp, alloc_pages_nr)) - stacked;
	*free_pages = hal_remote_l64(PPM_F(ppm_xp, free_pages_nr)) + stacked;
}

void ppm_stats(cxy_t cxy, ppm_stats_t *out)
{
	xptr_t ppm_xp = cluster_ppm_xp(cxy);
	uint64_t stacked;

	remote_busylock_acquire(PPM_LOCK(ppm_xp));
	out->total_pages = hal_remote_l64(PPM_F(ppm_xp, pages_nr));
	out->reserved_pages = hal_remote_l64(PPM_F(ppm_xp, rsvd_pages_nr));
	out->free_pages = hal_remote_l64(PPM_F(ppm_xp, free_pages_nr));
	out->alloc_pages = hal_remote_l64(PPM_F(ppm_xp, alloc_pages_nr));
	out->alloc_calls = hal_remote_l64(PPM_F(ppm_xp, alloc_calls));
	out->free_calls = hal_remote_l64(PPM_F(ppm_xp, free_calls));
	out->cached_pages = hal_remote_l64(PPM_F(ppm_xp, cache_nr));
	stacked = ppm_pcp_pages(ppm_xp); /* the cores' stacks: free pages */
	out->free_pages += stacked;
	out->alloc_pages -= stacked;
	out->cached_pages += stacked;
	for (lid_t lid = 0; lid < CONFIG_MAX_CORES_PER_CLUSTER; lid++) {
		out->alloc_calls += hal_remote_l64(PCP_F(ppm_xp, lid, alloc_calls));
		out->free_calls += hal_remote_l64(PCP_F(ppm_xp, lid, free_calls));
	}
	out->largest_free_pages = out->cached_pages ? 1 : 0;
	for (uint32_t o = 0; o < PPM_ORDERS_NR; o++) {
		out->free_blocks[o] = hal_remote_l64(PPM_BLOCKS(ppm_xp, o));
		if (out->free_blocks[o])
			out->largest_free_pages = 1ull << o;
	}
	remote_busylock_release(PPM_LOCK(ppm_xp));
}

void ppm_display(cxy_t cxy)
{
	ppm_stats_t s;
	xptr_t ppm_xp = cluster_ppm_xp(cxy);

	ppm_stats(cxy, &s);
	printk("PPM of cluster %x: base %llx, %llu pages: %llu free (%llu cached), %llu allocated, "
	       "%llu reserved, largest free block %llu pages", cxy,
	       (unsigned long long)hal_remote_l64(PPM_F(ppm_xp, base)),
	       (unsigned long long)s.total_pages, (unsigned long long)s.free_pages,
	       (unsigned long long)s.cached_pages, (unsigned long long)s.alloc_pages,
	       (unsigned long long)s.reserved_pages, (unsigned long long)s.largest_free_pages);
	for (uint32_t o = 0; o < PPM_ORDERS_NR; o++)
		if (s.free_blocks[o])
			printk("  order %2u (%6llu pages): %llu free blocks", o,
			       (unsigned long long)(1ull << o), (unsigned long long)s.free_blocks[o]);
}
