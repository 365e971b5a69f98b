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
#include <kern/printk.h>
#include <kern/rpc.h>
#include <kern/sched.h>

void (*ipi_test_hook)(void);

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
	case IPI_WAKE:
		return core->ipi_wake;
	default:
		return 0;
	}
}

void kernel_ipi(void)
{
	core_t *core = cluster_current_core();
	uint32_t requests = __atomic_exchange_n(&core->ipi_pending, 0, __ATOMIC_ACQ_REL);

	if (requests & IPI_STOP)
		panic_stop_core();
	if (requests & IPI_RESCHED) {
		core->ipi_resched++;
		sched_resched_local();
	}
	if (requests & IPI_RPC) {
		core->ipi_rpc++;
		rpc_server_wakeup();
	}
	if (requests & IPI_WAKE)
		core->ipi_wake++; /* the boot barrier's look at it: kernel_init.c */
	if (requests & IPI_TEST) {
		core->ipi_test++;
		if (ipi_test_hook)
			ipi_test_hook();
	}
	if (requests & IPI_TLB) {
		uint32_t waiters[CONFIG_MAX_CLUSTERS];
		uint32_t n = cluster_count();

		for (cxy_t c = 0; c < n; c++)
			waiters[c] = __atomic_exchange_n(&core->tlb_waiters[c], 0, __ATOMIC_ACQ_REL);
		hal_tlb_flush_all();
		__atomic_fetch_add(&core->tlb_flushes, 1, __ATOMIC_RELEASE);
		for (cxy_t c = 0; c < n; c++)
			if (waiters[c])
				ipi_send_mask(c, waiters[c], IPI_TLB_ACK);
	}
	/* IPI_TLB_ACK needs nothing more: the interrupt has woken the waiter's wfi */
}

#define CORE_XP(cxy, lid, field) \
	XPTR(cxy, &cluster_manager.core[lid].field)

void ipi_shootdown(const uint32_t *lid_masks, uint32_t clusters_nr)
{
	uint64_t seen[CONFIG_MAX_CLUSTERS][CONFIG_MAX_CORES_PER_CLUSTER];
	uint32_t others[CONFIG_MAX_CLUSTERS] = { 0 };
	lid_t self = hal_get_lid();
	uint64_t targets = 0;

	kassert(clusters_nr <= cluster_count());
	for (cxy_t c = 0; c < clusters_nr; c++) {
		uint32_t cores;

		if (!lid_masks[c])
			continue; /* most clusters hold no copy of the process */
		cores = cluster_cores_of(c);
		others[c] = lid_masks[c] & (uint32_t)((1ull << cores) - 1);
		if (c == local_cxy && (others[c] & (1u << self))) {
			others[c] &= ~(1u << self);
			hal_tlb_flush_all();
		}
		for (lid_t lid = 0; lid < cores; lid++) {
			if (!(others[c] & (1u << lid)))
				continue;
			seen[c][lid] = hal_remote_l64(CORE_XP(c, lid, tlb_flushes));
			hal_remote_atomic_or32(CORE_XP(c, lid, tlb_waiters[local_cxy]), 1u << self);
			targets++;
		}
		if (others[c])
			ipi_send_mask(c, others[c], IPI_TLB);
	}
	__atomic_fetch_add(&cluster_manager.tlb_stats.shootdowns, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&cluster_manager.tlb_stats.targets, targets, __ATOMIC_RELAXED);
	if (!targets)
		return;
	/*
	 * Interrupts off while checking, so that an acknowledgement arriving between the check and
	 * wfi leaves its interrupt pending: wfi then returns at once, and the interrupt is taken as
	 * soon as they are on again. This core stays with its thread meanwhile: a few microseconds.
	 */
	hal_disable_irq();
	for (cxy_t c = 0; c < clusters_nr; c++) {
		for (lid_t lid = 0; others[c] && lid < cluster_cores_of(c); lid++) {
			while ((others[c] & (1u << lid)) &&
			       hal_remote_l64(CORE_XP(c, lid, tlb_flushes)) == seen[c][lid]) {
				hal_cpu_idle();
				hal_enable_irq();
				hal_disable_irq();
			}
		}
	}
	hal_enable_irq();
	__atomic_fetch_add(&cluster_manager.tlb_stats.acks, targets, __ATOMIC_RELAXED);
}

void ipi_flush_cluster_tlbs(uint32_t lid_mask)
{
	uint32_t masks[CONFIG_MAX_CLUSTERS] = { 0 };

	masks[local_cxy] = lid_mask;
	ipi_shootdown(masks, local_cxy + 1);
}

void kernel_tick(bool from_user)
{
	sched_tick(from_user);
}

void kernel_irq_exit(bool interrupted_irq_enabled)
{
	sched_irq_exit(interrupted_irq_enabled);
}
