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
