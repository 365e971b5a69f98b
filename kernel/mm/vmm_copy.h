/*
 * vmm_copy.h - a VMM copy kept in step with its reference (vmm_copy.c): what a copy forgets, and
 * the reference's vseg read without inserting it. Private to kernel/mm; docs/vmm.md, "VMM copies".
 */
#ifndef MM_VMM_COPY_H
#define MM_VMM_COPY_H

#include <mm/vmm.h>

/*
 * Forget every vseg of the copy @vmm that overlaps [start, end), whole, with its PTEs (the frames
 * this copy owns queued on @doomed_xp), and count it as an invalidation (vmm_t.invalidations, so
 * that a fetch under way inserts nothing). Caller holds @vmm's VSL lock for writing, then flushes
 * the TLBs of the copy's cores before it frees @doomed_xp.
 */
void vmm_copy_forget_locked(vmm_t *vmm, vaddr_t start, vaddr_t end, xptr_t doomed_xp);

/* The same with its lock, flush and free: what the copy @vmm runs for VMM_INVALIDATE. May sleep. */
void vmm_copy_forget(vmm_t *vmm, vaddr_t start, vaddr_t end);

/*
 * Copy the reference's vseg containing @vaddr into @vseg (in this cluster), by the VMM_GET_VSEG
 * RPC, as it is at that moment; @vseg's tree links are cleared. EFAULT if the reference has none.
 * Nothing is inserted. May sleep.
 */
error_t vmm_copy_get_ref_vseg(vmm_t *vmm, vaddr_t vaddr, vseg_t *vseg);

#endif /* MM_VMM_COPY_H */
