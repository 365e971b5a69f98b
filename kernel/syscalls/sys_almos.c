/*
 * sys_almos.c - the ALMOS-MKH extension calls (numbers 1000..1099, user/include/almos.h).
 */
#include <fs/mapper.h>
#include <fs/vfs.h>
#include <hal_context.h>
#include <hal_gpt.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/cluster.h>
#include <kern/dqdt.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <mm/failnth.h>
#include <mm/kcm.h>
#include <mm/ppm.h>
#include <mm/vmm.h>
#include <mm/vseg.h>
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
	rpc_process_display_args_t a = { .owned_only = owned_only != 0 };
	rpc_desc_t desc = RPC_DESC(RPC_PROCESS_DISPLAY, &a);

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
		if (!cluster_ok(a0) || a1 >= cluster_cores_of((cxy_t)a0) || a2 > 1)
			return -EINVAL;
		sched_display((cxy_t)a0, (lid_t)a1, a2 != 0);
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
		if (a0 || a1 || a2)
			return -EINVAL;
		dqdt_display();
		return 0;
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

/* The user threads of cluster @cxy, and its threads not blocked but the idle ones (a snapshot,
 * under the cluster's thread table lock: a thread in the table is not freed meanwhile). */
static void count_threads(cxy_t cxy, uint32_t *user, uint32_t *runnable)
{
	xptr_t lock_xp = XPTR(cxy, &cluster_manager.threads_lock);

	*user = *runnable = 0;
	remote_busylock_acquire(lock_xp);
	for (uint32_t i = 0; i < CONFIG_MAX_THREADS_PER_CLUSTER; i++) {
		thread_t *t = hal_remote_lpt(XPTR(cxy, &cluster_manager.threads[i]));
		uint32_t type;
		if (!t)
			continue;
		type = hal_remote_l32(XPTR(cxy, &t->type));
		*user += type == THREAD_USER;
		*runnable += type != THREAD_IDLE && hal_remote_l32(XPTR(cxy, &t->blocked)) == 0;
	}
	remote_busylock_release(lock_xp);
}

int64_t sys_almos_get_cluster_info(const uint64_t args[6])
{
	struct almos_cluster_info info = { 0 };
	cxy_t cxy = (cxy_t)args[0];
	xptr_t cl_xp = XPTR(cxy, &cluster_manager);
	uint32_t stacks_in_use, stacks_cached, stack_pages;
	ppm_stats_t stats;

	if (!cluster_ok(args[0]))
		return -EINVAL;
	ppm_stats(cxy, &stats);
	info.total_pages = stats.total_pages;
	info.free_pages = stats.free_pages;
	for (uint32_t order = CONFIG_KCM_MIN_ORDER; order <= CONFIG_KCM_MAX_ORDER; order++) {
		kcm_stats_t kcm;
		kcm_remote_stats(cxy, order, &kcm);
		info.slab_pages += kcm.pages;
		info.slab_bytes += kcm.objs_used << order;
		info.slab_objects += kcm.objs_used;
	}
	info.largest_free_pages = stats.largest_free_pages;
	info.pt_pages = hal_gpt_cluster_tables(cxy);
	info.vsegs = vseg_cluster_count(cxy);
	count_threads(cxy, &info.user_threads, &info.runnable);
	hal_kstack_stats(cxy, &stacks_in_use, &stacks_cached, &stack_pages);
	info.kstack_pages = stack_pages;
	info.cores = cluster_cores_of(cxy);
	info.threads = hal_remote_l32(XPTR_FIELD(cl_xp, cluster_t, threads_nr));
	info.process_copies = hal_remote_l32(XPTR_FIELD(cl_xp, cluster_t, copies_nr));
	info.processes_owned = hal_remote_l32(XPTR_FIELD(cl_xp, cluster_t, owned_nr));
	info.tlb_shootdowns = hal_remote_l64(XPTR_FIELD(cl_xp, cluster_t, tlb_stats.shootdowns));
	info.tlb_targets = hal_remote_l64(XPTR_FIELD(cl_xp, cluster_t, tlb_stats.targets));
	info.tlb_acks = hal_remote_l64(XPTR_FIELD(cl_xp, cluster_t, tlb_stats.acks));
	info.cache_pages = mapper_cluster_pages(cxy);
	for (lid_t lid = 0; lid < info.cores; lid++) {
		hal_fpu_stats_t fpu;
		hal_fpu_stats(cxy, lid, &fpu);
		info.fpu_saves += fpu.saves;
		info.fpu_restores += fpu.restores;
		info.fpu_traps += fpu.traps;
	}
	return hal_copy_to_uspace(args[1], &info, sizeof(info)) ? -EFAULT : 0;
}

int64_t sys_almos_get_vmm_info(const uint64_t args[6])
{
	thread_t *self = thread_current();
	struct almos_vmm_info out = { 0 };
	int64_t arg_pid = (int64_t)args[1];
	uint32_t pid = (uint32_t)arg_pid;
	vmm_info_t info;
	error_t error;

	if (!cluster_ok(args[0]) || arg_pid < ALMOS_PID_SELF || arg_pid > UINT32_MAX)
		return -EINVAL;
	if (!hal_uspace_range_ok(args[2], sizeof(out)))
		return -EFAULT;
	if (arg_pid == ALMOS_PID_SELF) /* pid 0 is a real one: cluster 0's kernel process */
		pid = self->process->pid;
	error = vmm_get_info((cxy_t)args[0], pid, &info);
	if (error)
		return -error;
	out.ref_cxy = info.ref_cxy;
	out.vsegs = info.vsegs;
	out.threads = info.threads;
	out.mapped_pages = info.mapped_pages;
	out.false_faults = info.stats.false_faults;
	out.local_faults = info.stats.local_faults;
	out.global_faults = info.stats.global_faults;
	out.failed_faults = info.stats.failed_faults;
	out.false_cycles = info.stats.false_cycles;
	out.local_cycles = info.stats.local_cycles;
	out.global_cycles = info.stats.global_cycles;
	out.cow_faults = info.stats.cow_faults;
	out.cow_copies = info.stats.cow_copies;
	out.cow_cycles = info.stats.cow_cycles;
	out.shared_pages = info.shared_pages;
	out.cow_pages = info.cow_pages;
	return hal_copy_to_uspace(args[2], &out, sizeof(out)) ? -EFAULT : 0;
}

int64_t sys_almos_fail_nth(const uint64_t args[6])
{
	switch (args[0]) {
	case FAIL_NTH_SET:
		return -failnth_arm(args[1]);
	case FAIL_NTH_GET:
		return args[1] ? -EINVAL : failnth_read();
	default:
		return -EINVAL;
	}
}
