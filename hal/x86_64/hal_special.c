/*
 * hal_special.c - core identity, time, address conversions, power, IRQ mask on x86_64.
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

uint64_t hal_get_time_ns(void)
{
	uint64_t hz = boot_info.timebase_hz;
	uint64_t t = rdtsc();

	if (hz == 0)
		return 0;
	/* Split so that no product overflows: t * 1e9 alone would after ~6 s at 3 GHz. */
	return (t / hz) * 1000000000ULL + ((t % hz) * 1000000000ULL) / hz;
}

void *hal_paddr_to_kva(paddr_t pa)
{
	kassert(pa < DMAP_MAX);
	return (void *)(DMAP_BASE + pa);
}

paddr_t hal_kva_to_paddr(const void *kva)
{
	uintptr_t va = (uintptr_t)kva;

	if (va - KIMAGE_VBASE < CONFIG_KIMAGE_MAX_SIZE)
		return boot_info.cluster[local_cxy].image_pa + (va - KIMAGE_VBASE);
	if (va - DMAP_BASE < DMAP_MAX)
		return va - DMAP_BASE;
	panic("%s: %p is neither in the direct map nor in the image window", __func__, kva);
}

bool hal_is_image_addr(const void *kva)
{
	return (uintptr_t)kva - KIMAGE_VBASE < CONFIG_KIMAGE_MAX_SIZE;
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
 * hlt with interrupts as they are: the idle loop runs with them on, so a wake-up that arrives
 * between its test and the hlt is taken first (and its exit switches away from idle); with them off
 * (a core waiting for the end of a panic) the core stops for good.
 */
void hal_cpu_idle(void)
{
	__asm__ volatile("hlt" ::: "memory");
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

extern char _kimage_start[], _etext[], _ebss[];

/* Append [min, max) (rounded out to pages) to @out if there is room. */
static void add_range(hal_krange_t *out, uint32_t max, uint32_t *n, hal_krange_kind_t kind,
		      uintptr_t min, uintptr_t end)
{
	if (*n >= max || end <= min)
		return;
	out[*n].kind = kind;
	out[*n].min = min & ~(uintptr_t)(CONFIG_PAGE_SIZE - 1);
	out[*n].max = (end + CONFIG_PAGE_SIZE - 1) & ~(uintptr_t)(CONFIG_PAGE_SIZE - 1);
	(*n)++;
}

uint32_t hal_kernel_ranges(hal_krange_t *out, uint32_t max)
{
	const boot_cluster_t *bc = &boot_info.cluster[local_cxy];
	uint32_t n = 0;

	add_range(out, max, &n, HAL_KRANGE_CODE, (uintptr_t)_kimage_start, (uintptr_t)_etext);
	add_range(out, max, &n, HAL_KRANGE_DATA, (uintptr_t)_etext, (uintptr_t)_ebss);
	add_range(out, max, &n, HAL_KRANGE_DATA, KSTACK_BASE + ((uintptr_t)local_cxy << KSTACK_AREA_SHIFT),
		  KSTACK_BASE + ((uintptr_t)(local_cxy + 1) << KSTACK_AREA_SHIFT));
	add_range(out, max, &n, HAL_KRANGE_DATA, DMAP_BASE + bc->mem_base,
		  DMAP_BASE + bc->mem_base + bc->mem_size);
	add_range(out, max, &n, HAL_KRANGE_DEV, DMAP_BASE + boot_info.arch.lapic_pa,
		  DMAP_BASE + boot_info.arch.lapic_pa + CONFIG_PAGE_SIZE);
	for (uint32_t i = 0; i < boot_info.irqc_nr; i++)
		if (boot_info.irqc[i].cxy == local_cxy && boot_info.irqc[i].kernel)
			add_range(out, max, &n, HAL_KRANGE_DEV, DMAP_BASE + boot_info.arch.ioapic[i].base,
				  DMAP_BASE + boot_info.arch.ioapic[i].base + CONFIG_PAGE_SIZE);
	return n;
}
