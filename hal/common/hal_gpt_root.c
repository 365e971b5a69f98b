/*
 * hal_gpt_root.c - the kernel root of each cluster and the switch of translation root (hal_gpt.h),
 * the same on every architecture: the roots are the ones the boot recorded in boot_info, and the
 * switch itself is the architecture's hal_mmu_switch_root. The tables are hal_gpt.c's.
 */
#include <hal_boot.h>
#include <hal_gpt.h>
#include <hal_remote.h>
#include <kern/printk.h>
#include <mm/ppm.h>

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
	hal_mmu_switch_root(root_pa);
}
