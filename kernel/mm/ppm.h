/*
 * ppm.h - the physical page manager: one buddy allocator per cluster.
 *
 * Each cluster's PPM manages the physical pages of that cluster's memory in blocks of 2^order pages
 * (order 0..CONFIG_PPM_MAX_ORDER), each block naturally aligned on its size in *physical* address
 * space. Free blocks are kept in one list per order; allocation splits a larger block, freeing
 * merges a block with its buddy as long as the buddy is a free block of the same order. Both are
 * O(CONFIG_PPM_MAX_ORDER): nothing ever scans the pages.
 *
 * In front of the buddy, each cluster keeps a cache of free single pages (order 0, the pages of
 * user memory and page tables): an order-0 allocation takes a page from it, a free of one puts it
 * back, with no split nor merge. The cache is refilled with a block of 2^PPM_CACHE_BATCH_ORDER
 * pages cut into single pages, and gives a batch back to the buddy (merging) when it is full; an
 * allocation of a larger block that the buddy cannot serve first empties the cache into the buddy.
 * A cached page is free (PG_CACHED): it counts in free_pages like any free page, in no
 * free_blocks[] (those are the buddy's), and in cached_pages; leak checks, which compare
 * free_pages, are exact.
 *
 * In front of the cache, each core keeps a stack of free single pages of its own cluster
 * (ppm_pcp_t): a local order-0 allocation or free is served there with IRQs off, without the lock;
 * refills and spills move 16 pages under the lock, and an allocation that would fail drains every
 * core's stack of the cluster first. Stacked pages count as free in ppm_stats and ppm_counts
 * (docs/memory.md says how).
 *
 * The ppm_t lives in its cluster (in the cluster manager); any core of any cluster may allocate from
 * or free to any cluster: every function takes the target cluster's ppm lock (a remote busylock) and
 * touches the ppm_t and the page descriptors only through hal_remote_*. The local functions are the
 * remote ones applied to local_cxy. No function sleeps; all may run with IRQs on or off.
 *
 * Lock order: a caller may hold other locks (a kcm lock, ...) when calling the PPM; the PPM takes
 * no lock but its own, one cluster at a time.
 */
#ifndef MM_PPM_H
#define MM_PPM_H

#include <hal_boot.h>
#include <hal_special.h>
#include <hal_types.h>
#include <libk/busylock.h>
#include <libk/xlist.h>
#include <mm/page.h>
#include <params.h>

#define PPM_ORDERS_NR (CONFIG_PPM_MAX_ORDER + 1)
#define PPM_CACHE_MAX          160 /* single pages a cluster's cache holds at most (brk's shrink
                                      of ~145 pages stays in it; 256 made vmbench's fork_exec_wait
                                      8 % dearer on 4x2: docs/memory.md)                        */
#define PPM_CACHE_BATCH_ORDER  4  /* a refill takes a block of 16 pages; a full cache gives 16 back */

#define PPM_PCP_MAX   32 /* free single pages one core keeps in front of its cluster's PPM  */
#define PPM_PCP_BATCH 16 /* pages a refill or a spill moves between a core's stack and the PPM */

/*
 * One core's stack of free single pages of its own cluster (docs/memory.md). The owner core takes
 * and gives pages there with IRQs off and `busy` set, without the PPM lock; `busy` also lets a
 * core holding the PPM lock (any core, any cluster: a refill, a spill, a drain before an
 * allocation fails) move the stack's pages. Lock order: the PPM lock, then busy; the owner never
 * waits for busy (it takes the locked path instead) and never waits for anything holding it.
 * [B] = written under busy; read without it only by ppm_stats (one aligned load each).
 */
typedef struct ppm_pcp_s {
	uint32_t busy;                             /* 1 while the owner or a mover is inside        */
	uint32_t nr;                               /* [B] pages in idx[]                            */
	uint64_t alloc_calls;                      /* [B] allocations it served                     */
	uint64_t free_calls;                       /* [B] frees it took                             */
	uint64_t idx[PPM_PCP_MAX];                 /* [B] indices of free single pages (PG_CACHED)  */
} ppm_pcp_t;

/*
 * One cluster's physical page manager.
 * Lock legend: I = written once by ppm_init, read-only afterwards (read without lock);
 *              L = ppm_t.lock (also protects the PG_FREE/PG_ALLOCATED state, order and free-list
 *                  link of every page_t of this cluster, see page.h).
 */
typedef struct ppm_s {
	busylock_t    lock;                        /* the cluster's PPM lock                        */
	paddr_t       base;                        /* [I] physical address of page 0 (page aligned) */
	uint64_t      pages_nr;                    /* [I] pages in [base, base + size)              */
	page_t       *pages_tbl;                   /* [I] the descriptor array (direct-map address) */
	uint64_t      tbl_pages_nr;                /* [I] pages holding the descriptor array        */
	uint64_t      rsvd_pages_nr;               /* [I] PG_RESERVED pages, the array's included   */
	uint32_t      ready;                       /* [I] 1 once ppm_init has succeeded: the fields
	                                              above never change again (ppm.c caches them) */
	xlist_entry_t free_root[PPM_ORDERS_NR];    /* [L] free blocks of each order (head pages)    */
	uint64_t      free_blocks_nr[PPM_ORDERS_NR]; /* [L] length of each free list                */
	uint64_t      free_pages_nr;               /* [L] free pages: in free blocks and in cache[]
	                                              (the pages of pcp[] count as allocated here,
	                                              as free in ppm_stats)                          */
	uint64_t      cache_nr;                    /* [L] pages in cache[]                          */
	uint64_t      cache[PPM_CACHE_MAX];        /* [L] indices of free single pages (PG_CACHED)  */
	uint64_t      alloc_pages_nr;              /* [L] pages in allocated blocks                 */
	uint64_t      alloc_calls;                 /* [L] successful allocations since boot         */
	uint64_t      free_calls;                  /* [L] frees since boot (pcp[]'s apart)          */
	ppm_pcp_t     pcp[CONFIG_MAX_CORES_PER_CLUSTER]; /* each core's stack of single pages      */
} ppm_t;

/* A snapshot of a PPM (taken under its lock): total = reserved + free + allocated. */
typedef struct ppm_stats_s {
	uint64_t total_pages;                      /* pages of the cluster's memory range           */
	uint64_t reserved_pages;                   /* never allocatable (descriptor array included) */
	uint64_t free_pages;                       /* in the buddy's free blocks and in the cache   */
	uint64_t alloc_pages;
	uint64_t largest_free_pages;               /* pages of the largest free block, 0 if none    */
	uint64_t free_blocks[PPM_ORDERS_NR];       /* the buddy's free blocks of each order          */
	uint64_t cached_pages;                     /* free single pages in the cache and the cores'
	                                              stacks                                         */
	uint64_t alloc_calls;
	uint64_t free_calls;
} ppm_stats_t;

/* ---- seams to the cluster manager (defined by kern/cluster.c; by the fixtures in host tests) ---- */

/* Extended pointer of the ppm_t of cluster @cxy: XPTR(cxy, &that cluster's ppm_t). */
xptr_t cluster_ppm_xp(cxy_t cxy);
/* The cluster whose memory holds @pa. For an address outside every cluster's memory it may panic,
 * or return any online cluster: ppm_base2page() then returns XPTR_NULL, the address being outside
 * that cluster's range. */
cxy_t cluster_of_paddr(paddr_t pa);

/* ---- initialisation ---- */

/*
 * Initialise the PPM of the calling cluster over the memory [base, base + size) (page aligned).
 * Runs once, on the cluster's own boot core, before any other core uses this PPM; @ppm must be the
 * ppm_t that cluster_ppm_xp(local_cxy) names. Every page overlapping one of the @rsvd_nr ranges
 * @rsvd, even by one byte, is PG_RESERVED (ranges outside [base, base + size) are ignored; the caller
 * lists the image replica, firmware and its tables, initrd...). The descriptor array goes in the first run of
 * non-reserved pages that holds it, and is PG_RESERVED too. The rest becomes maximal aligned free
 * blocks. Returns EINVAL for an unaligned range, ENOMEM if the array does not fit or no page is left.
 */
error_t ppm_init(ppm_t *ppm, paddr_t base, paddr_t size, const boot_rsvd_t *rsvd, uint32_t rsvd_nr);

/* ---- allocation ---- */

/*
 * Allocate a block of 2^@order pages in cluster @cxy's memory. Takes that cluster's PPM lock.
 * Returns the extended pointer of the head page's descriptor (flags PG_ALLOCATED, owner_xp NULL,
 * refcount 0), or XPTR_NULL if no block is free or @order > CONFIG_PPM_MAX_ORDER, or if fault
 * injection makes this allocation fail (mm/failnth.h). The content of the pages is not cleared.
 */
xptr_t ppm_remote_alloc_pages(cxy_t cxy, uint32_t order);

/*
 * The same without the fault-injection point (mm/failnth.h): for an allocator built on the PPM
 * (the KCM's slab pages), whose own entry already counted the request it serves.
 */
xptr_t ppm_remote_alloc_block(cxy_t cxy, uint32_t order);

/*
 * Give back the block headed by @page_xp to its cluster's PPM, merging it with its free buddies.
 * Takes that cluster's PPM lock. The owner flags and owner_xp are reset. Panics (after releasing
 * the lock) if @page_xp is not a page descriptor, is free ("double free"), reserved, not the head of
 * an allocated block, has an inconsistent order, or is still referenced (refcount != 0).
 */
void ppm_remote_free_pages(xptr_t page_xp);

/*
 * Free the @n blocks @pages (of any clusters) as ppm_remote_free_pages frees each, taking a
 * cluster's PPM lock once for each run of consecutive blocks of that cluster: the frames of an
 * unmapped range. Panics as ppm_remote_free_pages on the first block it refuses (the blocks before
 * it are freed).
 */
void ppm_remote_free_array(const xptr_t *pages, uint32_t n);

/*
 * Give every page of cluster @cxy's cache and of its cores' stacks back to the buddy (merging).
 * Takes that cluster's PPM lock. For tests that compare the buddy's layout, and for whoever needs
 * the largest blocks.
 */
void ppm_remote_drain(cxy_t cxy);

/* The same in the local cluster. */
xptr_t ppm_alloc_pages(uint32_t order);
void   ppm_free_pages(page_t *page);

/* ---- conversions (any core, no lock: they read only [I] fields) ---- */

/*
 * The geometry of one cluster's PPM ([I] fields). Each cluster keeps a copy of every ready PPM's
 * (ppm.c fills it at the first use): ppm_geo_ready[c] is set (release) once ppm_geo_cache[c] is
 * complete. The conversions below are inline on it, because every fault converts its frame and
 * every page-table step converts a table; the rest goes out of line to the *_slow functions.
 */
typedef struct ppm_geo_s {
	cxy_t    cxy;
	xptr_t   ppm_xp;
	paddr_t  base;
	uint64_t base_ppn;
	uint64_t pages_nr;
	page_t  *tbl;
} ppm_geo_t;

extern ppm_geo_t ppm_geo_cache[CONFIG_MAX_CLUSTERS];
extern uint32_t  ppm_geo_ready[CONFIG_MAX_CLUSTERS];

/* The conversions when the cluster's geometry is not cached yet, or for a bad argument. */
paddr_t ppm_page2base_slow(xptr_t page_xp);
xptr_t  ppm_base2page_slow(paddr_t pa);

/* Physical address of the page @page_xp; panics if it is not a page descriptor. */
static inline paddr_t ppm_page2base(xptr_t page_xp)
{
	cxy_t cxy = GET_CXY(page_xp);

	if (__builtin_expect(cxy < CONFIG_MAX_CLUSTERS &&
			     __atomic_load_n(&ppm_geo_ready[cxy], __ATOMIC_ACQUIRE), 1)) {
		const ppm_geo_t *c = &ppm_geo_cache[cxy];
		uintptr_t off = (uintptr_t)GET_PTR(page_xp) - (uintptr_t)c->tbl; /* wraps if below */
		uint64_t idx = off / sizeof(page_t);

		if (off % sizeof(page_t) == 0 && idx < c->pages_nr)
			return c->base + (idx << CONFIG_PAGE_SHIFT);
	}
	return ppm_page2base_slow(page_xp);
}

/* Descriptor of the page holding @pa (any byte of it), XPTR_NULL if no PPM manages @pa. */
static inline xptr_t ppm_base2page(paddr_t pa)
{
	/* a frame of this cluster (most are): its geometry at once, without looking for the cluster */
	if (__builtin_expect(__atomic_load_n(&ppm_geo_ready[local_cxy], __ATOMIC_ACQUIRE), 1)) {
		const ppm_geo_t *c = &ppm_geo_cache[local_cxy];

		if (pa >= c->base && pa - c->base < (c->pages_nr << CONFIG_PAGE_SHIFT))
			return XPTR(local_cxy, c->tbl + ((pa - c->base) >> CONFIG_PAGE_SHIFT));
	}
	return ppm_base2page_slow(pa);
}
/* Direct-map kernel address of the page @page_xp; panics if it is not a page descriptor. */
static inline void *ppm_page2kva(xptr_t page_xp)
{
	return hal_paddr_to_kva(ppm_page2base(page_xp));
}

/* ---- observation ---- */

/* Fill @out with a snapshot of cluster @cxy's PPM (takes its lock). */
void ppm_stats(cxy_t cxy, ppm_stats_t *out);
/* Cluster @cxy's allocated and free pages as ppm_stats counts them (the cores' stacks free), read
 * without its lock: each figure is exact once the PPM is quiet (the DQDT's reports). */
void ppm_counts(cxy_t cxy, uint64_t *alloc_pages, uint64_t *free_pages);
/* printk the state of cluster @cxy's PPM: counters, then the free blocks of each order. */
void ppm_display(cxy_t cxy);

#endif /* MM_PPM_H */
