/*
 * params.h - static parameters of Archipel.
 *
 * Every limit of the kernel that is fixed at build time lives here, with one line saying what it bounds.
 * Generic code and the HAL include this file; nothing here depends on the architecture.
 */
#ifndef ARCHIPEL_PARAMS_H
#define ARCHIPEL_PARAMS_H

/* ---- machine shape ---- */
#define CONFIG_MAX_CLUSTERS          16      /* clusters (NUMA nodes) the kernel can manage            */
#define CONFIG_MAX_CORES_PER_CLUSTER 8       /* cores in one cluster                                    */
#define CONFIG_MAX_CORES             (CONFIG_MAX_CLUSTERS * CONFIG_MAX_CORES_PER_CLUSTER) /* all cores  */
#define CONFIG_MAX_HWID              1024    /* largest hardware core id (hart id) accepted, exclusive  */
#define CONFIG_MAX_RSVD_RANGES       32      /* reserved physical ranges recorded at boot               */
#define CONFIG_MAX_IRQ_CONTROLLERS   16      /* interrupt controllers recorded at boot                  */
#define CONFIG_CMDLINE_MAX           256     /* kernel command line length, NUL included                */

/* ---- memory ---- */
#define CONFIG_PAGE_SHIFT            12      /* log2 of the small page size                             */
#define CONFIG_PAGE_SIZE             (1UL << CONFIG_PAGE_SHIFT) /* small page size in bytes             */
#define CONFIG_PPM_MAX_ORDER         14      /* largest buddy block: 2^14 pages = 64 MiB                */
#define CONFIG_KCM_MIN_ORDER         6       /* smallest slab object: 64 bytes                          */
#define CONFIG_KCM_MAX_ORDER         11      /* largest slab object: 2 KiB; larger goes to the PPM      */
#define CONFIG_KCM_EMPTY_PAGES_MAX   2       /* empty slab pages a cache keeps instead of freeing them  */
#define CONFIG_KIMAGE_MAX_SIZE       (16UL << 20) /* kernel image (text..bss) upper bound, bytes        */
#define CONFIG_BOOT_STACK_SIZE       (16UL << 10) /* boot/idle stack of each core, bytes                */
#define CONFIG_KSTACK_SIZE           (16UL << 10) /* kernel stack of a thread, bytes (guard page below) */

/* ---- threads and scheduling ---- */
#define CONFIG_MAX_THREADS_PER_CLUSTER 1024  /* thread table of a cluster (ltid < this)             */
#define CONFIG_TICK_NS               10000000 /* period of the scheduler tick: 10 ms                */
#define CONFIG_SCHED_QUANTUM_TICKS   2       /* ticks a thread runs before another may preempt it   */

/* ---- time and logging ---- */
#define CONFIG_PRINTK_LINE_MAX       256     /* longest printk line, the rest is cut                    */
#define CONFIG_LOGLEVEL_DEFAULT      6       /* messages with level <= this are printed (6 = info)      */

/* ---- locks ---- */
#define CONFIG_LOCKDEP_DEPTH         16      /* locks one thread may hold at once (debug-build checker) */

/* ---- tests ---- */
#define CONFIG_KTEST_MAX_NAME        32      /* longest ktest suite name                                */

/* ---- RPC ---- */
#define CONFIG_RPC_SERVERS_MIN       1       /* RPC server threads a core keeps when idle               */
#define CONFIG_RPC_SERVERS_MAX       8       /* RPC server threads a core may have                      */
#define CONFIG_REMOTE_FIFO_SLOTS     64      /* items one RPC FIFO holds; a power of two, <= 2^31       */

#endif /* ARCHIPEL_PARAMS_H */
