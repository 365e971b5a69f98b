/*
 * hal_special.c - core identity, cycle counter, power, idle, IRQ mask and device ranges on x86_64
 * (time, address conversions and the kernel ranges: hal/common/hal_special.c).
 *
 * Identity: %gs:0 is the core's hal_cpu_t (hal_cpu.h). Time: the TSC, whose frequency phase 0
 * measured against the ACPI PM timer (boot_info.timebase_hz); QEMU's TSC is the same on every vCPU
 * (the host's, or virtual nanoseconds under -icount).
 */
#include <hal_boot.h>
#include <hal_irqmask.h>
#include <hal_special.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "mmu.h"
#include "x86.h"

hal_cpu_t hal_cpus[CONFIG_MAX_CORES_PER_CLUSTER];
static hal_cpu_t phase0_cpu;

/* hal_get_lid, hal_disable_irq and the others are inline: arch/special.h, arch/irqmask.h. */
_Static_assert(__builtin_offsetof(hal_cpu_t, lid) == X86_HAL_CPU_LID_OFFSET, "arch/special.h");
_Static_assert(__builtin_offsetof(hal_cpu_t, core) == X86_HAL_CPU_CORE_OFFSET, "arch/special.h");
_Static_assert(X86_RFLAGS_IF == RFLAGS_IF, "arch/irqmask.h");

void hal_cpu_init_phase0(hwid_t apic_id)
{
	phase0_cpu.self = &phase0_cpu;
	phase0_cpu.lid = HAL_LID_PHASE0;
	phase0_cpu.hwid = apic_id;
	wrmsr(MSR_GS_BASE, (uintptr_t)&phase0_cpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void hal_set_core_ptr(void *core)
{
	hal_cpu_self()->core = core;
}

cycle_t hal_get_cycles(void)
{
	return rdtsc();
}

/*
 * pause already ends the vCPU's turn under QEMU's TCG (with -icount, every vCPU runs in turn on one
 * host thread): the core waited for runs next. On hardware it is the spin hint.
 */
void hal_cpu_wait_other(void)
{
	cpu_relax();
}

/*
 * With interrupts on (the idle loop), hlt: a wake-up that arrives between the loop's test and the
 * hlt is taken first (and its exit switches away from idle). With them off, x86 has no wait that
 * ends on a pending interrupt without taking it (RISC-V's wfi does): hlt would never end, and the
 * callers that wait so (the TLB shootdown's wait for acknowledgements, which opens interrupts
 * between two calls; a core stopped by a panic) would hang. So the call returns at once, as the
 * contract allows ("or return spuriously"), after pause, which under TCG ends the vCPU's turn.
 */
void hal_cpu_idle(void)
{
	if (hal_irq_enabled())
		__asm__ volatile("hlt" ::: "memory");
	else
		cpu_relax();
}

/*
 * x86 has no sleep that ends on a pending interrupt without taking it (hlt with IF clear waits for
 * an NMI or INIT). So interrupts are on for the hlt alone: sti delays their recognition by one
 * instruction (SDM, STI), so an interrupt already pending, or arriving after the caller's look, is
 * taken at the hlt and ends it instead of being missed; its handler runs there, then cli.
 */
void hal_cpu_wait_irq(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* x86 keeps instruction fetches coherent with stores; the return to user mode (iretq) serializes
 * before code written for it runs. */
void hal_icache_sync(void)
{
	__asm__ volatile("" ::: "memory");
}

/*
 * The exit device is QEMU's isa-debug-exit at port 0xf4 (config/arch/x86_64.conf): writing V makes
 * QEMU exit with (V << 1) | 1, of which the host keeps 8 bits. Without the device the write is
 * lost and the core stops with interrupts off.
 */
#define DEBUG_EXIT_PORT 0xf4

_Noreturn void hal_poweroff(unsigned status)
{
	if (status > 255)
		status = 255;
	outl(DEBUG_EXIT_PORT, status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* sti lets interrupts in after the next instruction (its shadow): the nop makes an interrupt that
 * was pending arrive here, before the function returns, not somewhere in the caller. */
void hal_enable_irq(void)
{
	__asm__ volatile("sti; nop" ::: "memory");
}

uint16_t hal_elf_machine(void)
{
	return 62; /* EM_X86_64 */
}

/* AT_HWCAP on x86_64 is CPUID.1:EDX, as Linux gives it (ELF_HWCAP). */
uint64_t hal_elf_hwcap(void)
{
	return cpuid(1, 0).edx;
}

const char *hal_machine_name(void)
{
	return "x86_64";
}

/* The local APIC and the IOAPICs that this cluster's kernel drives (COM1 is port I/O). */
void hal_kernel_dev_ranges(void (*add)(void *ctx, paddr_t pa, size_t size), void *ctx)
{
	add(ctx, boot_info.arch.lapic_pa, CONFIG_PAGE_SIZE);
	for (uint32_t i = 0; i < boot_info.irqc_nr; i++)
		if (boot_info.irqc[i].cxy == local_cxy && boot_info.irqc[i].kernel)
			add(ctx, boot_info.arch.ioapic[i].base, CONFIG_PAGE_SIZE);
}
