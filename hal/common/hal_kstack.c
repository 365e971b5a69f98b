/*
 * hal_kstack.c - the kernel stack allocator of every architecture (see hal_context.h).
 *
 * The kernel stack area gives each cluster c its part of virtual space at KMEM_KSTACK_BASE +
 * (c << KMEM_KSTACK_AREA_SHIFT) (<arch/kmem.h>), mapped at the same address in every cluster (boot
 * phase 0 shares the tables that describe it), cut into KMEM_KSTACK_SLOT_SIZE slots: the stack at
 * the top of its slot, unmapped pages below it (the guard). A cluster hands out its slots in order
 * and keeps freed stacks mapped on a free list, so that a stack address never changes meaning under
 * a stale TLB entry. How a slot's pages are mapped is the architecture's (hal_kstack_map).
 *
 * Lock legend of kstack (each cluster's copy is its own allocator): [L] kstack.lock.
 */
#include <hal_context.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/busylock.h>
#include <arch/kmem.h>

#define KSTACK_AREA_SIZE         (1UL << KMEM_KSTACK_AREA_SHIFT)
#define KSTACK_SLOTS_PER_CLUSTER (KSTACK_AREA_SIZE / KMEM_KSTACK_SLOT_SIZE)

_Static_assert(CONFIG_KSTACK_SIZE <= KMEM_KSTACK_SLOT_SIZE - CONFIG_PAGE_SIZE,
	       "no room for the guard page");

static struct {
	busylock_t lock;
	uint32_t   slots_used;  /* [L] slots ever mapped (bump index)          */
	uint32_t   in_use;      /* [L] stacks handed out                       */
	uint32_t   cached;      /* [L] stacks on the free list                 */
	uint32_t   table_pages; /* [L] page tables mapping the stack area      */
	void      *free_list;   /* [L] freed stacks, linked through their base */
} kstack = { .lock = BUSYLOCK_INITIALIZER("kstack", LOCK_KSTACK) };

/* The local cluster's part of the stack area. */
static uintptr_t local_area(void)
{
	return KMEM_KSTACK_BASE + ((uintptr_t)local_cxy << KMEM_KSTACK_AREA_SHIFT);
}

/* The lowest address of the stack of slot @slot of the local cluster. */
static uintptr_t slot_stack(uint32_t slot)
{
	return local_area() + (uintptr_t)(slot + 1) * KMEM_KSTACK_SLOT_SIZE - CONFIG_KSTACK_SIZE;
}

void *hal_kstack_alloc(void)
{
	void *base = NULL;

	busylock_acquire(&kstack.lock);
	if (kstack.free_list) {
		base = kstack.free_list;
		kstack.free_list = *(void **)base;
		kstack.cached--;
	} else if (kstack.slots_used < KSTACK_SLOTS_PER_CLUSTER &&
		   hal_kstack_map(slot_stack(kstack.slots_used), &kstack.table_pages)) {
		base = (void *)slot_stack(kstack.slots_used);
		kstack.slots_used++;
	}
	if (base)
		kstack.in_use++;
	busylock_release(&kstack.lock);
	return base;
}

void hal_kstack_free(void *base)
{
	uintptr_t off = (uintptr_t)base - local_area();

	if (off >= (uintptr_t)kstack.slots_used * KMEM_KSTACK_SLOT_SIZE ||
	    (off + CONFIG_KSTACK_SIZE) % KMEM_KSTACK_SLOT_SIZE != 0)
		panic("%s: %p is not a kernel stack of cluster %u", __func__, base, local_cxy);
	busylock_acquire(&kstack.lock);
	*(void **)base = kstack.free_list;
	kstack.free_list = base;
	kstack.in_use--;
	kstack.cached++;
	busylock_release(&kstack.lock);
}

bool hal_kstack_is_guard(uintptr_t addr)
{
	uintptr_t off = addr - KMEM_KSTACK_BASE;

	return off < ((uintptr_t)CONFIG_MAX_CLUSTERS << KMEM_KSTACK_AREA_SHIFT) &&
	       off % KMEM_KSTACK_SLOT_SIZE < KMEM_KSTACK_SLOT_SIZE - CONFIG_KSTACK_SIZE;
}

void hal_kstack_stats(cxy_t cxy, uint32_t *in_use, uint32_t *cached, uint32_t *pages)
{
	xptr_t lock_xp = XPTR(cxy, &kstack.lock); /* the replicated image: that cluster's allocator */

	remote_busylock_acquire(lock_xp);
	*in_use = hal_remote_l32(XPTR(cxy, &kstack.in_use));
	*cached = hal_remote_l32(XPTR(cxy, &kstack.cached));
	*pages = hal_remote_l32(XPTR(cxy, &kstack.slots_used)) *
		 (uint32_t)(CONFIG_KSTACK_SIZE / CONFIG_PAGE_SIZE) +
		 hal_remote_l32(XPTR(cxy, &kstack.table_pages));
	remote_busylock_release(lock_xp);
}
