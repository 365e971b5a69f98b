/*
 * boot_fdt.h - the machine description (boot_info_t, hal_boot.h) built from the device tree.
 *
 * Runs on the boot core in early boot, before the kernel image is replicated: it has no writable
 * global or static state, allocates nothing and prints nothing; the caller panics with the message.
 */
#ifndef BOOT_RISCV_BOOT_FDT_H
#define BOOT_RISCV_BOOT_FDT_H

#include <hal_boot.h>
#include <hal_types.h>

/*
 * Fill *info from the device tree blob @fdt (@avail bytes readable, loaded at physical address
 * @fdt_pa) for a kernel entered on hart @boot_hwid. *info is zeroed first and info->magic set to
 * BOOT_INFO_MAGIC last, on success only.
 *
 * What is read (all of it validated before use):
 *  - cores: /cpus/cpu@* nodes of device_type "cpu" that are not disabled; hart id from reg; cluster
 *    from numa-node-id (all nodes 0 when no cpu or memory node has one; an error if only some do);
 *    cpu-map clusterN/coreM positions (arch.cpu_pos[]); core[] sorted by (cluster, cpu-map
 *    position, hart id);
 *  - clusters: one memory range (device_type "memory") and at least one core per NUMA node, node
 *    ids 0..N-1 without holes; /cpus timebase-frequency; /distance-map distance-matrix (10 local,
 *    20 remote when absent);
 *  - reserved ranges: the header's reservation block, /reserved-memory children with a reg, the DTB
 *    itself and the initrd;
 *  - PLICs and APLICs: irqc[i] (cluster, sources, kernel = has a supervisor context) and
 *    arch.irqc[i] (registers, phandle, contexts: hart and 9 or 11, from interrupts-extended);
 *  - ACLINT SSWIs (riscv,aclint-sswi): arch.sswi_pa[k], the SETSSIP word of core[k] (0 if none);
 *  - the console: the ns16550 UART of /chosen stdout-path, else the first one (arch.uart); its
 *    interrupt in console.source, at the controller its interrupt-parent names (console.irqc, that
 *    controller's index; BOOT_IRQC_NONE if none is recorded or it has no interrupt);
 *  - the sifive,test0 finisher (arch.finisher_pa); the blob (arch.dtb_pa/size); /chosen bootargs and
 *    linux,initrd-start/end.
 *
 * Returns 0, or: EINVAL when the blob or a property is malformed, ENOENT when a required node or
 * property is missing (or @boot_hwid is not one of the cores), ERANGE / E2BIG when a limit of
 * params.h is exceeded; then @err (size @errlen) holds one line naming what is wrong, e.g.
 * "/cpus: missing timebase-frequency".
 */
error_t boot_info_from_fdt(const void *fdt, size_t avail, paddr_t fdt_pa, hwid_t boot_hwid,
			   boot_info_t *info, char *err, size_t errlen);

#endif /* BOOT_RISCV_BOOT_FDT_H */
