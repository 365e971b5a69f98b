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
