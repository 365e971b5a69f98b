/*
 * hal_timer.h - the periodic tick of each core.
 *
 * hal_timer_core_init() starts a tick of @period_ns on the calling core: kernel_tick() (hal_upcalls.h)
 * then runs on it every period, in interrupt context, once interrupts are enabled. The RISC-V HAL
 * uses the Sstc `stimecmp` CSR when the core has it and the SBI timer otherwise.
 */
#ifndef HAL_TIMER_H
#define HAL_TIMER_H

#include <hal_types.h>

void hal_timer_core_init(uint64_t period_ns);

/* True if the calling core's timer uses Sstc (stimecmp), false for the SBI timer. */
bool hal_timer_uses_sstc(void);

#endif /* HAL_TIMER_H */
