/*
 * arch/special.h - x86_64's inline part of hal_special.h (which says what this header must
 * provide): the running core's index, the spin hint and the fence, used by every lock; the
 * direct map's hal_paddr_to_kva is hal_dmap.h's.
 */
#ifndef ARCH_SPECIAL_H
#define ARCH_SPECIAL_H

#include <hal_dmap.h>   /* hal_paddr_to_kva: the direct map every architecture shares */
#include <hal_types.h>

/* While a core runs kernel code, its GS base is its hal_cpu_t (hal/x86_64/hal_cpu.h), which holds
 * the core's lid and the generic core pointer at the offsets below (asserted there). */
#define X86_HAL_CPU_LID_OFFSET  40
#define X86_HAL_CPU_CORE_OFFSET 48

static inline lid_t hal_get_lid(void)
{
	lid_t lid;

	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(lid) : "i"(X86_HAL_CPU_LID_OFFSET));
	return lid;
}

static inline void *hal_get_core_ptr(void)
{
	void *core;

	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(core) : "i"(X86_HAL_CPU_CORE_OFFSET));
	return core;
}

/* pause: the spin hint; under QEMU's TCG it also ends the vCPU's turn at once (-icount). */
static inline void hal_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void hal_fence(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

#endif /* ARCH_SPECIAL_H */
