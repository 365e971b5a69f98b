/*
 * vmm_fork.c - the address space of a fork, and copy on write (see vmm.h and docs/fork.md).
 *
 * Fork (vmm_fork). The child's reference VMM is created in the cluster the placement chose, and the
 * sharing runs there too, on the parent's reference wherever it lives: its VSL (a tree of pointers
 * local to its cluster) walked through extended pointers (vsl_remote_*), its locks taken remotely.
 * (It once ran in the parent's cluster, by an RPC_VMM_FORK nested in the child's RPC_PROCESS_FORK:
 * one more round trip per fork to another cluster.) In three steps:
 *   1. parent.forks_in_progress++: copy-on-write faults of the parent wait until step 3;
 *   2. with the parent's VSL read-locked (no munmap, mprotect or exec can change it), each vseg is
 *      copied into an array in the child's cluster, and each mapped PTE of the parent's reference
 *      GPT, a leaf table at a time and each under its lock: copied into the child's GPT, its
 *      frame's forks counter incremented, and the page made copy-on-write in both. CODE's pages
 *      are not copied: the child faults in those it runs, from its cluster's replica (the page
 *      cache's page where it lives, vmm_code_hold_page);
 *   3. the lock released, every GPT copy of the parent marks the same pages copy-on-write
 *      (hal_gpt_try_set_cow: a PTE a fault is filling is marked at a later pass, once the fault
 *      is done; for_each_copy says why it is not waited for), then one TLB shootdown over every
 *      core that ran the parent; forks_in_progress--.
 * The child's thread starts only after vmm_fork returned, so it never sees a page its parent's
 * threads still write. A copy-on-write fault of the parent during step 3 could otherwise copy a
 * frame that a sibling still writes through a stale writable PTE of another copy: the write would
 * be lost; hence the wait of step 1.
 *
 * Frames shared by forks. page_t.forks counts the processes sharing a frame beyond the first. It is
 * changed by atomic operations only: an increment per sharing child, a decrement that never goes
 * below 0 (vmm_frame_unshare: compare-and-swap). Whoever unmaps a shared frame decrements the
 * counter instead of freeing it (vmm_doom_frame); the one that finds it at 0 was the last and frees
 * it. A write to a copy-on-write page (vmm_handle_cow) copies the frame while the counter is not 0
 * (decrementing it), and reuses it once it is.
 */
#include <hal_gpt.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_tlb.h>
#include <hal_upcalls.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <mm/oom.h>
#include <mm/page.h>
#include <mm/ppm.h>
#include <mm/vmm.h>

#define PROC_OF_VMM(vmm_xp) ((vmm_xp) - offsetof(process_t, vmm))
#define STAT_XP(vmm, field) XPTR(local_cxy, &(vmm)->stats.field)

/* The page descriptor of frame @ppn. */
static xptr_t frame_page(ppn_t ppn)
{
	return ppm_base2page((paddr_t)ppn << CONFIG_PAGE_SHIFT);
}

/* The forks counter of the frame whose descriptor is @page_xp (atomic: see the top). */
#define FORKS(page_xp) PAGE_XP(page_xp, forks)

bool vmm_frame_unshare(xptr_t page_xp)
{
	uint32_t forks;

	do {
		forks = hal_remote_l32(FORKS(page_xp));
		if (forks == 0)
			return false;
	} while (!hal_remote_atomic_cas32(FORKS(page_xp), forks, forks - 1));
	return true;
}

/*
 * Run @fn on each VMM copy but the reference, with the owner's copies lock held (a copy leaves the
 * list, then is destroyed: under the lock, none of them goes). That lock is a busylock: IRQs are
 * masked, so @fn must not wait for a PTE lock, whose holder may be a thread of this core
 * preempted in a fault (a fork's server marking the copy of its own cluster waited so for a
 * thread that its own IPI had preempted in copy_pte: the core was lost, with every fork behind it;
 * the fuzzer, 4x2). @fn returns false if it met such a PTE: the pass is then made again, once the
 * lock is released and the holder has had a chance to run. So @fn must be idempotent.
 */
static void for_each_copy(xptr_t ref_vmm_xp, bool (*fn)(xptr_t vmm_xp, void *arg), void *arg)
{
	xptr_t proc_xp = PROC_OF_VMM(ref_vmm_xp);
	xptr_t owner_xp = hal_remote_lxp(PROC_XP(proc_xp, owner_xp));
	xptr_t lock = PROC_XP(owner_xp, copies_lock), e;
	bool done;

	for (;;) {
		done = true;
		remote_busylock_acquire(lock);
		XLIST_FOREACH(PROC_XP(owner_xp, copies_root), e) {
			xptr_t vmm_xp = PROC_XP(XLIST_ELEMENT(e, process_t, copies_link), vmm);
			if (vmm_xp != ref_vmm_xp && !fn(vmm_xp, arg))
				done = false;
		}
		remote_busylock_release(lock);
		if (done)
			return;
		kassert(hal_irq_enabled()); /* else the holder could never run: the pass would spin */
		sched_let_holders_run();
	}
}

/* Add the cores that may cache @vmm_xp's translations to @arg's masks, after the caller's PTE
 * changes (the fence: vmm_cores_to_flush says why). */
static bool collect_cores(xptr_t vmm_xp, void *arg)
{
	uint32_t *masks = arg;

	hal_fence();
	masks[GET_CXY(vmm_xp)] |= hal_remote_l32(VMM_XP(vmm_xp, cores_mask));
	return true;
}

void vmm_shootdown(xptr_t ref_vmm_xp)
{
	uint32_t masks[CONFIG_MAX_CLUSTERS] = { 0 };

	collect_cores(ref_vmm_xp, masks);
	for_each_copy(ref_vmm_xp, collect_cores, masks);
	ipi_shootdown(masks, cluster_count());
}

typedef struct pte_value_s {
	vpn_t    vpn;
	uint32_t attr;
	ppn_t    ppn;
	uint32_t copies;                     /* copies visited                          */
	uint32_t masks[CONFIG_MAX_CLUSTERS]; /* the cores that may cache them, by cluster */
} pte_value_t;

static bool update_copy(xptr_t vmm_xp, void *arg)
{
	pte_value_t *v = arg;
	gpt_pte_t pte;
	uint32_t attr;
	ppn_t ppn;

	if (v->copies++ == 0) /* the masks are needed once there is a copy */
		memset(v->masks, 0, sizeof(v->masks));
	/* Locked: a copy_pte in flight read the old value; it writes it first, then we overwrite
	 * (after the pass made again: we may not wait for it here, for_each_copy says why). */
	switch (hal_gpt_try_lock_pte_if_present(VMM_XP(vmm_xp, gpt), v->vpn, &pte, &attr, &ppn)) {
	case GPT_TRY_BUSY:
		return false;
	case GPT_TRY_LOCKED:
		if (attr & GPT_MAPPED)
			hal_gpt_pte_set(&pte, v->attr, v->ppn);
		else
			hal_gpt_pte_unlock(&pte);
		break;
	case GPT_TRY_ABSENT:
		break;
	}
	return collect_cores(vmm_xp, v->masks); /* after the update: a core missed loads the new PTE */
}

void vmm_global_update_pte(xptr_t ref_vmm_xp, vpn_t vpn, uint32_t attr, ppn_t ppn)
{
	pte_value_t v;

	v.vpn = vpn; /* not an initializer: it would zero the masks */
	v.attr = attr & ~GPT_LOCKED;
	v.ppn = ppn;
	v.copies = 0;

	for_each_copy(ref_vmm_xp, update_copy, &v);
	/*
	 * No copy (the process never ran elsewhere) and the reference here: only this cluster's
	 * cores can hold the translation. A copy made from now on copies the reference's PTE only
	 * once our lock is released (copy_pte), so it gets the new one.
	 */
	if (v.copies == 0 && GET_CXY(ref_vmm_xp) == local_cxy) {
		vmm_flush_tlbs(GET_PTR(ref_vmm_xp));
		return;
	}
	if (v.copies == 0)
		memset(v.masks, 0, sizeof(v.masks));
	collect_cores(ref_vmm_xp, v.masks);
	ipi_shootdown(v.masks, cluster_count());
}

/* ------------------------------------------------------------------------------------------- */
/* fork                                                                                         */

/* The vsegs a fork copies on its stack (a process has ~6: code, data, heap, stack, trampoline, a
 * mapping or two); more take one allocation: 1 300 instructions per fork with its free. */
#define FORK_STACK_VSEGS 8

/* What the sharing fills in, in the child's cluster (local). */
typedef struct fork_job_s {
	xptr_t   parent_vmm;  /* the parent's reference VMM, in any cluster                   */
	xptr_t   child_vmm;   /* the child's reference VMM (local)                            */
	vseg_t  *vsegs;       /* [out] copies of the parent's vsegs (local)                   */
	uint32_t vsegs_nr;    /* [out]                                                         */
} fork_job_t;

/*
 * Share the mapped pages of @vseg (a copy of a vseg of the parent's reference) with the child's
 * GPT, a leaf table at a time: the parent's PTEs come from one scan (@it, an iteration over the
 * parent's reference GPT, in any cluster), the child's entries of one leaf table from one walk
 * (@child, a cursor on the child's GPT); both keep the leaf table they last reached from one vseg
 * to the next. Each parent PTE is locked while it is shared (a fault of another cluster may be
 * changing it). A page becomes copy-on-write in both, read-only ones too (a later mprotect must not
 * make a shared frame writable), and its frame's forks counter counts the child; a FILE page is the
 * mapper's, shared as it is with one more hold.
 */
static error_t share_vseg(const vseg_t *vseg, gpt_iter_t *it, gpt_cursor_t *child)
{
	for (hal_gpt_iter_range(it, vseg->vpn_base, vseg->vpn_base + vseg->vpn_size);
	     hal_gpt_iter_next(it);) {
		gpt_pte_t dst;
		uint32_t attr, cow_attr;
		ppn_t ppn;
		error_t error;

		hal_gpt_pte_lock(&it->pte, &attr, &ppn);
		if (!(attr & GPT_MAPPED)) { /* a fault left it empty */
			hal_gpt_pte_unlock(&it->pte);
			continue;
		}
		error = hal_gpt_cursor_pte(child, it->vpn, &dst);
		if (error) {
			hal_gpt_pte_unlock(&it->pte);
			return error;
		}
		if (vseg->type == VSEG_TYPE_FILE) {
			hal_gpt_pte_store(&dst, attr, ppn);
			vmm_file_hold_again(ppn); /* the child's PTE holds the mapper page too */
			hal_gpt_pte_unlock(&it->pte);
			continue;
		}
		cow_attr = (attr & ~GPT_WRITABLE) | GPT_COW;
		hal_gpt_pte_store(&dst, cow_attr, ppn);
		hal_remote_atomic_add32(FORKS(frame_page(ppn)), 1);
		hal_gpt_pte_set(&it->pte, cow_attr, ppn); /* and unlocks */
	}
	return 0;
}

/* The public vsegs' ranges that a copy of the parent must mark copy-on-write (false: a PTE was
 * locked, to be marked at the next pass; for_each_copy). */
static bool mark_copy(xptr_t vmm_xp, void *arg)
{
	const fork_job_t *job = arg;
	xptr_t gpt_xp = VMM_XP(vmm_xp, gpt);
	bool all = true;

	for (uint32_t i = 0; i < job->vsegs_nr; i++) {
		const vseg_t *v = &job->vsegs[i];

		if (v->type == VSEG_TYPE_CODE || v->type == VSEG_TYPE_FILE || v->type == VSEG_TYPE_TRAMP ||
		    (v->flags & (VSEG_PRIVATE | VSEG_WIPEONFORK)))
			continue;
		if (!hal_gpt_try_set_cow(gpt_xp, v->vpn_base, v->vpn_size))
			all = false;
	}
	return all;
}

/* Copy the parent's vsegs into job->vsegs (@max entries) and share their pages with the child's
 * GPT; the caller holds the parent's VSL lock (read). Returns 0 or ENOMEM (a child's table). */
static error_t share_vsegs(fork_job_t *job, uint32_t max)
{
	xptr_t child_gpt_xp = VMM_XP(job->child_vmm, gpt);
	gpt_cursor_t child;
	gpt_iter_t it;
	error_t error = 0;
	xptr_t vseg_xp;
	uint32_t n = 0;

	hal_gpt_iter_init(&it, VMM_XP(job->parent_vmm, gpt), 0, 0, GPT_ITER_LOCKED);
	hal_gpt_cursor_init(&child, child_gpt_xp);
	for (vseg_xp = vsl_remote_first(VMM_XP(job->parent_vmm, vsl)); vseg_xp != XPTR_NULL && !error;
	     vseg_xp = vsl_remote_next(vseg_xp)) {
		vseg_t *v = &job->vsegs[n];

		kassert(n < max);
		hal_remote_memcpy(XPTR(local_cxy, v), vseg_xp, sizeof(*v));
		if (v->flags & VSEG_DONTFORK) /* madvise(MADV_DONTFORK): not the child's */
			continue;
		n++;
		vmm_vseg_hold_file(v); /* the child's vseg holds the file too */
		if (v->flags & VSEG_WIPEONFORK) /* MADV_WIPEONFORK: the child's pages start empty */
			continue;
		/* CODE is replicated per cluster: the child faults in the pages it runs, each from
		 * its cluster's replica, which is the page cache's page where that is (fill_pte), so
		 * that fork copies, and the child's end gives back, only what the child touches. The
		 * trampoline page is the kernel's, one per cluster: the child maps its cluster's. */
		if (v->type != VSEG_TYPE_CODE && v->type != VSEG_TYPE_TRAMP)
			error = share_vseg(v, &it, &child);
	}
	job->vsegs_nr = n;
	return error;
}

/* The child's stack-slot and break allocators start where the parent's are. */
static void copy_allocators(xptr_t parent_xp, vmm_t *child)
{
	xptr_t stacks = VMM_XP(parent_xp, stacks);

	remote_busylock_acquire(XPTR_FIELD(stacks, vspace_stack_t, lock));
	child->stacks.used = hal_remote_l32(XPTR_FIELD(stacks, vspace_stack_t, used));
	hal_remote_memcpy(XPTR(local_cxy, child->stacks.bitmap),
			  XPTR_FIELD(stacks, vspace_stack_t, bitmap), sizeof(child->stacks.bitmap));
	remote_busylock_release(XPTR_FIELD(stacks, vspace_stack_t, lock));
	child->brk_base = hal_remote_l64(VMM_XP(parent_xp, brk_base));
	child->brk_top = hal_remote_l64(VMM_XP(parent_xp, brk_top));
}

/*
 * vmm_fork's sharing, run in the child's cluster on the parent's reference wherever it is: its VSL
 * walked and its locks taken through extended pointers (the locks a server of the parent's cluster
 * would take, in the same order), so that a child made in another cluster costs no RPC back to the
 * parent's. job->vsegs is @on_stack (FORK_STACK_VSEGS entries) if they fit, else allocated.
 * Returns 0 or ENOMEM; job->vsegs / vsegs_nr say what was shared, also on a failure.
 */
static error_t fork_share(fork_job_t *job, vseg_t *on_stack)
{
	xptr_t parent_xp = job->parent_vmm;
	xptr_t lock_xp = VMM_XP(parent_xp, vsl_lock);
	uint32_t max;
	error_t error = 0;

	kassert(hal_remote_lxp(VMM_XP(parent_xp, ref_xp)) == parent_xp);
	hal_remote_atomic_add32(VMM_XP(parent_xp, forks_in_progress), 1);
	remote_rwlock_rd_acquire(lock_xp);
	max = hal_remote_l32(XPTR_FIELD(VMM_XP(parent_xp, vsl), vsl_t, count));
	job->vsegs = max <= FORK_STACK_VSEGS ? on_stack : kmem_alloc(max * sizeof(vseg_t), 0);
	if (!job->vsegs)
		error = ENOMEM;
	if (!error)
		error = share_vsegs(job, max);
	if (!error)
		copy_allocators(parent_xp, GET_PTR(job->child_vmm));
	remote_rwlock_rd_release(lock_xp);

	/* Step 3, also after a failure: some pages of the parent may be copy-on-write already. */
	for_each_copy(parent_xp, mark_copy, job);
	vmm_shootdown(parent_xp);
	hal_remote_atomic_add32(VMM_XP(parent_xp, forks_in_progress), -1);
	return error;
}

error_t vmm_fork(vmm_t *child, xptr_t parent_xp)
{
	fork_job_t job = { .parent_vmm = parent_xp, .child_vmm = XPTR(local_cxy, child) };
	vseg_t on_stack[FORK_STACK_VSEGS];
	error_t share_error, error = 0;

	kassert(vmm_is_reference(child) && vsl_count(&child->vsl) == 0);
	share_error = fork_share(&job, on_stack);
	/* Nobody sees the child yet: its VSL is filled without its lock. A vseg that cannot be
	 * inserted gives back the pages shared for it at once (vmm_destroy only knows the VSL). The
	 * descriptors come a batch at a time, one kcm lock pair each. */
	vseg_t *batch[16];
	uint32_t got = 0, used = 0;

	for (uint32_t i = 0; i < job.vsegs_nr; i++) {
		vseg_t *v = NULL;

		if (!error && used == got) {
			got = MIN((uint32_t)ARRAY_SIZE(batch), job.vsegs_nr - i);
			used = 0;
			if (vseg_alloc_array(batch, got))
				got = 0;
		}
		if (!error && used < got)
			v = batch[used++];
		if (v) {
			*v = job.vsegs[i];
			memset(&v->node, 0, sizeof(v->node));
			error = vsl_insert(&child->vsl, v);
			if (!error)
				continue;
			vseg_free(v);
		}
		error = error ? error : ENOMEM;
		memset(&job.vsegs[i].node, 0, sizeof(job.vsegs[i].node));
		vmm_unmap_vseg(child, &job.vsegs[i], XPTR_NULL);
		vmm_vseg_drop_file(&job.vsegs[i]);
	}
	vseg_free_array(batch + used, got - used); /* left by a failed insertion */
	if (job.vsegs != on_stack)
		kmem_free(job.vsegs);
	return share_error ? share_error : error;
}

/* ------------------------------------------------------------------------------------------- */
/* copy on write                                                                                */

bool vmm_is_cow(vmm_t *vmm, vaddr_t vaddr)
{
	uint32_t attr;
	ppn_t ppn;

	hal_gpt_get_pte(XPTR(local_cxy, &vmm->gpt), vaddr >> CONFIG_PAGE_SHIFT, &attr, &ppn);
	return (attr & (GPT_MAPPED | GPT_COW)) == (GPT_MAPPED | GPT_COW);
}

/* A copy of the frame @ppn placed for @vpn of @vseg; XPTR_NULL without memory. */
static xptr_t copy_frame(const vseg_t *vseg, vpn_t vpn, ppn_t ppn)
{
	paddr_t pa = (paddr_t)ppn << CONFIG_PAGE_SHIFT;
	xptr_t page_xp = oom_fault_frame(vseg, vpn, local_cxy); /* the vseg's cluster, else the nearest */

	if (page_xp != XPTR_NULL)
		hal_remote_memcpy(XPTR(GET_CXY(page_xp), ppm_page2kva(page_xp)),
				  XPTR(cluster_of_paddr(pa), hal_paddr_to_kva(pa)), CONFIG_PAGE_SIZE);
	return page_xp;
}

/*
 * Another thread resolved the copy-on-write fault on @vpn (the owner's PTE, in @gpt_xp, is no
 * longer COW): refresh this copy's PTE from it if the owner is the reference's GPT, and forget the
 * stale translation of the calling core.
 */
static void cow_resolved_elsewhere(vmm_t *vmm, xptr_t gpt_xp, vpn_t vpn)
{
	xptr_t local_gpt_xp = XPTR(local_cxy, &vmm->gpt);

	if (gpt_xp != local_gpt_xp) {
		gpt_pte_t pte;
		uint32_t a, attr;
		ppn_t p, ppn;

		if (hal_gpt_lock_pte_if_present(local_gpt_xp, vpn, &pte, &a, &p)) {
			hal_gpt_get_pte(gpt_xp, vpn, &attr, &ppn);
			if ((a & GPT_MAPPED) && (attr & GPT_MAPPED) && !(attr & GPT_LOCKED))
				hal_gpt_pte_set(&pte, attr, ppn);
			else
				hal_gpt_pte_unlock(&pte);
		}
	}
	hal_tlb_flush_page(vpn);
}

error_t vmm_handle_cow(vmm_t *vmm, const vseg_t *vseg, const gpt_pte_t *pte, uint32_t attr,
		       ppn_t ppn)
{
	bool global = !(vseg->flags & VSEG_PRIVATE);
	xptr_t frame;
	vpn_t vpn = pte->vpn;
	uint32_t new_attr;
	ppn_t new_ppn = ppn;
	bool copied = false;

	kassert(vseg->flags & VSEG_WRITE);
	if (!(attr & GPT_MAPPED)) { /* unmapped meanwhile: the retry faults normally */
		hal_gpt_pte_unlock(pte);
		return 0;
	}
	if (!(attr & GPT_COW)) {
		hal_gpt_pte_unlock(pte);
		cow_resolved_elsewhere(vmm, global && !vmm_is_reference(vmm) ?
				       VMM_XP(vmm->ref_xp, gpt) : XPTR(local_cxy, &vmm->gpt), vpn);
		return 0;
	}
	if (hal_remote_l32(VMM_XP(vmm->ref_xp, forks_in_progress))) {
		hal_gpt_pte_unlock(pte); /* a fork is sharing the pages: wait for its end */
		sched_yield();
		return 0;
	}
	/* Only now: a copy's PTE said copy-on-write, but the reference's may have been unmapped
	 * since (a change in flight), and @ppn is then no frame at all. */
	frame = frame_page(ppn);
	/*
	 * Others share it: ours becomes a copy. The counter is decremented only once the copy is
	 * made: a sharer that finds it at 0 reuses the frame and writes to it at once, so it must not
	 * see 0 while another is still copying. Two sharers may copy at once; the one whose
	 * decrement finds 0 was the last, and keeps the frame instead of its copy.
	 */
	if (hal_remote_l32(FORKS(frame))) {
		xptr_t page_xp = copy_frame(vseg, vpn, ppn);

		if (page_xp == XPTR_NULL) {
			hal_gpt_pte_unlock(pte);
			return ENOMEM;
		}
		if (vmm_frame_unshare(frame)) {
			new_ppn = ppm_page2base(page_xp) >> CONFIG_PAGE_SHIFT;
			copied = true;
		} else {
			ppm_remote_free_pages(page_xp);
		}
	}
	new_attr = (attr & ~(GPT_COW | GPT_LOCKED)) | GPT_WRITABLE;
	hal_gpt_pte_update(pte, new_attr, new_ppn); /* keeps our lock */
	/* No core may go on reading the old frame through a stale entry, nor write the new one
	 * before every copy sees it: the copies updated, then one shootdown. */
	if (global)
		vmm_global_update_pte(vmm->ref_xp, vpn, new_attr, new_ppn);
	else
		vmm_flush_tlbs(vmm);
	hal_gpt_pte_unlock(pte);
	if (copied)
		hal_remote_atomic_add64(STAT_XP(vmm, cow_copies), 1);
	return 0;
}
