/*
 * mapper.h - the page cache of one file: its pages, indexed by page number in the file.
 *
 * A mapper lives in one cluster (its *home*: cluster 0 for the RAM file system), together with the
 * pages it holds and the nodes of its index. Any core of any cluster uses it through an extended
 * pointer; every access to it goes through hal_remote_*.
 *
 * Index: a radix tree of variable height. A node is an array of 2^CONFIG_MAPPER_RADIX_BITS extended
 * pointers (64 x 8 = 512 bytes, a kmem object of the home cluster); a leaf slot holds the page_t
 * of one page (XPTR(home, descriptor)), an inner slot the next node. A tree of height h indexes pages
 * [0, 2^(6h)); it grows by one level on top when a page beyond that is inserted (height 1: 64 pages,
 * 256 KiB; 2: 16 MiB; 3: 1 GiB; ...), and shrinks to nothing when the last page goes. So a small
 * file costs one node, a hole costs nothing, and a lookup is `height` remote loads.
 *
 * Page lifetime (the rule the VMM relies on):
 *  - a page belongs to the mapper from its insertion until mapper_truncate() cuts it off or
 *    mapper_destroy() runs; nothing else frees it (no reclaim, no eviction: RAM file system);
 *  - mapper_get_page() returns a page without a reference: it stays valid as long as no truncate or
 *    destroy can run, i.e. while the caller holds the inode's lock (the VFS read/write paths) or
 *    otherwise knows the file is not truncated;
 *  - a user of a page beyond that (a mapping in a page table: the VMM's FILE vsegs) takes a
 *    reference with mapper_hold_page() and gives it back with mapper_release_page(). A page cut off
 *    while referenced is *orphaned* (page_t.owner_xp cleared under the page lock) and freed by the
 *    release that drops its last reference. A page of a mapper has page_t.owner_xp == the mapper.
 *  - pages hold the file's bytes; bytes beyond the end of the file are zero (the VFS keeps that true).
 *
 * Lock legend of mapper_t: [I] set at creation; [L] lock (rwlock, class LOCK_MAPPER: taken after an
 * inode lock and after a VSL, never held while copying to or from user space); [A] atomic.
 */
#ifndef FS_MAPPER_H
#define FS_MAPPER_H

#include <hal_types.h>
#include <kern/rwlock.h>
#include <params.h>

#define MAPPER_FANOUT (1u << CONFIG_MAPPER_RADIX_BITS) /* slots of a radix-tree node */

typedef struct mapper_s {
	rwlock_t lock;      /* protects the tree                                   */
	xptr_t   root_xp;   /* [L] top node (XPTR_NULL: no page)                    */
	uint32_t height;    /* [L] levels of the tree (0: empty)                    */
	uint32_t nodes_nr;  /* [L] nodes of the tree                                */
	uint64_t pages_nr;  /* [L] pages in the tree                                */
	uint64_t orphaned;  /* [L] held pages its truncations cut off (mapper_truncate) */
} mapper_t;

/* Counters of every mapper of the machine (kept in cluster 0), for leak checks. */
typedef struct mapper_counters_s {
	uint64_t pages;     /* pages allocated by mappers and not freed yet (orphans included) */
	uint64_t nodes;     /* radix-tree nodes allocated and not freed yet                    */
} mapper_counters_t;

/*
 * Create an empty mapper in cluster @cxy. Any cluster, may block (allocation). Returns its extended
 * pointer, or XPTR_NULL if memory is exhausted.
 */
xptr_t mapper_create(cxy_t cxy);

/*
 * Free every page (orphaning those still held), every node and the mapper itself. Caller: the
 * owner of the last reference to the file; nobody else may use @mapper_xp any more.
 */
void mapper_destroy(xptr_t mapper_xp);

/*
 * The page of index @index (byte offset index * PAGE_SIZE in the file).
 * [in]  alloc    if the page is absent: allocate it, zeroed, in the mapper's cluster
 * [out] page_xp  the page descriptor (XPTR(home, page_t)); its bytes: mapper_page_data(page_xp)
 * Returns 0; ENOENT if absent and !@alloc; ENOMEM if a page or node could not be allocated (the
 * tree may keep empty nodes, freed by the next truncate or destroy); EFBIG if @index is beyond
 * what CONFIG_MAPPER_MAX_HEIGHT levels index. Takes the mapper lock (read, then write to insert);
 * the caller may hold an inode lock or a VSL, not a busylock. See the lifetime rule above.
 */
error_t mapper_get_page(xptr_t mapper_xp, uint64_t index, bool alloc, xptr_t *page_xp);

/*
 * The same, and take a reference on the page (page_t.refcount) before the mapper lock is released,
 * so that the page survives a concurrent truncate. Give it back with mapper_release_page().
 */
error_t mapper_hold_page(xptr_t mapper_xp, uint64_t index, bool alloc, xptr_t *page_xp);

/*
 * One more reference on a page the caller already holds one on (a mapping copied by fork).
 * Any cluster, busylocks only.
 */
void mapper_hold_again(xptr_t page_xp);
/*
 * Drop a reference taken by mapper_hold_page(); frees the page if it was orphaned (cut off by a
 * truncate or destroy) and this was its last reference. Any cluster, may not sleep (busylocks only).
 */
void mapper_release_page(xptr_t page_xp);

/*
 * Cut the mapper to a file of @size bytes: pages wholly beyond @size leave the mapper (freed, or
 * orphaned if held), the bytes of the last page beyond @size are zeroed, empty nodes are freed.
 * Caller: the VFS, with the inode's lock held in write mode (no concurrent reader of the bytes).
 * Returns the number of pages cut off that were held (mapped by some page table): their
 * mappings must go (vfs_truncate).
 */
uint64_t mapper_truncate(xptr_t mapper_xp, uint64_t size);

/* Pages held by the mapper now (a snapshot). */
uint64_t mapper_pages(xptr_t mapper_xp);

/* Extended pointer of the first byte of the page @page_xp (a direct-map address in its cluster). */
xptr_t mapper_page_data(xptr_t page_xp);

/* A snapshot of the machine-wide counters (any cluster). */
void mapper_counters(mapper_counters_t *out);
/* Pages of the page cache in the memory of cluster @cxy (get_cluster_info). */
uint64_t mapper_cluster_pages(cxy_t cxy);

/*
 * Replicas. A page of a mapper may be copied into another cluster, once per cluster, for the CODE
 * of executables (vmm_code_hold_page: every process of that cluster then maps the same copy).
 * Each cluster caches its replicas by (mapper, index); a replica is held per mapping exactly as a
 * mapper's page is (page_t.refcount; mapper_hold_again and mapper_release_page work on both), and
 * counts in its cluster's page cache (mapper_cluster_pages), not in mapper_counters' pages. It
 * leaves the cache when its page leaves the mapper (truncate, destroy), when that page is written
 * (mapper_page_written), and under memory pressure if no mapping holds it
 * (mapper_replicas_shrink); a held replica that left the cache is an orphan, freed by the release
 * of its last hold.
 */
typedef struct mapper_replica_stats_s {
	uint64_t cached;  /* replicas in the cache now            */
	uint64_t made;    /* copies made                          */
	uint64_t reused;  /* holds served by a cached replica     */
	uint64_t dropped; /* replicas that left the cache         */
} mapper_replica_stats_t;

/* Initialise the local cluster's replica cache (cluster_init, once per cluster). */
void mapper_replicas_init(void);

/*
 * The replica in cluster @cxy (not the mapper's) of page @index of @mapper_xp, held: the cached
 * one, or a copy made and cached now. Returns 0; ENOENT if the mapper has no such page; ENOMEM if
 * @cxy has no page or memory for it (the caller maps the mapper's page or copies it privately).
 * Busylocks and the mapper lock (read); the caller may hold a VSL and a PTE lock.
 */
error_t mapper_hold_replica(xptr_t mapper_xp, uint64_t index, cxy_t cxy, xptr_t *page_xp);

/*
 * The page @page_xp (@index of @mapper_xp) was just written (the VFS's write path): its replicas,
 * copies of the old bytes, leave their caches. A replica made while the write runs may keep a mix
 * of old and new bytes, as a read racing with the write would.
 */
void mapper_page_written(xptr_t mapper_xp, uint64_t index, xptr_t page_xp);

/* Free the replicas of cluster @cxy that no mapping holds (memory pressure). Returns how many. */
uint64_t mapper_replicas_shrink(cxy_t cxy);

/* A snapshot of cluster @cxy's replica counters. */
void mapper_replica_stats(cxy_t cxy, mapper_replica_stats_t *out);

/* printk the mapper: height, nodes, and one line per page (index, cluster, physical address). */
void mapper_display(xptr_t mapper_xp);

#endif /* FS_MAPPER_H */
