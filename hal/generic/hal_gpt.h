/*
 * hal_gpt.h - the generic page table (GPT) of a user address space, in a possibly remote cluster.
 *
 * Each copy of a process's VMM (one per cluster where the process runs) has its own gpt_t, whose
 * tables live in that cluster's memory. Generic code speaks only of vpn, ppn and the GPT_*
 * attributes below; the architecture translates them to its PTE format (Sv39 on RISC-V, with
 * GPT_COW and GPT_LOCKED in the PTE's software bits). Every operation takes an extended pointer to
 * the gpt_t, so the reference cluster can update the copies of other clusters directly.
 *
 * The user half only: the kernel half of every table is the kernel table of the GPT's cluster
 * (shared, never modified through this API).
 *
 * Locking. Each PTE has its own lock (the GPT_LOCKED software bit): hal_gpt_lock_pte() takes it,
 * allocating missing intermediate tables, and waits while another core holds it; hal_gpt_set_pte()
 * and hal_gpt_unlock_pte() release it. get/reset/update/copy do not take PTE locks: their
 * callers hold the VMM's locks (vmm.h) that make them safe; set_cow waits for locked PTEs. None of
 * these functions flushes TLBs: the caller does (hal_tlb.h), once for a batch of changes.
 */
#ifndef HAL_GPT_H
#define HAL_GPT_H

#include <hal_types.h>

/* Generic attributes of a PTE. */
#define GPT_MAPPED     0x0001u /* the PTE is valid                                       */
#define GPT_SMALL      0x0002u /* a 4 KiB page (no huge user pages)                      */
#define GPT_READABLE   0x0004u
#define GPT_WRITABLE   0x0008u
#define GPT_EXECUTABLE 0x0010u
#define GPT_CACHABLE   0x0020u /* always set on RISC-V (no Svpbmt): recorded, not encoded */
#define GPT_USER       0x0040u /* accessible in user mode                                */
#define GPT_GLOBAL     0x0080u
#define GPT_DIRTY      0x0100u
#define GPT_ACCESSED   0x0200u
#define GPT_COW        0x0400u /* copy on write (software bit)                           */
#define GPT_LOCKED     0x0800u /* PTE lock held (software bit)                           */

typedef struct gpt_s {
	void    *root;       /* kernel virtual address of the root table (direct map) */
	paddr_t  root_pa;    /* its physical address                                  */
	uint32_t tables_nr;  /* table pages allocated (root included), for leak checks */
} gpt_t;

/* Highest user virtual address + 1: the end of the user half (the architecture's, hal_uabi.h). */
#include <arch/user_layout.h>
#define GPT_USER_VA_END CONFIG_VMM_USER_VA_END

/*
 * Create an empty GPT in the local cluster: a root table whose kernel half is the local kernel
 * table. Returns ENOMEM with nothing allocated. Any thread of the cluster; may take the PPM lock.
 */
error_t hal_gpt_create(gpt_t *gpt);

/* Free every table page of a GPT of the local cluster (not the mapped frames: the VMM frees them
 * first). Caller: the GPT is no longer used by any core (TLBs flushed). */
void hal_gpt_destroy(gpt_t *gpt);

/*
 * Lock the PTE of @vpn in the GPT at @gpt_xp, allocating missing intermediate tables in the GPT's
 * cluster, and return its current attributes and ppn (attr 0 if unmapped). Waits while another core
 * holds that PTE (must not be called with a busylock held). Returns ENOMEM if a table could not be
 * allocated (nothing locked), EINVAL for a vpn outside user space.
 */
error_t hal_gpt_lock_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t *attr, ppn_t *ppn);

/*
 * Like hal_gpt_lock_pte, but for a PTE whose table exists: returns false (nothing locked, nothing
 * allocated) when the GPT has no table for @vpn, i.e. it cannot map it. Used on the GPT copies of
 * other clusters, which map only what their threads touched.
 */
bool hal_gpt_lock_pte_if_present(xptr_t gpt_xp, vpn_t vpn, uint32_t *attr, ppn_t *ppn);

/* Release the lock of a PTE locked by hal_gpt_lock_pte, leaving it unchanged. Panics if the PTE
 * is not locked. */
void hal_gpt_unlock_pte(xptr_t gpt_xp, vpn_t vpn);

/* Write a locked PTE (attr must include GPT_MAPPED; GPT_LOCKED in attr is ignored) and release
 * its lock, in one store ordered after the caller's earlier stores (the frame's content). Panics if
 * the PTE is not locked. */
void hal_gpt_set_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn);

/*
 * Read a PTE without locking it; attr 0 (and ppn 0) if no table or not mapped. A mapped PTE
 * reports GPT_LOCKED while locked, and the attributes the architecture implies (RISC-V: GPT_SMALL,
 * GPT_CACHABLE and GPT_ACCESSED always; GPT_READABLE and GPT_DIRTY with GPT_WRITABLE).
 */
void hal_gpt_get_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t *attr, ppn_t *ppn);

/* Unmap a PTE (no effect if not mapped); keeps its lock state. Tables emptied this way are kept
 * until destroy. */
void hal_gpt_reset_pte(xptr_t gpt_xp, vpn_t vpn);

/* Change the attributes and ppn of a mapped PTE (no effect if unmapped); keeps its lock state. */
void hal_gpt_update_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn);

/*
 * Fork: copy the PTE of @src_vpn in @src_gpt_xp into @dst_vpn of @dst_gpt_xp (allocating the
 * destination's tables). If @cow and the source is writable, the copy is made COW and not writable
 * (the source is not changed: hal_gpt_set_cow does that). Returns in *mapped whether the source was
 * mapped, and its ppn. An unmapped source copies nothing (no destination table is allocated).
 * The source's lock is not copied; the destination's lock state is kept. ENOMEM if a destination
 * table could not be allocated (nothing changed), EINVAL for a vpn outside user space.
 */
error_t hal_gpt_pte_copy(xptr_t dst_gpt_xp, vpn_t dst_vpn, xptr_t src_gpt_xp, vpn_t src_vpn, bool cow,
			 ppn_t *ppn, bool *mapped);

/*
 * For every mapped PTE in [vpn_base, vpn_base + vpn_size): set COW and clear WRITABLE if it was
 * writable. A locked PTE (a fault filling or changing it) is waited for, then marked: whatever
 * the lock holder writes is marked too. The range must lie in user space; missing tables are
 * skipped. Caller: holds no PTE lock of this GPT (fork marks the copies of the parent with it).
 */
void hal_gpt_set_cow(xptr_t gpt_xp, vpn_t vpn_base, vpn_t vpn_size);

/*
 * The first vpn in [@vpn, @end) whose PTE is mapped or locked in the GPT at @gpt_xp, or @end:
 * walks skip the ranges without tables, so a sparse range costs what is mapped in it.
 */
vpn_t hal_gpt_next_mapped(xptr_t gpt_xp, vpn_t vpn, vpn_t end);

/* The user table pages of all the GPTs in cluster @cxy's memory (every tables_nr there summed). */
uint32_t hal_gpt_cluster_tables(cxy_t cxy);

/* Use @gpt, a GPT of the local cluster, for user addresses on the calling core (and flush its
 * TLB); NULL: the local cluster's kernel table alone (no user mapping). */
void hal_gpt_activate(const gpt_t *gpt);

#endif /* HAL_GPT_H */
