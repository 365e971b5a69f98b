/*
 * ipi.c - inter-processor interrupts on RISC-V (see hal_ipi.h). The target takes a supervisor
 * software interrupt; its handler clears sip.SSIP first, so an IPI sent while kernel_ipi() runs
 * raises a new interrupt instead of being lost.
 *
 * Two ways to raise it. An ACLINT SSWI (QEMU virt,aclint=on; the device tree names it, boot_fdt.c
 * records each core's SETSSIP word in boot_info.arch.sswi_pa): one store from S-mode. Without
 * one, the SBI IPI extension: a call into the firmware, which raises the target's machine software
 * interrupt and sets its SSIP from M-mode (~700 instructions in OpenSBI against a few here).
 */
#include <hal_boot.h>
#include <hal_ipi.h>
#include <hal_special.h>
#include <hal_upcalls.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "riscv.h"
#include "sbi.h"

/*
 * ACLINT spec, SSWI: writing 1 to a SETSSIP register sets the hart's SSIP (0 does nothing; reads
 * are 0). The fence orders the sender's earlier stores (the request bits of ipi_send) before the
 * device store, as Linux's writel does: the target must see the request once it takes the IPI.
 */
static void sswi_raise(paddr_t pa)
{
	volatile uint32_t *setssip = hal_paddr_to_kva(pa);

	__asm__ volatile("fence w, o" ::: "memory");
	*setssip = 1;
}

void hal_ipi_send(cxy_t cxy, lid_t lid)
{
	unsigned k;
	struct sbiret r;

	kassert(cxy < boot_info.clusters_nr && lid < boot_info.cluster[cxy].cores_nr);
	k = boot_info.cluster[cxy].first_core + lid;
	if (boot_info.arch.sswi_pa[k]) {
		sswi_raise(boot_info.arch.sswi_pa[k]);
		return;
	}
	r = sbi_call(SBI_EXT_IPI, 0, 1UL, boot_info.core[k].hwid, 0); /* hart mask 1 based at hart */
	if (r.error)
		panic("%s: SBI could not send an IPI to hart %u: %ld", __func__, boot_info.core[k].hwid,
		      r.error);
}

/* The cores of @lid_mask in cluster @bc without an SSWI: SBI takes a 64-bit mask of harts relative
 * to a base hart id, so gather the targets within 64 of the lowest one pending, send, repeat. */
static void sbi_send_mask(const boot_cluster_t *bc, uint32_t lid_mask)
{
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

void hal_ipi_send_mask(cxy_t cxy, uint32_t lid_mask)
{
	const boot_cluster_t *bc;
	uint32_t sbi_mask = 0;

	kassert(cxy < boot_info.clusters_nr);
	bc = &boot_info.cluster[cxy];
	lid_mask &= (bc->cores_nr >= 32) ? ~0u : (1u << bc->cores_nr) - 1;
	for (lid_t lid = 0; lid < bc->cores_nr; lid++) {
		paddr_t pa = boot_info.arch.sswi_pa[bc->first_core + lid];

		if (!(lid_mask & (1u << lid)))
			continue;
		if (pa)
			sswi_raise(pa);
		else
			sbi_mask |= 1u << lid;
	}
	sbi_send_mask(bc, sbi_mask);
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
