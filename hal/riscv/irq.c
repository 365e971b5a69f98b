/*
 * irq.c - external interrupts on RISC-V: hal_interrupt.h on top of the PLIC and APLIC drivers.
 *
 * Each cluster drives its own controller: the first boot_info.irqc[] entry of the cluster that
 * delivers to the kernel, i.e. has supervisor contexts (a PLIC on QEMU's default virt, the S-level
 * APLIC with aia=aplic; the M-level APLIC is the firmware's and is skipped). Its id (hal_irq_register)
 * is that index; its registers and contexts are boot_info.arch.irqc[] at the same index. All state
 * below is per cluster (one copy in each replica) and only touched by the cluster's own cores.
 *
 * Lock legend of irq_cluster:
 *   [I] written by hal_irq_cluster_init (lid 0, before the other cores start), read-only after
 *   [L] irq_cluster.lock; a slot is written once (no unregistration) and published with a fence
 *       before its source is unmasked, so the dispatcher reads it without the lock
 *   [C] written by its own core only (interrupt context), read by anyone
 */
#include <hal_boot.h>
#include <hal_interrupt.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/busylock.h>
#include <libk/errno.h>

#include "hal_cpu.h"
#include "irq.h"
#include "riscv.h"

typedef struct irq_slot_s {
	hal_irq_handler_t handler;    /* NULL: no handler */
	void             *arg;
	lid_t             lid;        /* the core the source is routed to */
	uint32_t          unanswered; /* handler calls in a row that found nothing ([C] of lid) */
} irq_slot_t;

typedef struct irq_core_stats_s {
	uint64_t taken;            /* sources claimed and handled by this core */
} __attribute__((aligned(64))) irq_core_stats_t;

static struct {
	irq_chip_t       chip;                                  /* [I] */
	busylock_t       lock;                                  /*     */
	irq_slot_t       slot[IRQ_MAX_SOURCES];                 /* [L] */
	irq_core_stats_t core[CONFIG_MAX_CORES_PER_CLUSTER];    /* [C] */
} irq_cluster = { .lock = BUSYLOCK_INITIALIZER("irq", LOCK_DEVICE) };

/* The context index of hart @hwid for supervisor external interrupts at @q, or IRQ_NO_CONTEXT. */
static int32_t supervisor_context(const riscv_irqc_t *q, hwid_t hwid)
{
	for (uint32_t i = 0; i < q->ctx_nr; i++)
		if (q->ctx_hwid[i] == hwid && q->ctx_irq[i] == RISCV_CTX_SUPERVISOR)
			return (int32_t)i;
	return IRQ_NO_CONTEXT;
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

void hal_irq_cluster_init(void)
{
	irq_chip_t *chip = &irq_cluster.chip;
	uint32_t id = local_controller();
	const boot_cluster_t *cl = &boot_info.cluster[local_cxy];
	const riscv_irqc_t *q;

	for (lid_t lid = 0; lid < CONFIG_MAX_CORES_PER_CLUSTER; lid++)
		chip->ctx[lid] = IRQ_NO_CONTEXT;
	if (id == BOOT_IRQC_NONE) {
		pr_warn("%s: cluster %u has no supervisor interrupt controller: no device interrupts",
			__func__, local_cxy);
		return;
	}
	q = &boot_info.arch.irqc[id];
	if (boot_info.irqc[id].sources >= IRQ_MAX_SOURCES)
		panic("%s: controller at 0x%lx claims %u sources (at most %u)", __func__, q->base,
		      boot_info.irqc[id].sources, IRQ_MAX_SOURCES - 1);
	for (lid_t lid = 0; lid < cl->cores_nr; lid++)
		chip->ctx[lid] = supervisor_context(q, boot_info.core[cl->first_core + lid].hwid);
	chip->id = id;
	chip->desc = q;
	chip->sources = boot_info.irqc[id].sources;
	chip->regs = hal_paddr_to_kva(q->base);
	chip->drv = q->kind == RISCV_IRQC_PLIC ? &plic_driver : &aplic_driver;
	chip->drv->init(chip);
	pr_debug("cluster %u: %s at 0x%lx, %u sources", local_cxy, chip->drv->name, q->base,
		 chip->sources);
}

/* Open the calling core's context, re-enable what is routed to it (the firmware's warm boot of a
 * hart may have reset its PLIC context), then let SEIP through to the core. */
void hal_irq_core_init(void)
{
	irq_chip_t *chip = &irq_cluster.chip;
	lid_t lid = hal_get_lid();

	if (!chip->drv || chip->ctx[lid] == IRQ_NO_CONTEXT)
		return;
	busylock_acquire(&irq_cluster.lock);
	chip->drv->core_init(chip, lid);
	for (uint32_t src = 1; src <= chip->sources; src++)
		if (irq_cluster.slot[src].handler && irq_cluster.slot[src].lid == lid)
			chip->drv->unmask(chip, src, lid);
	busylock_release(&irq_cluster.lock);
	csr_set(sie, SIE_SEIE);
}

/*
 * Validate everything, then commit: the slot is filled and published before the source can fire.
 * A controller of another cluster is unknown here (this cluster's instance does not drive it).
 */
error_t hal_irq_register(uint32_t controller, uint32_t source, lid_t lid, hal_irq_handler_t handler,
			 void *arg)
{
	irq_chip_t *chip = &irq_cluster.chip;
	irq_slot_t *slot = &irq_cluster.slot[source < IRQ_MAX_SOURCES ? source : 0];
	error_t error = 0;

	if (!chip->drv || controller != chip->id)
		return EINVAL;
	if (source == 0 || source > chip->sources || !handler)
		return EINVAL;
	if (lid >= boot_info.cluster[local_cxy].cores_nr || chip->ctx[lid] == IRQ_NO_CONTEXT)
		return EINVAL;

	busylock_acquire(&irq_cluster.lock);
	if (slot->handler)
		error = EBUSY;
	if (!error)
		error = chip->drv->configure(chip, source, lid);
	if (!error) {
		slot->arg = arg;
		slot->lid = lid;
		irq_io_fence(); /* arg before handler: the dispatcher tests handler first */
		__atomic_store_n(&slot->handler, handler, __ATOMIC_RELEASE);
		irq_io_fence(); /* the slot is visible before the source can interrupt */
		chip->drv->unmask(chip, source, lid);
	}
	busylock_release(&irq_cluster.lock);
	return error;
}

/* A source fired without a handler (a bug or a stray wire): silence it rather than loop on it. */
static void irq_unexpected(irq_chip_t *chip, uint32_t source)
{
	chip->drv->mask(chip, source);
	pr_warn("%s: cluster %u: %s source %u has no handler: masked", __func__, local_cxy,
		chip->drv->name, source);
}

void riscv_irq_external(void)
{
	irq_chip_t *chip = &irq_cluster.chip;
	lid_t lid = hal_get_lid();
	uint32_t source;

	kassert(chip->drv && chip->ctx[lid] != IRQ_NO_CONTEXT);
	while ((source = chip->drv->claim(chip, lid)) != 0) {
		irq_slot_t *slot = &irq_cluster.slot[source < IRQ_MAX_SOURCES ? source : 0];
		hal_irq_handler_t handler = __atomic_load_n(&slot->handler, __ATOMIC_ACQUIRE);

		if (!(source < IRQ_MAX_SOURCES && handler)) {
			irq_unexpected(chip, source);
		} else if (hal_irq_note_answer(&slot->unanswered, handler(slot->arg))) {
			chip->drv->mask(chip, source);
			pr_warn("%s: cluster %u: %s source %u: %u interrupts in a row that its handler "
				"did not answer (a wire stuck asserted): masked", __func__, local_cxy,
				chip->drv->name, source, HAL_IRQ_UNANSWERED_LIMIT);
		}
		chip->drv->complete(chip, lid, source);
		__atomic_store_n(&irq_cluster.core[lid].taken, irq_cluster.core[lid].taken + 1,
				 __ATOMIC_RELAXED);
	}
}

error_t hal_irq_test_stuck(uint32_t controller, uint32_t source)
{
	irq_chip_t *chip = &irq_cluster.chip;
	error_t error = 0;

	if (!chip->drv || controller != chip->id || source == 0 || source > chip->sources)
		return EINVAL;
	busylock_acquire(&irq_cluster.lock);
	if (!irq_cluster.slot[source].handler)
		error = EINVAL;
	else if (!chip->drv->stuck)
		error = EOPNOTSUPP;
	else
		chip->drv->stuck(chip, source);
	busylock_release(&irq_cluster.lock);
	return error;
}

uint64_t hal_irq_count(void)
{
	uint64_t sum = 0;

	for (lid_t lid = 0; lid < CONFIG_MAX_CORES_PER_CLUSTER; lid++)
		sum += __atomic_load_n(&irq_cluster.core[lid].taken, __ATOMIC_RELAXED);
	return sum;
}

bool riscv_irq_lock_held(void)
{
	return busylock_is_held_by_me(&irq_cluster.lock);
}
