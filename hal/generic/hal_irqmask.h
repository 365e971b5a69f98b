/*
 * hal_irqmask.h - masking interrupts on the running core.
 *
 * hal_disable_irq() returns the previous state, to be given back to hal_restore_irq(); the pair nests.
 */
#ifndef HAL_IRQMASK_H
#define HAL_IRQMASK_H

#include <hal_types.h>

typedef uint64_t irqstate_t;

/*
 * Provided by the architecture in <arch/irqmask.h>, static inline (or declared, for an out-of-line
 * implementation), since every busylock pair uses them:
 *   irqstate_t hal_disable_irq(void)          mask; returns the previous state
 *   void       hal_restore_irq(irqstate_t s)  give back a state hal_disable_irq returned
 *   void       hal_enable_irq(void)
 *   bool       hal_irq_enabled(void)
 */
#include <arch/irqmask.h>

#endif /* HAL_IRQMASK_H */
