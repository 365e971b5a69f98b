/*
 * hal_upcalls.h - the generic kernel functions the HAL calls. They are the only way the
 * architecture code reaches into kernel/ (besides the HAL headers' own contracts).
 */
#ifndef HAL_UPCALLS_H
#define HAL_UPCALLS_H

#include <hal_types.h>

/* Timer tick of the calling core (interrupt context, IRQs off). */
void kernel_tick(void);

/* Inter-processor interrupt received by the calling core (interrupt context, IRQs off). */
void kernel_ipi(void);

/*
 * Last step of every interrupt, before returning to the interrupted code: may switch threads.
 * @interrupted_irq_enabled tells whether the interrupted code ran with IRQs enabled (only then may
 * it be preempted: code with IRQs off may hold busylocks).
 */
void kernel_irq_exit(bool interrupted_irq_enabled);

#endif /* HAL_UPCALLS_H */
