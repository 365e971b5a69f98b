/*
 * mapper.c - the page cache of one file (see mapper.h): a radix tree of pages in the mapper's
 * cluster, reached from any cluster through hal_remote_*.
 *
 * Levels are numbered from the leaves: a node of level 0 holds pages, a node of level l > 0 holds
 * nodes of level l - 1; the root is at level height - 1. Invariant: height == 0 <=> root_xp ==
 * XPTR_NULL. Every function below that walks or edits the tree runs with the mapper lock held
 * (read to walk, write to edit).
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <fs/mapper.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <mm/kmem.h>
#include <mm/page.h>
#include <mm/ppm.h>

#define BITS       CONFIG_MAPPER_RADIX_BITS
#define NODE_SIZE  (MAPPER_FANOUT * sizeof(xptr_t))
#define MF(mxp, f) XPTR_FIELD(mxp, mapper_t, f)
#define SLOT(node_xp, i) ((node_xp) + (xptr_t)(i) * sizeof(xptr_t))

static mapper_counters_t mapper_ctrs; /* cluster 0's copy counts for the whole machine */
static uint64_t cluster_pages;       /* each cluster's copy: the mappers' pages in its memory */

#define CTR_XP(f) XPTR(0, &mapper_ctrs.f)

/* Pages indexed by a tree of @height levels. */
static uint64_t capacity(uint32_t height)
{
	return height ? 1ULL << (BITS * height) : 0;
}

/* Slot of the node @node_xp (of level @level) on the way to page @index. */
static xptr_t slot_of(xptr_t node_xp, uint32_t level, uint64_t index)
{
	return SLOT(node_xp, (index >> (BITS * level)) & (MAPPER_FANOUT - 1));
}

/* A zeroed node in the mapper's cluster, counted; XPTR_NULL if memory is exhausted. */
static xptr_t node_alloc(xptr_t mxp)
{
	cxy_t cxy = GET_CXY(mxp);
	void *node = kmem_remote_alloc(cxy, NODE_SIZE, KMEM_ZERO);

	if (!node)
		return XPTR_NULL;
	hal_remote_s32(MF(mxp, nodes_nr), hal_remote_l32(MF(mxp, nodes_nr)) + 1);
	hal_remote_atomic_add64(CTR_XP(nodes), 1);
	return XPTR(cxy, node);
}

static void node_free(xptr_t mxp, xptr_t node_xp)
{
	kmem_remote_free(GET_CXY(node_xp), GET_PTR(node_xp));
	hal_remote_s32(MF(mxp, nodes_nr), hal_remote_l32(MF(mxp, nodes_nr)) - 1);
	hal_remote_atomic_add64(CTR_XP(nodes), -1);
}

xptr_t mapper_page_data(xptr_t page_xp)
{
	return XPTR(GET_CXY(page_xp), ppm_page2kva(page_xp));
}

/* A zeroed page of the mapper's cluster owned by the mapper, counted; XPTR_NULL if none is free. */
static xptr_t page_alloc(xptr_t mxp)
{
	xptr_t page_xp = ppm_remote_alloc_pages(GET_CXY(mxp), 0);

	if (page_xp == XPTR_NULL)
		return XPTR_NULL;
	hal_remote_memset(mapper_page_data(page_xp), 0, CONFIG_PAGE_SIZE);
	hal_remote_sxp(PAGE_XP(page_xp, owner_xp), mxp);
	hal_remote_s64(MF(mxp, pages_nr), hal_remote_l64(MF(mxp, pages_nr)) + 1);
	hal_remote_atomic_add64(CTR_XP(pages), 1);
	hal_remote_atomic_add64(XPTR(GET_CXY(page_xp), &cluster_pages), 1);
	return page_xp;
}

static void page_free(xptr_t page_xp)
{
	/* a replica is in its cluster's page cache, not one of the mappers' pages */
	if (!(hal_remote_l32(PAGE_XP(page_xp, flags)) & PG_REPLICA))
		hal_remote_atomic_add64(CTR_XP(pages), -1);
	hal_remote_atomic_add64(XPTR(GET_CXY(page_xp), &cluster_pages), -1);
	ppm_remote_free_pages(page_xp);
}

static void replicas_drop_everywhere(xptr_t mxp, uint64_t index, xptr_t page_xp);

/* Take a reference on a page of the tree; the caller holds the mapper lock (so that the page is
 * not cut off meanwhile) or a reference of its own (mapper_hold_again). */
static void page_hold(xptr_t page_xp)
{
	kassert(hal_remote_l32(PAGE_XP(page_xp, refcount)) > 0 ||
	        lockdep_is_held(MF(hal_remote_lxp(PAGE_XP(page_xp, owner_xp)), lock)));
	remote_busylock_acquire(PAGE_XP(page_xp, lock));
	hal_remote_atomic_add32(PAGE_XP(page_xp, refcount), 1);
	remote_busylock_release(PAGE_XP(page_xp, lock));
}

void mapper_hold_again(xptr_t page_xp)
{
	kassert(hal_remote_l32(PAGE_XP(page_xp, refcount)) > 0);
	page_hold(page_xp); /* held: no truncation can free it meanwhile, no mapper lock needed */
}

/*
 * The page @index leaves the mapper (write lock held): freed now, or orphaned if still referenced;
 * its replicas in other clusters are dropped (after the orphaning: see replica_make).
 */
static void page_cut(xptr_t mxp, xptr_t page_xp, uint64_t index)
{
	bool free_it, replicated;

	kassert(remote_rwlock_is_write_held_by_me(MF(mxp, lock)));
	remote_busylock_acquire(PAGE_XP(page_xp, lock));
	free_it = hal_remote_l32(PAGE_XP(page_xp, refcount)) == 0;
	if (!free_it) {
		hal_remote_sxp(PAGE_XP(page_xp, owner_xp), XPTR_NULL);
		hal_remote_s64(MF(mxp, orphaned), hal_remote_l64(MF(mxp, orphaned)) + 1);
	}
	replicated = hal_remote_l32(PAGE_XP(page_xp, flags)) & PG_REPLICATED;
	remote_busylock_release(PAGE_XP(page_xp, lock));
	if (replicated)
		replicas_drop_everywhere(mxp, index, page_xp);
	if (free_it)
		page_free(page_xp);
	hal_remote_s64(MF(mxp, pages_nr), hal_remote_l64(MF(mxp, pages_nr)) - 1);
}

void mapper_release_page(xptr_t page_xp)
{
	uint32_t old;
	bool free_it;

	remote_busylock_acquire(PAGE_XP(page_xp, lock));
	old = hal_remote_atomic_add32(PAGE_XP(page_xp, refcount), -1);
	if (old == 0) {
		hal_remote_atomic_add32(PAGE_XP(page_xp, refcount), 1);
		remote_busylock_release(PAGE_XP(page_xp, lock));
		panic("%s: page %lx has no reference to release", __func__, page_xp);
	}
	free_it = old == 1 && hal_remote_lxp(PAGE_XP(page_xp, owner_xp)) == XPTR_NULL;
	remote_busylock_release(PAGE_XP(page_xp, lock));
	if (free_it)
		page_free(page_xp);
}

/*
 * Grow the tree until it indexes page @index (write lock held). Returns 0, EFBIG beyond
 * CONFIG_MAPPER_MAX_HEIGHT levels, ENOMEM (the tree stays valid, maybe one level higher).
 */
static error_t tree_grow(xptr_t mxp, uint64_t index)
{
	uint32_t height = hal_remote_l32(MF(mxp, height));

	kassert(remote_rwlock_is_write_held_by_me(MF(mxp, lock)));
	if (index >= capacity(CONFIG_MAPPER_MAX_HEIGHT))
		return EFBIG;
	while (index >= capacity(height)) {
		xptr_t node_xp = node_alloc(mxp);
		xptr_t root_xp = hal_remote_lxp(MF(mxp, root_xp));

		if (node_xp == XPTR_NULL)
			return ENOMEM;
		if (root_xp != XPTR_NULL)
			hal_remote_sxp(SLOT(node_xp, 0), root_xp);
		hal_remote_sxp(MF(mxp, root_xp), node_xp);
		hal_remote_s32(MF(mxp, height), ++height);
	}
	return 0;
}

/*
 * The leaf slot of page @index in *@slot_xp. Without @create (read or write lock held): ENOENT if
 * a node on the way is missing. With @create (write lock held): grows the tree and adds the
 * missing nodes; EFBIG or ENOMEM.
 */
static error_t tree_slot(xptr_t mxp, uint64_t index, bool create, xptr_t *slot_xp)
{
	xptr_t node_xp;
	uint32_t height;
	error_t err;

	kassert(create ? remote_rwlock_is_write_held_by_me(MF(mxp, lock)) :
			lockdep_is_held(MF(mxp, lock)));
	if (create && (err = tree_grow(mxp, index)))
		return err;
	height = hal_remote_l32(MF(mxp, height));
	if (index >= capacity(height))
		return ENOENT;
	node_xp = hal_remote_lxp(MF(mxp, root_xp));
	for (uint32_t level = height - 1; level > 0; level--) {
		xptr_t slot = slot_of(node_xp, level, index);
		xptr_t next = hal_remote_lxp(slot);

		if (next == XPTR_NULL) {
			if (!create)
				return ENOENT;
			next = node_alloc(mxp);
			if (next == XPTR_NULL)
				return ENOMEM;
			hal_remote_sxp(slot, next);
		}
		node_xp = next;
	}
	*slot_xp = slot_of(node_xp, 0, index);
	return 0;
}

/* Page @index under the write lock, inserting a new one if absent. */
static error_t insert_page(xptr_t mxp, uint64_t index, xptr_t *page_xp)
{
	xptr_t slot, page;
	error_t err = tree_slot(mxp, index, true, &slot);

	if (err)
		return err;
	page = hal_remote_lxp(slot);
	if (page == XPTR_NULL) {
		page = page_alloc(mxp);
		if (page == XPTR_NULL)
			return ENOMEM;
		hal_remote_sxp(slot, page);
	}
	*page_xp = page;
	return 0;
}

/* mapper_get_page and mapper_hold_page: a lookup under the read lock, an insertion under the write
 * lock (another thread may have inserted the page in between: insert_page then finds it). */
static error_t get_page(xptr_t mxp, uint64_t index, bool alloc, bool hold, xptr_t *page_xp)
{
	xptr_t lock_xp = MF(mxp, lock);
	xptr_t slot, page = XPTR_NULL;
	error_t err;

	remote_rwlock_rd_acquire(lock_xp);
	if (tree_slot(mxp, index, false, &slot) == 0)
		page = hal_remote_lxp(slot);
	if (page != XPTR_NULL && hold)
		page_hold(page);
	remote_rwlock_rd_release(lock_xp);
	if (page != XPTR_NULL) {
		*page_xp = page;
		return 0;
	}
	if (!alloc)
		return ENOENT;
	remote_rwlock_wr_acquire(lock_xp);
	err = insert_page(mxp, index, &page);
	if (!err && hold)
		page_hold(page);
	remote_rwlock_wr_release(lock_xp);
	if (!err)
		*page_xp = page;
	return err;
}

error_t mapper_get_page(xptr_t mapper_xp, uint64_t index, bool alloc, xptr_t *page_xp)
{
	return get_page(mapper_xp, index, alloc, false, page_xp);
}

error_t mapper_hold_page(xptr_t mapper_xp, uint64_t index, bool alloc, xptr_t *page_xp)
{
	return get_page(mapper_xp, index, alloc, true, page_xp);
}

/*
 * Cut every page of index >= @cut out of the subtree @node_xp (level @level, first page @base) and
 * free the nodes left empty, @node_xp included. Returns true if it was freed. Write lock held.
 */
static bool prune(xptr_t mxp, xptr_t node_xp, uint32_t level, uint64_t base, uint64_t cut)
{
	uint64_t span = 1ULL << (BITS * level); /* pages under one slot of this node */
	bool empty = true;

	kassert(remote_rwlock_is_write_held_by_me(MF(mxp, lock)));
	for (uint32_t i = 0; i < MAPPER_FANOUT; i++) {
		xptr_t slot = SLOT(node_xp, i);
		xptr_t entry = hal_remote_lxp(slot);
		uint64_t first = base + i * span;

		if (entry == XPTR_NULL)
			continue;
		if (first + span <= cut) {
			empty = false;
			continue;
		}
		if (level == 0) {
			page_cut(mxp, entry, first);
			hal_remote_sxp(slot, XPTR_NULL);
		} else if (prune(mxp, entry, level - 1, first, cut)) {
			hal_remote_sxp(slot, XPTR_NULL);
		} else {
			empty = false;
		}
	}
	if (empty)
		node_free(mxp, node_xp);
	return empty;
}

/* Remove top levels that only use slot 0 (write lock held), so lookups stay as short as the file. */
static void tree_shrink(xptr_t mxp)
{
	uint32_t height = hal_remote_l32(MF(mxp, height));

	kassert(remote_rwlock_is_write_held_by_me(MF(mxp, lock)));
	while (height > 1) {
		xptr_t root_xp = hal_remote_lxp(MF(mxp, root_xp));

		for (uint32_t i = 1; i < MAPPER_FANOUT; i++)
			if (hal_remote_lxp(SLOT(root_xp, i)) != XPTR_NULL)
				return;
		hal_remote_sxp(MF(mxp, root_xp), hal_remote_lxp(SLOT(root_xp, 0)));
		hal_remote_s32(MF(mxp, height), --height);
		node_free(mxp, root_xp);
	}
}

/* Cut every page of index >= @cut (write lock held). */
static void tree_cut(xptr_t mxp, uint64_t cut)
{
	xptr_t root_xp = hal_remote_lxp(MF(mxp, root_xp));
	uint32_t height = hal_remote_l32(MF(mxp, height));

	kassert(remote_rwlock_is_write_held_by_me(MF(mxp, lock)));
	if (root_xp == XPTR_NULL)
		return;
	if (prune(mxp, root_xp, height - 1, 0, cut)) {
		hal_remote_sxp(MF(mxp, root_xp), XPTR_NULL);
		hal_remote_s32(MF(mxp, height), 0);
	} else {
		tree_shrink(mxp);
	}
}

uint64_t mapper_truncate(xptr_t mapper_xp, uint64_t size)
{
	uint64_t in_page = size & (CONFIG_PAGE_SIZE - 1), orphans;
	xptr_t slot, page;

	remote_rwlock_wr_acquire(MF(mapper_xp, lock));
	orphans = hal_remote_l64(MF(mapper_xp, orphaned));
	tree_cut(mapper_xp, (size + CONFIG_PAGE_SIZE - 1) >> CONFIG_PAGE_SHIFT);
	orphans = hal_remote_l64(MF(mapper_xp, orphaned)) - orphans;
	if (in_page && tree_slot(mapper_xp, size >> CONFIG_PAGE_SHIFT, false, &slot) == 0) {
		page = hal_remote_lxp(slot);
		if (page != XPTR_NULL)
			hal_remote_memset(mapper_page_data(page) + in_page, 0,
					  CONFIG_PAGE_SIZE - in_page);
	}
	remote_rwlock_wr_release(MF(mapper_xp, lock));
	return orphans;
}

xptr_t mapper_create(cxy_t cxy)
{
	mapper_t *mapper = kmem_remote_alloc(cxy, sizeof(mapper_t), KMEM_ZERO);
	xptr_t mxp;

	if (!mapper)
		return XPTR_NULL;
	mxp = XPTR(cxy, mapper);
	remote_rwlock_init(MF(mxp, lock), "mapper", LOCK_MAPPER);
	return mxp;
}

void mapper_destroy(xptr_t mapper_xp)
{
	remote_rwlock_wr_acquire(MF(mapper_xp, lock));
	tree_cut(mapper_xp, 0);
	remote_rwlock_wr_release(MF(mapper_xp, lock));
	kassert(hal_remote_l64(MF(mapper_xp, pages_nr)) == 0);
	kassert(hal_remote_l32(MF(mapper_xp, nodes_nr)) == 0);
	kmem_remote_free(GET_CXY(mapper_xp), GET_PTR(mapper_xp));
}

uint64_t mapper_pages(xptr_t mapper_xp)
{
	return hal_remote_l64(MF(mapper_xp, pages_nr));
}

uint64_t mapper_cluster_pages(cxy_t cxy)
{
	return hal_remote_l64(XPTR(cxy, &cluster_pages));
}

void mapper_counters(mapper_counters_t *out)
{
	out->pages = hal_remote_l64(CTR_XP(pages));
	out->nodes = hal_remote_l64(CTR_XP(nodes));
}

/* One line per page of the subtree @node_xp (level @level, first page @base). Lock held. */
static void display_subtree(xptr_t node_xp, uint32_t level, uint64_t base)
{
	uint64_t span = 1ULL << (BITS * level);

	for (uint32_t i = 0; i < MAPPER_FANOUT; i++) {
		xptr_t entry = hal_remote_lxp(SLOT(node_xp, i));

		if (entry == XPTR_NULL)
			continue;
		if (level > 0) {
			display_subtree(entry, level - 1, base + i * span);
			continue;
		}
		printk_raw("    page %lu: cluster %u pa 0x%lx refs %u\n", base + i, GET_CXY(entry),
			   ppm_page2base(entry), hal_remote_l32(PAGE_XP(entry, refcount)));
	}
}

void mapper_display(xptr_t mapper_xp)
{
	remote_rwlock_rd_acquire(MF(mapper_xp, lock));
	printk("mapper %lx: cluster %u height %u nodes %u pages %lu", mapper_xp, GET_CXY(mapper_xp),
	       hal_remote_l32(MF(mapper_xp, height)), hal_remote_l32(MF(mapper_xp, nodes_nr)),
	       hal_remote_l64(MF(mapper_xp, pages_nr)));
	if (hal_remote_lxp(MF(mapper_xp, root_xp)) != XPTR_NULL)
		display_subtree(hal_remote_lxp(MF(mapper_xp, root_xp)),
				hal_remote_l32(MF(mapper_xp, height)) - 1, 0);
	remote_rwlock_rd_release(MF(mapper_xp, lock));
}

/* ------------------------------------------------------------------------------------------- */
/* replicas: copies of a mapper's pages in other clusters (CODE, vmm_code_hold_page)             */

#define REPLICA_BUCKETS 32

/*
 * A replica is a page of its cluster (PG_REPLICA) whose descriptor is its cache entry, so that the
 * cache allocates nothing but the page (the leak checks of test programs count slab bytes): while
 * cached, owner_xp is the mapper and `forks` the page's index in it (the key), list.next the next
 * replica of its bucket; once dropped, owner_xp is XPTR_NULL (an orphan, freed by its last release).
 */
#define R_KEY_MAPPER(p) PAGE_XP(p, owner_xp)
#define R_KEY_INDEX(p)  PAGE_XP(p, forks)
#define R_NEXT(p)       XPTR_FIELD(PAGE_XP(p, list), xlist_entry_t, next)

/* Cluster @c's replicas, in entry c of its own copy of the array (the host tests have one copy
 * for every simulated cluster). Lock legend: [L] lock, [A] atomic. */
typedef struct replica_cache_s {
	busylock_t lock;                    /* class LOCK_REPLICAS                          */
	xptr_t     bucket[REPLICA_BUCKETS]; /* [L] chains of replicas, by (mapper, index)   */
	mapper_replica_stats_t stats;       /* [A], cached [L]                              */
} replica_cache_t;

static replica_cache_t replica_caches[CONFIG_MAX_CLUSTERS];

#define RC_XP(cxy, f) XPTR((cxy), &replica_caches[(cxy)].f)
#define RS_XP(cxy, f) RC_XP(cxy, stats.f)

void mapper_replicas_init(void)
{
	busylock_init(&replica_caches[local_cxy].lock, "replicas", LOCK_REPLICAS);
}

static xptr_t bucket_of(cxy_t cxy, xptr_t mxp, uint64_t index)
{
	uint64_t h = (mxp ^ (mxp >> 21) ^ index) * 0x9e3779b97f4a7c15ull;

	return RC_XP(cxy, bucket[h >> 59 & (REPLICA_BUCKETS - 1)]);
}

/* The replica of (@mxp, @index) in cluster @cxy's cache, XPTR_NULL if none; *@slot_xp: the link
 * that points at it (or would). Caller holds the cache's lock. */
static xptr_t replica_find(cxy_t cxy, xptr_t mxp, uint64_t index, xptr_t *slot_xp)
{
	xptr_t slot = bucket_of(cxy, mxp, index), p;

	kassert(remote_busylock_is_held_by_me(RC_XP(cxy, lock)));
	while ((p = hal_remote_lxp(slot)) != XPTR_NULL) {
		if (hal_remote_lxp(R_KEY_MAPPER(p)) == mxp && hal_remote_l32(R_KEY_INDEX(p)) == index)
			break;
		slot = R_NEXT(p);
	}
	*slot_xp = slot;
	return p;
}

/* The cached replica of (@mxp, @index) in cluster @cxy, held; XPTR_NULL if none. While it is in
 * the cache it is not an orphan, so the hold needs no page lock: only a drop, under the cache's
 * lock, can make it one. */
static xptr_t replica_hold_cached(cxy_t cxy, xptr_t mxp, uint64_t index)
{
	xptr_t slot, p;

	remote_busylock_acquire(RC_XP(cxy, lock));
	p = replica_find(cxy, mxp, index, &slot);
	if (p != XPTR_NULL)
		hal_remote_atomic_add32(PAGE_XP(p, refcount), 1);
	remote_busylock_release(RC_XP(cxy, lock));
	return p;
}

/* Unlink the replica @p found at @slot (cache lock held). */
static void replica_unlink(cxy_t cxy, xptr_t slot, xptr_t p)
{
	hal_remote_sxp(slot, hal_remote_lxp(R_NEXT(p)));
	hal_remote_sxp(R_NEXT(p), XPTR_NULL);
	hal_remote_s64(RS_XP(cxy, cached), hal_remote_l64(RS_XP(cxy, cached)) - 1);
	hal_remote_atomic_add64(RS_XP(cxy, dropped), 1);
}

/* The replica @p left its cache: an orphan, freed now or by the release of its last hold. */
static void replica_orphan(xptr_t p)
{
	bool free_it;

	remote_busylock_acquire(PAGE_XP(p, lock));
	hal_remote_sxp(PAGE_XP(p, owner_xp), XPTR_NULL);
	free_it = hal_remote_l32(PAGE_XP(p, refcount)) == 0;
	remote_busylock_release(PAGE_XP(p, lock));
	if (free_it)
		page_free(p);
}

/* Drop the replica of (@mxp, @index) from cluster @cxy's cache, if there is one. */
static void replica_drop(cxy_t cxy, xptr_t mxp, uint64_t index)
{
	xptr_t slot, p;

	remote_busylock_acquire(RC_XP(cxy, lock));
	p = replica_find(cxy, mxp, index, &slot);
	if (p != XPTR_NULL)
		replica_unlink(cxy, slot, p);
	remote_busylock_release(RC_XP(cxy, lock));
	if (p != XPTR_NULL)
		replica_orphan(p);
}

/* Drop the replicas of the page @page_xp (@index of @mxp) in every cluster its mark names. */
static void replicas_drop_everywhere(xptr_t mxp, uint64_t index, xptr_t page_xp)
{
	uint32_t clusters = hal_remote_l32(PAGE_XP(page_xp, forks));

	for (cxy_t c = 0; c < CONFIG_MAX_CLUSTERS; c++)
		if (clusters & (1u << c))
			replica_drop(c, mxp, index);
}

/*
 * Copy the page @src_xp (index @index of @mxp, held by the caller) into a new replica of cluster
 * @cxy, cache it and return it held; or the replica another core cached meanwhile. ENOMEM: no
 * page in @cxy (nothing changed). The source is marked (PG_REPLICATED, and @cxy in its `forks`)
 * before the copy, and after the insertion the source is checked under its lock: a cut that
 * orphaned it before that check is seen here (the replica is dropped again, ours stays held), one
 * after it sees the mark and drops the replica (page_cut); a write after the copy drops it too
 * (mapper_page_written).
 */
static error_t replica_make(cxy_t cxy, xptr_t mxp, uint64_t index, xptr_t src_xp,
			    xptr_t *page_xp)
{
	xptr_t p = ppm_remote_alloc_pages(cxy, 0), slot, other;
	bool cut;

	if (p == XPTR_NULL)
		return ENOMEM;
	hal_remote_atomic_or32(PAGE_XP(src_xp, forks), 1u << cxy);
	hal_remote_atomic_or32(PAGE_XP(src_xp, flags), PG_REPLICATED);
	hal_fence(); /* the mark before the bytes are read: mapper_page_written */
	hal_remote_memcpy(mapper_page_data(p), mapper_page_data(src_xp), CONFIG_PAGE_SIZE);
	hal_remote_atomic_or32(PAGE_XP(p, flags), PG_REPLICA);
	hal_remote_sxp(R_KEY_MAPPER(p), mxp); /* cached: not an orphan */
	hal_remote_s32(R_KEY_INDEX(p), (uint32_t)index);
	hal_remote_s32(PAGE_XP(p, refcount), 1); /* the caller's hold */
	remote_busylock_acquire(RC_XP(cxy, lock));
	other = replica_find(cxy, mxp, index, &slot);
	if (other == XPTR_NULL) {
		hal_remote_sxp(R_NEXT(p), XPTR_NULL);
		hal_remote_sxp(slot, p);
		hal_remote_s64(RS_XP(cxy, cached), hal_remote_l64(RS_XP(cxy, cached)) + 1);
	} else {
		hal_remote_atomic_add32(PAGE_XP(other, refcount), 1);
	}
	remote_busylock_release(RC_XP(cxy, lock));
	if (other != XPTR_NULL) { /* another fault of this cluster was first: theirs */
		hal_remote_s32(PAGE_XP(p, refcount), 0);
		ppm_remote_free_pages(p);
		*page_xp = other;
		return 0;
	}
	hal_remote_atomic_add64(XPTR(cxy, &cluster_pages), 1);
	hal_remote_atomic_add64(RS_XP(cxy, made), 1);
	remote_busylock_acquire(PAGE_XP(src_xp, lock));
	cut = hal_remote_lxp(PAGE_XP(src_xp, owner_xp)) == XPTR_NULL;
	remote_busylock_release(PAGE_XP(src_xp, lock));
	if (cut)
		replica_drop(cxy, mxp, index);
	*page_xp = p;
	return 0;
}

error_t mapper_hold_replica(xptr_t mapper_xp, uint64_t index, cxy_t cxy, xptr_t *page_xp)
{
	xptr_t src_xp;
	error_t error;

	kassert(cxy != GET_CXY(mapper_xp) && cxy < CONFIG_MAX_CLUSTERS);
	if (index > UINT32_MAX) /* beyond what the key holds (a 16 TiB file): no replica */
		return ENOMEM;
	*page_xp = replica_hold_cached(cxy, mapper_xp, index);
	if (*page_xp != XPTR_NULL) {
		hal_remote_atomic_add64(RS_XP(cxy, reused), 1);
		return 0;
	}
	error = mapper_hold_page(mapper_xp, index, false, &src_xp);
	if (error)
		return error;
	error = replica_make(cxy, mapper_xp, index, src_xp, page_xp);
	mapper_release_page(src_xp);
	return error;
}

void mapper_page_written(xptr_t mapper_xp, uint64_t index, xptr_t page_xp)
{
	hal_fence(); /* the new bytes before the look at the mark: replica_make */
	if (hal_remote_l32(PAGE_XP(page_xp, flags)) & PG_REPLICATED)
		replicas_drop_everywhere(mapper_xp, index, page_xp);
}

/* Take one replica that no mapping holds out of the bucket @b of @cxy; XPTR_NULL if none. */
static xptr_t replica_take_unused(cxy_t cxy, uint32_t b)
{
	xptr_t slot = RC_XP(cxy, bucket[b]), p;

	remote_busylock_acquire(RC_XP(cxy, lock));
	while ((p = hal_remote_lxp(slot)) != XPTR_NULL) {
		/* no hold can come meanwhile: holds are taken under this lock */
		if (hal_remote_l32(PAGE_XP(p, refcount)) == 0) {
			replica_unlink(cxy, slot, p);
			break;
		}
		slot = R_NEXT(p);
	}
	remote_busylock_release(RC_XP(cxy, lock));
	return p;
}

uint64_t mapper_replicas_shrink(cxy_t cxy)
{
	uint64_t freed = 0;
	xptr_t p;

	for (uint32_t b = 0; b < REPLICA_BUCKETS; b++) {
		while ((p = replica_take_unused(cxy, b)) != XPTR_NULL) {
			replica_orphan(p); /* unheld: freed now */
			freed++;
		}
	}
	return freed;
}

void mapper_replica_stats(cxy_t cxy, mapper_replica_stats_t *out)
{
	hal_remote_memcpy(XPTR(local_cxy, out), RC_XP(cxy, stats), sizeof(*out));
}
