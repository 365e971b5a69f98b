/*
 * vmm_query.c - vmm_has_vseg and the page counts of a vseg (vmm_query.h).
 */
#include <hal_gpt.h>
#include <hal_remote.h>
#include <kern/printk.h>
#include <kern/rpc.h>
#include <libk/lockdep.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <mm/page.h>
#include <mm/ppm.h>
#include <mm/vmm_query.h>

bool vmm_has_vseg(vmm_t *vmm, vaddr_t addr)
{
	rpc_vmm_get_vseg_args_t a = { .vmm = GET_PTR(vmm->ref_xp), .vaddr = addr };
	rpc_desc_t desc = RPC_DESC(RPC_VMM_GET_VSEG, &a);
	vseg_t *tmp;
	bool found;

	if (addr >= CONFIG_VMM_USER_END)
		return false;
	rwlock_rd_acquire(&vmm->vsl_lock);
	found = vsl_lookup(&vmm->vsl, addr) != NULL;
	rwlock_rd_release(&vmm->vsl_lock);
	if (found || vmm_is_reference(vmm))
		return found;
	/* a copy holds only the vsegs its threads used: ask the reference */
	tmp = vseg_alloc();
	if (!tmp)
		return false;
	a.dst_xp = XPTR(local_cxy, tmp);
	rpc_send(GET_CXY(vmm->ref_xp), &desc);
	memset(&tmp->node, 0, sizeof(tmp->node)); /* the reference's links: not ours to check */
	vseg_free(tmp);
	return desc.error == 0;
}

void vmm_vseg_page_counts(vmm_t *vmm, const vseg_t *vseg, vmm_page_counts_t *counts)
{
	gpt_iter_t it;

	kassert(lockdep_is_held(XPTR(local_cxy, &vmm->vsl_lock)));
	memset(counts, 0, sizeof(*counts));
	if (!(vseg->flags & VSEG_USER)) { /* a kernel range: mapped whole by the HAL, not shared */
		counts->mapped = vseg->vpn_size;
		return;
	}
	for (hal_gpt_iter_init(&it, XPTR(local_cxy, &vmm->gpt), vseg->vpn_base,
			       vseg->vpn_base + vseg->vpn_size, 0); hal_gpt_iter_next(&it);) {
		xptr_t page_xp = ppm_base2page((paddr_t)it.ppn << CONFIG_PAGE_SHIFT);

		counts->mapped++;
		if (it.attr & GPT_COW)
			counts->cow++;
		if (page_xp != XPTR_NULL && hal_remote_l32(PAGE_XP(page_xp, refcount)) != 0)
			counts->shared++;
	}
}

void vmm_user_page_totals(vmm_t *vmm, vmm_page_counts_t *totals)
{
	kassert(lockdep_is_held(XPTR(local_cxy, &vmm->vsl_lock)));
	memset(totals, 0, sizeof(*totals));
	for (vseg_t *v = vsl_first(&vmm->vsl); v; v = vsl_next(v)) {
		vmm_page_counts_t counts;
		if (!(v->flags & VSEG_USER))
			continue;
		vmm_vseg_page_counts(vmm, v, &counts);
		totals->mapped += counts.mapped;
		totals->shared += counts.shared;
		totals->cow += counts.cow;
	}
}
