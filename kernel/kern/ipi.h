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

/* Ask core (@cxy, @lid) for @request; callable from any core and context. */
void ipi_send(cxy_t cxy, lid_t lid, uint32_t request);

/* Ask every core of cluster @cxy in @lid_mask (bit i = lid i) for @request, with one SBI call
 * when the platform allows it. */
void ipi_send_mask(cxy_t cxy, uint32_t lid_mask, uint32_t request);

/* IPIs of each kind received by the calling core since boot. */
uint64_t ipi_received(uint32_t request);

#endif /* KERN_IPI_H */
