/*
 * kmem.c - the kernel heap front end (see kmem.h).
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/kcm.h>
#include <mm/kmem.h>
#include <mm/page.h>
#include <mm/ppm.h>


/* Smallest order such that 2^order >= @n (n >= 1). */
static uint32_t order_of(uint64_t n)
{
	return n <= 1 ? 0 : ilog2_u64(n - 1) + 1;
}

void *kmem_remote_alloc(cxy_t cxy, size_t size, uint32_t flags)
{
	void *ptr;

	if (size == 0 || size > KMEM_MAX_SIZE)
		return NULL;
	if (size <= (1ul << CONFIG_KCM_MAX_ORDER)) {
		ptr = kcm_remote_alloc(cxy, MAX(order_of(size), (uint32_t)CONFIG_KCM_MIN_ORDER));
	} else {
		xptr_t page_xp = ppm_remote_alloc_pages(cxy, order_of(DIV_ROUND_UP(size, CONFIG_PAGE_SIZE)));

		if (page_xp == XPTR_NULL)
			return NULL;
		hal_remote_atomic_or32(PAGE_XP(page_xp, flags), PG_KMEM);
		ptr = ppm_page2kva(page_xp);
	}
	if (ptr != NULL && (flags & KMEM_ZERO))
		hal_remote_memset(XPTR(cxy, ptr), 0, size);
	return ptr;
}

void kmem_remote_free(cxy_t cxy, void *ptr)
{
	if (ptr == NULL)
		return;

	xptr_t page_xp = ppm_base2page(hal_kva_to_paddr(ptr));
	if (page_xp == XPTR_NULL || GET_CXY(page_xp) != cxy)
		panic("%s: %p is not in the memory of cluster %x (foreign pointer)", __func__, ptr, cxy);

	uint32_t flags = hal_remote_l32(PAGE_XP(page_xp, flags));
	if (flags & PG_KCM) {
		kcm_remote_free(cxy, ptr);
		return;
	}
	if ((flags & PG_KMEM) && (flags & PG_ALLOCATED) && ptr == ppm_page2kva(page_xp)) {
#ifndef NDEBUG
		/* Poisoned like a slab object (kcm.h): a use after free faults or asserts. */
		hal_remote_memset(XPTR(cxy, ptr), KCM_POISON,
				  CONFIG_PAGE_SIZE << hal_remote_l32(PAGE_XP(page_xp, order)));
#endif
		ppm_remote_free_pages(page_xp);
		return;
	}
	panic("%s: %p is not a live kmem object of cluster %x (double free, pointer inside an "
	      "object, or foreign pointer; page flags %x)", __func__, ptr, cxy, flags);
}

error_t kmem_alloc_array(size_t size, void **objs, uint32_t n)
{
	if (size == 0 || size > (1ul << CONFIG_KCM_MAX_ORDER))
		return EINVAL;
	return kcm_remote_alloc_array(local_cxy, MAX(order_of(size), (uint32_t)CONFIG_KCM_MIN_ORDER),
				      objs, n);
}

void kmem_free_array(void **objs, uint32_t n)
{
	kcm_remote_free_array(local_cxy, objs, n); /* it panics on what no slab holds */
}

void *kmem_alloc(size_t size, uint32_t flags)
{
	return kmem_remote_alloc(local_cxy, size, flags);
}

void kmem_free(void *ptr)
{
	kmem_remote_free(local_cxy, ptr);
}
