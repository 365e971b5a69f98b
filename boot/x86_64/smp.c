/*
 * smp.c - starting cores on x86_64: INIT-SIPI-SIPI through the trampoline (see boot.h).
 *
 * Every start goes the same way, whoever starts whom: phase 0 starts the lid 0 of each cluster,
 * then each cluster's lid 0 starts its own cores (hal_core_start), all clusters at once. The
 * trampoline copy at TRAMPOLINE_PA is read-only and the same for every core; what differs is the
 * start block of the core, ap_start[APIC id] in cluster 0's replica, written through XPTR(0, ...)
 * by the starter before the first IPI. Every wait spins with pause: under QEMU's TCG that hands
 * the host thread to another vCPU at once, and with -icount the started core would otherwise never
 * run while we spin (docs/boot_x86_64.md).
 */
#include <hal_boot.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>

#include "boot.h"
#include "hal_cpu.h"
#include "x86.h"

#define INIT_DELAY_US     10000     /* INIT -> first SIPI (SDM: 10 ms), on old CPUs only */
#define SIPI_DELAY_US     200       /* SIPI -> second SIPI, unless the core checked in   */
/* A core that has not checked in after CHECKIN_NOTE_US (10 s, as Linux waits for an AP's first
 * sign of life) is said to be late, again every CHECKIN_NOTE_US, and reported dead only after
 * CHECKIN_LIMIT_US: under TCG the time is the host's, and on a loaded host a vCPU thread may wait
 * for a processor for seconds (a 16x4 boot beside other QEMUs once missed a 1 s limit). The notes
 * keep the console from looking hung (the harness's limit: 30 s without a line). */
#define CHECKIN_NOTE_US   10000000
#define CHECKIN_LIMIT_US  60000000

ap_start_t ap_start[CONFIG_MAX_HWID];
uint8_t boot_stacks[CONFIG_MAX_CORES_PER_CLUSTER][CONFIG_BOOT_STACK_SIZE] __attribute__((aligned(16)));

/* Wait @us microseconds by the TSC (calibrated by phase 0), or until the word at @done_xp is
 * non-zero (XPTR_NULL: no such word). Returns whether it became non-zero. */
static bool wait_us(uint64_t us, xptr_t done_xp)
{
	uint64_t start = hal_get_cycles(), cycles = boot_info.timebase_hz * us / 1000000;

	while (hal_get_cycles() - start < cycles) {
		if (done_xp != XPTR_NULL && hal_remote_l64(done_xp))
			return true;
		cpu_relax();
	}
	return done_xp != XPTR_NULL && hal_remote_l64(done_xp);
}

/*
 * Whether INIT needs its 10 ms before the start-up IPI. As Linux (smp_quirk_init_udelay), not on
 * Intel family 6 and later nor AMD family 0xf and later, whose INIT completes at once; QEMU's
 * qemu64 is AMD family 0xf. Under -icount, 10 ms of spinning per core costs over a second of host
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

error_t boot_start_core(cxy_t cxy, lid_t lid)
{
	const boot_cluster_t *cl = &boot_info.cluster[cxy];
	hwid_t apic = boot_info.core[cl->first_core + lid].hwid;
	uint32_t sipi = ICR_STARTUP | ICR_ASSERT | (TRAMPOLINE_PA >> 12);
	xptr_t checkin = XPTR(0, &ap_start[apic].checkin);
	ap_start_t st = {
		.cr3 = cl->pt_root_pa,
		.sp = (uintptr_t)&boot_stacks[lid][CONFIG_BOOT_STACK_SIZE],
		.entry = (uintptr_t)hal_core_entry,
		.arg = lid,
	};

	kassert(apic < CONFIG_MAX_HWID);
	hal_remote_memcpy(XPTR(0, &ap_start[apic]), XPTR(local_cxy, &st), sizeof(st));
	hal_fence();
	x86_lapic_send(apic, ICR_INIT | ICR_ASSERT);
	if (init_needs_delay())
		wait_us(INIT_DELAY_US, XPTR_NULL);
	x86_lapic_send(apic, sipi);
	if (!wait_us(SIPI_DELAY_US, checkin))
		x86_lapic_send(apic, sipi);
	for (uint64_t waited = 0; waited < CHECKIN_LIMIT_US; waited += CHECKIN_NOTE_US) {
		if (wait_us(CHECKIN_NOTE_US, checkin))
			return 0;
		printk("%s: core %u of cluster %u (APIC id %u) has not checked in after %lu s: "
		       "still waiting (a loaded host?)", __func__, lid, cxy, apic,
		       (unsigned long)((waited + CHECKIN_NOTE_US) / 1000000));
	}
	pr_err("%s: core %u of cluster %u (APIC id %u) did not check in", __func__, lid, cxy, apic);
	return EIO;
}

/* The trampoline at TRAMPOLINE_PA, once (phase 0, before any core starts). */
void boot_install_trampoline(void)
{
	size_t size = (size_t)(trampoline_end - trampoline_start);

	kassert(size <= CONFIG_PAGE_SIZE);
	memcpy(hal_paddr_to_kva(TRAMPOLINE_PA), trampoline_start, size);
}

/*
 * The legacy 8259 pair (when the MADT says PCAT_COMPAT): its vectors moved to VEC_PIC_BASE.., away
 * from the exceptions where the firmware leaves them, then every input masked. Devices come through
 * the IOAPIC; only a spurious interrupt can still come from it, which trap.c ignores.
 */
void boot_mask_pic(void)
{
	outb(0x20, 0x11);                   /* ICW1: init, ICW4 follows */
	outb(0xa0, 0x11);
	outb(0x21, VEC_PIC_BASE);           /* ICW2: vector base        */
	outb(0xa1, VEC_PIC_BASE + 8);
	outb(0x21, 4);                      /* ICW3: slave on IRQ 2     */
	outb(0xa1, 2);
	outb(0x21, 1);                      /* ICW4: 8086 mode          */
	outb(0xa1, 1);
	outb(0x21, 0xff);                   /* mask everything          */
	outb(0xa1, 0xff);
}
