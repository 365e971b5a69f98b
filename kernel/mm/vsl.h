/*
 * vsl.h - the VSL: the ordered set of vsegs of one VMM copy, with O(log n) lookup by address.
 *
 * The VSL is an intrusive AVL tree of vsegs (vseg_t.node) keyed by vseg min. The vsegs of one VSL never
 * overlap (vsl_insert refuses an overlap), so the order by min is also the order by max, and the
 * vseg containing an address is found by one descent. Every operation is O(log n) but vsl_find_gap
 * (O(log n + k), k = vsegs walked over) and vsl_check / vsl_display (O(n)).
 *
 * A VSL is local to one cluster: its root and the vsegs in it live in that cluster and are reached by
 * plain pointers; nothing here uses hal_remote_*. Nothing here locks either: the caller holds the VSL
 * lock of the VMM copy (an rwlock, class LOCK_VMM_VSL): read for the lookups and walks, write for
 * vsl_insert and vsl_remove (and for changing a vseg in the VSL). No function here sleeps or allocates.
 *
 * The range of a vseg in a VSL may be changed in place (under the write lock) only if it stays
 * disjoint from the other vsegs, e.g. brk moving the heap's max over free space
 * (vsl_lookup_range(old_max, new_max) == NULL); any other change is remove, change, insert.
 */
#ifndef MM_VSL_H
#define MM_VSL_H

#include <hal_types.h>

typedef struct vseg_s vseg_t;

/* Link of a vseg in a VSL tree; only vsl.c touches it. height 0 means "in no VSL". */
typedef struct vsl_node_s {
	struct vsl_node_s *left;   /* vsegs below                               */
	struct vsl_node_s *right;  /* vsegs above                               */
	struct vsl_node_s *parent; /* NULL at the root                          */
	uint32_t           height; /* 1 for a leaf; 0 when not in a tree        */
} vsl_node_t;

/* Lock legend: every field is protected by the caller's VSL lock (see above). */
typedef struct vsl_s {
	vsl_node_t *root;  /* NULL when empty          */
	uint32_t    count; /* vsegs in the VSL         */
} vsl_t;

/* Make @vsl empty. */
void vsl_init(vsl_t *vsl);

/*
 * Insert @vseg (initialised, in no VSL) into @vsl. Returns 0, or EEXIST if [min, max) intersects a
 * vseg of @vsl (touching ranges are allowed), with nothing changed. Caller holds the VSL lock (write).
 */
error_t vsl_insert(vsl_t *vsl, vseg_t *vseg);

/* Remove @vseg, which is in @vsl (asserted in debug builds). Caller holds the VSL lock (write). */
void vsl_remove(vsl_t *vsl, vseg_t *vseg);

/* The vseg of @vsl containing @addr, or NULL. Caller holds the VSL lock (read). */
vseg_t *vsl_lookup(const vsl_t *vsl, vaddr_t addr);

/*
 * The lowest vseg of @vsl intersecting [@min, @max), or NULL (also if min >= max).
 * Caller holds the VSL lock (read).
 */
vseg_t *vsl_lookup_range(const vsl_t *vsl, vaddr_t min, vaddr_t max);

/*
 * Ordered walk: the lowest vseg, then the one after @vseg; NULL at the end (or when empty).
 * Caller holds the VSL lock (read) across the whole walk, or must restart it after a change.
 */
vseg_t *vsl_first(const vsl_t *vsl);
vseg_t *vsl_next(const vseg_t *vseg);

/*
 * The same ordered walk on the VSL of another cluster, for fork's child (vmm_fork.c), which shares
 * its parent's address space from its own cluster: @vsl_xp is a vsl_t anywhere, the results are
 * extended pointers to its vsegs (XPTR_NULL at the end). The tree's pointers are local to its
 * cluster; these read them through hal_remote_* (the one exception to "nothing here uses
 * hal_remote_*"). Caller holds that VSL's lock (read, remote_rwlock) across the whole walk.
 */
xptr_t vsl_remote_first(xptr_t vsl_xp);
xptr_t vsl_remote_next(xptr_t vseg_xp);

/*
 * Lowest address @base such that [base, base + @size) lies inside [@zone_min, @zone_max), is free in
 * @vsl and base is a multiple of @align (first fit). @size > 0 and @align (a power of two) must be
 * multiples of the page size; zone bounds page aligned (asserted). Returns 0 with *base set, or
 * ENOMEM when no such range exists. Caller holds the VSL lock (read; write if it then inserts a vseg
 * there, so that no other thread takes the range in between).
 */
error_t vsl_find_gap(const vsl_t *vsl, vaddr_t zone_min, vaddr_t zone_max, vaddr_t size,
		     vaddr_t align, vaddr_t *base);

/* Number of vsegs in @vsl. */
uint32_t vsl_count(const vsl_t *vsl);

/*
 * Check every invariant of @vsl: parent links, heights, AVL balance, order and disjointness of the
 * vsegs, the count. Returns true if all hold; prints the first violation (LOG_ERR) otherwise. O(n);
 * for tests and debugging. Caller holds the VSL lock (read).
 */
bool vsl_check(const vsl_t *vsl);

/* Print the count, then one line per vseg in address order (vseg_display). Caller holds the lock. */
void vsl_display(const vsl_t *vsl);

#endif /* MM_VSL_H */
