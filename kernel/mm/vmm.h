/*
 * vmm.h - the virtual memory manager of a process, one copy per cluster where it runs.
 *
 * The reference cluster's VMM is authoritative: its VSL holds every vseg of the process and its GPT
 * every mapping of a public vseg. The copy of another cluster holds the vsegs its threads used
 * (filled lazily from the reference) and the PTEs its threads touched. Page faults (docs/vmm.md):
 *   - private vseg (CODE, STACK under the private policy): a frame of the local cluster, mapped in
 *     the local GPT only ("local" fault);
 *   - public vseg, the local copy is the reference: the same on the reference GPT ("local");
 *   - public vseg mapped in the reference GPT but not locally: copy the reference PTE ("false");
 *   - public vseg unmapped in the reference: resolved in the reference GPT ("global"), by an RPC to
 *     the reference cluster or by a direct remote update under the reference PTE lock (the
 *     protocol: CONFIG_VMM_TRUE_FAULT_RPC, or `vmm=rpc|direct` on the kernel command line), then
 *     copied into the local GPT.
 * Frames of a public vseg belong to the reference (freed when it goes), frames of a private vseg
 * to the copy that mapped them.
 *
 * Lock legend: [R] vsl_lock (rwlock: read to look up or fault, write to change the VSL);
 * [P] PTE locks of the GPT (hal_gpt.h); [A] atomic; [I] set at init; [F] reference only,
 * under vsl_lock in write mode.
 */
#ifndef MM_VMM_H
#define MM_VMM_H

#include <hal_gpt.h>
#include <hal_special.h>
#include <hal_types.h>
#include <kern/rwlock.h>
#include <mm/vseg.h>
#include <mm/vsl.h>
#include <mm/vspace.h>

/* Page fault counters of one VMM copy (cycles: hal_get_cycles units, counted with faultcycles=on on
 * the command line, the default of debug builds only). [A] */
typedef struct vmm_stats_s {
	uint64_t false_faults;   /* reference PTE copied                          */
	uint64_t local_faults;   /* frame allocated and mapped in this copy's GPT */
	uint64_t global_faults;  /* resolved in the reference for this copy       */
	uint64_t false_cycles;
	uint64_t local_cycles;
	uint64_t global_cycles;
	uint64_t failed_faults;  /* no vseg, or an access the vseg forbids        */
	uint64_t cow_faults;     /* writes to a copy-on-write page (vmm_handle_cow) */
	uint64_t cow_copies;     /* ... that copied the frame (the others reused it) */
	uint64_t cow_cycles;
} vmm_stats_t;

typedef struct vmm_s {
	rwlock_t       vsl_lock;   /* protects vsl                                    */
	vsl_t          vsl;        /* [R] vsegs of this copy                          */
	gpt_t          gpt;        /* [P] page table of this copy (local cluster)     */
	xptr_t         ref_xp;     /* [I] the reference vmm_t (itself if reference)   */
	vspace_stack_t stacks;     /* [F] stack slots                                 */
	vspace_mmap_t  mmap;       /* [F] the mmap zone                               */
	vaddr_t        brk_base;   /* [F] start of the heap                           */
	vaddr_t        brk_top;    /* [F] current break                               */
	vmm_stats_t    stats;      /* [A]                                             */
	uint32_t       cores_mask; /* [A] cores of this cluster that may cache this copy's
	                              translations (shootdown targets): set by a core before it
	                              loads the copy's table, cleared once it loaded another
	                              (sched.c; hal_gpt_activate flushes): vmm_cores_to_flush */
	/* reference only: changes that copies must see (vmm_ops.c), begun and finished. While they
	   differ, some copy may still hold vsegs or PTEs the reference no longer has. */
	uint32_t       changes_begun; /* [A] */
	uint32_t       changes_done;  /* [A] */
	/* reference only: forks of this process under way (vmm_fork.c). While one is, some copy may
	   still write to a page the fork is sharing: copy-on-write faults wait. */
	uint32_t       forks_in_progress; /* [A] */
	/* copy only: invalidations this copy ran (vmm_rpc_invalidate), changed under vsl_lock held
	   for writing. A vseg fetched from the reference while one ran may be what the reference
	   had before the change it announced: it is not inserted (fetch_vseg). */
	uint32_t       invalidations;
} vmm_t;

/* Protocol of true faults in copies: RPC to the reference, or direct remote update. */
typedef enum { VMM_PROTOCOL_RPC = 0, VMM_PROTOCOL_DIRECT = 1 } vmm_protocol_t;
extern vmm_protocol_t vmm_protocol;
/* STACK vsegs created from now on are private (ALMOS-MKH's policy) rather than public. */
extern bool vmm_stack_private;

/*
 * The boot options of the VMM, read by each cluster for its own copy of the globals above:
 * `vmm=rpc|direct` (true-fault protocol; default CONFIG_VMM_TRUE_FAULT_RPC) and
 * `stack=public|private` (default CONFIG_VMM_STACK_PRIVATE). Another value is reported and ignored.
 */
void vmm_boot_options(const char *cmdline);

/* True if @vmm is the reference copy. */
static inline bool vmm_is_reference(const vmm_t *vmm)
{
	return vmm->ref_xp == XPTR(local_cxy, vmm);
}

/*
 * Initialise a VMM copy in the local cluster: empty VSL, new GPT, allocators (reference). @ref_xp
 * names the reference vmm_t (XPTR_NULL: this one is the reference). ENOMEM with nothing allocated.
 */
error_t vmm_init(vmm_t *vmm, xptr_t ref_xp);

/*
 * Initialise the VMM of the local cluster's kernel process: its VSL lists the kernel's ranges
 * (hal_kernel_ranges: KCODE, KDATA, KDEV vsegs), for displays; no GPT of its own (the kernel's
 * tables are the HAL's) and no allocators. Boot only; panics without memory.
 */
void vmm_init_kernel(vmm_t *vmm);

/*
 * Destroy a VMM copy of the local cluster: unmap everything, free the frames this copy owns (all
 * public frames for the reference: destroy the other copies first, or leave them with no thread,
 * as vmm_exit does), the vsegs and the GPT. Frees only: it cannot fail. The VSL is left empty
 * and usable; the GPT is gone (nothing may walk it again). Caller: no thread of the process runs
 * in this cluster any more; once per VMM.
 */
void vmm_destroy(vmm_t *vmm);

/*
 * Create a vseg in the reference VMM @vmm (local): [min, max) with @flags, an optional @file part
 * and cluster @cxy (REMOTE, ANON creator). EINVAL (bad vseg), EEXIST (overlap), ENOMEM.
 */
error_t vmm_create_vseg(vmm_t *vmm, vseg_type_t type, vaddr_t min, vaddr_t max, uint32_t flags,
			const vseg_file_t *file, cxy_t cxy, vseg_t **out);

/*
 * Resolve a page fault of a thread of the local cluster on @vaddr for @access (HAL_ACCESS_*),
 * in the local copy @vmm: a demand fault (docs/vmm.md), or a write to a page mapped copy-on-write
 * (vmm_handle_cow). Where this copy owns the mapping, one walk of its GPT finds, locks and fills
 * the PTE. Returns 0 if the access may be retried, EFAULT if no vseg allows it, ENOMEM if no frame
 * or table could be had. May sleep.
 */
error_t vmm_handle_page_fault(vmm_t *vmm, vaddr_t vaddr, uint32_t access);

/*
 * Print the VMM copy in cluster @cxy of process @pid: header, one line per vseg with its pages
 * mapped in that copy, and with @mapping one line per mapped PTE (format: docs/vmm.md). The copy is
 * printed where it lives (an RPC to @cxy). EINVAL (no such cluster), ESRCH (no copy there).
 */
error_t vmm_display(cxy_t cxy, uint32_t pid, bool mapping);

/* The figures of one VMM copy (what the dump prints, for programs: get_vmm_info in almos.h). */
typedef struct vmm_info_s {
	cxy_t       ref_cxy;      /* the reference cluster                        */
	uint32_t    vsegs;        /* vsegs in this copy's VSL                     */
	uint32_t    threads;      /* threads of the process in this cluster       */
	uint64_t    mapped_pages; /* pages of user vsegs mapped in this copy's GPT */
	uint64_t    shared_pages; /* of them, shared (vmm_query.h: vmm_page_counts_t) */
	uint64_t    cow_pages;    /* of them, copy-on-write                        */
	vmm_stats_t stats;
} vmm_info_t;

/* Fill @info for the VMM copy in cluster @cxy of process @pid (an RPC to @cxy). EINVAL, ESRCH. */
error_t vmm_get_info(cxy_t cxy, uint32_t pid, vmm_info_t *info);

/*
 * Fill the frame at @frame_xp (any cluster) with @size bytes of a file at byte @offset, from its
 * page cache @mapper_xp, and zeros after them up to the end of the page (a hole of the file: the
 * whole page); the frame is written once. Implemented with the VFS's mapper (vmm_file.c). EIO,
 * ENOMEM (the frame's content is then undefined).
 */
error_t vmm_fill_from_file(xptr_t mapper_xp, uint64_t offset, size_t size, xptr_t frame_xp);

/* vmm_file.c: mappings of files (mmap with an fd, and MAP_SHARED|MAP_ANONYMOUS over a new
 * anonymous inode). */

/*
 * The bytes of the file behind @vseg (an mmap'd one: inode_xp set) that page @vpn shows: its byte
 * offset in the file in *@offset and how many bytes of the page the file has now in *@bytes (the
 * rest reads as zeros). ENXIO if the page lies wholly beyond the end of the file (SIGBUS).
 */
error_t vmm_file_page(const vseg_t *vseg, vpn_t vpn, uint64_t *offset, size_t *bytes);

/* The mapper page for @vpn of the FILE vseg @vseg, held (one hold per PTE of a reference GPT).
 * [out] ppn. ENXIO beyond the end of the file, ENOMEM, EFBIG. */
error_t vmm_file_hold_page(const vseg_t *vseg, vpn_t vpn, ppn_t *ppn);

/*
 * CODE's replica cache: the frame of @vpn of the CODE vseg @vseg (an executable's segment:
 * mapper_xp set, inode_xp not) for a fault taken in cluster @cxy, where CODE's frames go
 * (vseg_placement), held, when the segment's bytes cover the page whole: the page cache's own
 * page in its cluster, elsewhere that cluster's replica of it (mapper_hold_replica: made by the
 * first fault there, then mapped by every process of the cluster); [out] its ppn. It holds the
 * same bytes as a private copy would (CODE is never writable). False otherwise (the segment's
 * partial last page, a hole, no memory): the caller makes a private copy.
 */
bool vmm_code_hold_page(const vseg_t *vseg, vpn_t vpn, cxy_t cxy, ppn_t *ppn);

/* One more hold on the mapper page of frame @ppn, held already (fork copies a FILE PTE). */
void vmm_file_hold_again(ppn_t ppn);

/* The reference vseg @vseg takes / drops its reference on its file's inode (no-op without). */
void vmm_vseg_hold_file(const vseg_t *vseg);
void vmm_vseg_drop_file(const vseg_t *vseg);

/*
 * A new anonymous inode of @size bytes whose pages live in cluster @cxy, for a shared anonymous
 * mapping; [out] inode_xp with one reference. ENOMEM.
 */
error_t vmm_file_create_anon(cxy_t cxy, uint64_t size, xptr_t *inode_xp);

/*
 * Fork (vmm_fork.c). Build the address space of a child whose reference VMM is @child (local, new,
 * empty, seen by nobody else) from the parent's reference VMM @parent_xp, which may be in another
 * cluster (the work is done there, by an RPC): the child gets a copy of every vseg and of every
 * mapped PTE of the parent's reference GPT, but CODE's when the child is in another cluster than
 * the parent's reference (CODE is replicated per cluster: the child maps its own replica; in the
 * same cluster it shares the parent's) and the trampoline's; the shared frames' forks counters are
 * incremented; every shared page but CODE's becomes copy-on-write in the child, in the parent's
 * reference GPT and, before this returns, in every GPT copy of the parent, whose cores' TLBs are
 * shot down. The allocators (stack slots, mmap zone, break) are copied. ENOMEM with the child's
 * VMM left for vmm_destroy (which gives back what it holds) and the parent unchanged but for pages
 * marked copy-on-write (harmless: the next write reuses the frame).
 */
error_t vmm_fork(vmm_t *child, xptr_t parent_xp);

/*
 * The copy-on-write path (docs/fork.md), taken by vmm_handle_page_fault for a write by a thread of the
 * local cluster to a page that the local copy @vmm maps copy-on-write. @pte is the PTE of the page
 * in the GPT that owns the mapping (the reference's for a public vseg, the local one for a private
 * vseg), locked by the caller, who found @attr and @ppn in it; @vseg, from the local VSL (read-
 * locked), allows writing. If the frame's forks counter is not 0, the page is copied into a new
 * frame placed by the vseg's rule and the counter decremented; otherwise the frame is reused. The
 * PTE becomes writable in the reference and every GPT copy, then the TLBs of every core that ran
 * the process are shot down (vmm_global_update_pte). Concurrent writes from several clusters give
 * one copy. Releases @pte. Returns 0 (retry the access; also when the PTE was unmapped or resolved
 * meanwhile, or a fork of the process is under way), ENOMEM. May sleep.
 */
error_t vmm_handle_cow(vmm_t *vmm, const vseg_t *vseg, const gpt_pte_t *pte, uint32_t attr,
		       ppn_t ppn);

/*
 * One process less shares the frame whose descriptor is @page_xp: true if others still do (its
 * forks counter was not 0, and was decremented), false if the caller was the last one and may free
 * it. Lock-free (an atomic decrement that stops at 0).
 */
bool vmm_frame_unshare(xptr_t page_xp);

/* True if the local copy @vmm maps @vaddr copy-on-write (the write goes to vmm_handle_cow). */
bool vmm_is_cow(vmm_t *vmm, vaddr_t vaddr);

/*
 * Write @attr and @ppn in the PTE of @vpn of every GPT copy of the process whose reference VMM is
 * @ref_vmm_xp, but the reference's (the caller changed it and holds its lock): each copy's PTE is
 * locked for the change when its table exists, and left alone when not mapped. Then shoot down
 * the TLBs of every core that may cache it (as vmm_shootdown; with no copy and the
 * reference local, vmm_flush_tlbs). One pass over the copies for both.
 * Caller: holds no busylock.
 */
void vmm_global_update_pte(xptr_t ref_vmm_xp, vpn_t vpn, uint32_t attr, ppn_t ppn);

/*
 * Flush the TLBs of the local cluster's cores that may cache translations of the local copy @vmm
 * (vmm_cores_to_flush), after the caller's changes to its GPT: when that is only the calling core,
 * its own TLB, without a shootdown (1x1, a process that runs nowhere else). Caller: holds no
 * busylock.
 */
void vmm_flush_tlbs(vmm_t *vmm);

/*
 * The cores of this cluster that may cache @vmm's translations, to flush after a change of its
 * PTEs. The fence orders the caller's PTE changes before the read of cores_mask: a core whose bit
 * it does not see sets it later, then loads the table and flushes, so it walks the new PTEs
 * (sched.c sets the bit, with a full barrier, before hal_gpt_activate).
 */
static inline uint32_t vmm_cores_to_flush(const vmm_t *vmm)
{
	hal_fence();
	return __atomic_load_n(&vmm->cores_mask, __ATOMIC_ACQUIRE);
}

/* The calling core loaded another table (hal_gpt_activate flushed its TLB): it caches none of
 * @vmm's translations any more. Caller: the scheduler, with IRQs off, while @vmm is alive. */
static inline void vmm_forget_core(vmm_t *vmm)
{
	__atomic_fetch_and(&vmm->cores_mask, ~(1u << hal_get_lid()), __ATOMIC_RELEASE);
}

/* Shoot down the TLBs of every core that may cache translations of the process whose reference
 * VMM is @ref_vmm_xp, in every cluster holding a copy (vmm_t.cores_mask, vmm_cores_to_flush). */
void vmm_shootdown(xptr_t ref_vmm_xp);

/* RPC services of the VMM (rpc.c's table) and their arguments (rpc.h). */

/* RPC_VMM_GET_VSEG: the vseg of the reference @vmm containing @vaddr, copied to @dst_xp (a vseg_t
 * of the client's); ENOENT if none. */
typedef struct rpc_vmm_get_vseg_args_s {
	vmm_t  *vmm;
	vaddr_t vaddr;
	xptr_t  dst_xp;
} rpc_vmm_get_vseg_args_t;

/* RPC_VMM_TRUE_FAULT: map a frame for @vaddr in the reference @vmm, for a fault of a thread of
 * cluster @faulting_cxy. */
typedef struct rpc_vmm_true_fault_args_s {
	vmm_t  *vmm;
	vaddr_t vaddr;
	cxy_t   faulting_cxy;
} rpc_vmm_true_fault_args_t;

/* RPC_VMM_DISPLAY: print the target cluster's copy of @pid (its mappings too with @mapping), or,
 * when @info_xp is not XPTR_NULL, write its figures there (a vmm_info_t). ESRCH: no such copy. */
typedef struct rpc_vmm_display_args_s {
	uint32_t pid;     /* pid_t */
	uint32_t mapping;
	xptr_t   info_xp;
} rpc_vmm_display_args_t;

/* RPC_VMM_INVALIDATE: the target cluster's copy of @pid forgets [@start, @end). */
typedef struct rpc_vmm_invalidate_args_s {
	uint32_t pid;    /* pid_t */
	vaddr_t start, end;
} rpc_vmm_invalidate_args_t;

/* RPC_VMM_EXIT: vmm_exit's work on the reference @vmm. */
typedef struct rpc_vmm_exit_args_s {
	vmm_t *vmm;
} rpc_vmm_exit_args_t;

void vmm_rpc_get_vseg(xptr_t desc_xp);     /* in the reference: copy a vseg to a copy      */
void vmm_rpc_true_fault(xptr_t desc_xp);   /* in the reference: map a page for a copy      */
void vmm_rpc_display(xptr_t desc_xp);      /* where the copy lives: print it               */
void vmm_rpc_invalidate(xptr_t desc_xp);   /* in a copy: forget a range, flush the TLBs    */
void vmm_rpc_exit(xptr_t desc_xp);         /* in the reference: vmm_exit's work            */

/*
 * What an address-space change unmapped, kept until no GPT copy and no TLB can reach it: frames to
 * free (linked through page_t.list: a frame is unmapped by one change only) and mapper pages whose
 * hold to drop (a page of a file may be unmapped by several changes at once: small nodes of the
 * local cluster link them). Local to the change's cluster.
 */
typedef struct vmm_doomed_s {
	xlist_entry_t frames;
	xlist_entry_t held;
} vmm_doomed_t;

void vmm_doomed_init(vmm_doomed_t *doomed);

/*
 * Unmap every page of @vseg from this copy's GPT. The frames this copy owns are freed (and the
 * mapper pages of a FILE vseg it holds released) at once with @doomed_xp XPTR_NULL (nothing else
 * can reach them: the VMM is going); otherwise they are queued on the vmm_doomed_t @doomed_xp, to
 * be given back with vmm_free_doomed() once the other copies forgot them and the TLBs were flushed:
 * until then a core may still write to them.
 */
void vmm_unmap_vseg(vmm_t *vmm, const vseg_t *vseg, xptr_t doomed_xp);

/*
 * Unmap the PTE @pte as under its lock (waiting for its holder, then one compare-and-swap:
 * hal_gpt_pte_clear); true if it was mapped, [out] @ppn the frame it mapped then. Every change that takes a frame off a PTE goes through it: a copy's
 * copy-on-write fault works on the reference's PTE under that lock alone (not the reference's VSL
 * lock) and may swap its frame for a copy meanwhile. A frame read before the lock was then dropped
 * twice, once by the fault's unsharing and once by the unmap, while the fork's child still mapped
 * it: a double free once the child let it go (the fuzzer, 4x2; test_races cowshared).
 */
bool vmm_pte_clear(const gpt_pte_t *pte, ppn_t *ppn);

/*
 * Give back what vmm_unmap_vseg, vmm_doom_frame and vmm_doom_held queued on the vmm_doomed_t
 * @doomed_xp (local), once no GPT copy and no TLB can reach it any more.
 */
void vmm_free_doomed(xptr_t doomed_xp);

/* Queue the frame @ppn on @doomed_xp (XPTR_NULL: free it at once); a frame shared by a fork only
 * loses a sharer; a page cache's page that CODE maps (vmm_code_hold_page: a held page, refcount
 * not 0, which no private frame ever has) loses this PTE's hold, as with vmm_doom_held. */
void vmm_doom_frame(ppn_t ppn, xptr_t doomed_xp);

/* Queue the release of the hold on the mapper page of frame @ppn (XPTR_NULL: at once). */
void vmm_doom_held(ppn_t ppn, xptr_t doomed_xp);

/*
 * How many address spaces map the frame @ppn now, for statistics ("shared" pages): a frame of a
 * mapper counts its holders (each mapping PTE of a reference GPT holds it), another frame the
 * processes sharing it after forks (forks + 1). 0 for a frame nobody maps. A snapshot.
 */
uint32_t vmm_frame_share_count(ppn_t ppn);

/* Give the mapped PTEs of @vseg the attributes of its current flags (reference GPT, local). */
void vmm_update_vseg_ptes(vmm_t *vmm, const vseg_t *vseg);

/*
 * Changes of the address space, in the reference VMM @vmm (local), with Linux semantics and
 * return values (>= 0, or -errno); vmm_ops.c.
 */
int64_t vmm_brk(vmm_t *vmm, vaddr_t wanted);
/*
 * An anonymous mapping; with @remote a cluster, a REMOTE vseg whose frames all come from it. @how:
 * VMM_MAP_FIXED at @hint, replacing what is there (MAP_FIXED); VMM_MAP_NOREPLACE at @hint, EEXIST
 * if anything is there (MAP_FIXED_NOREPLACE); neither, @hint is a hint; VMM_MAP_POPULATE maps the
 * pages before returning (MAP_POPULATE): if a page cannot get its frame the mapping goes again
 * and the answer is -ENOMEM (Linux keeps the mapping, the rest left to the faults: docs/vmm.md).
 * A writable private mapping larger than the machine's memory is -ENOMEM unless VMM_MAP_NORESERVE
 * (Linux's heuristic overcommit: oom_exceeds_memory); so is brk growing by more than that.
 */
/* A field of the VMM (a copy or the reference) at extended pointer @vmm_xp. */
#define VMM_XP(vmm_xp, field) XPTR_FIELD(vmm_xp, vmm_t, field)

#define VMM_NO_REMOTE ((cxy_t)-1)
#define VMM_MAP_FIXED     0x1u
#define VMM_MAP_NOREPLACE 0x2u
#define VMM_MAP_POPULATE  0x4u
int64_t vmm_mmap_anon(vmm_t *vmm, vaddr_t hint, uint64_t len, uint32_t prot, uint32_t how,
		      cxy_t remote);
/*
 * A mapping of @len bytes of the file @inode_xp from byte @offset (page aligned), whose reference
 * it takes over (dropped on failure): with VMM_MAP_SHARED a FILE vseg mapping the file's page cache
 * (writes reach the file), otherwise a private ANON vseg whose pages start as copies of the file's.
 * VMM_MAP_RO_FILE: the file is not open for writing (mprotect PROT_WRITE then EACCES). @how's other
 * bits as for vmm_mmap_anon.
 */
#define VMM_MAP_SHARED    0x8u
#define VMM_MAP_RO_FILE   0x10u
#define VMM_MAP_GROWSDOWN 0x20u
#define VMM_MAP_NORESERVE 0x40u /* MAP_NORESERVE: no overcommit check (oom_exceeds_memory) */
int64_t vmm_mmap_file(vmm_t *vmm, vaddr_t hint, uint64_t len, uint32_t prot, uint32_t how,
		      xptr_t inode_xp, uint64_t offset);
/*
 * mremap: Linux's semantics and errors. @flags: VMM_MREMAP_MAYMOVE, VMM_MREMAP_FIXED (with
 * MAYMOVE; the result at @new_addr, replacing what is there). Pages move with their frames.
 */
#define VMM_MREMAP_MAYMOVE 1u
#define VMM_MREMAP_FIXED   2u
#define VMM_MREMAP_DONTUNMAP 4u
/*
 * MAP_GROWSDOWN: if @addr lies below a GROWSDOWN vseg, within 8 MiB of its end, with 256 pages
 * free below the new start (Linux's stack_guard_gap), the vseg grows down to @addr's page.
 * 0, or -EFAULT (nothing grew). vmm_fault_grow_down (sys_mem.c) runs it for the calling thread
 * in its reference cluster, from a page fault that found no vseg.
 */
int64_t vmm_grow_down(vmm_t *vmm, vaddr_t addr);
error_t vmm_fault_grow_down(vaddr_t addr);
int64_t vmm_mremap(vmm_t *vmm, vaddr_t old_addr, uint64_t old_len, uint64_t new_len,
		   uint32_t flags, vaddr_t new_addr);
int64_t vmm_munmap(vmm_t *vmm, vaddr_t addr, uint64_t len);
int64_t vmm_mprotect(vmm_t *vmm, vaddr_t addr, uint64_t len, uint32_t prot);
/* madvise with Linux's answers: DONTNEED (and FREE, DONTNEED_LOCKED) unmap the pages (private
 * ones read zero or the file again, shared ones keep their contents); DONTFORK/DOFORK and
 * WIPEONFORK/KEEPONFORK mark the range for fork; POPULATE_READ/WRITE fault it in; NORMAL, RANDOM,
 * SEQUENTIAL, WILLNEED, DONTDUMP, DODUMP, COLD, PAGEOUT are accepted hints; REMOVE is EACCES
 * (private) or EOPNOTSUPP (the RAM file system cannot punch holes); anything else EINVAL (as a
 * Linux without KSM and transparent huge pages). docs/vmm.md. */
int64_t vmm_madvise(vmm_t *vmm, vaddr_t addr, uint64_t len, uint32_t advice);
/* msync: EINVAL (unaligned @addr, unknown flags, MS_ASYNC with MS_SYNC), ENOMEM (a hole in the
 * range); 0 otherwise (anonymous mappings have nothing to write back, and a shared file
 * mapping's pages are the page cache itself, which is the file on the RAM file system). */
int64_t vmm_msync(vmm_t *vmm, vaddr_t addr, uint64_t len, uint32_t flags);

/*
 * Empty the reference VMM @vmm (local) for exec: every vseg goes, from it and from every copy of
 * the process (their frames freed as munmap frees them, TLBs flushed on every core that ran one of
 * its threads before the call returns), and the virtual space allocators start afresh (stack
 * slots, mmap zone, no heap: exec_commit sets the break after the new image). Caller: no other
 * thread of the process runs, so nothing faults the old mappings back meanwhile. May block.
 */
void vmm_reset(vmm_t *vmm);

/*
 * The memory of an ended process goes back before its parent is told of the end (Linux's exit_mm
 * before exit_notify): the reference VMM @ref_vmm_xp is destroyed as vmm_destroy destroys it
 * (every user vseg, the frames it owns or its share of them, its page tables, root included),
 * and is left empty: an empty VSL that readers (displays, ps, the OOM killer's figures) may
 * still lock and walk, and no GPT, which nothing walks any more but through a vseg. No frame is
 * allocated: it cannot fail. The copies are left alone (they have no thread left, and go with
 * their last hold, forgetting their PTEs without freeing what the reference owned). Runs in the
 * reference cluster (the VMM_EXIT RPC when the caller is elsewhere). Caller: the process has no
 * thread left (no TLB holds its pages: see vmm_destroy), and calls it once. May block.
 */
void vmm_exit(xptr_t ref_vmm_xp);

/*
 * Write @size bytes from kernel memory @src_xp (any cluster) at user address @va of the reference
 * VMM @vmm (local), mapping the pages as a write fault would. Used by exec to write the initial
 * stack. EFAULT if the range is not in a writable vseg, ENOMEM.
 */
error_t vmm_write_user(vmm_t *vmm, vaddr_t va, xptr_t src_xp, size_t size);

#endif /* MM_VMM_H */
