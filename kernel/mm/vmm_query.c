/*
 * vmm_query.c - vmm_has_vseg (vmm_query.h).
 */
#include <hal_remote.h>
#include <kern/rpc.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <mm/vmm_query.h>

bool vmm_has_vseg(vmm_t *vmm, vaddr_t addr)
{
	rpc_desc_t desc = { .type = RPC_VMM_GET_VSEG };
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
	desc.args[0] = (uint64_t)(uintptr_t)GET_PTR(vmm->ref_xp);
	desc.args[1] = addr;
	desc.args[2] = XPTR(local_cxy, tmp);
	rpc_send(GET_CXY(vmm->ref_xp), &desc);
	memset(&tmp->node, 0, sizeof(tmp->node)); /* the reference's links: not ours to check */
	vseg_free(tmp);
	return desc.error == 0;
}
