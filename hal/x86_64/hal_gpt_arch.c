/*
 * hal_gpt_arch.c - the x86_64 part of the generic page table (hal_gpt.h): the kernel root of each
 * cluster and the switch of translation root. The tables themselves are hal/common/hal_gpt.c's,
 * over the 4-level format of <arch/pte.h>.
 */
#include <hal_boot.h>
#include <hal_gpt.h>
#include <hal_remote.h>
#include <kern/printk.h>
#include <mm/ppm.h>

#include "mmu.h"

paddr_t hal_gpt_kernel_root(cxy_t cxy)
{
	return boot_info.cluster[cxy].pt_root_pa;
}

void hal_gpt_activate(const gpt_t *gpt)
{
	paddr_t root_pa = hal_gpt_kernel_root(local_cxy);

	if (gpt) {
		root_pa = hal_remote_l64(XPTR(local_cxy, &gpt->root_pa));
		/* The hardware walks the tables without hal_remote_*: they must be this cluster's. */
		kassert(root_pa != 0 && cluster_of_paddr(root_pa) == local_cxy);
	}
	x86_mmu_switch_root(root_pa);
}
