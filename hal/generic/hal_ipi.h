/*
 * hal_ipi.h - inter-processor interrupts.
 *
 * hal_ipi_send() raises an interrupt on core (@cxy, @lid); the target then runs kernel_ipi()
 * (hal_upcalls.h), which reads what was asked from the generic per-core state. IPIs carry no
 * payload and may coalesce: several sends before the target runs give one kernel_ipi(). Callable
 * from any core and context; never sleeps.
 */
#ifndef HAL_IPI_H
#define HAL_IPI_H

#include <hal_types.h>

void hal_ipi_send(cxy_t cxy, lid_t lid);

/* The same to every core of cluster @cxy whose bit is set in @lid_mask (bit i = lid i), in as
 * few firmware calls as the platform allows. */
void hal_ipi_send_mask(cxy_t cxy, uint32_t lid_mask);

/* Let the calling core take IPIs (once per core, before it enables interrupts). */
void hal_ipi_core_init(void);

#endif /* HAL_IPI_H */
