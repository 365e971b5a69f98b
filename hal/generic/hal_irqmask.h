/*
 * hal_irqmask.h - masking interrupts on the running core.
 *
 * hal_disable_irq() returns the previous state, to be given back to hal_restore_irq(); the pair nests.
 */
#ifndef HAL_IRQMASK_H
#define HAL_IRQMASK_H

#include <hal_types.h>

typedef uint64_t irqstate_t;

irqstate_t hal_disable_irq(void);
void       hal_restore_irq(irqstate_t saved);
void       hal_enable_irq(void);
bool       hal_irq_enabled(void);

#endif /* HAL_IRQMASK_H */
