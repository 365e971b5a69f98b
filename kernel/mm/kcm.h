/*
 * kcm.h - kernel cache managers: per-cluster slab allocators of fixed-size kernel objects.
 *
 * Each cluster has one kcm_t per object size 2^order bytes, CONFIG_KCM_MIN_ORDER <= order <=
 * CONFIG_KCM_MAX_ORDER (kept by the cluster manager, named by cluster_kcm_xp). A kcm carves objects
 * out of *slab pages*, single pages taken from the same cluster's PPM. A slab page starts with a
 * header (its list link, a bitmap of busy slots, the count of free slots) that occupies slot 0, so a
 * slab holds PAGE_SIZE / 2^order - 1 objects, each aligned on its size. Slab pages are in one of
 * three lists: full (no free slot), active (some free, some busy), empty (no busy slot; at most
 * CONFIG_KCM_EMPTY_PAGES_MAX are kept, further empty pages go back to the PPM at once).
 *
 * Like the PPM, a kcm is used from any core of any cluster: every function takes the target kcm's
 * lock (a remote busylock) and reaches the kcm_t, the slab headers and the page descriptors only
 * through hal_remote_*. Object pointers are direct-map addresses, valid in every cluster.
 * Lock order: kcm lock, then the PPM lock of the same cluster. Nothing here sleeps.
 * Cost of the choice "header in the page": at order 11 (2 KiB objects) a slab holds one object.
 */
#ifndef MM_KCM_H
#define MM_KCM_H

#include <hal_types.h>
#include <libk/busylock.h>
#include <libk/xlist.h>
#include <params.h>

#define KCM_ORDERS_NR       (CONFIG_KCM_MAX_ORDER - CONFIG_KCM_MIN_ORDER + 1)

/*
 * One cache of objects of 2^order bytes in one cluster.
 * Lock legend: I = written once by kcm_init; L = kcm_t.lock (also protects the headers of the kcm's
 * slab pages and the owner fields of their page descriptors).
 */
/* The lists of slab pages of a kcm, by state. */
enum kcm_list {
	KCM_FULL,                       /* no free slot                                       */
	KCM_ACTIVE,                     /* free and busy slots                                */
	KCM_EMPTY,                      /* no busy slot (cached, at most CONFIG_KCM_EMPTY_PAGES_MAX) */
	KCM_LISTS_NR,
};

typedef struct kcm_s {
	busylock_t    lock;
	uint32_t      order;            /* [I] log2 of the object size                        */
	uint32_t      objs_per_page;    /* [I] objects in one slab page                       */
	xlist_entry_t root[KCM_LISTS_NR];     /* [L] slab pages of each state                 */
	uint32_t      pages_nr[KCM_LISTS_NR]; /* [L] length of each list                      */
	uint32_t      pad;
	uint64_t      objs_used;        /* [L] objects handed out and not freed               */
	uint64_t      alloc_calls;      /* [L] successful allocations since kcm_init          */
	uint64_t      free_calls;       /* [L] frees since kcm_init                           */
} kcm_t;

/* Header of a slab page, at the start of the page itself (slot 0). Lock legend: L = the lock of the
 * kcm that owns the page (page_t.owner_xp). */
typedef struct kcm_slab_s {
	xlist_entry_t list;     /* [L] link in one of the owner's lists                      */
	uint64_t      busy_map; /* [L] bit i set: slot i busy (slot 0 and bits past the page too) */
	uint32_t      free_nr;  /* [L] free slots                                             */
	uint32_t      pad;
} kcm_slab_t;

/* A snapshot of one kcm, taken under its lock. */
typedef struct kcm_stats_s {
	uint32_t order;
	uint32_t objs_per_page;
	uint64_t objs_used;
	uint32_t full_pages;
	uint32_t active_pages;
	uint32_t empty_pages;
	uint32_t pages;                 /* full + active + empty                              */
	uint64_t alloc_calls;
	uint64_t free_calls;
} kcm_stats_t;

/* Seam to the cluster manager (defined by kern/cluster.c; by the fixtures in host tests):
 * XPTR(cxy, &the kcm_t of cluster @cxy for objects of 2^@order bytes). */
xptr_t cluster_kcm_xp(cxy_t cxy, uint32_t order);

/*
 * Initialise the local cache @kcm for objects of 2^@order bytes, MIN <= order <= MAX. Runs once on
 * the cluster's boot core before any use; @kcm must be what cluster_kcm_xp(local_cxy, order) names.
 */
void kcm_init(kcm_t *kcm, uint32_t order);

/*
 * Allocate one object of 2^@order bytes (MIN <= order <= MAX, asserted) in cluster @cxy, aligned on
 * its size, content undefined. Takes that cluster's kcm lock, and its PPM lock when a slab page is
 * needed. Returns NULL when the cluster's PPM has no page left, or when fault injection makes this
 * allocation fail (mm/failnth.h).
 */
void *kcm_remote_alloc(cxy_t cxy, uint32_t order);

/* Byte a freed object is filled with in debug builds (use-after-free poisoning). */
#define KCM_POISON 0x6b

/*
 * Give back @obj, an object allocated by kcm_remote_alloc in cluster @cxy. Takes the owning kcm's
 * lock (and the PPM lock when an empty slab page is released). Panics with a clear message (after
 * releasing the lock) if @obj is not in a slab page of cluster @cxy, is not at an object boundary,
 * points at a slab header, or is not in use (double free).
 */
void kcm_remote_free(cxy_t cxy, void *obj);

/*
 * Allocate @n objects of 2^@order bytes in cluster @cxy into @objs[0..n), under one lock pair (a
 * fork's vsegs): as @n kcm_remote_alloc calls (counted so in alloc_calls), but one fault injection
 * point. All or nothing: ENOMEM with none allocated (and the counters as they were).
 */
error_t kcm_remote_alloc_array(cxy_t cxy, uint32_t order, void **objs, uint32_t n);

/*
 * Give back @objs[0..n), objects of kcms of cluster @cxy: as @n kcm_remote_free calls (the same
 * checks and panics), one lock pair per run of objects of the same kcm.
 */
void kcm_remote_free_array(cxy_t cxy, void **objs, uint32_t n);

/* The same in the local cluster. */
void *kcm_alloc(uint32_t order);
void  kcm_free(void *obj);

/* Give the cached empty slab pages of the kcm (@cxy, @order) back to the PPM; returns how many. */
uint32_t kcm_remote_shrink(cxy_t cxy, uint32_t order);

/* Fill @out with a snapshot of the kcm (@cxy, @order) (takes its lock). */
void kcm_remote_stats(cxy_t cxy, uint32_t order, kcm_stats_t *out);
/* printk one line per kcm of cluster @cxy: object size, objects in use, pages per list. */
void kcm_display(cxy_t cxy);

#endif /* MM_KCM_H */
