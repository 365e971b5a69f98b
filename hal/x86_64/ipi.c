/*
 * ipi.c - inter-processor interrupts on x86_64 through the local APIC (see hal_ipi.h).
 *
 * An IPI is a fixed interrupt of vector VEC_IPI sent to the target's APIC id. A second IPI sent
 * while the first is being handled stays pending in the target's IRR and is delivered after the
 * handler's EOI: IPIs coalesce, none is lost. The handler acknowledges (EOI) before kernel_ipi()
 * returns to the dispatcher, which may then switch threads (trap.c).
 */
#include <hal_boot.h>
#include <hal_ipi.h>
#include <hal_upcalls.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "x86.h"

void hal_ipi_send(cxy_t cxy, lid_t lid)
{
	kassert(cxy < boot_info.clusters_nr && lid < boot_info.cluster[cxy].cores_nr);
	x86_lapic_send(boot_info.core[boot_info.cluster[cxy].first_core + lid].hwid,
		       ICR_FIXED | ICR_ASSERT | VEC_IPI);
}

/*
 * The local APIC has no multicast by list in physical destination mode (logical mode's bitmaps
 * hold 8 cores at most in flat mode): one ICR write per target.
 */
void hal_ipi_send_mask(cxy_t cxy, uint32_t lid_mask)
{
	const boot_cluster_t *bc;

	kassert(cxy < boot_info.clusters_nr);
	bc = &boot_info.cluster[cxy];
	for (lid_t lid = 0; lid < bc->cores_nr && lid < 32; lid++)
		if (lid_mask & (1u << lid))
			x86_lapic_send(boot_info.core[bc->first_core + lid].hwid,
				       ICR_FIXED | ICR_ASSERT | VEC_IPI);
}

/* The local APIC is on since hal_core_entry; a fixed IPI needs nothing more. */
void hal_ipi_core_init(void)
{
	kassert(x86_lapic_id() == hal_cpu_self()->hwid);
}

void x86_ipi_interrupt(void)
{
	x86_lapic_eoi();
	kernel_ipi();
}
