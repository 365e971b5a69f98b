/*
 * hal_dmap.h - the direct map's translation of a physical address (hal_paddr_to_kva, whose contract
 * is in hal_special.h): the inline part of hal_special.h that every architecture of Archipel
 * shares. An architecture's <arch/special.h> includes this header (hal_special.h includes that one
 * after declaring hal_paddr_bad); the host tests' <arch/special.h> has a translation of its own
 * (host addresses are the "physical" ones).
 *
 * What the architecture provides, in <arch/kmem.h>: KMEM_DMAP_BASE and KMEM_DMAP_SIZE (physical
 * address pa < KMEM_DMAP_SIZE is at KMEM_DMAP_BASE + pa).
 */
#ifndef HAL_DMAP_H
#define HAL_DMAP_H

#include <arch/kmem.h>
#include <hal_types.h>

static inline void *hal_paddr_to_kva(paddr_t pa)
{
#ifndef NDEBUG
	if (__builtin_expect(pa >= KMEM_DMAP_SIZE, 0))
		hal_paddr_bad(pa);
#endif
	return (void *)(KMEM_DMAP_BASE + pa);
}

#endif /* HAL_DMAP_H */
