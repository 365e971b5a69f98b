/*
 * arch/special.h - the host tests' part of hal_special.h: out of line, in hal_host.c.
 */
#ifndef ARCH_SPECIAL_H
#define ARCH_SPECIAL_H

#include <hal_types.h>

lid_t hal_get_lid(void);
void  hal_cpu_relax(void);
void  hal_fence(void);
void *hal_get_core_ptr(void);

#endif /* ARCH_SPECIAL_H */
