/*
 * hal_boot.h - the description of the machine handed by early boot to the kernel.
 *
 * The architecture's boot code (boot/<arch>/) discovers the platform (a device tree on RISC-V, ACPI
 * on x86_64) and fills one boot_info_t, in two parts:
 *  - the generic part, every field below but `arch`: clusters, cores (hardware id, cluster, lid),
 *    memory ranges, distances, reserved ranges, the initrd, the command line, the time base, the
 *    interrupt controllers and the console device. Controllers are named by a neutral id, their index
 *    in irqc[]; devices name the controller of their interrupt by that id. This is all the generic
 *    kernel reads of the machine;
 *  - `arch`, of type boot_arch_t from <arch/boot.h>: what only the architecture's own code reads
 *    (device registers, firmware tables, the platform's own names such as device-tree phandles).
 *    Generic code never reads it. <arch/boot.h> must define the type boot_arch_t (a struct; the
 *    boot code zeroes the whole boot_info_t before filling it).
 * Every cluster's replica of the kernel image holds its own copy (the global `boot_info`), written by
 * the boot core of cluster 0 before the cluster starts, and read-only afterwards. docs/boot.md says
 * what an architecture must fill, and docs/porting.md where.
 */
#ifndef HAL_BOOT_H
#define HAL_BOOT_H

#include <hal_types.h>
#include <params.h>
#include <arch/boot.h>  /* boot_arch_t */

#define BOOT_INFO_MAGIC 0x41524348u /* "ARCH" */

/* One core. The boot code numbers the cores of a cluster lid = 0..n-1 in the platform's order. */
typedef struct boot_core_s {
	hwid_t   hwid;          /* hardware id (RISC-V hart id, x86 APIC id)            */
	cxy_t    cxy;           /* cluster = NUMA node of the core                      */
	lid_t    lid;           /* index inside its cluster                             */
} boot_core_t;

/* One cluster: its memory, its cores, and where boot put its copy of the kernel. */
typedef struct boot_cluster_s {
	paddr_t  mem_base;      /* first byte of the node's memory                      */
	paddr_t  mem_size;      /* bytes of memory (one contiguous range per node)      */
	uint32_t cores_nr;      /* cores of this cluster                                */
	uint32_t first_core;    /* index in boot_info_t.core[] of its lid 0             */
	paddr_t  image_pa;      /* physical address of this cluster's image replica     */
	paddr_t  kernel_end_pa; /* end of the region [image_pa, kernel_end_pa) holding the
	                           replica and its boot page tables; free memory follows */
	paddr_t  pt_root_pa;    /* this cluster's kernel page table root                */
} boot_cluster_t;

/* A physical range that no allocator may hand out (firmware, firmware tables, initrd, ...). */
typedef struct boot_rsvd_s {
	paddr_t base;
	paddr_t size;
} boot_rsvd_t;

/*
 * An interrupt controller. Its id is its index in boot_info.irqc[] (what hal_irq_register() and
 * boot_dev_t take); the architecture keeps its registers under the same index in boot_info.arch.
 */
typedef struct boot_irqc_s {
	cxy_t    cxy;           /* cluster whose kernel instance drives it (0 if unsaid) */
	bool     kernel;        /* delivers interrupts to the kernel; false: a firmware's
	                           controller, listed but never driven                   */
	uint32_t sources;       /* its interrupt sources are numbered 1..sources         */
} boot_irqc_t;

#define BOOT_IRQC_NONE 0xffffffffu /* boot_dev_t.irqc of a device without an interrupt */

/* A device the generic kernel knows of, and where its interrupt goes. */
typedef struct boot_dev_s {
	bool     present;
	uint32_t irqc;          /* id of the controller of its interrupt, BOOT_IRQC_NONE */
	uint32_t source;        /* its source number at that controller                  */
} boot_dev_t;

typedef struct boot_info_s {
	uint32_t       magic;                       /* BOOT_INFO_MAGIC once filled       */
	uint32_t       clusters_nr;                 /* clusters (NUMA nodes), 1..MAX     */
	uint32_t       cores_nr;                    /* cores in all clusters             */
	hwid_t         boot_hwid;                   /* core that entered the kernel      */
	uint64_t       timebase_hz;                 /* frequency of hal_get_cycles()     */
	boot_cluster_t cluster[CONFIG_MAX_CLUSTERS];
	/* cluster[c].image_pa as hal_remote's translation wants it: the direct-map address of the
	 * replica minus the image window's base (hal_remote_replica.h); set with image_pa only, by
	 * hal_boot_set_image_pa() */
	uint64_t       image_offset[CONFIG_MAX_CLUSTERS];
	boot_core_t    core[CONFIG_MAX_CORES];      /* sorted by (cxy, lid)              */
	uint8_t        distance[CONFIG_MAX_CLUSTERS][CONFIG_MAX_CLUSTERS]; /* SLIT-style, 10 = local */
	uint32_t       rsvd_nr;
	boot_rsvd_t    rsvd[CONFIG_MAX_RSVD_RANGES];
	uint32_t       irqc_nr;
	boot_irqc_t    irqc[CONFIG_MAX_IRQ_CONTROLLERS];
	boot_dev_t     console;                     /* the system console (hal_console.h) */
	paddr_t        initrd_start;                /* [start, end) of the initrd, 0 if none */
	paddr_t        initrd_end;
	char           cmdline[CONFIG_CMDLINE_MAX]; /* the kernel command line, NUL-terminated */
	boot_arch_t    arch;                        /* the architecture's part (above)   */
} boot_info_t;

/* This cluster's copy of the machine description (read-only after boot). */
extern boot_info_t boot_info;

/* Record @pa as cluster @cxy's image replica (boot_info.cluster[cxy].image_pa and what follows
 * from it): the only way the boot code sets it. */
void hal_boot_set_image_pa(cxy_t cxy, paddr_t pa);

/*
 * Entry of the generic kernel on each core once the MMU is on, the core's stack is set and its
 * cluster's image replica is mapped. Called once per core; never returns.
 */
void kernel_init(lid_t lid);

/*
 * Start core @lid of the local cluster: it enters kernel_init(lid) on this cluster's page table and
 * its own boot stack. Called by the cluster's lid 0 during boot. Returns 0, or EIO if the firmware
 * refused (the core stays offline).
 */
error_t hal_core_start(lid_t lid);

/*
 * Phase 0, on the boot core, once boot_info holds the clusters' memory and the reserved ranges:
 * choose each cluster's kernel region and record it in boot_info.cluster[c] (image_pa,
 * pt_root_pa, kernel_end_pa): the image, followed by @pt_bytes of kernel page table. Cluster 0
 * keeps the image loaded at @load_pa in place (with its pristine copy of .data); every other
 * cluster's replica takes the first 2 MiB-aligned place of its memory free of reserved ranges.
 * Each region is then added to the reserved ranges. Panics when the loaded image is outside
 * cluster 0's memory or overlaps a reserved range, when a cluster has no room, or when the
 * reserved ranges are full. hal/common/hal_boot_regions.c, for every architecture.
 */
void hal_boot_place_kernel_regions(paddr_t load_pa, size_t pt_bytes);

#endif /* HAL_BOOT_H */
