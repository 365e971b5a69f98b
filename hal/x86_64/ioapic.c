/*
 * ioapic.c - external interrupts on x86_64: hal_interrupt.h on top of the IOAPIC (Intel 82093AA
 * datasheet; ACPI MADT for where it is and how ISA IRQs reach it).
 *
 * The machine's IOAPICs are boot_info.irqc[] (same index as boot_info.arch.ioapic[]); phase 0 gives
 * each to cluster 0, which drives the first that delivers to the kernel (on q35: the one IOAPIC, 24
 * inputs). Source s of a controller is its input s - 1 (sources are numbered from 1:
 * hal_boot.h), so GSI = gsi_base + s - 1. A registered input is programmed as a fixed interrupt of
 * vector VEC_IRQ_BASE + input to the APIC id of the chosen core, physical destination; its
 * polarity and trigger are those the MADT gives its ISA IRQ (COM1: edge, active high), or ISA's
 * defaults below GSI 16, or PCI's (level, active low) above. Clusters without a controller take no
 * device interrupt: everything here is the local cluster's, in its replica, touched by its own
 * cores.
 *
 * Lock legend of irq_cluster:
 *   [I] written by hal_irq_cluster_init (lid 0, before the other cores start), read-only after
 *   [L] irq_cluster.lock; a slot is written once (no unregistration) and published before its
 *       input is unmasked, so the dispatcher reads it without the lock
 *   [C] written by its own core only (interrupt context), read by anyone
 */
#include <hal_boot.h>
#include <hal_interrupt.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/busylock.h>
#include <libk/errno.h>

#include "hal_cpu.h"
#include "x86.h"

#define IOREGSEL       0x00
#define IOWIN          0x10
#define IOAPIC_VER     0x01
#define IOAPIC_RTE(i)  (0x10 + 2 * (i))
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL      (1u << 15)
#define RTE_MASKED     (1u << 16)
#define IRQ_MAX_INPUTS (VEC_IRQ_LAST - VEC_IRQ_BASE + 1)

typedef struct irq_slot_s {
	hal_irq_handler_t handler;    /* NULL: no handler */
	void             *arg;
	lid_t             lid;        /* the core the input is routed to */
	uint32_t          unanswered; /* handler calls in a row that found nothing ([C] of lid) */
} irq_slot_t;

typedef struct irq_core_stats_s {
	uint64_t taken;            /* interrupts handled by this core */
} __attribute__((aligned(64))) irq_core_stats_t;

static struct {
	uint32_t          id;        /* [I] controller id; BOOT_IRQC_NONE: no controller      */
	volatile uint32_t *regs;     /* [I] its registers, through the direct map              */
	uint32_t          inputs;    /* [I] inputs driven (boot_info.irqc[id].sources)         */
	uint32_t          gsi_base;  /* [I]                                                    */
	busylock_t        lock;
	irq_slot_t        slot[IRQ_MAX_INPUTS];               /* [L] */
	irq_core_stats_t  core[CONFIG_MAX_CORES_PER_CLUSTER]; /* [C] */
} irq_cluster = { .id = BOOT_IRQC_NONE, .lock = BUSYLOCK_INITIALIZER("irq", LOCK_DEVICE) };

_Static_assert(IRQ_MAX_INPUTS >= 24, "an IOAPIC has at least 24 inputs");

static void ioapic_write(uint32_t reg, uint32_t value)
{
	irq_cluster.regs[IOREGSEL / 4] = reg;
	irq_cluster.regs[IOWIN / 4] = value;
}

/* The polarity and trigger bits of global system interrupt @gsi. */
static uint32_t gsi_mode(uint32_t gsi)
{
	for (uint32_t isa = 0; isa < X86_ISA_IRQS; isa++) {
		const x86_isa_irq_t *q = &boot_info.arch.isa[isa];
		if (q->gsi == gsi)
			return (q->active_low ? RTE_ACTIVE_LOW : 0) | (q->level ? RTE_LEVEL : 0);
	}
	return gsi < X86_ISA_IRQS ? 0 : RTE_ACTIVE_LOW | RTE_LEVEL;
}

/* The id of the local cluster's controller (the first of the cluster delivering to the kernel),
 * BOOT_IRQC_NONE if it has none. */
static uint32_t local_controller(void)
{
	for (uint32_t i = 0; i < boot_info.irqc_nr; i++)
		if (boot_info.irqc[i].cxy == local_cxy && boot_info.irqc[i].kernel)
			return i;
	return BOOT_IRQC_NONE;
}

/* Caller: holds irq_cluster.lock or is the cluster's only running core. */
static void mask_input(uint32_t input)
{
	ioapic_write(IOAPIC_RTE(input), RTE_MASKED);
	ioapic_write(IOAPIC_RTE(input) + 1, 0);
}

void hal_irq_cluster_init(void)
{
	uint32_t id = local_controller();

	if (id == BOOT_IRQC_NONE) {
		pr_debug("cluster %u drives no IOAPIC: device interrupts go to another cluster", local_cxy);
		return;
	}
	irq_cluster.regs = hal_paddr_to_kva(boot_info.arch.ioapic[id].base);
	irq_cluster.gsi_base = boot_info.arch.ioapic[id].gsi_base;
	irq_cluster.inputs = boot_info.irqc[id].sources;
	kassert(irq_cluster.inputs <= IRQ_MAX_INPUTS);
	for (uint32_t i = 0; i < irq_cluster.inputs; i++)
		mask_input(i);
	irq_cluster.id = id;
	pr_debug("cluster %u: IOAPIC %u at 0x%lx, %u inputs from GSI %u", local_cxy,
		 boot_info.arch.ioapic[id].id, boot_info.arch.ioapic[id].base, irq_cluster.inputs,
		 irq_cluster.gsi_base);
}

/* The IOAPIC reaches every core through its local APIC, enabled by hal_core_entry: nothing to open
 * per core (RISC-V opens a context of its controller here). */
void hal_irq_core_init(void)
{
	kassert(x86_lapic_id() == hal_cpu_self()->hwid);
}

/* Validate everything, then commit: the slot is filled and published before the input can fire. */
error_t hal_irq_register(uint32_t controller, uint32_t source, lid_t lid, hal_irq_handler_t handler,
			 void *arg)
{
	irq_slot_t *slot;
	uint32_t input = source - 1, apic;
	error_t error = 0;

	if (irq_cluster.id == BOOT_IRQC_NONE || controller != irq_cluster.id)
		return EINVAL;
	if (source == 0 || source > irq_cluster.inputs || !handler)
		return EINVAL;
	if (lid >= boot_info.cluster[local_cxy].cores_nr)
		return EINVAL;
	apic = boot_info.core[boot_info.cluster[local_cxy].first_core + lid].hwid;
	if (apic > 0xff) /* physical destination mode: 8-bit ids (beyond: interrupt remapping) */
		return EINVAL;
	slot = &irq_cluster.slot[input];

	busylock_acquire(&irq_cluster.lock);
	if (slot->handler) {
		error = EBUSY;
	} else {
		slot->arg = arg;
		slot->lid = lid;
		__atomic_store_n(&slot->handler, handler, __ATOMIC_RELEASE);
		ioapic_write(IOAPIC_RTE(input) + 1, apic << 24);
		ioapic_write(IOAPIC_RTE(input),
			     gsi_mode(irq_cluster.gsi_base + input) | (VEC_IRQ_BASE + input));
	}
	busylock_release(&irq_cluster.lock);
	return error;
}

/* Vector @vector of an IOAPIC input fired on the calling core (IRQs off). */
void x86_irq_interrupt(uint32_t vector)
{
	uint32_t input = vector - VEC_IRQ_BASE;
	irq_slot_t *slot = &irq_cluster.slot[input < IRQ_MAX_INPUTS ? input : 0];
	hal_irq_handler_t handler = __atomic_load_n(&slot->handler, __ATOMIC_ACQUIRE);
	lid_t lid = hal_get_lid();

	if (input < irq_cluster.inputs && handler) {
		if (hal_irq_note_answer(&slot->unanswered, handler(slot->arg))) {
			busylock_acquire(&irq_cluster.lock);
			mask_input(input);
			busylock_release(&irq_cluster.lock);
			pr_warn("%s: cluster %u: IOAPIC input %u: %u interrupts in a row that its "
				"handler did not answer (a wire stuck asserted): masked", __func__,
				local_cxy, input, HAL_IRQ_UNANSWERED_LIMIT);
		}
	} else if (input < irq_cluster.inputs) { /* a stray wire: silence it rather than loop */
		busylock_acquire(&irq_cluster.lock);
		mask_input(input);
		busylock_release(&irq_cluster.lock);
		pr_warn("%s: cluster %u: IOAPIC input %u has no handler: masked", __func__, local_cxy,
			input);
	}
	x86_lapic_eoi(); /* a level-triggered input's EOI reaches the IOAPIC through it */
	__atomic_store_n(&irq_cluster.core[lid].taken, irq_cluster.core[lid].taken + 1,
			 __ATOMIC_RELAXED);
}

/* QEMU's IOAPIC takes its inputs from the devices alone (and ignores the polarity bit). */
error_t hal_irq_test_stuck(uint32_t controller, uint32_t source)
{
	if (irq_cluster.id == BOOT_IRQC_NONE || controller != irq_cluster.id)
		return EINVAL;
	if (source == 0 || source > irq_cluster.inputs || !irq_cluster.slot[source - 1].handler)
		return EINVAL;
	return EOPNOTSUPP;
}

uint64_t hal_irq_count(void)
{
	uint64_t sum = 0;

	for (lid_t lid = 0; lid < CONFIG_MAX_CORES_PER_CLUSTER; lid++)
		sum += __atomic_load_n(&irq_cluster.core[lid].taken, __ATOMIC_RELAXED);
	return sum;
}

/* Phase 0: the inputs of the IOAPIC whose registers are at @base (its version register). */
uint32_t x86_ioapic_inputs(paddr_t base)
{
	volatile uint32_t *regs = hal_paddr_to_kva(base);

	regs[IOREGSEL / 4] = IOAPIC_VER;
	return ((regs[IOWIN / 4] >> 16) & 0xff) + 1;
}
