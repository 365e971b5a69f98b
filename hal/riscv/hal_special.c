/*
 * hal_special.c - core identity, cycle counter, power, idle, IRQ mask and device ranges on RISC-V
 * (time, address conversions and the kernel ranges: hal/common/hal_special.c).
 */
#include <hal_boot.h>
#include <hal_irqmask.h>
#include <hal_special.h>
#include <arch/uaccess.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "mmu.h"
#include "riscv.h"
#include "sbi.h"

hal_cpu_t hal_cpus[CONFIG_MAX_CORES_PER_CLUSTER];

/* hal_get_lid, hal_disable_irq and the others are inline: arch/special.h, arch/irqmask.h. */
_Static_assert(__builtin_offsetof(hal_cpu_t, lid) == RISCV_HAL_CPU_LID_OFFSET, "arch/special.h");
_Static_assert(__builtin_offsetof(hal_cpu_t, core) == RISCV_HAL_CPU_CORE_OFFSET, "arch/special.h");
_Static_assert(RISCV_SSTATUS_SIE == SSTATUS_SIE, "arch/irqmask.h");
_Static_assert(RISCV_SSTATUS_SUM == SSTATUS_SUM, "arch/uaccess.h");
static hal_cpu_t phase0_cpu;

void hal_cpu_init_phase0(hwid_t hartid)
{
	phase0_cpu.lid = HAL_LID_PHASE0;
	phase0_cpu.hwid = hartid;
	__asm__ volatile("mv tp, %0" ::"r"(&phase0_cpu));
}

void hal_set_core_ptr(void *core)
{
	hal_cpu_self()->core = core;
}

cycle_t hal_get_cycles(void)
{
	return csr_read(time);
}

/*
 * wfi ends this hart's turn under QEMU's TCG (the next hart runs); with a software interrupt
 * pending and enabled it is not halted and resumes at its next turn. So the hart makes its own
 * sip.SSIP pending first (S-mode may write it), and leaves it: clearing it could lose a real IPI
 * that arrived in between; the IPI handler then runs once for nothing. Before hal_ipi_core_init
 * has enabled the software interrupt (sie.SSIE), wfi could sleep until some other interrupt: only
 * the spin hint then. On hardware, wfi with an interrupt pending does not stop the hart.
 */
void hal_cpu_wait_other(void)
{
	if (!(csr_read(sie) & SIE_SSIE)) {
		hal_cpu_relax();
		return;
	}
	csr_set(sip, SIE_SSIE);
	__asm__ volatile("wfi" ::: "memory");
}

void hal_cpu_idle(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

/*
 * wfi ends when an interrupt enabled in sie becomes pending, whatever sstatus.SIE says (privileged
 * spec, "Wait for Interrupt"): with SIE off, one that arrives between the caller's look and the
 * wfi leaves wfi at once instead of being missed. Setting SIE then takes it: the spec has the
 * interrupt conditions evaluated right after an explicit write to the CSR they depend on, so the
 * trap comes before the csrc that follows. wfi may also return with nothing pending (a hint).
 */
void hal_cpu_wait_irq(void)
{
	__asm__ volatile("wfi\n\t"
			 "csrs sstatus, %0\n\t"
			 "csrc sstatus, %0" :: "r"(SSTATUS_SIE) : "memory");
}

void hal_icache_sync(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}

/*
 * The exit device is the SiFive test finisher: 0x5555 = pass (QEMU exits 0); 0x3333 | code << 16 =
 * fail with code (QEMU exits with it), so QEMU's exit status is the status as is (the `sifive-test`
 * exit device of config/arch/riscv64.conf). Without a finisher, SBI system reset: QEMU then exits 0
 * whatever the status, which is why the finisher is preferred.
 */
#define FINISHER_PASS 0x5555u
#define FINISHER_FAIL 0x3333u

_Noreturn void hal_poweroff(unsigned status)
{
	if (status > 255)
		status = 255;
	if (boot_info.arch.finisher_pa) {
		volatile uint32_t *finisher = hal_paddr_to_kva(boot_info.arch.finisher_pa);
		*finisher = status ? (FINISHER_FAIL | (status << 16)) : FINISHER_PASS;
	}
	sbi_shutdown(status != 0);
}

uint16_t hal_elf_machine(void)
{
	return 243; /* EM_RISCV */
}

/* One bit per single-letter ISA extension ('a' = bit 0), as Linux reports it: rv64imafdc. */
uint64_t hal_elf_hwcap(void)
{
	const char *isa = "imafdc";
	uint64_t hwcap = 0;

	for (const char *c = isa; *c; c++)
		hwcap |= 1ULL << (*c - 'a');
	return hwcap;
}

const char *hal_machine_name(void)
{
	return "riscv64";
}

/* The UART and the interrupt controllers that this cluster's kernel drives. */
void hal_kernel_dev_ranges(void (*add)(void *ctx, paddr_t pa, size_t size), void *ctx)
{
	if (boot_info.arch.uart.base)
		add(ctx, boot_info.arch.uart.base, boot_info.arch.uart.size);
	for (uint32_t i = 0; i < boot_info.irqc_nr; i++)
		if (boot_info.irqc[i].cxy == local_cxy && boot_info.irqc[i].kernel)
			add(ctx, boot_info.arch.irqc[i].base, boot_info.arch.irqc[i].size);
}
