/*
 * lapic.c - the local APIC for early boot (see lapic.h). Register offsets and MSRs from the Intel
 * SDM vol. 3, chapter "Advanced Programmable Interrupt Controller".
 */
#include "lapic.h"
#include "layout.h"
#include "x86.h"

#define MSR_APIC_BASE      0x1b
#define APIC_BASE_EXTD     (1u << 10)   /* x2APIC mode */
#define APIC_BASE_EN       (1u << 11)   /* APIC global enable */
#define MSR_X2APIC_ID      0x802
#define MSR_X2APIC_SVR     0x80f
#define MSR_X2APIC_ICR     0x830
#define XAPIC_ID           0x020
#define XAPIC_SVR          0x0f0
#define XAPIC_ICR_LO       0x300
#define XAPIC_ICR_HI       0x310
#define SVR_ENABLE         0x100
#define SPURIOUS_VECTOR    0xff

/* Per core, written by lapic_enable(). Every core takes the same values, so the one copy of the
 * image the standalone program has is enough; phase 2 keeps them in the per-core HAL state. */
static volatile uint8_t *xapic;
static bool x2;

static uint32_t xapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(xapic + reg);
}

static void xapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(xapic + reg) = v;
}

bool lapic_has_x2apic(void)
{
	return cpuid(1, 0).ecx & (1u << 21);
}

void lapic_enable(paddr_t lapic_pa, bool x2apic)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	x2 = x2apic;
	xapic = (volatile uint8_t *)(DMAP_BASE + lapic_pa);
	/* xAPIC -> x2APIC is allowed with EN set; both bits at once from disabled is not. */
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	if (x2apic) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
		wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	} else {
		xapic_write(XAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	}
}

uint32_t lapic_id(void)
{
	return x2 ? (uint32_t)rdmsr(MSR_X2APIC_ID) : xapic_read(XAPIC_ID) >> 24;
}

void lapic_send_ipi(uint32_t dest, uint32_t icr)
{
	if (x2) {
		wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | icr);
		return;
	}
	while (xapic_read(XAPIC_ICR_LO) & ICR_BUSY)
		cpu_relax();
	xapic_write(XAPIC_ICR_HI, dest << 24);
	xapic_write(XAPIC_ICR_LO, icr);   /* this write sends */
	while (xapic_read(XAPIC_ICR_LO) & ICR_BUSY)
		cpu_relax();
}

uint32_t cpuid_apic_id(void)
{
	if (cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx != 0)
		return cpuid(0xb, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}
