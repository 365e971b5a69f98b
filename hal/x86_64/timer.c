/*
 * timer.c - the periodic tick on x86_64: the local APIC timer of each core (see hal_timer.h).
 *
 * With TSC-deadline mode (CPUID.1:ECX[24]; QEMU's -cpu max has it, qemu64 not) the core writes the
 * TSC value of its next tick into IA32_TSC_DEADLINE; ticks lie on a fixed grid (next += period), so
 * a late interrupt does not shift the following ones, and missed periods are collapsed into one.
 * Without it the timer runs in periodic mode, its initial count the period in timer ticks
 * (boot_info.arch.lapic_timer_hz, measured by phase 0 against the PM timer): the hardware keeps
 * the grid itself. Either way the timer is the core's own: hal_timer_is_direct() is true.
 */
#include <hal_boot.h>
#include <hal_timer.h>
#include <hal_upcalls.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "x86.h"

#define TIMER_DIVIDE_BY_1 0xb   /* LAPIC_TIMER_DIV encoding of "divide by 1" */

void hal_timer_core_init(uint64_t period_ns)
{
	hal_cpu_t *cpu = hal_cpu_self();

	if (x86_has(X86_FEAT_TSC_DEADLINE)) {
		cpu->timer_deadline = 1;
		cpu->timer_period = boot_info.timebase_hz * period_ns / 1000000000ULL;
		if (cpu->timer_period == 0)
			cpu->timer_period = 1;
		x86_lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
		/* SDM: a write to the LVT in TSC-deadline mode is ordered before later MSR writes
		 * only after a serializing step: mfence here. */
		__asm__ volatile("mfence" ::: "memory");
		cpu->timer_next = rdtsc() + cpu->timer_period;
		wrmsr(MSR_TSC_DEADLINE, cpu->timer_next);
		return;
	}
	uint64_t count = boot_info.arch.lapic_timer_hz * period_ns / 1000000000ULL;

	if (count == 0 || count > 0xffffffffULL)
		panic("%s: a tick of %lu ns is %lu timer counts at %lu Hz: out of range", __func__,
		      period_ns, count, boot_info.arch.lapic_timer_hz);
	cpu->timer_deadline = 0;
	x86_lapic_write(LAPIC_TIMER_DIV, TIMER_DIVIDE_BY_1);
	x86_lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	x86_lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
}

bool hal_timer_is_direct(void)
{
	return true;
}

void x86_timer_interrupt(void)
{
	hal_cpu_t *cpu = hal_cpu_self();

	if (cpu->timer_deadline) {
		uint64_t now = rdtsc(), next = cpu->timer_next + cpu->timer_period;

		if (next <= now) /* missed periods: the next grid point in the future */
			next += ((now - next) / cpu->timer_period + 1) * cpu->timer_period;
		cpu->timer_next = next;
		wrmsr(MSR_TSC_DEADLINE, next);
	}
	x86_lapic_eoi();
	kernel_tick();
}
