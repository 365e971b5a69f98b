/*
 * sys_almos.c - the ALMOS-MKH extension calls (numbers 1000..1099, user/include/almos.h).
 */
#include <fs/vfs.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/cluster.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <mm/ppm.h>
#include <mm/vmm.h>
#include <syscalls/syscall.h>

#define ALMOS_ABI_ONLY
#include <almos.h> /* the user ABI of the extensions, shared with user programs */

static bool cluster_ok(uint64_t cxy)
{
	return cxy < cluster_count();
}

/* Print the process copies present in cluster @cxy (run there through the PROCESS_DISPLAY RPC). */
static error_t display_processes(uint64_t cxy, uint64_t owned_only)
{
	rpc_desc_t desc = { .type = RPC_PROCESS_DISPLAY };

	desc.args[0] = owned_only;
	rpc_send((cxy_t)cxy, &desc);
	return (error_t)desc.error;
}

int64_t sys_almos_display(const uint64_t args[6])
{
	uint64_t type = args[0], a0 = args[1], a1 = args[2], a2 = args[3];

	switch (type) {
	case DISPLAY_VMM:
		if (!cluster_ok(a0) || a2 > 1)
			return -EINVAL;
		return -vmm_display((cxy_t)a0, (uint32_t)a1, a2 != 0);
	case DISPLAY_SCHED:
		if (!cluster_ok(a0) || a1 >= cluster_cores_of((cxy_t)a0) || a2)
			return -EINVAL;
		sched_display((cxy_t)a0, (lid_t)a1);
		return 0;
	case DISPLAY_PROCESS:
		if (!cluster_ok(a0) || a1 > 1 || a2)
			return -EINVAL;
		return -display_processes(a0, a1);
	case DISPLAY_CLUSTER:
	case DISPLAY_PPM:
	case DISPLAY_RPC:
		if (!cluster_ok(a0) || a1 || a2)
			return -EINVAL;
		if (type == DISPLAY_CLUSTER)
			cluster_display((cxy_t)a0);
		else if (type == DISPLAY_PPM)
			ppm_display((cxy_t)a0);
		else
			rpc_display((cxy_t)a0);
		return 0;
	case DISPLAY_VFS:
		if (a0 || a1 || a2)
			return -EINVAL;
		vfs_display();
		return 0;
	case DISPLAY_DQDT:
		return -ENOSYS; /* the load tree comes with placement of processes (DQDT) */
	default:
		return -EINVAL;
	}
}

int64_t sys_almos_get_config(const uint64_t args[6])
{
	uint32_t clusters = cluster_count(), cores = cluster_cores_of(0);

	if (!hal_uspace_range_ok(args[0], 4) || !hal_uspace_range_ok(args[1], 4))
		return -EFAULT;
	if (hal_copy_to_uspace(args[0], &clusters, sizeof(clusters)) ||
	    hal_copy_to_uspace(args[1], &cores, sizeof(cores)))
		return -EFAULT;
	return 0;
}

int64_t sys_almos_get_core_id(const uint64_t args[6])
{
	uint32_t cxy = local_cxy, lid = hal_get_lid();

	if (hal_copy_to_uspace(args[0], &cxy, sizeof(cxy)) ||
	    hal_copy_to_uspace(args[1], &lid, sizeof(lid)))
		return -EFAULT;
	return 0;
}

int64_t sys_almos_get_cycle(const uint64_t args[6])
{
	uint64_t cycles = hal_get_cycles();

	return hal_copy_to_uspace(args[0], &cycles, sizeof(cycles)) ? -EFAULT : 0;
}

int64_t sys_almos_place_next(const uint64_t args[6])
{
	thread_t *self = thread_current();
	int64_t cxy = (int64_t)args[0], lid = (int64_t)args[1];

	if (cxy == PLACE_DEFAULT) {
		self->place_valid = 0;
		return 0;
	}
	if (cxy < 0 || !cluster_ok((uint64_t)cxy) || lid < PLACE_ANY_CORE ||
	    (lid >= 0 && (uint64_t)lid >= cluster_cores_of((cxy_t)cxy)))
		return -EINVAL;
	self->place_cxy = (cxy_t)cxy;
	self->place_lid = (lid_t)lid; /* (lid_t)-1: any core of that cluster */
	self->place_valid = 1;
	return 0;
}

int64_t sys_almos_trace(const uint64_t args[6])
{
	int64_t on = (int64_t)args[0], cxy = (int64_t)args[1], lid = (int64_t)args[2];

	if (on != 0 && on != 1)
		return -EINVAL;
	if (cxy < -1 || (cxy >= 0 && !cluster_ok((uint64_t)cxy)))
		return -EINVAL;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		if (cxy >= 0 && c != cxy)
			continue;
		if (lid < -1 || (lid >= 0 && (uint64_t)lid >= cluster_cores_of(c)))
			return -EINVAL;
		for (lid_t l = 0; l < cluster_cores_of(c); l++)
			if (lid < 0 || l == lid)
				hal_remote_s32(XPTR(c, &cluster_manager.core[l].trace_syscalls),
					       (uint32_t)on);
	}
	return 0;
}
