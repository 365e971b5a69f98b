/*
 * vmm_copy.c - a VMM copy kept in step with its reference (see vmm_copy.h, docs/vmm.md).
 */
#include <hal_remote.h>
#include <kern/rpc.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/vmm_copy.h>

void vmm_copy_forget_locked(vmm_t *vmm, vaddr_t start, vaddr_t end, xptr_t doomed_xp)
{
	vseg_t *v;

	__atomic_store_n(&vmm->invalidations, vmm->invalidations + 1, __ATOMIC_RELEASE);
	while ((v = vsl_lookup_range(&vmm->vsl, start, end)) != NULL) {
		vmm_unmap_vseg(vmm, v, doomed_xp);
		vsl_remove(&vmm->vsl, v);
		vseg_free(v);
	}
}

void vmm_copy_forget(vmm_t *vmm, vaddr_t start, vaddr_t end)
{
	vmm_doomed_t doomed; /* this copy's private frames in the range, freed after the flush */

	vmm_doomed_init(&doomed);
	rwlock_wr_acquire(&vmm->vsl_lock);
	vmm_copy_forget_locked(vmm, start, end, XPTR(local_cxy, &doomed));
	rwlock_wr_release(&vmm->vsl_lock);
	vmm_flush_tlbs(vmm);
	vmm_free_doomed(XPTR(local_cxy, &doomed));
}

error_t vmm_copy_get_ref_vseg(vmm_t *vmm, vaddr_t vaddr, vseg_t *vseg)
{
	rpc_vmm_get_vseg_args_t a = { .vmm = GET_PTR(vmm->ref_xp), .vaddr = vaddr,
				      .dst_xp = XPTR(local_cxy, vseg) };
	rpc_desc_t desc = RPC_DESC(RPC_VMM_GET_VSEG, &a);

	rpc_send(GET_CXY(vmm->ref_xp), &desc);
	if (desc.error)
		return desc.error == ENOENT ? EFAULT : (error_t)desc.error;
	memset(&vseg->node, 0, sizeof(vseg->node)); /* the reference's tree links */
	return 0;
}
