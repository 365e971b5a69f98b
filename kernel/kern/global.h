/*
 * global.h - what the kernel instances share on purpose.
 *
 * Every global variable of the kernel is per-cluster: each cluster's replica of the image holds its
 * own copy, and code that names a global reaches the local one. The few objects that stand for the
 * whole machine are the *cluster 0* copies of the variables below, always reached through
 * XPTR(0, &name) and hal_remote_*; their copies in other clusters are never used.
 *
 *   object            where          protected by
 *   console_lock      printk.c       itself (remote busylock); serializes console lines
 *   panic_owner       panic.c        atomic cas (first panicking core wins, never reset)
 *   boot_barrier      kernel_init.c  atomic counter + generation (xbarrier.h)
 *   ktest_state       ktest.c        atomics; written between barriers by the ktest runner
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
