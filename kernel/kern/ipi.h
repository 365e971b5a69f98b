/*
 * ipi.h - what an inter-processor interrupt asks of its target core.
 *
 * Each core has a mask of pending requests (core_t.ipi_pending, atomic). ipi_send() sets a bit in
 * the target's mask then raises the interrupt; the target's handler takes the whole mask at once
 * and serves each request. Requests coalesce: two RPC wake-ups before the handler runs give one.
 */
#ifndef KERN_IPI_H
#define KERN_IPI_H

#include <hal_types.h>

#define IPI_RESCHED 0x1u /* reschedule: a thread of the core became runnable */
#define IPI_RPC     0x2u /* an RPC was posted in the core's FIFO              */
#define IPI_TEST    0x4u /* ktest: count it (round-trip measurements)         */
#define IPI_TLB     0x8u /* flush the TLB (ipi_flush_cluster_tlbs)              */
#define IPI_TLB_ACK 0x10u /* a core asked to flush has done it: stop waiting    */
#define IPI_STOP    0x20u /* a panic: stop for good (panic_stop_core)           */
#define IPI_WAKE    0x40u /* the boot barrier's round is over: look again        */

/*
 * Called by the IPI_TEST handler of this cluster's cores when set (per cluster): ktests that need
 * an interrupt handler to do something on purpose (kt_panic.c). NULL otherwise.
 */
extern void (*ipi_test_hook)(void);

/* Ask core (@cxy, @lid) for @request; callable from any core and context. */
void ipi_send(cxy_t cxy, lid_t lid, uint32_t request);

/* Ask every core of cluster @cxy in @lid_mask (bit i = lid i) for @request, with one call
 * to the platform (firmware or interrupt controller) when it allows it. */
void ipi_send_mask(cxy_t cxy, uint32_t lid_mask, uint32_t request);

/*
 * TLB shootdown: flush the TLB of the cores named by @lid_masks (one lid mask per cluster, indexed
 * by cxy, @clusters_nr of them) and return once all have done it: the calling core at once, the
 * others through IPI_TLB, sent to every cluster before waiting for any. Each target bumps its
 * tlb_flushes counter and sends IPI_TLB_ACK to the cores that asked (core_t.tlb_waiters records
 * them by cluster). The caller waits for the acknowledgements in `wfi`, not in a loop: a waiting
 * loop would only slow the targets down on a host that runs the cores in turn (QEMU with -icount,
 * where it made each flush take seconds). Counted in the local cluster's tlb_stats.
 * Caller: a thread holding no busylock (interrupts on).
 */
void ipi_shootdown(const uint32_t *lid_masks, uint32_t clusters_nr);

/* The same for the cores of the local cluster in @lid_mask. */
void ipi_flush_cluster_tlbs(uint32_t lid_mask);

/* IPIs of each kind received by the calling core since boot. */
uint64_t ipi_received(uint32_t request);

#endif /* KERN_IPI_H */
