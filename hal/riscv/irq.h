/*
 * irq.h - external interrupts on RISC-V (HAL internal): the dispatcher entry and the interface
 * between the generic part (irq.c: controller choice, handler table, dispatch) and the two drivers
 * (plic.c, aplic.c).
 *
 * Each cluster drives one supervisor-level controller, its own (the boot_info.irqc[] entry whose cxy
 * is the cluster and that delivers to the kernel; its registers and contexts are boot_info.arch.irqc[]
 * at the same index). A controller's context index (PLIC context, APLIC IDC / hart index) is the
 * position of that context in the controller's interrupts-extended list, which boot recorded in
 * ctx_hwid[] / ctx_irq[].
 */
#ifndef HAL_RISCV_IRQ_H
#define HAL_RISCV_IRQ_H

#include <hal_boot.h>
#include <hal_types.h>
#include <params.h>

/*
 * Supervisor external interrupt of the calling core (scause = interrupt 9): claim every pending
 * source of the local controller targeting this core, run its handler, complete it. Called by the
 * trap dispatcher with IRQs off.
 */
void riscv_irq_external(void);

/* Both the PLIC and the APLIC number sources 1..1023; source 0 does not exist. */
#define IRQ_MAX_SOURCES 1024

#define IRQ_NO_CONTEXT (-1)

/* The local cluster's controller as its driver sees it (hal_irq_cluster_init, then read-only). */
typedef struct irq_chip_s {
	const struct irq_driver_s *drv;  /* NULL: this cluster has no controller       */
	uint32_t id;                     /* its id: index in boot_info.irqc[]           */
	const riscv_irqc_t *desc;        /* its registers: boot_info.arch.irqc[id]      */
	volatile uint8_t  *regs;         /* its registers, through the direct map       */
	uint32_t sources;                /* valid sources are 1..sources                */
	int32_t  ctx[CONFIG_MAX_CORES_PER_CLUSTER]; /* per lid: supervisor context index,
	                                               IRQ_NO_CONTEXT if the core has none */
} irq_chip_t;

/*
 * A driver. Every operation runs in the controller's cluster. Operations that read-modify-write a
 * shared register (PLIC enable words) are called with the cluster's irq lock held by irq.c.
 */
typedef struct irq_driver_s {
	const char *name;
	/* Mask every source and close every supervisor context of the chip (cluster init). */
	void (*init)(const irq_chip_t *chip);
	/* Open the context of core @lid: priority threshold 0, delivery on. */
	void (*core_init)(const irq_chip_t *chip, lid_t lid);
	/* Prepare @source for delivery to core @lid, still masked. EINVAL if the controller does not
	 * own the source (an APLIC source not delegated to this domain); nothing changed then. */
	error_t (*configure)(const irq_chip_t *chip, uint32_t source, lid_t lid);
	/* Let @source (configured for core @lid) interrupt. */
	void (*unmask)(const irq_chip_t *chip, uint32_t source, lid_t lid);
	/* Stop @source from interrupting any core (no read-modify-write: callable without the lock). */
	void (*mask)(const irq_chip_t *chip, uint32_t source);
	/* Claim the highest-priority pending source for core @lid; 0 if none. */
	uint32_t (*claim)(const irq_chip_t *chip, lid_t lid);
	/* Signal the end of the handling of a claimed @source. */
	void (*complete)(const irq_chip_t *chip, lid_t lid, uint32_t source);
	/* For the tests (hal_irq_test_stuck): make configured @source a wire stuck asserted, which
	 * claiming does not lower. NULL if the controller cannot be made to. */
	void (*stuck)(const irq_chip_t *chip, uint32_t source);
} irq_driver_t;

extern const irq_driver_t plic_driver;
extern const irq_driver_t aplic_driver;

/* True if the calling core holds the local cluster's irq lock (for drivers' assertions). */
bool riscv_irq_lock_held(void);

/* 32-bit device registers at byte offset @off of the chip. I/O fences order them against memory. */
static inline uint32_t irq_reg_read(const irq_chip_t *chip, size_t off)
{
	return *(volatile uint32_t *)(chip->regs + off);
}

static inline void irq_reg_write(const irq_chip_t *chip, size_t off, uint32_t value)
{
	*(volatile uint32_t *)(chip->regs + off) = value;
}

/* Every earlier memory and device access is done before any later one (publish, then unmask). */
static inline void irq_io_fence(void)
{
	__asm__ volatile("fence iorw, iorw" ::: "memory");
}

#endif /* HAL_RISCV_IRQ_H */
