/*
 * vmm_query.h - questions about a process's address space that other subsystems ask (signals),
 * and the signal return trampoline page every process maps (vmm_sigtramp.c).
 */
#ifndef MM_VMM_QUERY_H
#define MM_VMM_QUERY_H

#include <mm/vmm.h>

/*
 * True if a vseg of the process covers @addr: this copy's VSL (read-locked), else the
 * reference's (an RPC to its cluster when it is another one). For SIGSEGV's si_code: a fault
 * inside a vseg is SEGV_ACCERR, outside SEGV_MAPERR. May block.
 */
bool vmm_has_vseg(vmm_t *vmm, vaddr_t addr);

/* The pages of a vseg as a process's statistics count them (MINIX's total, shared, COW). */
typedef struct vmm_page_counts_s {
	uint64_t mapped; /* pages mapped in the copy's GPT                                        */
	uint64_t shared; /* of them, frames that hold references (the page cache's pages, shared  */
	                 /* memory): other address spaces may map them too                         */
	uint64_t cow;    /* of them, copy-on-write PTEs (shared with a fork relative)              */
} vmm_page_counts_t;

/*
 * Count the pages of @vseg in the local copy @vmm (caller: @vmm's cluster, holding its VSL lock
 * for reading). A kernel vseg counts as mapped whole. Walks only the mapped part of the range.
 */
void vmm_vseg_page_counts(vmm_t *vmm, const vseg_t *vseg, vmm_page_counts_t *counts);

/* The sums of vmm_vseg_page_counts over the user vsegs of @vmm (the same caller's conditions). */
void vmm_user_page_totals(vmm_t *vmm, vmm_page_counts_t *totals);

/*
 * The signal trampoline: one page of the kernel's in each cluster (allocated by
 * vmm_sigtramp_init at the cluster's boot, filled with hal_sigreturn_code, never freed), mapped
 * read+exec at CONFIG_VMM_SIGTRAMP_BASE in every process by a private TRAMP vseg
 * (vmm_sigtramp_create, at exec). A fault on that vseg maps the faulting cluster's page
 * (vmm_sigtramp_map); unmapping it frees nothing.
 */
void    vmm_sigtramp_init(void);
error_t vmm_sigtramp_create(vmm_t *vmm);
error_t vmm_sigtramp_map(vmm_t *vmm, vpn_t vpn);

#endif /* MM_VMM_QUERY_H */
