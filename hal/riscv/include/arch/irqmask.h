/*
 * arch/irqmask.h - RISC-V's inline part of hal_irqmask.h: the interrupt mask is sstatus.SIE.
 */
#ifndef ARCH_IRQMASK_H
#define ARCH_IRQMASK_H

#include <hal_types.h>

#define RISCV_SSTATUS_SIE (1UL << 1)

static inline irqstate_t hal_disable_irq(void)
{
	irqstate_t old;

	__asm__ volatile("csrrci %0, sstatus, %1" : "=r"(old) : "i"(RISCV_SSTATUS_SIE) : "memory");
	return old & RISCV_SSTATUS_SIE;
}

static inline void hal_restore_irq(irqstate_t saved)
{
	if (saved & RISCV_SSTATUS_SIE)
		__asm__ volatile("csrsi sstatus, %0" ::"i"(RISCV_SSTATUS_SIE) : "memory");
}

static inline void hal_enable_irq(void)
{
	__asm__ volatile("csrsi sstatus, %0" ::"i"(RISCV_SSTATUS_SIE) : "memory");
}

static inline bool hal_irq_enabled(void)
{
	irqstate_t s;

	__asm__ volatile("csrr %0, sstatus" : "=r"(s));
	return (s & RISCV_SSTATUS_SIE) != 0;
}

#endif /* ARCH_IRQMASK_H */
