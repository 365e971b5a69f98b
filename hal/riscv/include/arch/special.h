/*
 * arch/special.h - RISC-V's inline part of hal_special.h (which says what this header must
 * provide): the running core's index, the spin hint and the fence, used by every lock; the
 * direct map's hal_paddr_to_kva is hal_dmap.h's.
 */
#ifndef ARCH_SPECIAL_H
#define ARCH_SPECIAL_H

#include <hal_dmap.h>   /* hal_paddr_to_kva: the direct map every architecture shares */
#include <hal_types.h>

/* While a core runs kernel code, tp points to its hal_cpu_t (hal/riscv/hal_cpu.h), whose first
 * field is the core's lid, and the generic core pointer at the offset below (asserted there). */
#define RISCV_HAL_CPU_LID_OFFSET  0
#define RISCV_HAL_CPU_CORE_OFFSET 8

static inline lid_t hal_get_lid(void)
{
	lid_t lid;

	__asm__ volatile("lwu %0, %1(tp)" : "=r"(lid) : "i"(RISCV_HAL_CPU_LID_OFFSET));
	return lid;
}

static inline void *hal_get_core_ptr(void)
{
	void *core;

	__asm__ volatile("ld %0, %1(tp)" : "=r"(core) : "i"(RISCV_HAL_CPU_CORE_OFFSET));
	return core;
}

static inline void hal_cpu_relax(void)
{
	__asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory"); /* pause (Zihintpause) */
}

static inline void hal_fence(void)
{
	__asm__ volatile("fence rw, rw" ::: "memory");
}

#endif /* ARCH_SPECIAL_H */
