/*
 * hal_gpt.h - the generic page table (GPT) of a user address space, in a possibly remote cluster.
 *
 * Each copy of a process's VMM (one per cluster where the process runs) has its own gpt_t, whose
 * tables live in that cluster's memory. Generic code speaks only of vpn, ppn and the GPT_*
 * attributes below; the architecture translates them to its PTE format. Every operation reaches the
 * GPT through an extended pointer, so the reference cluster can update the copies of other clusters
 * directly. The user half only: the kernel half of every root is the kernel root of the GPT's
 * cluster (shared, never modified through this API).
 *
 * One implementation for every architecture (hal/common/hal_gpt.c), parameterised by <arch/pte.h>
 * (included below), which must define:
 *   pte_t                      the type of an entry (64 bits);
 *   PTE_LEVELS, PTE_INDEX_BITS, PTE_ENTRIES, PTE_LEVEL_SHIFT(l)
 *                              the shape: levels of tables of PTE_ENTRIES entries (one page each),
 *                              the root being level PTE_LEVELS - 1 and the 4 KiB leaves level 0;
 *                              an entry of level l maps 2^PTE_LEVEL_SHIFT(l) bytes;
 *   PTE_ROOT_USER_ENTRIES      the user half: root entries [0, PTE_ROOT_USER_ENTRIES); the rest is
 *                              the kernel's, copied from the cluster's kernel root at create;
 *   PTE_USER_VA_END            the end of the user half (GPT_USER_VA_END below);
 *   PTE_LOCKED, PTE_COW        the software bits of the PTE lock and of copy-on-write;
 *   PTE_WRITE                  the hardware write permission (copy-on-write marking clears it);
 *   PTE_MAPPED_BITS            a leaf with any of these bits is mapped;
 *   PTE_TABLE_BITS             an upper-level user entry with any of these bits points at a table;
 *   pte_table(pa), pte_table_paddr(pte), pte_table_is_leaf(pte)
 *                              an upper-level entry pointing at a table, and back (a present upper
 *                              entry that is a leaf is a huge page: never in the user half);
 *   pte_leaf(attr, ppn)        the leaf for GPT_* @attr (GPT_LOCKED ignored) and @ppn, with the
 *                              architecture's implied bits;
 *   pte_leaf_attr(pte), pte_leaf_ppn(pte)
 *                              back: 0 for an unmapped leaf, GPT_LOCKED while locked.
 * hal/common/hal_gpt_root.c provides hal_gpt_kernel_root() and hal_gpt_activate(), over the
 * architecture's hal_mmu_switch_root() (below).
 *
 * Handles and cursors. A walk from the root finds the location of a PTE: its *handle*
 * (gpt_pte_t). Tables are freed only by hal_gpt_destroy, so a handle stays valid as long as its
 * GPT: a fault walks once and locks, tests and sets through the handle. A *cursor* (gpt_cursor_t)
 * remembers the leaf table last reached, so that the PTEs of one leaf table cost one walk, and the
 * *iterator* (gpt_iter_t) scans a range a leaf table at a time, skipping absent tables at every
 * level, and stops at each mapped (or locked) PTE.
 *
 * Locking. Each PTE has its own lock (the PTE_LOCKED software bit): hal_gpt_lock_pte() takes it,
 * allocating missing intermediate tables, and waits while another core holds it;
 * hal_gpt_pte_set() and hal_gpt_pte_unlock() release it. The other operations do not take PTE
 * locks, and keep a PTE's lock state as they find it: their callers hold the VMM's locks (vmm.h)
 * that make them safe; set_cow waits for locked PTEs. None of these functions flushes TLBs: the
 * caller does (hal_tlb.h), once for a batch of changes. Everything here may run on any core of any
 * cluster, with IRQs on or off; functions that wait for a PTE lock must not be called with a
 * busylock held.
 */
#ifndef HAL_GPT_H
#define HAL_GPT_H

#include <hal_types.h>

/* Generic attributes of a PTE. */
#define GPT_MAPPED     0x0001u /* the PTE is mapped (its frame recorded)                  */
#define GPT_SMALL      0x0002u /* a 4 KiB page (no huge user pages)                      */
#define GPT_READABLE   0x0004u
#define GPT_WRITABLE   0x0008u
#define GPT_EXECUTABLE 0x0010u
#define GPT_CACHABLE   0x0020u /* RISC-V: always (no Svpbmt), recorded, not encoded      */
#define GPT_USER       0x0040u /* accessible in user mode                                */
#define GPT_GLOBAL     0x0080u
#define GPT_DIRTY      0x0100u
#define GPT_ACCESSED   0x0200u
#define GPT_COW        0x0400u /* copy on write (software bit)                           */
#define GPT_LOCKED     0x0800u /* PTE lock held (software bit)                           */

#include <arch/pte.h> /* the architecture's PTE format (see above) */

/* Highest user virtual address + 1. */
#define GPT_USER_VA_END PTE_USER_VA_END

typedef struct gpt_s {
	void    *root;       /* kernel virtual address of the root table (direct map) */
	paddr_t  root_pa;    /* its physical address                                  */
	uint32_t tables_nr;  /* table pages allocated (root included), for leak checks */
} gpt_t;

/* The location of one leaf PTE (its handle): valid while its GPT exists. */
typedef struct gpt_pte_s {
	xptr_t xp;  /* the entry, in the GPT's cluster */
	vpn_t  vpn; /* the page it maps (diagnostics)  */
} gpt_pte_t;

/* A GPT and the leaf table last reached in it (see the top). */
typedef struct gpt_cursor_s {
	xptr_t gpt_xp;
	vpn_t  leaf_base; /* first vpn the cached leaf table maps, if leaf != NULL */
	pte_t *leaf;      /* the cached leaf table (GPT's cluster), NULL: none yet */
	xptr_t leaf_runs; /* its map of runs that may hold entries (hal_gpt.c), if leaf != NULL */
} gpt_cursor_t;

/* An iteration over the mapped PTEs of a range (hal_gpt_iter_init). */
typedef struct gpt_iter_s {
	gpt_cursor_t cursor;   /* private                                                      */
	vpn_t        next;     /* private: where the scan resumes                              */
	vpn_t        end;      /* private                                                      */
	bool         locked;   /* private: stop at unmapped locked PTEs too                    */
	vpn_t        vpn;      /* [out] the current PTE's page                                 */
	uint32_t     attr;     /* [out] its attributes when reached (GPT_LOCKED while locked)  */
	ppn_t        ppn;      /* [out] its frame (0 if not mapped)                            */
	gpt_pte_t    pte;      /* [out] its handle                                             */
} gpt_iter_t;

/* ---- create, destroy, activate ---- */

/*
 * Create an empty GPT in the local cluster: a root table whose kernel half is the local kernel
 * root. Returns ENOMEM with nothing allocated. Any thread of the cluster; may take the PPM lock.
 */
error_t hal_gpt_create(gpt_t *gpt);

/* Free every table page of a GPT of the local cluster (not the mapped frames: the VMM frees them
 * first). Caller: the GPT is no longer used by any core (TLBs flushed). */
void hal_gpt_destroy(gpt_t *gpt);

/* The user table pages of all the GPTs in cluster @cxy's memory (every tables_nr there summed). */
uint32_t hal_gpt_cluster_tables(cxy_t cxy);

/* The physical address of cluster @cxy's kernel root table (the kernel half of the roots). */
paddr_t hal_gpt_kernel_root(cxy_t cxy);

/* Use @gpt, a GPT of the local cluster, for user addresses on the calling core (and flush its
 * TLB); NULL: the local cluster's kernel table alone (no user mapping). */
void hal_gpt_activate(const gpt_t *gpt);

/*
 * [arch] Make the root table at @root_pa the calling core's translation root and flush its TLB of
 * user translations (RISC-V: satp, Sv39, ASID 0; x86_64: CR3). The kernel switches through
 * hal_gpt_activate; the boot calls it directly. In the architecture's hal_tlb.c, apart from the
 * page-table code, so that the host tests of the GPT can stand in for it.
 */
void hal_mmu_switch_root(paddr_t root_pa);

/* ---- one PTE, by vpn: one walk ---- */

/*
 * Lock the PTE of @vpn in the GPT at @gpt_xp, allocating missing intermediate tables in the GPT's
 * cluster; [out] its handle, its current attributes and ppn (attr 0 if unmapped). Waits while
 * another core holds that PTE. Returns ENOMEM if a table could not be allocated (nothing locked),
 * EINVAL for a vpn outside user space.
 */
error_t hal_gpt_lock_pte(xptr_t gpt_xp, vpn_t vpn, gpt_pte_t *pte, uint32_t *attr, ppn_t *ppn);

/*
 * Like hal_gpt_lock_pte, but for a PTE whose table exists: returns false (nothing locked, nothing
 * allocated) when the GPT has no table for @vpn, i.e. it cannot map it. Used on the GPT copies of
 * other clusters, which map only what their threads touched.
 */
bool hal_gpt_lock_pte_if_present(xptr_t gpt_xp, vpn_t vpn, gpt_pte_t *pte, uint32_t *attr,
				 ppn_t *ppn);

/*
 * Like hal_gpt_lock_pte_if_present, for a caller that must not wait for a PTE lock: one that masks
 * IRQs (it holds a busylock). A PTE's lock holder may be a thread of the caller's own core,
 * preempted in a fault with the PTE locked, which cannot run again before the caller lets go: the
 * wait would never end. GPT_TRY_LOCKED: locked ([out] as above); GPT_TRY_ABSENT: no table for
 * @vpn; GPT_TRY_BUSY: another thread holds it, nothing locked (the caller releases its busylocks,
 * lets the holder run, then tries again).
 */
typedef enum gpt_try_e {
	GPT_TRY_LOCKED,
	GPT_TRY_ABSENT,
	GPT_TRY_BUSY,
} gpt_try_t;
gpt_try_t hal_gpt_try_lock_pte_if_present(xptr_t gpt_xp, vpn_t vpn, gpt_pte_t *pte,
					   uint32_t *attr, ppn_t *ppn);

/*
 * Read a PTE without locking it; attr 0 (and ppn 0) if no table or not mapped. A mapped PTE
 * reports GPT_LOCKED while locked, and the attributes the architecture implies (both: GPT_SMALL,
 * GPT_ACCESSED always, GPT_DIRTY with GPT_WRITABLE; RISC-V: GPT_CACHABLE always and GPT_READABLE
 * with GPT_WRITABLE; x86_64: GPT_READABLE with any access).
 */
void hal_gpt_get_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t *attr, ppn_t *ppn);

/* ---- one PTE, by handle: no walk ---- */

/* Take the lock of the PTE @pte, waiting while another core holds it; [out] its attributes (without
 * GPT_LOCKED) and ppn as they were. */
void hal_gpt_pte_lock(const gpt_pte_t *pte, uint32_t *attr, ppn_t *ppn);

/* Release the lock of @pte, leaving it unchanged. Panics if it is not locked. */
void hal_gpt_pte_unlock(const gpt_pte_t *pte);

/* Write the locked @pte (attr must include GPT_MAPPED; GPT_LOCKED in attr is ignored) and release
 * its lock, in one store ordered after the caller's earlier stores (the frame's content). Panics if
 * the PTE is not locked. */
void hal_gpt_pte_set(const gpt_pte_t *pte, uint32_t attr, ppn_t ppn);

/* Read @pte (as hal_gpt_get_pte). */
void hal_gpt_pte_get(const gpt_pte_t *pte, uint32_t *attr, ppn_t *ppn);

/* Change the attributes and ppn of @pte if it is mapped (no effect if not); keeps its lock state.
 * attr must include GPT_MAPPED. */
void hal_gpt_pte_update(const gpt_pte_t *pte, uint32_t attr, ppn_t ppn);

/* Write @attr and @ppn into @pte, mapped or not (attr must include GPT_MAPPED); keeps its lock state:
 * the destination of a copy (fork, mremap). */
void hal_gpt_pte_store(const gpt_pte_t *pte, uint32_t attr, ppn_t ppn);

/* Unmap @pte (no effect if not mapped); keeps its lock state. Tables emptied this way are kept
 * until destroy. */
void hal_gpt_pte_reset(const gpt_pte_t *pte);

/*
 * Unmap @pte as its lock holder would (lock, reset, unlock), in one compare-and-swap taken while
 * nobody holds its lock: waits while a core holds it (a copy-on-write fault may be changing the
 * frame), then reads the frame and clears the entry together. Returns whether it was mapped, and
 * then its ppn in *@ppn. The PTE is left unlocked. (munmap and MADV_DONTNEED: docs/vmm.md.)
 */
bool hal_gpt_pte_clear(const gpt_pte_t *pte, ppn_t *ppn);

/*
 * Give the mapped @pte the attributes @attr (which must include GPT_MAPPED) on its frame, in one
 * compare-and-swap taken while nobody holds its lock (waits as hal_gpt_pte_clear); a PTE marked
 * copy-on-write stays so (@attr without GPT_WRITABLE, with GPT_COW). Returns false, nothing
 * changed, if it is not mapped. The PTE is left unlocked. (mprotect.)
 */
bool hal_gpt_pte_protect(const gpt_pte_t *pte, uint32_t attr);

/* ---- cursors: one walk per leaf table ---- */

/* Start a cursor on the GPT at @gpt_xp. */
void hal_gpt_cursor_init(gpt_cursor_t *cursor, xptr_t gpt_xp);

/*
 * [out] the handle of the PTE of @vpn, allocating the missing tables on the way (walks only when
 * @vpn is outside the cached leaf table). ENOMEM if a table could not be allocated (nothing
 * changed), EINVAL for a vpn outside user space.
 */
error_t hal_gpt_cursor_pte(gpt_cursor_t *cursor, vpn_t vpn, gpt_pte_t *pte);

/* ---- iteration over the mapped PTEs of a range ---- */

/* hal_gpt_iter_init flags */
#define GPT_ITER_LOCKED 0x1u /* also stop at unmapped PTEs that are locked (a fault filling them) */

/*
 * Start an iteration over [start, end) of the GPT at @gpt_xp (clipped to user space). Each
 * hal_gpt_iter_next then moves to the next mapped PTE (with GPT_ITER_LOCKED: mapped or locked) in
 * increasing vpn order and fills it->vpn, attr, ppn and pte; false at the end of the range. The
 * caller may change the current PTE through it->pte (PTEs before it are not visited again; PTEs it
 * maps ahead of the scan are visited). A leaf table is scanned in one hal_remote_find64 from the
 * current position; missing tables of every level are skipped whole.
 */
void hal_gpt_iter_init(gpt_iter_t *it, xptr_t gpt_xp, vpn_t start, vpn_t end, uint32_t flags);
bool hal_gpt_iter_next(gpt_iter_t *it);

/*
 * Move the iteration @it (same GPT, same flags) to [start, end), as a new hal_gpt_iter_init would,
 * but keeping the leaf table it last reached: a range that starts in that table costs no walk from
 * the root (the vsegs of an address space, taken in increasing order).
 */
void hal_gpt_iter_range(gpt_iter_t *it, vpn_t start, vpn_t end);

/* ---- ranges ---- */

/*
 * For every mapped PTE in [vpn_base, vpn_base + vpn_size): set COW and clear WRITABLE if it was
 * writable. A locked PTE (a fault filling or changing it) is waited for, then marked: whatever
 * the lock holder writes is marked too. The range must lie in user space; missing tables are
 * skipped. Caller: holds no PTE lock of this GPT (fork marks the copies of the parent with it).
 */
void hal_gpt_set_cow(xptr_t gpt_xp, vpn_t vpn_base, vpn_t vpn_size);

/*
 * The same for a caller that must not wait (IRQs masked: hal_gpt_try_lock_pte_if_present says
 * why): a locked PTE is left as it is, the others are marked. Returns false if one was locked:
 * the caller lets its holder run and calls again (marking is idempotent).
 */
bool hal_gpt_try_set_cow(xptr_t gpt_xp, vpn_t vpn_base, vpn_t vpn_size);

#endif /* HAL_GPT_H */
