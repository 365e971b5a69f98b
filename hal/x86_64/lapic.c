/*
 * lapic.c - the local APIC of each core (Intel SDM vol. 3A, chapter "Advanced Programmable
 * Interrupt Controller"; docs/hal_x86_64.md).
 *
 * xAPIC mode: registers in a 4 KiB MMIO page at boot_info.arch.lapic_pa, reached through the
 * direct map (uncached there). x2APIC mode when CPUID says the CPU has one (X86_FEAT_X2APIC, the
 * same on every core): register R is MSR 0x800 + R / 16, ids are 32 bits, the ICR is one 64-bit
 * MSR with the destination in bits 32-63 and no delivery-status bit to wait on. QEMU 7.2's TCG never
 * reports an x2APIC (even -cpu max), so only the xAPIC path runs under it; the x2APIC path follows
 * the SDM.
 */
#include <hal_boot.h>
#include <hal_irqmask.h>
#include <hal_special.h>

#include "hal_cpu.h"
#include "x86.h"

#define APIC_BASE_EXTD  (1u << 10)      /* x2APIC mode    */
#define APIC_BASE_EN    (1u << 11)      /* global enable  */
#define SVR_ENABLE      0x100

static inline volatile uint32_t *xapic_reg(uint32_t reg)
{
	return (volatile uint32_t *)hal_paddr_to_kva(boot_info.arch.lapic_pa + reg);
}

uint32_t x86_lapic_read(uint32_t reg)
{
	if (x86_has(X86_FEAT_X2APIC))
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + reg / 16);
	return *xapic_reg(reg);
}

void x86_lapic_write(uint32_t reg, uint32_t value)
{
	if (x86_has(X86_FEAT_X2APIC))
		wrmsr(MSR_X2APIC_BASE + reg / 16, value);
	else
		*xapic_reg(reg) = value;
}

/*
 * Enable the calling core's local APIC: x2APIC mode where there is one (xAPIC -> x2APIC is
 * allowed with EN set; both bits at once from disabled is not), spurious vector VEC_SPURIOUS,
 * accept every priority, LINT0 (the 8259's ExtINT on the boot core) masked: devices come through
 * the IOAPIC. LINT1 (NMI) and the error LVT are left as the firmware set them.
 */
void x86_lapic_core_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	if (x86_has(X86_FEAT_X2APIC))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	x86_lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	x86_lapic_write(LAPIC_TPR, 0);
	x86_lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	x86_lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
}

uint32_t x86_lapic_id(void)
{
	if (x86_has(X86_FEAT_X2APIC))
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + LAPIC_ID / 16);
	return *xapic_reg(LAPIC_ID) >> 24;
}

void x86_lapic_eoi(void)
{
	x86_lapic_write(LAPIC_EOI, 0);
}

/*
 * Send the IPI @icr (ICR_* bits, vector) to the core of APIC id @apic_id. xAPIC: ICR_HI then ICR_LO,
 * whose write sends; interrupts are masked in between (a handler sending an IPI of its own would
 * change ICR_HI under us), and a previous IPI still pending is waited for, with pause.
 */
void x86_lapic_send(uint32_t apic_id, uint32_t icr)
{
	irqstate_t irq;

	if (x86_has(X86_FEAT_X2APIC)) {
		/* x2APIC MSR writes are not serializing: what the IPI announces is stored first */
		__asm__ volatile("mfence" ::: "memory");
		wrmsr(MSR_X2APIC_BASE + LAPIC_ICR_LO / 16, (uint64_t)apic_id << 32 | icr);
		return;
	}
	irq = hal_disable_irq();
	while (*xapic_reg(LAPIC_ICR_LO) & ICR_BUSY)
		cpu_relax();
	*xapic_reg(LAPIC_ICR_HI) = apic_id << 24;
	*xapic_reg(LAPIC_ICR_LO) = icr;
	while (*xapic_reg(LAPIC_ICR_LO) & ICR_BUSY)
		cpu_relax();
	hal_restore_irq(irq);
}
