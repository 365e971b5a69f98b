/*
 * timer.c - the periodic tick on RISC-V (see hal_timer.h).
 *
 * With Sstc the core programs its own `stimecmp` CSR; without it, the SBI TIME extension does it
 * in M-mode. Sstc presence is probed per core (a write to stimecmp traps if the extension is absent
 * or not enabled by the firmware). Ticks are scheduled on a fixed grid (next += period), so a late
 * interrupt does not shift the following ones; if several periods were missed, the next tick is
 * simply the next grid point in the future.
 */
#include <hal_boot.h>
#include <hal_timer.h>
#include <hal_upcalls.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "riscv.h"
#include "sbi.h"

#define CSR_STIMECMP 0x14d

static void timer_program(hal_cpu_t *cpu, uint64_t when)
{
	cpu->timer_next = when;
	if (cpu->timer_sstc)
		__asm__ volatile("csrw 0x14d, %0" ::"r"(when));
	else
		sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}

void hal_timer_core_init(uint64_t period_ns)
{
	hal_cpu_t *cpu = hal_cpu_self();
	uint64_t hz = boot_info.timebase_hz;

	cpu->timer_period = hz * period_ns / 1000000000ULL;
	if (cpu->timer_period == 0)
		cpu->timer_period = 1;
	cpu->timer_sstc = riscv_probe_csr_write_stimecmp(~0ULL);
	timer_program(cpu, csr_read(time) + cpu->timer_period);
	csr_set(sie, SIE_STIE);
}

bool hal_timer_is_direct(void)
{
	return hal_cpu_self()->timer_sstc != 0;
}

void riscv_timer_interrupt(bool from_user)
{
	hal_cpu_t *cpu = hal_cpu_self();
	uint64_t now = csr_read(time);
	uint64_t next = cpu->timer_next + cpu->timer_period;

	if (next <= now) /* missed periods: next grid point in the future */
		next += ((now - next) / cpu->timer_period + 1) * cpu->timer_period;
	timer_program(cpu, next);
	kernel_tick(from_user);
}
