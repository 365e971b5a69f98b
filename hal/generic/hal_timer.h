/*
 * hal_timer.h - the periodic tick of each core.
 *
 * hal_timer_core_init() starts a tick of @period_ns on the calling core: kernel_tick() (hal_upcalls.h)
 * then runs on it every period, in interrupt context, once interrupts are enabled.
 */
#ifndef HAL_TIMER_H
#define HAL_TIMER_H

#include <hal_types.h>

void hal_timer_core_init(uint64_t period_ns);

/*
 * True if the calling core programs its own timer deadline (RISC-V: the Sstc `stimecmp` CSR; x86_64:
 * its local APIC), false if every tick needs a call into firmware (RISC-V without Sstc: the SBI
 * timer). Valid after hal_timer_core_init() on that core.
 */
bool hal_timer_is_direct(void);

#endif /* HAL_TIMER_H */
