/*
 * boot_fdt_ctx.h - what the steps of boot_info_from_fdt() share (boot_fdt.c: the helpers, memory,
 * cores, clusters, distances, /chosen, reserved ranges; boot_fdt_dev.c: the devices). Private to
 * those two files. Like them, it keeps no state outside the context: boot_fdt.h says why.
 */
#ifndef BOOT_RISCV_BOOT_FDT_CTX_H
#define BOOT_RISCV_BOOT_FDT_CTX_H

#include <hal_boot.h>
#include <hal_types.h>

#include "fdt.h"

/* The state of one boot_info_from_fdt() call. */
typedef struct bctx_s {
	fdt_t        fdt;
	boot_info_t *info;
	char        *err;
	size_t       errlen;
	bool         numa;      /* some cpu or memory node has numa-node-id: all must have one */
	uint32_t     mem_mask;  /* NUMA nodes that have their memory range                     */
	uint32_t     cpu_mask;  /* NUMA nodes that have a core                                 */
} bctx_t;


/* ---- boot_fdt.c: helpers of every step. Those taking @c write a one-line message into the
 * caller's buffer when they fail, and return the error. */

/* Write the message into the caller's buffer and return @code. */
error_t bfail(bctx_t *c, error_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* @n's name for messages ("/" for the root; "?" if it has none). */
const char *bname(const bctx_t *c, fdt_node_t n);

/* Entry @index of @n's reg, with a message naming @n when it is missing or malformed. */
error_t bfdt_read_reg(bctx_t *c, fdt_node_t n, uint32_t index, uint64_t *base, uint64_t *size);

/* Optional one-cell property @name of @n in *val, @def when absent; EINVAL if not one cell. */
error_t bfdt_read_opt_u32(bctx_t *c, fdt_node_t n, const char *name, uint32_t *val, uint32_t def);

/* The index in info->core[] of the core of hart @hwid, -1 if none. */
int bfdt_find_core(const boot_info_t *info, uint64_t hwid);

/* ---- boot_fdt_dev.c: the device steps, run in this order once the clusters and the cores are
 * known (info->clusters_nr, info->core[] sorted) */

/* Every enabled PLIC and APLIC, in document order: info->irqc[], info->arch.irqc[]. */
error_t bfdt_parse_irqcs(bctx_t *c);

/* Every enabled ACLINT SSWI: info->arch.sswi_pa[] (0 for a core that none names). */
error_t bfdt_parse_sswis(bctx_t *c);

/* The console UART (info->arch.uart, info->console); none: base 0, console.present false. */
error_t bfdt_parse_uart(bctx_t *c);

/* The sifive,test0 finisher (info->arch.finisher_pa), if any. */
error_t bfdt_parse_finisher(bctx_t *c);

/* info->console.irqc from the UART's interrupt-parent, once the controllers and the UART are read;
 * cannot fail. */
void bfdt_resolve_console_irq(boot_info_t *info);

#endif /* BOOT_RISCV_BOOT_FDT_CTX_H */
