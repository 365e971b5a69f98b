/*
 * plic.c - driver of the SiFive PLIC (QEMU virt without AIA: one PLIC per NUMA node, 6 MiB apart).
 *
 * Hardware facts relied on (SiFive PLIC / RISC-V PLIC specification, 32-bit registers):
 *   - a priority register per source (0 = never interrupts); sources are 1..riscv,ndev;
 *   - per context, an enable bitmap (one bit per source) and a priority threshold (a source
 *     interrupts the context if enabled and its priority > threshold);
 *   - per context, a claim/complete register: reading it returns the highest-priority pending
 *     enabled source (0 if none) and clears its pending bit; writing the source back completes it.
 *     A level-triggered source still asserted after the completion becomes pending again;
 *   - context i is the i-th entry of the node's interrupts-extended (QEMU: M then S per hart).
 * A source is routed to one core by enabling it in that core's supervisor context only. The machine
 * contexts belong to the firmware and are never touched.
 */
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>

#include "irq.h"

/* Register map (byte offsets from the PLIC base). */
#define PLIC_PRIORITY(src)     (0x000000u + 4u * (src))
#define PLIC_ENABLE(ctx, word) (0x002000u + 0x80u * (ctx) + 4u * (word))
#define PLIC_THRESHOLD(ctx)    (0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx)        (0x200004u + 0x1000u * (ctx))
#define PLIC_MAX_CONTEXTS      15872u /* enable blocks 0x2000..0x1fffff */

#define PLIC_PRIORITY_ON       1u     /* every routed source: the lowest active priority */

static uint32_t enable_word(uint32_t src)  { return src / 32; }
static uint32_t enable_bit(uint32_t src)   { return 1u << (src % 32); }

/* Mask all sources (priority 0), disable them in every supervisor context of this cluster. */
static void plic_init(const irq_chip_t *chip)
{
	uint32_t words = DIV_ROUND_UP(chip->sources + 1, 32);

	for (uint32_t src = 1; src <= chip->sources; src++)
		irq_reg_write(chip, PLIC_PRIORITY(src), 0);
	for (lid_t lid = 0; lid < CONFIG_MAX_CORES_PER_CLUSTER; lid++) {
		int32_t ctx = chip->ctx[lid];

		if (ctx == IRQ_NO_CONTEXT)
			continue;
		if ((uint32_t)ctx >= PLIC_MAX_CONTEXTS || PLIC_CLAIM(ctx) + 4 > chip->desc->size)
			panic("%s: PLIC at 0x%lx: context %d lies outside its %lu-byte window", __func__,
			      chip->desc->base, ctx, chip->desc->size);
		for (uint32_t w = 0; w < words; w++)
			irq_reg_write(chip, PLIC_ENABLE(ctx, w), 0);
	}
}

/* Accept every enabled source of the core's supervisor context. */
static void plic_core_init(const irq_chip_t *chip, lid_t lid)
{
	irq_reg_write(chip, PLIC_THRESHOLD(chip->ctx[lid]), 0);
}

/* Give the source a non-zero priority; it stays masked until enabled in a context. */
static error_t plic_configure(const irq_chip_t *chip, uint32_t src, lid_t lid)
{
	(void)lid;
	irq_reg_write(chip, PLIC_PRIORITY(src), PLIC_PRIORITY_ON);
	return 0;
}

/* Enable the source in the supervisor context of core @lid (irq lock held: read-modify-write). */
static void plic_unmask(const irq_chip_t *chip, uint32_t src, lid_t lid)
{
	size_t off = PLIC_ENABLE(chip->ctx[lid], enable_word(src));

	kassert(riscv_irq_lock_held());
	irq_reg_write(chip, off, irq_reg_read(chip, off) | enable_bit(src));
}

/* Priority 0 silences the source in every context at once, without a read-modify-write. */
static void plic_mask(const irq_chip_t *chip, uint32_t src)
{
	irq_reg_write(chip, PLIC_PRIORITY(src), 0);
}

static uint32_t plic_claim(const irq_chip_t *chip, lid_t lid)
{
	return irq_reg_read(chip, PLIC_CLAIM(chip->ctx[lid]));
}

static void plic_complete(const irq_chip_t *chip, lid_t lid, uint32_t src)
{
	irq_reg_write(chip, PLIC_CLAIM(chip->ctx[lid]), src);
}

const irq_driver_t plic_driver = {
	.name = "plic",
	.init = plic_init,
	.core_init = plic_core_init,
	.configure = plic_configure,
	.unmask = plic_unmask,
	.mask = plic_mask,
	.claim = plic_claim,
	.complete = plic_complete,
	.stuck = NULL, /* a PLIC's pending bits are the devices' alone */
};
