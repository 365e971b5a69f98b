/*
 * ipi.c - inter-processor interrupts on RISC-V through the SBI IPI extension (see hal_ipi.h).
 * The target takes a supervisor software interrupt; its handler clears sip.SSIP first, so an IPI
 * sent while kernel_ipi() runs raises a new interrupt instead of being lost.
 */
#include <hal_boot.h>
#include <hal_ipi.h>
#include <hal_upcalls.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "riscv.h"
#include "sbi.h"

void hal_ipi_send(cxy_t cxy, lid_t lid)
{
	hwid_t hart;
	struct sbiret r;

	kassert(cxy < boot_info.clusters_nr && lid < boot_info.cluster[cxy].cores_nr);
	hart = boot_info.core[boot_info.cluster[cxy].first_core + lid].hwid;
	r = sbi_call(SBI_EXT_IPI, 0, 1UL, hart, 0); /* hart mask 1 based at hart */
	if (r.error)
		panic("%s: SBI could not send an IPI to hart %u: %ld", __func__, hart, r.error);
}

/*
 * SBI takes a 64-bit mask of harts relative to a base hart id: gather the targets whose hart ids
 * fall within 64 of the lowest one pending, send, and repeat for the rest.
 */
void hal_ipi_send_mask(cxy_t cxy, uint32_t lid_mask)
{
	const boot_cluster_t *bc;

	kassert(cxy < boot_info.clusters_nr);
	bc = &boot_info.cluster[cxy];
	lid_mask &= (bc->cores_nr >= 32) ? ~0u : (1u << bc->cores_nr) - 1;
	while (lid_mask) {
		hwid_t base = ~0u;
		unsigned long harts = 0;

		for (lid_t lid = 0; lid < bc->cores_nr; lid++)
			if ((lid_mask & (1u << lid)) && boot_info.core[bc->first_core + lid].hwid < base)
				base = boot_info.core[bc->first_core + lid].hwid;
		for (lid_t lid = 0; lid < bc->cores_nr; lid++) {
			hwid_t hart = boot_info.core[bc->first_core + lid].hwid;
			if ((lid_mask & (1u << lid)) && hart - base < 64) {
				harts |= 1UL << (hart - base);
				lid_mask &= ~(1u << lid);
			}
		}
		struct sbiret r = sbi_call(SBI_EXT_IPI, 0, harts, base, 0);
		if (r.error)
			panic("%s: SBI could not send IPIs to harts %lx + %u: %ld", __func__, harts, base,
			      r.error);
	}
}

void hal_ipi_core_init(void)
{
	csr_clear(sip, SIE_SSIE);
	csr_set(sie, SIE_SSIE);
}

void riscv_ipi_interrupt(void)
{
	csr_clear(sip, SIE_SSIE);
	kernel_ipi();
}
