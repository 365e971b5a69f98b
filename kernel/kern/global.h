/*
 * global.h - what the kernel instances share on purpose.
 *
 * Every global variable of the kernel is per-cluster: each cluster's replica of the image holds its
 * own copy, and code that names a global reaches the local one. The few objects that stand for the
 * whole machine are the *cluster 0* copies of the variables below, always reached through
 * XPTR(0, &name) and hal_remote_*; their copies in other clusters are never used.
 *
 *   object            where                 protected by
 *   console_lock      printk.c              itself (remote busylock); serializes console lines
 *   panic_owner       panic.c               atomic cas (first panicking core wins, never reset)
 *   panic_stopped     panic.c               atomic add (cores stopped by the panicking one)
 *   boot_barrier      kernel_init.c         atomic counter + generation (xbarrier.h)
 *   ktest_state       ktest.c               its guard busylock (barrier); atomics (failure counts)
 *   uart_rx           hal/common/uart_ns16550.c its remote busylock (ring buffer of console input;
 *                                           the UART interrupt goes to cluster 0)
 *   vfs_ctx           fs/vfs.c              written once by vfs_init, then atomics (the root,
 *                                           counters); the file system tree lives in cluster 0
 *   mapper_ctrs       fs/mapper.c           atomics (machine-wide page cache counters)
 *   devfs_console     fs/devfs.c            its queuelock and wait queue (console readers)
 *   early_start_pa    boot/riscv/boot.c     written before each SBI hart start (boot.md)
 *
 * Per-cluster objects that other clusters reach on purpose, through XPTR(cxy, ...):
 *   cluster_manager   kern/cluster.h        its lock legend (PPM, KCM, thread table, cores)
 *   core_t.rpc_fifo   kern/remote_fifo.h    lock-free writers, one reader (the core's servers)
 *   core_t.ipi_pending kern/ipi.h           atomic or / exchange
 *   thread_t.blocked  kern/thread.h         atomic or / and (block and unblock from anywhere)
 * and every kernel stack, mapped at the same address in all clusters (hal_context.h), so that an
 * RPC descriptor or a wait-queue entry on a thread's stack is reachable from any cluster.
 *
 * Read-only after boot and identical in every replica (each cluster reads its own copy):
 * boot_info (hal_boot.h).
 */
#ifndef KERN_GLOBAL_H
#define KERN_GLOBAL_H

#include <hal_types.h>
#include <libk/busylock.h>

extern busylock_t console_lock;

/* True if the panic in progress is the running core's. */
bool panic_is_mine(void);

#endif /* KERN_GLOBAL_H */
