/*
 * page.h - the descriptor of one physical page (page_t).
 *
 * Every page of a cluster's memory has one page_t in that cluster's descriptor array (ppm.h), so a
 * page is named by the extended pointer XPTR(cxy, &descriptor), cxy being the cluster whose memory
 * holds the page. A *block* is 2^order contiguous, naturally aligned pages; its first page (the head)
 * carries the block's state and order, the other pages of the block (tails) have none of PG_FREE,
 * PG_ALLOCATED, PG_RESERVED or PG_CACHED.
 *
 * Lock legend (P = the PPM lock of the page's cluster, ppm_t.lock; O = the block's owner, i.e. whoever
 * allocated it, who serialises its own uses, e.g. under the kcm lock for a slab page; A = atomic
 * hal_remote_atomic_* only; L = page_t.lock). Fields are always accessed through hal_remote_*.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <hal_types.h>
#include <libk/busylock.h>
#include <libk/xlist.h>

/* Block state, written by the PPM under P (exactly one on a head page, none on a tail page). */
/* A field of the page descriptor at extended pointer @page_xp. */
#define PAGE_XP(page_xp, field) XPTR_FIELD(page_xp, page_t, field)

#define PG_FREE       0x0001u /* head of a free block, linked in the free list of its order    */
#define PG_ALLOCATED  0x0002u /* head of an allocated block                                     */
#define PG_RESERVED   0x0004u /* never handed out: firmware, image, descriptor array, ...        */
#define PG_CACHED     0x0008u /* a free page (order 0) in its PPM's cache of single pages, not in
                                 a free list: free, but never merged with its buddy (ppm.h)      */
#define PG_STATE_MASK (PG_FREE | PG_ALLOCATED | PG_RESERVED | PG_CACHED)

/* Owner flags, only on the head of an allocated block: set by the owner (O) with an atomic or,
 * cleared by the PPM when the block is freed. */
#define PG_KCM        0x0100u /* a slab page of a kcm (owner_xp is the kcm_t)                    */
#define PG_KMEM       0x0200u /* a large kmem block (more than 2^CONFIG_KCM_MAX_ORDER bytes)     */
#define PG_REPLICATED 0x0400u /* a page cache's page copied to other clusters (mapper.c): its cut
                                 or a write drops the copies; `forks` names those clusters  */
#define PG_REPLICA    0x0800u /* such a copy, held like a page cache's page (owner_xp: the
                                 mapper while cached, XPTR_NULL once dropped)                */

typedef struct page_s {
	uint32_t      flags;    /* PG_*: state bits [P]; owner bits [O, set atomically]            */
	uint32_t      order;    /* [P] order of the block this page heads (head pages only)        */
	xlist_entry_t list;     /* [P] link in the free list of its order while PG_FREE; between its
	                           unmapping and its release, in the list of frames an address-space
	                           change keeps until no TLB can reach them (vmm_unmap_vseg) */
	xptr_t        owner_xp; /* [O] for the owner's use (kcm_t of a slab page); XPTR_NULL when
	                           the block is handed out, reset by the PPM when it is freed       */
	uint32_t      refcount; /* [A] references held on the block (mappings, ...); 0 when the
	                           block is allocated and when it is freed (asserted by the PPM)    */
	uint32_t      forks;    /* [A] processes sharing the page beyond the first, after forks
	                           (vmm_fork.c); 0 when the block is allocated. A mapper's page is
	                           never shared that way: there, the clusters that hold a replica of
	                           it (one bit each, with PG_REPLICATED; mapper.c)                   */
	busylock_t    lock;     /* for the owner's per-page state                                  */
} page_t;

#endif /* MM_PAGE_H */
