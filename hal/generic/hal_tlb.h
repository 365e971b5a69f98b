/*
 * hal_tlb.h - translation lookaside buffers.
 *
 * Local flushes only here; shootdowns across cores are built by the generic kernel on top of IPIs
 * (ipi_shootdown, kernel/kern/ipi.h; docs/fork.md), and each target core flushes with these.
 */
#ifndef HAL_TLB_H
#define HAL_TLB_H

#include <hal_types.h>

/* Forget the calling core's translations of user page @vpn (all address spaces). */
void hal_tlb_flush_page(vpn_t vpn);

/* Forget all the calling core's translations. */
void hal_tlb_flush_all(void);

#endif /* HAL_TLB_H */
