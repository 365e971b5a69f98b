/*
 * hal_boot.h - the description of the machine handed by early boot to the kernel.
 *
 * The architecture's boot code (boot/<arch>/) discovers the platform (device tree on RISC-V, ACPI on
 * x86_64) and fills one boot_info_t. It is architecture-neutral: cores are identified by a hardware id
 * (hart id, APIC id) and a position (cluster, lid); devices by their physical registers and interrupt.
 * Every cluster's replica of the kernel image holds its own copy (the global `boot_info`), written by the
 * boot core of cluster 0 before the cluster starts, and read-only afterwards.
 */
#ifndef HAL_BOOT_H
#define HAL_BOOT_H

#include <hal_types.h>
#include <params.h>

#define BOOT_INFO_MAGIC 0x41524348u /* "ARCH" */

/* One core. Cores of a cluster are numbered lid = 0..n-1 in cpu-map order (else hardware id order). */
typedef struct boot_core_s {
	hwid_t   hwid;          /* hardware id (hart id)                               */
	cxy_t    cxy;           /* cluster = NUMA node of the core                      */
	lid_t    lid;           /* index inside its cluster                             */
	uint16_t map_cluster;   /* cpu-map position: clusterN ...                       */
	uint16_t map_core;      /* ... coreM (0xffff when there is no cpu-map)          */
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

/* A physical range that no allocator may hand out (firmware, DTB, initrd, ...). */
typedef struct boot_rsvd_s {
	paddr_t base;
	paddr_t size;
} boot_rsvd_t;

typedef enum {
	BOOT_IRQC_NONE = 0,
	BOOT_IRQC_PLIC,         /* SiFive PLIC ("sifive,plic-1.0.0", "riscv,plic0")     */
	BOOT_IRQC_APLIC,        /* RISC-V APLIC ("riscv,aplic"), direct delivery        */
} boot_irqc_kind_t;

/* One interrupt controller and the cores it serves in supervisor mode. */
typedef struct boot_irqc_s {
	boot_irqc_kind_t kind;
	paddr_t  base;
	paddr_t  size;
	uint32_t sources;       /* number of interrupt sources (riscv,ndev / num-sources) */
	cxy_t    cxy;           /* NUMA node of the controller (0 if not given)          */
	bool     supervisor;    /* delivers supervisor external interrupts (IRQ 9)       */
	uint32_t phandle;       /* device-tree phandle: devices name their parent by it  */
	/* For each context / IDC index i of the controller: the hart it targets and the privilege
	 * (9 = supervisor external, 11 = machine external), as listed in interrupts-extended. */
	uint32_t ctx_nr;
	hwid_t   ctx_hwid[CONFIG_MAX_CORES_PER_CLUSTER * 2 * 4];
	uint8_t  ctx_irq[CONFIG_MAX_CORES_PER_CLUSTER * 2 * 4];
} boot_irqc_t;

/* An ns16550-compatible UART. */
typedef struct boot_uart_s {
	paddr_t  base;          /* 0 when absent                                         */
	paddr_t  size;
	uint32_t irq;           /* interrupt source number at its controller             */
	uint32_t irq_parent;    /* phandle of its interrupt controller                   */
	uint32_t clock_hz;      /* clock-frequency (0 if not given)                      */
	uint32_t reg_shift;     /* reg-shift (0 if not given)                            */
	uint32_t reg_io_width;  /* reg-io-width (1 if not given)                         */
} boot_uart_t;

typedef struct boot_info_s {
	uint32_t       magic;                       /* BOOT_INFO_MAGIC once filled       */
	uint32_t       clusters_nr;                 /* clusters (NUMA nodes), 1..MAX     */
	uint32_t       cores_nr;                    /* cores in all clusters             */
	uint32_t       boot_hwid;                   /* core that entered the kernel      */
	uint64_t       timebase_hz;                 /* frequency of the time counter     */
	boot_cluster_t cluster[CONFIG_MAX_CLUSTERS];
	boot_core_t    core[CONFIG_MAX_CORES];      /* sorted by (cxy, lid)              */
	uint8_t        distance[CONFIG_MAX_CLUSTERS][CONFIG_MAX_CLUSTERS]; /* SLIT-style, 10 = local */
	uint32_t       rsvd_nr;
	boot_rsvd_t    rsvd[CONFIG_MAX_RSVD_RANGES];
	uint32_t       irqc_nr;
	boot_irqc_t    irqc[CONFIG_MAX_IRQ_CONTROLLERS];
	boot_uart_t    uart;
	paddr_t        finisher_pa;                 /* sifive,test0 finisher, 0 if absent */
	paddr_t        initrd_start;                /* [start, end) of the initrd, 0 if none */
	paddr_t        initrd_end;
	paddr_t        dtb_pa;                      /* the device tree (reserved as well) */
	paddr_t        dtb_size;
	char           cmdline[CONFIG_CMDLINE_MAX]; /* /chosen bootargs, NUL-terminated  */
} boot_info_t;

/* This cluster's copy of the machine description (read-only after boot). */
extern boot_info_t boot_info;

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

#endif /* HAL_BOOT_H */
