/*
 * vmm_display.c - what the VMM shows of itself (vmm.h): `display vmm` (vmm_display, the format in
 * docs/vmm.md) and the figures of get_vmm_info (vmm_get_info). Both run in the cluster of the
 * copy they look at, through the VMM_DISPLAY RPC (vmm_rpc_display): a copy's vsegs and page table
 * are read where they live, under its vsl_lock.
 */
#include <hal_gpt.h>
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/ppm.h>
#include <mm/vmm.h>
#include <mm/vmm_query.h>

static const char *attr_string(uint32_t attr, char buf[8])
{
	buf[0] = (attr & GPT_READABLE) ? 'r' : '-';
	buf[1] = (attr & GPT_WRITABLE) ? 'w' : '-';
	buf[2] = (attr & GPT_EXECUTABLE) ? 'x' : '-';
	buf[3] = (attr & GPT_USER) ? 'u' : '-';
	buf[4] = (attr & GPT_COW) ? 'c' : '-';
	buf[5] = (attr & GPT_DIRTY) ? 'd' : '-';
	buf[6] = (attr & GPT_ACCESSED) ? 'a' : '-';
	buf[7] = 0;
	return buf;
}

static void display_ptes(vmm_t *vmm, const vseg_t *vseg)
{
	char buf[8];
	gpt_iter_t it;

	for (hal_gpt_iter_init(&it, XPTR(local_cxy, &vmm->gpt), vseg->vpn_base,
			       vseg->vpn_base + vseg->vpn_size, 0); hal_gpt_iter_next(&it);)
		printk_raw("      vpn %8lx ppn %8lx cxy %x attr %s\n", it.vpn, it.ppn,
			   cluster_of_paddr(it.ppn << CONFIG_PAGE_SHIFT), attr_string(it.attr, buf));
}

/* Print the local VMM copy @vmm (caller: its cluster). Format in docs/vmm.md. */
static void display_local(vmm_t *vmm, pid_t pid, bool mapping)
{
	vseg_t *vseg;

	rwlock_rd_acquire(&vmm->vsl_lock);
	printk_raw("VMM of process %x in cluster %x (%s, reference in cluster %x), root table %lx, "
		   "%u vsegs\n", pid, local_cxy, vmm_is_reference(vmm) ? "reference" : "copy",
		   GET_CXY(vmm->ref_xp), vmm->gpt.root_pa, vsl_count(&vmm->vsl));
	for (vseg = vsl_first(&vmm->vsl); vseg; vseg = vsl_next(vseg)) {
		vmm_page_counts_t counts;
		vmm_vseg_page_counts(vmm, vseg, &counts);
		printk_raw("  %-6s %010lx-%010lx pages %6lu mapped %6lu flags %c%c%c%c%c\n",
			   vseg_type_name(vseg->type), vseg->min, vseg->max, vseg->vpn_size,
			   counts.mapped, (vseg->flags & VSEG_READ) ? 'r' : '-',
			   (vseg->flags & VSEG_WRITE) ? 'w' : '-', (vseg->flags & VSEG_EXEC) ? 'x' : '-',
			   (vseg->flags & VSEG_PRIVATE) ? 'p' : 's',
			   (vseg->flags & VSEG_DISTRIB) ? 'd' : '-');
		if (mapping && (vseg->flags & VSEG_USER))
			display_ptes(vmm, vseg);
	}
	printk_raw("  faults: false %lu local %lu global %lu failed %lu; cycles: false %lu local %lu "
		   "global %lu\n", vmm->stats.false_faults, vmm->stats.local_faults,
		   vmm->stats.global_faults, vmm->stats.failed_faults, vmm->stats.false_cycles,
		   vmm->stats.local_cycles, vmm->stats.global_cycles);
	printk_raw("  copy-on-write: faults %lu copies %lu cycles %lu\n", vmm->stats.cow_faults,
		   vmm->stats.cow_copies, vmm->stats.cow_cycles);
	rwlock_rd_release(&vmm->vsl_lock);
}

/* The figures of the local copy @p (caller: its cluster). */
static void info_local(process_t *p, vmm_info_t *info)
{
	vmm_t *vmm = &p->vmm;
	vmm_page_counts_t totals;

	memset(info, 0, sizeof(*info));
	info->ref_cxy = GET_CXY(vmm->ref_xp);
	info->threads = __atomic_load_n(&p->threads_nr, __ATOMIC_RELAXED);
	rwlock_rd_acquire(&vmm->vsl_lock);
	info->vsegs = vsl_count(&vmm->vsl);
	vmm_user_page_totals(vmm, &totals);
	info->mapped_pages = totals.mapped;
	info->shared_pages = totals.shared;
	info->cow_pages = totals.cow;
	rwlock_rd_release(&vmm->vsl_lock);
	info->stats.false_faults = __atomic_load_n(&vmm->stats.false_faults, __ATOMIC_RELAXED);
	info->stats.local_faults = __atomic_load_n(&vmm->stats.local_faults, __ATOMIC_RELAXED);
	info->stats.global_faults = __atomic_load_n(&vmm->stats.global_faults, __ATOMIC_RELAXED);
	info->stats.failed_faults = __atomic_load_n(&vmm->stats.failed_faults, __ATOMIC_RELAXED);
	info->stats.false_cycles = __atomic_load_n(&vmm->stats.false_cycles, __ATOMIC_RELAXED);
	info->stats.local_cycles = __atomic_load_n(&vmm->stats.local_cycles, __ATOMIC_RELAXED);
	info->stats.global_cycles = __atomic_load_n(&vmm->stats.global_cycles, __ATOMIC_RELAXED);
	info->stats.cow_faults = __atomic_load_n(&vmm->stats.cow_faults, __ATOMIC_RELAXED);
	info->stats.cow_copies = __atomic_load_n(&vmm->stats.cow_copies, __ATOMIC_RELAXED);
	info->stats.cow_cycles = __atomic_load_n(&vmm->stats.cow_cycles, __ATOMIC_RELAXED);
}

/* Print the copy of @pid in @cxy, or with @info_xp not XPTR_NULL report its figures there. */
static error_t inspect(cxy_t cxy, pid_t pid, bool mapping, xptr_t info_xp)
{
	rpc_vmm_display_args_t a = { .pid = pid, .mapping = mapping, .info_xp = info_xp };
	rpc_desc_t desc = RPC_DESC(RPC_VMM_DISPLAY, &a);

	if (cxy >= cluster_count())
		return EINVAL;
	rpc_send(cxy, &desc);
	return (error_t)desc.error;
}

error_t vmm_display(cxy_t cxy, pid_t pid, bool mapping)
{
	return inspect(cxy, pid, mapping, XPTR_NULL);
}

error_t vmm_get_info(cxy_t cxy, uint32_t pid, vmm_info_t *info)
{
	return inspect(cxy, pid, false, XPTR(local_cxy, info));
}

void vmm_rpc_display(xptr_t desc_xp)
{
	rpc_vmm_display_args_t a;
	process_t *p;
	vmm_info_t info;

	rpc_args_get(desc_xp, &a, sizeof(a));
	p = process_hold_local(a.pid); /* it stays while we look */
	if (p && a.info_xp != XPTR_NULL) {
		info_local(p, &info);
		hal_remote_memcpy(a.info_xp, XPTR(local_cxy, &info), sizeof(info));
	} else if (p) {
		display_local(&p->vmm, p->pid, a.mapping != 0);
	}
	if (p)
		process_put_local(p);
	rpc_reply(desc_xp, NULL, 0, p ? 0 : ESRCH);
}
