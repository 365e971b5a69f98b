/*
 * arch/special.h - the host tests' part of hal_special.h: out of line, in hal_host.c, but for the
 * identity conversion of the direct map.
 */
#ifndef ARCH_SPECIAL_H
#define ARCH_SPECIAL_H

#include <hal_types.h>

lid_t hal_get_lid(void);
void  hal_cpu_relax(void);
void  hal_fence(void);
void *hal_get_core_ptr(void);

/* "Physical" addresses are host addresses on the host. */
static inline void *hal_paddr_to_kva(paddr_t pa)
{
	return (void *)(uintptr_t)pa;
}

#endif /* ARCH_SPECIAL_H */
