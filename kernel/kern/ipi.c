/*
 * ipi.c - requests carried by inter-processor interrupts, and the interrupt upcalls of the HAL
 * (hal_upcalls.h): tick, IPI, end of interrupt.
 */
#include <hal_ipi.h>
#include <hal_irqmask.h>
#include <hal_tlb.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_upcalls.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/rpc.h>
#include <kern/sched.h>

void ipi_send(cxy_t cxy, lid_t lid, uint32_t request)
{
	hal_remote_atomic_or32(XPTR(cxy, &cluster_manager.core[lid].ipi_pending), request);
	hal_ipi_send(cxy, lid);
}

void ipi_send_mask(cxy_t cxy, uint32_t lid_mask, uint32_t request)
{
	for (lid_t lid = 0; lid < cluster_cores_of(cxy); lid++)
		if (lid_mask & (1u << lid))
			hal_remote_atomic_or32(XPTR(cxy, &cluster_manager.core[lid].ipi_pending), request);
	hal_ipi_send_mask(cxy, lid_mask);
}

uint64_t ipi_received(uint32_t request)
{
	core_t *core = cluster_current_core();

	switch (request) {
	case IPI_RESCHED:
		return core->ipi_resched;
	case IPI_RPC:
		return core->ipi_rpc;
	case IPI_TEST:
		return core->ipi_test;
	default:
		return 0;
	}
}

void kernel_ipi(void)
{
	core_t *core = cluster_current_core();
	uint32_t requests = __atomic_exchange_n(&core->ipi_pending, 0, __ATOMIC_ACQ_REL);

	if (requests & IPI_RESCHED) {
		core->ipi_resched++;
		__atomic_store_n(&core->sched.need_resched, 1, __ATOMIC_RELAXED);
	}
	if (requests & IPI_RPC) {
		core->ipi_rpc++;
		rpc_server_wakeup();
	}
	if (requests & IPI_TEST)
		core->ipi_test++;
	if (requests & IPI_TLB) {
		uint32_t waiters = __atomic_exchange_n(&core->tlb_waiters, 0, __ATOMIC_ACQ_REL);
		hal_tlb_flush_all();
		__atomic_fetch_add(&core->tlb_flushes, 1, __ATOMIC_RELEASE);
		if (waiters)
			ipi_send_mask(local_cxy, waiters, IPI_TLB_ACK);
	}
	/* IPI_TLB_ACK needs nothing more: the interrupt has woken the waiter's wfi */
}

void ipi_flush_cluster_tlbs(uint32_t lid_mask)
{
	uint64_t before[CONFIG_MAX_CORES_PER_CLUSTER];
	lid_t self = hal_get_lid();
	uint32_t others;

	lid_mask &= (1u << cluster_manager.cores_nr) - 1;
	others = lid_mask & ~(1u << self);
	for (lid_t lid = 0; lid < cluster_manager.cores_nr; lid++)
		before[lid] = __atomic_load_n(&cluster_manager.core[lid].tlb_flushes, __ATOMIC_ACQUIRE);
	if (lid_mask & (1u << self))
		hal_tlb_flush_all();
	if (!others)
		return;
	for (lid_t lid = 0; lid < cluster_manager.cores_nr; lid++)
		if (others & (1u << lid))
			__atomic_fetch_or(&cluster_manager.core[lid].tlb_waiters, 1u << self,
					  __ATOMIC_ACQ_REL);
	ipi_send_mask(local_cxy, others, IPI_TLB);
	/*
	 * Interrupts off while checking, so that an acknowledgement arriving between the check and
	 * wfi leaves its interrupt pending: wfi then returns at once, and the interrupt is taken as
	 * soon as they are on again. This core stays with its thread meanwhile: a few microseconds.
	 */
	hal_disable_irq();
	for (lid_t lid = 0; lid < cluster_manager.cores_nr; lid++) {
		while ((others & (1u << lid)) &&
		       __atomic_load_n(&cluster_manager.core[lid].tlb_flushes, __ATOMIC_ACQUIRE) ==
			       before[lid]) {
			hal_cpu_idle();
			hal_enable_irq();
			hal_disable_irq();
		}
	}
	hal_enable_irq();
}

void kernel_tick(void)
{
	sched_tick();
}

void kernel_irq_exit(bool interrupted_irq_enabled)
{
	sched_irq_exit(interrupted_irq_enabled);
}
