/*
 * boot_fdt_dev.c - the devices of the machine description (boot_fdt.h, boot_fdt_ctx.h): the PLICs
 * and APLICs with their contexts, the ACLINT SSWIs, the console UART and its interrupt, the
 * sifive,test0 finisher. Steps of boot_info_from_fdt(), which runs them after the cores are known:
 * a context names its hart through the riscv,cpu-intc node of a cpu, and an SSWI word goes to the
 * index of that hart's core.
 */
#include <hal_boot.h>
#include <hal_types.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <params.h>

#include "boot_fdt.h"
#include "boot_fdt_ctx.h"
#include "fdt.h"

/* The hart id of the cpu whose riscv,cpu-intc node has phandle @ph (the cpu is its parent). */
static error_t context_hart(bctx_t *c, fdt_node_t n, uint32_t ph, uint64_t *hwid)
{
	fdt_node_t intc, cpu;
	uint32_t cells;
	uint64_t size;

	if (fdt_find_phandle(&c->fdt, ph, &intc))
		return bfail(c, EINVAL, "%s: interrupts-extended: phandle 0x%x matches no node",
			     bname(c, n), ph);
	if (!fdt_is_compatible(&c->fdt, intc, "riscv,cpu-intc") ||
	    fdt_read_u32(&c->fdt, intc, "#interrupt-cells", &cells) || cells != 1)
		return bfail(c, EINVAL, "%s: interrupts-extended: phandle 0x%x is not a riscv,cpu-intc with "
			     "#interrupt-cells 1", bname(c, n), ph);
	if (fdt_parent(&c->fdt, intc, &cpu) || fdt_read_reg(&c->fdt, cpu, 0, hwid, &size))
		return bfail(c, EINVAL, "%s: interrupts-extended: the cpu of %s has no valid reg", bname(c, n),
			     bname(c, intc));
	if (*hwid >= CONFIG_MAX_HWID)
		return bfail(c, ERANGE, "%s: interrupts-extended: hart id %llu >= CONFIG_MAX_HWID (%u)",
			     bname(c, n), (unsigned long long)*hwid, CONFIG_MAX_HWID);
	return 0;
}

/* The contexts of controller @n: one <cpu-intc-phandle irq> pair of interrupts-extended each. A
 * controller with a supervisor context delivers interrupts to the kernel (@kernel). */
static error_t parse_contexts(bctx_t *c, fdt_node_t n, riscv_irqc_t *q, bool *kernel)
{
	uint32_t i, ph, irq;
	uint64_t hwid;
	fdt_prop_t p;
	error_t error;

	if (fdt_get_prop(&c->fdt, n, "interrupts-extended", &p))
		return 0;
	if (p.len % 8)
		return bfail(c, EINVAL, "%s: interrupts-extended is not a list of <cpu-intc irq> pairs",
			     bname(c, n));
	for (i = 0; !fdt_prop_cell(&p, 2 * i, &ph); i++) {
		fdt_prop_cell(&p, 2 * i + 1, &irq);
		if (q->ctx_nr == ARRAY_SIZE(q->ctx_hwid))
			return bfail(c, E2BIG, "%s: more than %u contexts in interrupts-extended", bname(c, n),
				     (unsigned)ARRAY_SIZE(q->ctx_hwid));
		error = context_hart(c, n, ph, &hwid);
		if (error)
			return error;
		q->ctx_hwid[q->ctx_nr] = (hwid_t)hwid;
		q->ctx_irq[q->ctx_nr] = irq > 0xff ? 0xff : (uint8_t)irq;  /* 0xff: not 9 nor 11 */
		q->ctx_nr++;
		if (irq == RISCV_CTX_SUPERVISOR)
			*kernel = true;
	}
	return 0;
}

/* Append interrupt controller @n of @kind to irqc[]: its generic entry and RISC-V's, same index. */
static error_t add_irqc(bctx_t *c, fdt_node_t n, riscv_irqc_kind_t kind)
{
	const char *ndev = kind == RISCV_IRQC_PLIC ? "riscv,ndev" : "riscv,num-sources";
	boot_info_t *info = c->info;
	boot_irqc_t *g = &info->irqc[info->irqc_nr];
	riscv_irqc_t *q = &info->arch.irqc[info->irqc_nr];
	uint32_t cxy = 0;
	error_t error;

	if (info->irqc_nr == CONFIG_MAX_IRQ_CONTROLLERS)
		return bfail(c, E2BIG, "%s: more than CONFIG_MAX_IRQ_CONTROLLERS (%u) interrupt controllers",
			     bname(c, n), CONFIG_MAX_IRQ_CONTROLLERS);
	error = bfdt_read_reg(c, n, 0, &q->base, &q->size);
	if (error)
		return error;
	error = fdt_read_u32(&c->fdt, n, ndev, &g->sources);
	if (error)
		return bfail(c, error, "%s: %s %s", bname(c, n),
			     error == ENOENT ? "missing" : "malformed", ndev);
	error = bfdt_read_opt_u32(c, n, "numa-node-id", &cxy, 0);
	if (!error && cxy >= info->clusters_nr)
		return bfail(c, ERANGE, "%s: numa-node-id %u >= %u numa nodes", bname(c, n), cxy,
			     info->clusters_nr);
	if (!error)
		error = bfdt_read_opt_u32(c, n, "phandle", &q->phandle, 0);
	if (!error)
		error = parse_contexts(c, n, q, &g->kernel);
	if (error)
		return error;
	q->kind = kind;
	g->cxy = (cxy_t)cxy;
	info->irqc_nr++;
	return 0;
}

/* The kind of interrupt controller @n is, 0 if none that Archipel drives. */
static riscv_irqc_kind_t irqc_kind(const bctx_t *c, fdt_node_t n)
{
	if (fdt_is_compatible(&c->fdt, n, "sifive,plic-1.0.0") || fdt_is_compatible(&c->fdt, n, "riscv,plic0"))
		return RISCV_IRQC_PLIC;
	if (fdt_is_compatible(&c->fdt, n, "riscv,aplic"))
		return RISCV_IRQC_APLIC;
	return 0;
}

/* Every enabled PLIC and APLIC, in document order. */
error_t bfdt_parse_irqcs(bctx_t *c)
{
	riscv_irqc_kind_t kind;
	fdt_node_t n = c->fdt.root;
	error_t error;

	do {
		kind = irqc_kind(c, n);
		if (kind != 0 && fdt_is_available(&c->fdt, n)) {
			error = add_irqc(c, n, kind);
			if (error)
				return error;
		}
	} while (!fdt_next_node(&c->fdt, n, &n));
	return 0;
}

/* ACLINT SSWI @n (riscv,aclint-sswi): the hart at position i of its interrupts-extended raises its
 * supervisor software interrupt (cpu-intc 1) by a write of 1 to the word at base + 4 * i. */
static error_t add_sswi(bctx_t *c, fdt_node_t n)
{
	uint64_t base, size, hwid;
	uint32_t i, ph, irq;
	fdt_prop_t p;
	error_t error;
	int k;

	error = bfdt_read_reg(c, n, 0, &base, &size);
	if (error)
		return error;
	if (fdt_get_prop(&c->fdt, n, "interrupts-extended", &p) || p.len % 8)
		return bfail(c, EINVAL, "%s: interrupts-extended is not a list of <cpu-intc irq> pairs",
			     bname(c, n));
	for (i = 0; !fdt_prop_cell(&p, 2 * i, &ph); i++) {
		fdt_prop_cell(&p, 2 * i + 1, &irq);
		if (4ull * i + 4 > size)
			return bfail(c, EINVAL, "%s: hart %u of interrupts-extended is past reg's size",
				     bname(c, n), i);
		error = context_hart(c, n, ph, &hwid);
		if (error)
			return error;
		k = bfdt_find_core(c->info, hwid);
		if (irq == RISCV_IRQ_SSOFT && k >= 0)   /* k < 0: a disabled cpu */
			c->info->arch.sswi_pa[k] = base + 4ull * i;
	}
	return 0;
}

/* Every enabled SSWI; a core that none names keeps sswi_pa 0 (its IPIs go through the SBI). */
error_t bfdt_parse_sswis(bctx_t *c)
{
	fdt_node_t n = FDT_NODE_NONE;
	error_t error;

	while (!fdt_find_compatible(&c->fdt, n, "riscv,aclint-sswi", &n)) {
		if (!fdt_is_available(&c->fdt, n))
			continue;
		error = add_sswi(c, n);
		if (error)
			return error;
	}
	return 0;
}

/* Whether @n is an enabled ns16550-compatible UART. */
static bool is_uart(const bctx_t *c, fdt_node_t n)
{
	return (fdt_is_compatible(&c->fdt, n, "ns16550a") || fdt_is_compatible(&c->fdt, n, "ns16550")) &&
	       fdt_is_available(&c->fdt, n);
}

/* The node /chosen stdout-path names: "/path[:options]" or "alias[:options]". */
static error_t stdout_node(const bctx_t *c, fdt_node_t *node)
{
	const char *s, *path;
	fdt_node_t ch, al;
	fdt_prop_t p;
	size_t len;
	error_t error;

	if (fdt_find_path(&c->fdt, "/chosen", &ch) || fdt_read_string(&c->fdt, ch, "stdout-path", &s))
		return ENOENT;
	for (len = 0; s[len] && s[len] != ':'; len++)
		;
	if (s[0] == '/')
		return fdt_find_path_len(&c->fdt, s, len, node);
	if (len == 0 || fdt_find_path(&c->fdt, "/aliases", &al))
		return ENOENT;
	for (error = fdt_first_prop(&c->fdt, al, &p); !error; error = fdt_next_prop(&c->fdt, &p))
		if (strncmp(p.name, s, len) == 0 && p.name[len] == '\0' && !fdt_prop_string(&p, &path))
			return fdt_find_path(&c->fdt, path, node);
	return ENOENT;
}

/* The UART's interrupt: first cell of interrupts (the console's source), interrupt-parent its own
 * or an ancestor's. */
static error_t uart_irq(bctx_t *c, fdt_node_t n, riscv_uart_t *u)
{
	fdt_node_t a = n;
	fdt_prop_t p;
	uint32_t depth;
	error_t error;

	if (!fdt_get_prop(&c->fdt, n, "interrupts", &p) && fdt_prop_cell(&p, 0, &c->info->console.source))
		return bfail(c, EINVAL, "%s: empty interrupts", bname(c, n));
	for (depth = 0; depth < FDT_MAX_DEPTH; depth++) {
		error = fdt_read_u32(&c->fdt, a, "interrupt-parent", &u->irq_parent);
		if (error != ENOENT)
			return error ? bfail(c, EINVAL, "%s: interrupt-parent is not one phandle",
					     bname(c, a)) : 0;
		if (fdt_parent(&c->fdt, a, &a))
			break;
	}
	return 0;
}

/* The console UART: stdout-path's node if an ns16550, else the first ns16550 (none: base 0). */
error_t bfdt_parse_uart(bctx_t *c)
{
	riscv_uart_t *u = &c->info->arch.uart;
	fdt_node_t n;
	uint64_t clk;
	error_t error;

	if (stdout_node(c, &n) || !is_uart(c, n)) {
		for (n = c->fdt.root; !is_uart(c, n);)
			if (fdt_next_node(&c->fdt, n, &n))
				return 0;
	}
	error = bfdt_read_reg(c, n, 0, &u->base, &u->size);
	if (!error)
		error = uart_irq(c, n, u);
	if (!error)
		error = bfdt_read_opt_u32(c, n, "reg-shift", &u->reg_shift, 0);
	if (!error)
		error = bfdt_read_opt_u32(c, n, "reg-io-width", &u->reg_io_width, 1);
	if (error)
		return error;
	error = fdt_read_number(&c->fdt, n, "clock-frequency", &clk);
	if (error == ENOENT)
		clk = 0;
	else if (error || clk > UINT32_MAX)
		return bfail(c, error ? EINVAL : ERANGE, "%s: clock-frequency is not a 32-bit number",
			     bname(c, n));
	u->clock_hz = (uint32_t)clk;
	c->info->console.present = true;
	return 0;
}

/*
 * The console's interrupt controller by its neutral id: the controller whose phandle the UART's
 * interrupt-parent names. A parent that is none of them (or no interrupt at all) leaves the console
 * without an interrupt: it still prints, it has no input.
 */
void bfdt_resolve_console_irq(boot_info_t *info)
{
	info->console.irqc = BOOT_IRQC_NONE;
	if (!info->console.present || info->arch.uart.irq_parent == 0 || info->console.source == 0)
		return;
	for (uint32_t i = 0; i < info->irqc_nr; i++)
		if (info->arch.irqc[i].phandle == info->arch.uart.irq_parent) {
			info->console.irqc = i;
			return;
		}
}

/* The sifive,test0 finisher (poweroff / reboot register), if any. */
error_t bfdt_parse_finisher(bctx_t *c)
{
	uint64_t size;
	fdt_node_t n;

	if (fdt_find_compatible(&c->fdt, FDT_NODE_NONE, "sifive,test0", &n))
		return 0;
	return bfdt_read_reg(c, n, 0, &c->info->arch.finisher_pa, &size);
}
