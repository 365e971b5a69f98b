/*
 * params.h - static parameters of Archipel.
 *
 * Every limit of the kernel that is fixed at build time lives here, with one line saying what it bounds.
 * Generic code and the HAL include this file; nothing here depends on the architecture (what does
 * is in the architecture's <arch/NAME.h> headers).
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
#define CONFIG_MAX_PROCESSES_PER_CLUSTER 256 /* processes a cluster owns (lpid < this; pid 0 unused) */
#define CONFIG_MAX_FILES             64      /* file descriptors of a process (one cloexec word)     */
#define CONFIG_TICK_NS               10000000 /* period of the scheduler tick: 10 ms                */
#define CONFIG_SCHED_QUANTUM_TICKS   2       /* ticks a thread runs before another may preempt it   */
#define CONFIG_DQDT_PERIOD_TICKS     5       /* a cluster reports its pages to the DQDT every 50 ms  */

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

/* ---- user address space ----
 * Where the zones lie (ELF image, heap, MMAP, STACK, signal trampoline, user end) is the
 * architecture's: <arch/user_layout.h> (hal_uabi.h). What is chosen here holds on every one. */
#define CONFIG_VMM_USER_MIN          0x10000UL      /* lowest user address of a vseg (64 KiB, mmap_min_addr) */
#define CONFIG_VMM_STACK_PAGES       2048           /* pages of one stack slot, guard included (8 MiB)  */
#define CONFIG_VMM_STACK_SLOTS       1024           /* stack slots of a process; a multiple of 64       */
/* Frames of ANON vsegs: 1 = first touch (the faulting thread's cluster), 0 = the creator's cluster
 * (vseg->cxy, as ALMOS-MKH). Host tests build both; the kernel uses the value here. */
#define CONFIG_VMM_TRUE_FAULT_RPC    1              /* true faults of copies: 1 RPC, 0 direct remote   */
#define CONFIG_VMM_STACK_PRIVATE     0              /* 1: stacks private (ALMOS-MKH), 0: public        */
#ifndef CONFIG_VMM_ANON_FIRST_TOUCH
#define CONFIG_VMM_ANON_FIRST_TOUCH  1
#endif

/* ---- files ---- */
#define CONFIG_PATH_MAX              4096    /* longest path, its NUL included (Linux PATH_MAX)         */
#define CONFIG_NAME_MAX              255     /* longest name of one directory entry (Linux NAME_MAX)    */
#define CONFIG_SYMLINK_MAX_FOLLOW    40      /* symbolic links one lookup may follow, then ELOOP        */
#define CONFIG_VFS_MAX_FILE_SIZE     (1ULL << 40) /* largest regular file (1 TiB): EFBIG beyond         */
#define CONFIG_MAPPER_RADIX_BITS     6       /* page-index bits per level of a mapper's radix tree      */
#define CONFIG_MAPPER_MAX_HEIGHT     5       /* levels of that tree: 2^30 pages, more than the max size */
#define CONFIG_CONSOLE_RX_POLL_NS    50000000 /* a console reader re-checks input at least this often   */
#define CONFIG_CONSOLE_LINE_MAX      256     /* bytes one read of /dev/console returns at most          */

/* ---- exec ---- */
#define CONFIG_EXEC_ARGS_MAX         (128UL << 10) /* bytes of argv and envp strings an exec accepts */
#define CONFIG_ELF_MAX_SEGMENTS      16      /* PT_LOAD segments an executable may have                 */
#define CONFIG_ELF_MAX_PHDRS         64      /* program headers (of any type) an executable may have    */

#endif /* ARCHIPEL_PARAMS_H */
