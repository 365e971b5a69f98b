/*
 * vspace.h - the allocators of user virtual space: STACK slots and the MMAP zone.
 *
 * Both live in the VMM of a process's reference cluster (where its vsegs are created) and are used
 * there only: plain pointers, no hal_remote_*. Each has a busylock (class LOCK_KSTACK: a leaf lock
 * of a virtual-space allocator, taken under the VSL lock and taking nothing but printk's console
 * lock), so they may be called with or without the VSL lock; neither sleeps or allocates memory.
 *
 * STACK: the STACK zone [CONFIG_VMM_STACK_BASE, CONFIG_VMM_STACK_TOP) is cut into
 * CONFIG_VMM_STACK_SLOTS slots of CONFIG_VMM_STACK_PAGES pages; slot i starts at
 * CONFIG_VMM_STACK_BASE + i * VSPACE_STACK_SLOT_SIZE. The lowest page of a slot is its guard: the
 * usable range of the slot (the STACK vseg's range) starts one page above, so a stack overflow runs
 * into a page no vseg covers and faults. Nothing else is placed in the zone (vspace_mmap_alloc
 * refuses it), so the guard stays unmapped.
 *
 * MMAP: ranges for mmap without MAP_FIXED are taken in the allocator's zone (by default
 * [CONFIG_VMM_MMAP_BASE, CONFIG_VMM_MMAP_END)) at the lowest free address (first fit over the VSL:
 * the free space is whatever no vseg covers, so there is nothing to give back: removing the vseg
 * frees its range). The VSL lock held for writing from vspace_mmap_alloc until the vseg is inserted
 * is what makes the range the caller's; the allocator's lock protects only its own fields.
 */
#ifndef MM_VSPACE_H
#define MM_VSPACE_H

#include <hal_types.h>
#include <libk/busylock.h>
#include <mm/vsl.h>
#include <params.h>
#include <arch/user_layout.h> /* where the zones lie: the architecture's (hal_uabi.h) */

/* Bytes of one stack slot, guard page included. */
#define VSPACE_STACK_SLOT_SIZE ((vaddr_t)CONFIG_VMM_STACK_PAGES * CONFIG_PAGE_SIZE)

/* The base of the STACK zone: its top is the architecture's, its size params.h's. */
#define CONFIG_VMM_STACK_BASE  (CONFIG_VMM_STACK_TOP - (vaddr_t)CONFIG_VMM_STACK_SLOTS * VSPACE_STACK_SLOT_SIZE)

/* Lock legend: L = lock. */
typedef struct vspace_stack_s {
	busylock_t lock;
	uint32_t   used;                                 /* [L] slots allocated            */
	uint64_t   bitmap[CONFIG_VMM_STACK_SLOTS / 64];  /* [L] bit i set: slot i is busy  */
} vspace_stack_t;

/* Lock legend: I = written by vspace_mmap_init only; L = lock. */
typedef struct vspace_mmap_s {
	busylock_t lock;
	vaddr_t    min;       /* [I] the zone [min, max), page aligned            */
	vaddr_t    max;       /* [I]                                              */
	uint64_t   alloc_nr;  /* [L] successful allocations                       */
	uint64_t   fail_nr;   /* [L] allocations refused (ENOMEM, EEXIST)          */
} vspace_mmap_t;

/* Make @stacks an allocator with every slot free. */
void vspace_stack_init(vspace_stack_t *stacks);

/*
 * Take the lowest free slot of @stacks: *@slot is its index, [*@base, *@base + *@size) its usable
 * range (the guard page excluded). Returns 0, or ENOMEM when every slot is busy.
 */
error_t vspace_stack_alloc(vspace_stack_t *stacks, uint32_t *slot, vaddr_t *base, vaddr_t *size);

/* Give back slot @slot of @stacks. Panics if @slot is out of range or not allocated. */
void vspace_stack_free(vspace_stack_t *stacks, uint32_t slot);

/* The usable range [*@base, *@base + *@size) of slot @slot (< CONFIG_VMM_STACK_SLOTS, asserted). */
void vspace_stack_range(uint32_t slot, vaddr_t *base, vaddr_t *size);

/* If @addr lies in a slot of the STACK zone (its guard page included), set *@slot and return true. */
bool vspace_stack_slot_of(vaddr_t addr, uint32_t *slot);

/* Number of busy slots of @stacks. */
uint32_t vspace_stack_used(vspace_stack_t *stacks);

/* Make @mmap an allocator over the zone [@zone_min, @zone_max) (page aligned, non-empty, asserted). */
void vspace_mmap_init(vspace_mmap_t *mmap, vaddr_t zone_min, vaddr_t zone_max);

/*
 * Choose the range [*@base, *@base + @size) of a new mapping, free in @vsl. @size is a non-zero
 * multiple of the page size (else EINVAL).
 * Without @fixed: [hint, hint + size) with @hint rounded up to a page if that range lies in the zone
 * and is free (a hint of 0 asks nothing); otherwise the lowest free range of the zone; ENOMEM if the
 * zone has no room.
 * With @fixed: exactly @hint, which must be page aligned (else EINVAL); the range must lie in
 * [CONFIG_VMM_USER_MIN, CONFIG_VMM_STACK_BASE) (else ENOMEM) and be free (else EEXIST: for MAP_FIXED
 * the caller removes what is there first).
 * Caller holds the VSL lock of @vsl, for writing if it inserts the vseg next. The search
 * (O(log n + k), k the vsegs of the zone walked over) runs under the allocator's busylock.
 */
error_t vspace_mmap_alloc(vspace_mmap_t *mmap, const vsl_t *vsl, vaddr_t size, vaddr_t hint,
			  bool fixed, vaddr_t *base);

#endif /* MM_VSPACE_H */
