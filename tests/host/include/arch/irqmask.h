/*
 * arch/irqmask.h - the host tests' part of hal_irqmask.h: out of line, in hal_host.c (a flag per
 * host thread).
 */
#ifndef ARCH_IRQMASK_H
#define ARCH_IRQMASK_H

#include <hal_types.h>

irqstate_t hal_disable_irq(void);
void       hal_restore_irq(irqstate_t saved);
void       hal_enable_irq(void);
bool       hal_irq_enabled(void);

#endif /* ARCH_IRQMASK_H */
