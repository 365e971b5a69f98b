/*
 * cluster.h - the cluster manager: all the state of one kernel instance.
 *
 * Each cluster's replica of the image holds one cluster_t, `cluster_manager`, describing that
 * cluster: its cores, its memory and its allocators. Another cluster reaches it through
 * XPTR(cxy, &cluster_manager) (the image window translates to the right replica).
 *
 * Lock legend:
 *   [I]  set by the cluster's lid 0 during cluster_init(), read-only afterwards
 *   [A]  atomic
 *   [P]  ppm.lock (inside ppm_t)          [K] each kcm_t's own lock
 *   [T]  threads_lock                     [Q] processes_lock
 */
#ifndef KERN_CLUSTER_H
#define KERN_CLUSTER_H

#include <hal_boot.h>
#include <hal_special.h>
#include <hal_types.h>
#include <kern/remote_fifo.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <libk/busylock.h>
#include <libk/xlist.h>
#include <mm/kcm.h>
#include <mm/ppm.h>
#include <params.h>

struct thread_s;

#define KCM_CACHES (CONFIG_KCM_MAX_ORDER - CONFIG_KCM_MIN_ORDER + 1)

/* One core of the cluster. [C] = only this core. */
/* TLB shootdowns asked by the cores of a cluster (ipi_shootdown), for displays and benchmarks. */
typedef struct tlb_stats_s {
	uint64_t shootdowns; /* [A] calls of ipi_shootdown                          */
	uint64_t targets;    /* [A] cores asked to flush (the caller's own excluded) */
	uint64_t acks;       /* [A] acknowledgements waited for and received          */
} tlb_stats_t;

typedef struct core_s {
	lid_t    lid;         /* [I] index in the cluster                       */
	hwid_t   hwid;        /* [I] hardware id (hart id, APIC id)             */
	uint32_t gid;         /* [I] (cxy << 16) | lid                          */
	uint32_t online;      /* [A] 1 once the core runs kernel_init           */
	uint32_t ipi_pending; /* [A] IPI_* requests not yet served (ipi.h)      */
	uint64_t ipi_resched; /* [C] IPIs received, by request                  */
	uint64_t ipi_rpc;     /* [C]                                            */
	uint64_t ipi_test;    /* [C]                                            */
	uint64_t ipi_wake;    /* [C] (the boot barrier's wake-ups)              */
	uint64_t tlb_flushes; /* [A] TLB flushes asked by IPI_TLB and done       */
	uint32_t tlb_waiters[CONFIG_MAX_CLUSTERS]; /* [A] by cluster: lids waiting for its flush */
	uint32_t trace_syscalls; /* [A] 1: log every system call made on the core */
	uint64_t syscalls;    /* [A] system calls made on the core (syscall_stats sums them) */
	uint64_t syscalls_enosys; /* [A] those refused with ENOSYS                     */
	sched_t  sched;       /* its scheduler (sched.h has the legend)         */
	remote_fifo_t rpc_fifo; /* RPC requests for this core (remote_fifo.h)   */
	rpc_server_pool_t rpc; /* RPC server threads of this core (rpc.h)       */
} core_t;

typedef struct cluster_s {
	cxy_t    cxy;                                /* [I] this cluster's id              */
	uint32_t cores_nr;                           /* [I] cores of this cluster          */
	uint32_t cores_online;                       /* [A] cores that reached kernel_init */
	paddr_t  mem_base;                           /* [I] node memory                    */
	paddr_t  mem_size;                           /* [I]                                */
	uint32_t free_pages_at_boot;                 /* [I] free pages once initialised    */
	core_t   core[CONFIG_MAX_CORES_PER_CLUSTER]; /* [I] except online                  */
	ppm_t    ppm;                                /* [P] physical pages of the node     */
	kcm_t    kcm[KCM_CACHES];                    /* [K] object caches by size order    */
	busylock_t threads_lock;                     /* protects the thread table          */
	struct thread_s *threads[CONFIG_MAX_THREADS_PER_CLUSTER]; /* [T] by ltid            */
	uint32_t threads_nr;                         /* [T] threads of the cluster, until
						      their memory is freed (leak checks) */
	uint32_t threads_next;                       /* [T] where the next ltid search starts */
	rpc_stats_t rpc_stats;                       /* [A] RPCs sent and served, by type  */
	busylock_t processes_lock;                   /* protects the process tables below  */
	struct process_s *owned[CONFIG_MAX_PROCESSES_PER_CLUSTER]; /* [Q] by lpid, once the
						      process is initialised (process_create) */
	uint8_t  lpid_reserved[CONFIG_MAX_PROCESSES_PER_CLUSTER]; /* [Q] taken by a process
						      being created, not yet in owned[]         */
	uint32_t owned_nr;                           /* [Q] processes owned (pids in use)  */
	xlist_entry_t copies_root;                   /* [Q] process copies in this cluster
						      (an xlist: a reap in another cluster
						      unlinks a reference, process_release) */
	uint32_t copies_nr;                          /* [Q] copies, until their memory is
						      freed (leak checks wait for it)     */
	tlb_stats_t tlb_stats;                       /* [A] shootdowns asked from this cluster */
} cluster_t;

extern cluster_t cluster_manager;
#define LOCAL_CLUSTER (&cluster_manager)

/* Number of clusters and of cores of the whole machine (from boot_info). */
static inline uint32_t cluster_count(void) { return boot_info.clusters_nr; }
static inline uint32_t cluster_total_cores(void) { return boot_info.cores_nr; }
static inline uint32_t cluster_cores_of(cxy_t cxy) { return boot_info.cluster[cxy].cores_nr; }

/*
 * Initialise the local cluster manager: cores, PPM over the node's memory minus every reserved
 * range, KCM caches. Runs once, on the cluster's lid 0, before its other cores start. Panics if
 * the node's memory cannot hold the allocators.
 */
void cluster_init(void);

/* The calling core's descriptor. */
static inline core_t *cluster_current_core(void)
{
	return &cluster_manager.core[hal_get_lid()];
}

/*
 * Print the summary of cluster @cxy (any cluster): cores and their load, memory (pages total,
 * free, allocated, largest free block), threads, kernel objects per cache.
 */
void cluster_display(cxy_t cxy);

#endif /* KERN_CLUSTER_H */
