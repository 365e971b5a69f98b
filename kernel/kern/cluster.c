/*
 * cluster.c - the cluster manager (see cluster.h) and the directory of per-cluster allocators
 * that the memory managers use to reach any cluster.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <fs/mapper.h>
#include <kern/cluster.h>
#include <kern/printk.h>

cxy_t local_cxy;           /* set in each replica by boot phase 0 */
cluster_t cluster_manager;

xptr_t cluster_ppm_xp(cxy_t cxy)
{
	kassert(cxy < cluster_count());
	return XPTR(cxy, &cluster_manager.ppm);
}

xptr_t cluster_kcm_xp(cxy_t cxy, uint32_t order)
{
	kassert(cxy < cluster_count());
	kassert(order >= CONFIG_KCM_MIN_ORDER && order <= CONFIG_KCM_MAX_ORDER);
	return XPTR(cxy, &cluster_manager.kcm[order - CONFIG_KCM_MIN_ORDER]);
}

cxy_t cluster_of_paddr(paddr_t pa)
{
	for (cxy_t c = 0; c < cluster_count(); c++) {
		const boot_cluster_t *cl = &boot_info.cluster[c];
		if (pa >= cl->mem_base && pa - cl->mem_base < cl->mem_size)
			return c;
	}
	panic("%s: physical address %lx belongs to no cluster", __func__, pa);
}

void cluster_init(void)
{
	const boot_cluster_t *bc = &boot_info.cluster[local_cxy];
	cluster_t *cl = &cluster_manager;
	ppm_stats_t stats;
	error_t error;

	cl->cxy = local_cxy;
	busylock_init(&cl->threads_lock, "threads", LOCK_THREAD);
	busylock_init(&cl->processes_lock, "processes", LOCK_PROCESS_STATE);
	xlist_root_init(XPTR(local_cxy, &cl->copies_root));
	cl->cores_nr = bc->cores_nr;
	cl->mem_base = bc->mem_base;
	cl->mem_size = bc->mem_size;
	for (lid_t lid = 0; lid < bc->cores_nr; lid++) {
		cl->core[lid].lid = lid;
		cl->core[lid].hwid = boot_info.core[bc->first_core + lid].hwid;
		cl->core[lid].gid = ((uint32_t)local_cxy << 16) | lid;
	}

	error = ppm_init(&cl->ppm, bc->mem_base, bc->mem_size, boot_info.rsvd, boot_info.rsvd_nr);
	if (error)
		panic("%s: cluster %u: cannot manage memory [%lx, %lx): error %d", __func__, local_cxy,
		      bc->mem_base, bc->mem_base + bc->mem_size, error);
	for (uint32_t order = CONFIG_KCM_MIN_ORDER; order <= CONFIG_KCM_MAX_ORDER; order++)
		kcm_init(&cl->kcm[order - CONFIG_KCM_MIN_ORDER], order);
	mapper_replicas_init();

	ppm_stats(local_cxy, &stats);
	cl->free_pages_at_boot = (uint32_t)stats.free_pages;
}

void cluster_display(cxy_t cxy)
{
	xptr_t cl_xp = XPTR(cxy, &cluster_manager);
	const boot_cluster_t *bc;
	ppm_stats_t stats;
	uint32_t cores;

	if (cxy >= cluster_count()) {
		printk_raw("cluster: no cluster %x\n", cxy);
		return;
	}
	bc = &boot_info.cluster[cxy];
	cores = hal_remote_l32(XPTR_FIELD(cl_xp, cluster_t, cores_nr));
	ppm_stats(cxy, &stats);
	printk_raw("cluster %x: %u cores (%u online), memory 0x%lx-0x%lx, image 0x%lx\n", cxy, cores,
		   hal_remote_l32(XPTR_FIELD(cl_xp, cluster_t, cores_online)), bc->mem_base,
		   bc->mem_base + bc->mem_size, bc->image_pa);
	printk_raw("  pages: total %lu free %lu allocated %lu reserved %lu largest free block %lu\n",
		   stats.total_pages, stats.free_pages, stats.alloc_pages, stats.reserved_pages,
		   stats.largest_free_pages);
	printk_raw("  threads: %u\n", hal_remote_l32(XPTR_FIELD(cl_xp, cluster_t, threads_nr)));
	printk_raw("  tlb shootdowns: %lu, cores targeted %lu, acks %lu\n",
		   hal_remote_l64(XPTR_FIELD(cl_xp, cluster_t, tlb_stats.shootdowns)),
		   hal_remote_l64(XPTR_FIELD(cl_xp, cluster_t, tlb_stats.targets)),
		   hal_remote_l64(XPTR_FIELD(cl_xp, cluster_t, tlb_stats.acks)));
	for (lid_t lid = 0; lid < cores; lid++) {
		xptr_t s_xp = XPTR(cxy, &cluster_manager.core[lid].sched);
		printk_raw("  core %u: hwid %u, %u kernel + %u user threads, ticks %lu (idle %lu)\n", lid,
			   bc->cores_nr ? boot_info.core[bc->first_core + lid].hwid : 0,
			   hal_remote_l32(XPTR_FIELD(s_xp, sched_t, k_threads_nr)),
			   hal_remote_l32(XPTR_FIELD(s_xp, sched_t, u_threads_nr)),
			   hal_remote_l64(XPTR_FIELD(s_xp, sched_t, ticks)),
			   hal_remote_l64(XPTR_FIELD(s_xp, sched_t, idle_ticks)));
	}
	for (uint32_t order = CONFIG_KCM_MIN_ORDER; order <= CONFIG_KCM_MAX_ORDER; order++) {
		kcm_stats_t ks;
		kcm_remote_stats(cxy, order, &ks);
		printk_raw("  kcm %4u bytes: %lu objects in use, %lu pages\n", 1u << order,
			   ks.objs_used, (uint64_t)ks.pages);
	}
}
