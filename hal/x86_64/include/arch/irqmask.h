/*
 * arch/irqmask.h - x86_64's inline part of hal_irqmask.h: the interrupt mask is RFLAGS.IF.
 * `sti` lets interrupts in after the next instruction only (its interrupt shadow).
 */
#ifndef ARCH_IRQMASK_H
#define ARCH_IRQMASK_H

#include <hal_types.h>

#define X86_RFLAGS_IF 0x200UL

static inline irqstate_t hal_disable_irq(void)
{
	irqstate_t flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags & X86_RFLAGS_IF;
}

static inline void hal_restore_irq(irqstate_t saved)
{
	if (saved & X86_RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

/* Out of line (hal_special.c): an interrupt that was pending is taken before it returns, inside it,
 * so that a backtrace names it (kt_panic's panicirq); not a hot path. */
void hal_enable_irq(void);

static inline bool hal_irq_enabled(void)
{
	irqstate_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags) : : "memory");
	return (flags & X86_RFLAGS_IF) != 0;
}

#endif /* ARCH_IRQMASK_H */
