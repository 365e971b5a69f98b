/*
 * smp.c - INIT-SIPI-SIPI to every application processor (see smp.h).
 *
 * The trampoline's slots (stack, entry, argument) are shared by all APs, so APs start one at a
 * time: the boot core fills the slots, starts the AP, and waits for its check-in before it touches
 * them again. Every wait spins with pause (cpu_relax): under QEMU's TCG that hands the host thread
 * to another vCPU at once, and with -icount the AP would otherwise never run while we spin.
 */
#include <libk/errno.h>
#include <libk/string.h>

#include "early_console.h"
#include "lapic.h"
#include "layout.h"
#include "smp.h"
#include "x86.h"

#define INIT_DELAY_US     10000     /* INIT -> first SIPI (SDM: 10 ms), on old CPUs only */
#define SIPI_DELAY_US     200       /* SIPI -> second SIPI, unless the AP checked in     */
#define CHECKIN_LIMIT_US  1000000   /* an AP that has not checked in by then is reported dead */
#define MSR_EFER          0xc0000080
#define EFER_LME          0x100
#define EFER_NXE          0x800

extern const uint8_t trampoline_start[], trampoline_end[];
extern uint32_t tramp_cr3, tramp_efer;
extern uint64_t tramp_stack, tramp_entry, tramp_arg;
extern uint8_t early_pml4[];
extern const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) boot_gdt_desc64;

/* One stack per core (the boot core's is in entry.S); phase 2 gives each core a stack in its own
 * cluster's image replica. */
static uint8_t ap_stack[CONFIG_MAX_CORES][BOOT_STACK_SIZE] __attribute__((aligned(16)));

/* APIC id + 1 that AP i read from its own local APIC, 0 until it checked in. */
static volatile uint32_t checkin[CONFIG_MAX_CORES];
static paddr_t lapic_pa;
static bool use_x2apic;

/* The trampoline copy's slot for symbol @sym of the image's copy. */
#define TRAMP_SLOT(sym) ((void *)(DMAP_BASE + TRAMPOLINE_PA + ((const uint8_t *)&(sym) - trampoline_start)))

hwid_t smp_boot_apic_id(void)
{
	return cpuid_apic_id();
}

/* Microseconds to PM timer ticks, reading the timer until @us passed or @done() holds. */
static bool pm_wait(const boot_x86_t *x86, uint32_t us, volatile uint32_t *done)
{
	uint32_t mask = x86->pm_tmr_32bit ? 0xffffffffu : 0xffffffu;
	uint64_t ticks = (uint64_t)us * ACPI_PM_TIMER_HZ / 1000000 + 1, elapsed = 0;
	uint32_t last = inl(x86->pm_tmr_port) & mask, now;

	while (elapsed < ticks) {
		if (done && *done)
			return true;
		cpu_relax();
		now = inl(x86->pm_tmr_port) & mask;
		elapsed += (now - last) & mask;
		last = now;
	}
	return done && *done;
}

/*
 * Whether INIT needs its 10 ms before the start-up IPI. As Linux (smp_quirk_init_udelay), not on
 * Intel family 6 and later nor AMD family 0xf and later, whose INIT completes at once; QEMU's
 * qemu64 is AMD family 0xf. Under -icount, 10 ms of spinning per AP costs over a second of host
 * time each (every pause leaves the translated code), so the quirk matters there.
 */
static bool init_needs_delay(void)
{
	cpuid_t v = cpuid(0, 0), f = cpuid(1, 0);
	uint32_t family = (f.eax >> 8) & 0xf;

	if (family == 0xf)
		family += (f.eax >> 20) & 0xff;
	if (v.ebx == 0x756e6547 && family >= 6)     /* "Genu"ineIntel */
		return false;
	if (v.ebx == 0x68747541 && family >= 0xf)   /* "Auth"enticAMD */
		return false;
	return true;
}

/* Where an AP lands in long mode, on its own stack, with @idx its index in boot_info.core[]. */
static void __attribute__((noreturn)) ap_main(uint64_t idx)
{
	/* the trampoline's GDT lives in the identity-mapped low page, which phase 2 does not keep */
	__asm__ volatile("lgdt %0" : : "m"(boot_gdt_desc64));
	lapic_enable(lapic_pa, use_x2apic);
	__atomic_store_n(&checkin[idx], lapic_id() + 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static error_t start_ap(const boot_info_t *info, const boot_x86_t *x86, uint32_t i, bool init_delay)
{
	uint32_t apic = info->core[i].hwid, vector = TRAMPOLINE_PA >> 12;

	*(volatile uint64_t *)TRAMP_SLOT(tramp_stack) = (uint64_t)(uintptr_t)&ap_stack[i][BOOT_STACK_SIZE];
	*(volatile uint64_t *)TRAMP_SLOT(tramp_arg) = i;
	*(volatile uint64_t *)TRAMP_SLOT(tramp_entry) = (uint64_t)(uintptr_t)ap_main;
	lapic_send_ipi(apic, ICR_INIT | ICR_ASSERT);
	if (init_delay)
		pm_wait(x86, INIT_DELAY_US, NULL);
	lapic_send_ipi(apic, ICR_STARTUP | ICR_ASSERT | vector);
	if (!pm_wait(x86, SIPI_DELAY_US, &checkin[i]))
		lapic_send_ipi(apic, ICR_STARTUP | ICR_ASSERT | vector);
	if (!pm_wait(x86, CHECKIN_LIMIT_US, &checkin[i])) {
		early_printf("smp: core %u (cluster %u lid %u, APIC id %u) did not check in\n", i,
			     info->core[i].cxy, info->core[i].lid, apic);
		return EIO;
	}
	if (__atomic_load_n(&checkin[i], __ATOMIC_ACQUIRE) != apic + 1) {
		early_printf("smp: core %u started for APIC id %u says it is APIC id %u\n", i, apic,
			     checkin[i] - 1);
		return EIO;
	}
	return 0;
}

/* The trampoline at TRAMPOLINE_PA, with the boot core's page table and EFER bits. */
static void install_trampoline(void)
{
	uint32_t efer = EFER_LME | (cpuid(0x80000001, 0).edx & (1u << 20) ? EFER_NXE : 0);

	memcpy((void *)(DMAP_BASE + TRAMPOLINE_PA), trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	*(volatile uint32_t *)TRAMP_SLOT(tramp_cr3) = (uint32_t)((uintptr_t)early_pml4 - KIMAGE_VBASE + KIMAGE_PBASE);
	*(volatile uint32_t *)TRAMP_SLOT(tramp_efer) = efer;
}

static void report(const boot_info_t *info)
{
	char line[256];
	size_t n;

	for (uint32_t c = 0; c < info->clusters_nr; c++) {
		const boot_cluster_t *cl = &info->cluster[c];

		n = (size_t)snprintf(line, sizeof(line), "smp: cluster %u online: apic", c);
		for (uint32_t l = 0; l < cl->cores_nr && n < sizeof(line); l++) {
			uint32_t i = cl->first_core + l;

			n += (size_t)snprintf(line + n, sizeof(line) - n, " %u%s", info->core[i].hwid,
					      info->core[i].hwid == info->boot_hwid ? "(boot)" : "");
		}
		early_printf("%s\n", line);
	}
}

error_t smp_start_all(const boot_info_t *info, const boot_x86_t *x86)
{
	bool init_delay = init_needs_delay();
	uint32_t started = 0;
	error_t error;

	if (x86->pm_tmr_port == 0) {
		early_printf("smp: no ACPI PM timer to time INIT-SIPI-SIPI\n");
		return ENODEV;
	}
	lapic_pa = x86->lapic_pa;
	use_x2apic = lapic_has_x2apic();
	lapic_enable(lapic_pa, use_x2apic);
	if (lapic_id() != info->boot_hwid) {
		early_printf("smp: the boot core's local APIC says id %u, CPUID said %u\n", lapic_id(),
			     info->boot_hwid);
		return EIO;
	}
	install_trampoline();
	for (uint32_t i = 0; i < info->cores_nr; i++) {
		if (info->core[i].hwid == info->boot_hwid)
			continue;
		error = start_ap(info, x86, i, init_delay);
		if (error)
			return error;
		started++;
	}
	report(info);
	early_printf("smp: %u application processors checked in (%s mode), %u cores online\n", started,
		     use_x2apic ? "x2APIC" : "xAPIC", started + 1);
	return 0;
}
