/*
 * boot.c - phase 0 of the boot on x86_64: from the PVH entry to one kernel instance per cluster.
 *
 * Runs on the core QEMU entered the kernel with (the bootstrap processor), on the early page tables
 * of entry.S, on the loaded image, which is cluster 0's replica. Steps:
 *   1. an identity for printk (GS base), COM1;
 *   2. the PVH start info and the ACPI tables into boot_info (machine.c, acpi.c: a malformed or
 *      incomplete description stops the boot with its reason); the CPU's features, the TSC's
 *      frequency and the local APIC timer's, measured against the ACPI PM timer; the IOAPICs as
 *      interrupt controllers of cluster 0, and COM1's interrupt as the console's;
 *   3. each cluster's kernel region, replica and kernel page table (kpt.c);
 *   4. each replica's boot_info and local_cxy; the AP trampoline; the 8259 pair masked;
 *   5. the lid 0 of every other cluster started (smp.c), then the boot core enters its own
 *      cluster, as its lid 0 (or, on a machine where it is not one, as its lid, released by that
 *      cluster's lid 0 through hal_core_start).
 * With the word `acpidump` on the command line, step 2 ends by printing the raw tables and powers
 * off (capture.sh makes the host tests' fixtures that way).
 */
#include <hal_boot.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/cmdline.h>
#include <libk/string.h>

#include "acpi_dump.h"
#include "boot.h"
#include "hal_cpu.h"
#include "machine.h"
#include "x86.h"

boot_info_t boot_info;

static acpi_machine_t acpi_scratch; /* the ACPI parse of phase 0 (cluster 0's copy only) */

#define CALIBRATION_MS    10 /* one measurement of a clock's rate against another */
#define CALIBRATION_TRIES 8  /* measurements before the boot settles for the last one */

/* Early boot reads physical memory through the early direct map, which covers [0, 4 GiB). */
static const void *early_map(void *ctx, paddr_t pa, size_t len)
{
	(void)ctx;
	if (len == 0 || pa >= EARLY_MAP_LIMIT || len > EARLY_MAP_LIMIT - pa)
		return NULL;
	return (const void *)(DMAP_BASE + pa);
}

static const phys_map_t early_pm = { early_map, NULL };

static void read_machine(uint32_t start_info_pa)
{
	char err[256];
	error_t error;

	error = boot_info_from_pvh(&early_pm, start_info_pa, cpuid_apic_id(), &boot_info, &boot_info.arch,
				   &acpi_scratch, err, sizeof(err));
	if (error)
		panic("boot: bad machine description (PVH start info at 0x%x, ACPI): %s (error %d)",
		      start_info_pa, err, error);
	if (cmdline_get(boot_info.cmdline, "acpidump", NULL, 0)) {
		acpi_dump(&early_pm, start_info_pa, boot_info.arch.rsdp_pa);
		hal_poweroff(0);
	}
}

/* The ACPI PM timer's count (24 or 32 bits). */
static uint32_t pm_timer_read(uint32_t mask)
{
	return inl(boot_info.arch.pm_tmr_port) & mask;
}

/*
 * A clock read between two TSC reads: the TSC when it was read is somewhere in [*before, *after].
 * The host may stop a vCPU for milliseconds anywhere; a measurement checks that it did not do so
 * at its two ends.
 */
static uint32_t pm_timer_read_bracketed(uint32_t mask, uint64_t *before, uint64_t *after)
{
	uint32_t value;

	*before = rdtsc();
	value = pm_timer_read(mask);
	*after = rdtsc();
	return value;
}

/* How blurred a measurement is: its two ends' uncertainties (@slack cycles) in millionths of the
 * span measured (@span cycles). */
static uint64_t blur_ppm(uint64_t slack, uint64_t span)
{
	return span ? slack * 1000000 / span : UINT64_MAX;
}

/* One measurement of the TSC's rate against CALIBRATION_MS of the PM timer, from one of its ticks
 * to another (the loop reads it far more often than it ticks); its blur in *@blur. */
static uint64_t measure_tsc_once(uint64_t *blur)
{
	uint32_t mask = boot_info.arch.pm_tmr_32bit ? 0xffffffffu : 0xffffffu;
	uint64_t want = (uint64_t)ACPI_PM_TIMER_HZ * CALIBRATION_MS / 1000, elapsed = 0;
	uint64_t a0, b0, a1, b1;
	uint32_t last, now;

	last = pm_timer_read(mask);
	while ((now = pm_timer_read_bracketed(mask, &a0, &b0)) == last) /* start on a tick */
		cpu_relax();
	last = now;
	do {
		cpu_relax();
		now = pm_timer_read_bracketed(mask, &a1, &b1);
		elapsed += (now - last) & mask;
		last = now;
	} while (elapsed < want);
	*blur = blur_ppm((b0 - a0) + (b1 - a1), a1 - b0);
	return ((a1 + b1) / 2 - (a0 + b0) / 2) * ACPI_PM_TIMER_HZ / elapsed;
}

/* One measurement of the LAPIC timer's rate at divide-by-1 against the TSC; its blur in *@blur. */
static uint64_t measure_lapic_once(uint64_t *blur)
{
	uint64_t cycles = boot_info.timebase_hz * CALIBRATION_MS / 1000, a0, b0, a1, b1;
	uint32_t c0, c1;

	x86_lapic_write(LAPIC_TIMER_DIV, 0xb);
	x86_lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	x86_lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	a0 = rdtsc();
	c0 = x86_lapic_read(LAPIC_TIMER_CUR);
	b0 = rdtsc();
	do {
		cpu_relax();
		a1 = rdtsc();
	} while (a1 - b0 < cycles);
	c1 = x86_lapic_read(LAPIC_TIMER_CUR);
	b1 = rdtsc();
	x86_lapic_write(LAPIC_TIMER_INIT, 0);
	*blur = blur_ppm((b0 - a0) + (b1 - a1), a1 - b0);
	return (uint64_t)(c0 - c1) * boot_info.timebase_hz / ((a1 + b1) / 2 - (a0 + b0) / 2);
}

/*
 * @measure until two of its figures whose ends are sharp (blur under 1 %) agree within 1 % (at
 * most CALIBRATION_TRIES): a host that stops the vCPU during a measurement can skew it without
 * blurring its ends (a PM timer that wrapped unseen), never twice the same way. Under loaded CI
 * hosts one measurement once came out 500 times too low: the guest's clock then ran 500 times too
 * fast. A host so loaded that no two agree still boots, on the least blurred figure, and says so
 * (a first version stopped the boot there, which a loaded CI host hit).
 */
static uint64_t settled(uint64_t (*measure)(uint64_t *blur), const char *what)
{
	uint64_t seen[CALIBRATION_TRIES], best = 0, best_blur = UINT64_MAX;
	unsigned n = 0;

	for (unsigned i = 0; i < CALIBRATION_TRIES; i++) {
		uint64_t blur, hz = measure(&blur);
		if (blur < best_blur) {
			best = hz;
			best_blur = blur;
		}
		if (blur >= 10000 || !hz)
			continue;
		for (unsigned j = 0; j < n; j++) {
			uint64_t lo = MIN(hz, seen[j]), hi = MAX(hz, seen[j]);
			if ((hi - lo) * 100 <= lo)
				return lo + (hi - lo) / 2;
		}
		seen[n++] = hz;
	}
	printk("boot: the %s's rate never measured the same twice in %u tries (a loaded host?); "
	       "using %lu Hz, blurred by %lu ppm", what, CALIBRATION_TRIES, best, best_blur);
	return best;
}

/*
 * The TSC's frequency, counted against the ACPI PM timer (3.579545 MHz, a fixed frequency on every
 * PC; under QEMU both follow its virtual clock, so -icount gives 1 GHz exactly). Without a PM
 * timer, CPUID leaf 0x15 (crystal ratio) or 0x16 (base MHz), else the boot stops.
 */
static uint64_t measure_tsc_hz(void)
{
	if (boot_info.arch.pm_tmr_port == 0) {
		cpuid_t l0 = cpuid(0, 0), l15, l16;
		if (l0.eax >= 0x15 && (l15 = cpuid(0x15, 0)).eax && l15.ebx && l15.ecx)
			return (uint64_t)l15.ecx * l15.ebx / l15.eax;
		if (l0.eax >= 0x16 && (l16 = cpuid(0x16, 0)).eax)
			return (uint64_t)l16.eax * 1000000;
		panic("boot: no ACPI PM timer and no TSC frequency in CPUID: cannot measure time");
	}
	return settled(measure_tsc_once, "TSC");
}

/* The LAPIC timer's count rate at divide-by-1, against the TSC (the boot core's APIC is on). */
static uint64_t measure_lapic_timer_hz(void)
{
	return settled(measure_lapic_once, "local APIC timer");
}

/* The IOAPICs as interrupt controllers (all driven by cluster 0), COM1's GSI as the console's. */
static void describe_interrupts(void)
{
	const boot_x86_t *x86 = &boot_info.arch;

	boot_info.irqc_nr = x86->ioapic_nr;
	boot_info.console = (boot_dev_t){ .present = true, .irqc = BOOT_IRQC_NONE };
	for (uint32_t i = 0; i < x86->ioapic_nr; i++) {
		uint32_t pins = x86_ioapic_inputs(x86->ioapic[i].base);

		boot_info.arch.ioapic_pins[i] = pins;
		boot_info.irqc[i] = (boot_irqc_t){ .cxy = 0, .kernel = true,
						   .sources = MIN(pins, (uint32_t)(VEC_IRQ_LAST - VEC_IRQ_BASE + 1)) };
		if (x86->com1.gsi >= x86->ioapic[i].gsi_base &&
		    x86->com1.gsi - x86->ioapic[i].gsi_base < boot_info.irqc[i].sources) {
			boot_info.console.irqc = i;
			boot_info.console.source = x86->com1.gsi - x86->ioapic[i].gsi_base + 1;
		}
	}
}

/* Steps 1 and 2. */
static void discover(uint32_t start_info_pa)
{
	hal_cpu_init_phase0(cpuid_apic_id());
	hal_console_init();
	read_machine(start_info_pa);
	boot_info.arch.features = x86_cpu_features();
	boot_info.timebase_hz = measure_tsc_hz();
	x86_lapic_core_init();
	if (x86_lapic_id() != boot_info.boot_hwid)
		panic("boot: the boot core's local APIC says id %u, CPUID said %u", x86_lapic_id(),
		      boot_info.boot_hwid);
	if (!x86_has(X86_FEAT_TSC_DEADLINE))
		boot_info.arch.lapic_timer_hz = measure_lapic_timer_hz();
	describe_interrupts();
}

/* Step 4: what each replica must know before its first core runs. */
static void seed_replica(cxy_t c)
{
	cxy_t value = c;

	hal_remote_memcpy(XPTR(c, &boot_info), XPTR(local_cxy, &boot_info), sizeof(boot_info));
	hal_remote_memcpy(XPTR(c, &local_cxy), XPTR(local_cxy, &value), sizeof(value));
}

/* The CPU features the kernel uses, as words for the boot line. */
static void print_features(void)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ X86_FEAT_NX, "nx" },         { X86_FEAT_PGE, "pge" },       { X86_FEAT_PDPE1GB, "pdpe1gb" },
		{ X86_FEAT_SMEP, "smep" },     { X86_FEAT_SMAP, "smap" },     { X86_FEAT_X2APIC, "x2apic" },
		{ X86_FEAT_TSC_DEADLINE, "tsc-deadline" }, { X86_FEAT_INVARIANT_TSC, "invariant-tsc" },
	};
	char line[128];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (x86_has(names[i].bit))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", names[i].name);
	line[n] = 0;
	printk("CPU features used:%s", n ? line : " none");
}

_Noreturn void boot_phase0(uint32_t start_info_pa);

_Noreturn void boot_phase0(uint32_t start_info_pa)
{
	const boot_core_t *self = NULL;

	discover(start_info_pa);
	printk("Archipel booting on APIC id %u: %u clusters, %u cores, TSC %lu kHz, %s, %s timer",
	       boot_info.boot_hwid, boot_info.clusters_nr, boot_info.cores_nr,
	       boot_info.timebase_hz / 1000, x86_has(X86_FEAT_X2APIC) ? "x2APIC" : "xAPIC",
	       x86_has(X86_FEAT_TSC_DEADLINE) ? "TSC-deadline" : "periodic LAPIC");
	print_features();
	boot_build_clusters(KIMAGE_PBASE);
	for (cxy_t c = 1; c < boot_info.clusters_nr; c++)
		seed_replica(c);
	boot_install_trampoline();
	if (boot_info.arch.pcat_compat)
		boot_mask_pic();

	for (uint32_t i = 0; i < boot_info.cores_nr; i++)
		if (boot_info.core[i].hwid == boot_info.boot_hwid)
			self = &boot_info.core[i];
	for (cxy_t c = 0; c < boot_info.clusters_nr; c++) {
		if (c == self->cxy && self->lid == 0)
			continue;
		if (boot_start_core(c, 0))
			panic("boot: the first core of cluster %u did not start", c);
	}
	boot_switch(boot_info.cluster[self->cxy].pt_root_pa,
		    (uintptr_t)&boot_stacks[self->lid][CONFIG_BOOT_STACK_SIZE], hal_core_entry, self->lid);
}
