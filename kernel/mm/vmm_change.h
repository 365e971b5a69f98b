/*
 * vmm_change.h - the two-step change of a reference VMM (vmm_ops.c, whose top comment explains
 * it), shared by the address-space calls of vmm_ops.c and vmm_advise.c. Private to kernel/mm.
 */
#ifndef MM_VMM_CHANGE_H
#define MM_VMM_CHANGE_H

#include <mm/vmm.h>

/* A change of the reference in two steps (see the top of vmm_ops.c). */
typedef struct change_s {
	vaddr_t      start, end;   /* what the copies must forget                        */
	vaddr_t      start2, end2; /* and a second range (mremap's destination), if not empty */
	bool         begun;        /* step 1 changed something                            */
	vmm_doomed_t doomed;       /* what step 1 unmapped, freed at the end of step 2    */
} change_t;

void    vmm_change_init(change_t *c);
/* Step 1 changes [start, end) of the reference (caller holds its VSL write lock). */
void    vmm_change_begin(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end);
/* Step 2, with the lock released: the copies, the TLBs, then the queued frames. */
void    vmm_change_finish(vmm_t *vmm, change_t *c);
/* Unmap the pages of [start, end) of the reference, its frames queued on @c (whole vsegs only). */
void    vmm_remove_range(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end);
/* Page-aligned range check: EINVAL for a bad start or an empty length, ENOMEM past user space. */
error_t vmm_check_range(vaddr_t addr, uint64_t len, vaddr_t *end);
/* True if vsegs cover [start, end) without a hole. */
bool    vmm_range_covered(vmm_t *vmm, vaddr_t start, vaddr_t end);
/* Make [start, end) a union of whole vsegs by splitting at its ends (holes allowed). ENOMEM. */
error_t vmm_cut_range(vmm_t *vmm, vaddr_t start, vaddr_t end);
/* Join the vsegs of [start, end) and its two neighbours again where they are equal. */
void    vmm_merge_around(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end);

#endif /* MM_VMM_CHANGE_H */
