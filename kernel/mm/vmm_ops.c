/*
 * vmm_ops.c - changes to an address space: brk, mmap (anonymous, of a file, shared), munmap,
 * mprotect (joining equal neighbours again), the reset of a whole address space for exec, and the
 * two-step change they share with vmm_advise.c (madvise, msync, mremap, MAP_GROWSDOWN).
 *
 * They run in the reference cluster, on the reference VMM. A change has two steps (change_t):
 *   1. with the reference's VSL write-locked: validate the whole request (nothing changes if it
 *      fails), split vsegs where the range starts or ends inside one, update the reference VSL and
 *      GPT; the frames it unmaps are queued, not freed;
 *   2. with that lock released: every other copy forgets its vsegs and PTEs of the range (it
 *      fetches them again at its next fault there: VMM_INVALIDATE RPC), the TLBs of the cores that
 *      may cache a copy's entries (vmm_t.cores_mask) are flushed in every cluster holding one, and only
 *      then are the queued frames freed: until then a copy's PTE or a TLB may still reach them.
 * The lock is released before step 2 because a copy's page fault holds the copy's VSL lock while
 * it waits for the reference (a true fault, the fetch of a vseg), and the copy's VMM_INVALIDATE
 * needs that lock: holding the reference's lock across it would close a cycle. Between the steps a
 * copy may still see the old vsegs; the reference, which copies ask for anything they lack, is
 * already right, and the call returns only after step 2. vmm_t.changes_begun/changes_done count the
 * changes in flight for the direct true-fault protocol (vmm.c).
 */
#include <hal_gpt.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_tlb.h>
#include <hal_upcalls.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/oom.h>
#include <mm/ppm.h>
#include <mm/vmm.h>
#include <fs/vfs.h>
#include "vmm_change.h"

/* The caller holds @vmm's VSL lock (the functions of vmm_change.h: for writing, but for
 * vmm_range_covered; lockdep knows the holder, not the mode). */
#define VSL_HELD(vmm) kassert(lockdep_is_held(XPTR(local_cxy, &(vmm)->vsl_lock)))

/*
 * Split @vseg at @at (strictly inside): it keeps [min, at), @upper (a vseg_alloc'ed descriptor,
 * the caller's until this succeeds) gets [at, max). It cannot fail: the halves are made of a
 * valid vseg and fit where the whole was.
 */
static void split(vmm_t *vmm, vseg_t *vseg, vaddr_t at, vseg_t *upper)
{
	vseg_file_t file, *filep = NULL;
	uint64_t head = at - vseg->min;
	error_t error;

	kassert(at > vseg->min && at < vseg->max && IS_ALIGNED(at, CONFIG_PAGE_SIZE));
	if (vseg->mapper_xp != XPTR_NULL) {
		file.mapper_xp = vseg->mapper_xp;
		file.inode_xp = vseg->inode_xp;
		file.offset = vseg->file_offset + head;
		file.size = vseg->file_size > head ? vseg->file_size - head : 0;
		/* past its file part, a DATA half is bss alone; CODE always names its file */
		filep = file.size || vseg->inode_xp != XPTR_NULL || vseg->type == VSEG_TYPE_CODE ?
			&file : NULL;
	}
	error = vseg_init(upper, vseg->type, at, vseg->max, vseg->flags, vseg->cxy, filep);
	if (error)
		panic("%s: the upper half of a valid vseg is refused (%d)", __func__, error);
	vsl_remove(&vmm->vsl, vseg);
	vseg->max = at;
	vseg->vpn_size = (at - vseg->min) >> CONFIG_PAGE_SHIFT;
	if (vseg->file_size > head)
		vseg->file_size = head;
	if (filep)
		vmm_vseg_hold_file(upper); /* each half of an mmap'd file holds its inode */
	error = vsl_insert(&vmm->vsl, vseg);
	if (!error)
		error = vsl_insert(&vmm->vsl, upper);
	if (error)
		panic("%s: re-inserting the halves of a split vseg failed (%d)", __func__, error);
}

/*
 * Make [start, end) a union of whole vsegs by splitting at its ends (holes allowed). Validate,
 * then commit: the descriptors of both new halves are taken first, so that an ENOMEM leaves the
 * VSL as it was, not cut at one end only (found by the fail-nth sweep: munmap and mprotect
 * answered ENOMEM with the mapping split in two).
 */
error_t vmm_cut_range(vmm_t *vmm, vaddr_t start, vaddr_t end)
{
	vseg_t *v = vsl_lookup(&vmm->vsl, start), *w = vsl_lookup(&vmm->vsl, end - 1);
	vseg_t *upper[2] = { NULL, NULL };
	bool at_start = v && v->min < start, at_end = w && w->max > end;

	VSL_HELD(vmm);
	if ((at_start && !(upper[0] = vseg_alloc())) || (at_end && !(upper[1] = vseg_alloc()))) {
		if (upper[0])
			vseg_free(upper[0]);
		return ENOMEM;
	}
	if (at_start)
		split(vmm, v, start, upper[0]);
	if (at_end) /* the upper half of the first split, if the range lies inside one vseg */
		split(vmm, vsl_lookup(&vmm->vsl, end - 1), end, upper[1]);
	return 0;
}

/*
 * Every copy of the process of the reference @vmm forgets [start, end); then TLBs are flushed. The
 * requests go to every other cluster before any answer is waited for (rpc_send_parallel): the
 * copies work at the same time, and the wait is one round trip, not one per copy.
 */
static void invalidate_copies(vmm_t *vmm, vaddr_t start, vaddr_t end)
{
	process_t *p = container_of(vmm, process_t, vmm);
	xptr_t root = PROC_XP(p->owner_xp, copies_root), e;
	xptr_t lock = PROC_XP(p->owner_xp, copies_lock);
	rpc_vmm_invalidate_args_t args[CONFIG_MAX_CLUSTERS];
	rpc_desc_t desc[CONFIG_MAX_CLUSTERS];
	cxy_t to[CONFIG_MAX_CLUSTERS];
	uint32_t n = 0;

	remote_busylock_acquire(lock);
	XLIST_FOREACH(root, e) {
		cxy_t cxy = GET_CXY(XLIST_ELEMENT(e, process_t, copies_link));

		if (cxy != local_cxy && n < CONFIG_MAX_CLUSTERS)
			to[n++] = cxy;
	}
	remote_busylock_release(lock);
	for (uint32_t i = 0; i < n; i++) {
		/* the pid, not the copy: the copy may go before the server runs (its last thread) */
		args[i] = (rpc_vmm_invalidate_args_t){ .pid = p->pid, .start = start, .end = end };
		desc[i] = RPC_DESC(RPC_VMM_INVALIDATE, &args[i]);
	}
	if (n)
		rpc_send_parallel(n, to, desc);
	vmm_flush_tlbs(vmm);
}

void vmm_change_init(change_t *c)
{
	c->begun = false;
	c->start2 = c->end2 = 0;
	vmm_doomed_init(&c->doomed);
}

/* Step 1 changes [start, end) of the reference (caller holds its VSL write lock). */
void vmm_change_begin(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end)
{
	VSL_HELD(vmm);
	kassert(!c->begun);
	c->start = start;
	c->end = end;
	c->begun = true;
	hal_remote_atomic_add32(XPTR(local_cxy, &vmm->changes_begun), 1);
}

/* Step 2, with the VSL lock released: the copies forget the range, then the frames go. */
void vmm_change_finish(vmm_t *vmm, change_t *c)
{
	if (!c->begun)
		return;
	invalidate_copies(vmm, c->start, c->end);
	if (c->start2 < c->end2)
		invalidate_copies(vmm, c->start2, c->end2);
	vmm_free_doomed(XPTR(local_cxy, &c->doomed));
	hal_fence();
	hal_remote_atomic_add32(XPTR(local_cxy, &vmm->changes_done), 1);
}

/* Unmap the pages of [start, end) of the reference, its frames queued on @c (whole vsegs only). */
void vmm_remove_range(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end)
{
	vseg_t *v;

	VSL_HELD(vmm);
	while ((v = vsl_lookup_range(&vmm->vsl, start, end)) != NULL) {
		kassert(v->min >= start && v->max <= end);
		vmm_unmap_vseg(vmm, v, XPTR(local_cxy, &c->doomed));
		vsl_remove(&vmm->vsl, v);
		if (v->type == VSEG_TYPE_STACK) {
			uint32_t slot;
			if (vspace_stack_slot_of(v->min, &slot))
				vspace_stack_free(&vmm->stacks, slot);
		}
		/* The copies may still hold the vseg until step 2, but never use its file then: a
		 * copy's fault goes to the reference while a change is in flight (vmm.c). */
		vmm_vseg_drop_file(v);
		vseg_free(v);
	}
}

#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4

static uint32_t prot_flags(uint32_t prot)
{
	return ((prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) ? VSEG_READ : 0) |
	       ((prot & PROT_WRITE) ? VSEG_WRITE : 0) | ((prot & PROT_EXEC) ? VSEG_EXEC : 0);
}

/* Page-aligned range check: EINVAL for a bad start or an empty length, ENOMEM past user space. */
error_t vmm_check_range(vaddr_t addr, uint64_t len, vaddr_t *end)
{
	if (!IS_ALIGNED(addr, CONFIG_PAGE_SIZE) || len == 0)
		return EINVAL;
	if (len > CONFIG_VMM_USER_END || addr > CONFIG_VMM_USER_END - ALIGN_UP(len, CONFIG_PAGE_SIZE))
		return ENOMEM;
	*end = addr + ALIGN_UP(len, CONFIG_PAGE_SIZE);
	return 0;
}

int64_t vmm_brk(vmm_t *vmm, vaddr_t wanted)
{
	vaddr_t old_end, new_end;
	vseg_t *heap;
	int64_t result;
	change_t change;

	vmm_change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	result = (int64_t)vmm->brk_top;
	if (wanted < vmm->brk_base || wanted >= CONFIG_VMM_MMAP_BASE)
		goto out; /* Linux: an impossible break leaves it unchanged */
	old_end = ALIGN_UP(vmm->brk_top, CONFIG_PAGE_SIZE);
	new_end = ALIGN_UP(wanted, CONFIG_PAGE_SIZE);
	heap = old_end > vmm->brk_base ? vsl_lookup(&vmm->vsl, old_end - 1) : NULL;
	if (new_end > old_end) {
		if (vsl_lookup_range(&vmm->vsl, old_end, new_end) ||
		    oom_exceeds_memory((new_end - old_end) >> CONFIG_PAGE_SHIFT))
			goto out; /* something else lives there; or more than the machine has */
		if (heap) { /* in place: [old_end, new_end) is free, checked above (vsl.h) */
			heap->max = new_end;
			heap->vpn_size = (new_end - heap->min) >> CONFIG_PAGE_SHIFT;
		} else {
			vseg_t *v = vseg_alloc();
			if (!v || vseg_init(v, VSEG_TYPE_ANON, vmm->brk_base, new_end,
					    VSEG_USER | VSEG_READ | VSEG_WRITE, local_cxy, NULL) ||
			    vsl_insert(&vmm->vsl, v)) {
				if (v)
					vseg_free(v);
				goto out;
			}
		}
	} else if (new_end < old_end && heap) {
		if (new_end > heap->min) {
			vseg_t *upper = vseg_alloc();
			if (!upper)
				goto out;
			split(vmm, heap, new_end, upper);
		}
		vmm_change_begin(vmm, &change, new_end, old_end);
		vmm_remove_range(vmm, &change, new_end, old_end);
	}
	vmm->brk_top = wanted;
	result = (int64_t)wanted;
out:
	rwlock_wr_release(&vmm->vsl_lock);
	vmm_change_finish(vmm, &change);
	return result;
}

void vmm_reset(vmm_t *vmm)
{
	change_t change;

	kassert(vmm_is_reference(vmm));
	vmm_change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	vmm_change_begin(vmm, &change, CONFIG_VMM_USER_MIN, CONFIG_VMM_USER_END);
	vmm_remove_range(vmm, &change, CONFIG_VMM_USER_MIN, CONFIG_VMM_USER_END);
	/* As a new process's: the first stack slot, an mmap zone with fresh counters, no heap. */
	vspace_stack_init(&vmm->stacks);
	vspace_mmap_init(&vmm->mmap, CONFIG_VMM_MMAP_BASE, CONFIG_VMM_MMAP_END);
	vmm->brk_base = vmm->brk_top = 0;
	rwlock_wr_release(&vmm->vsl_lock);
	vmm_change_finish(vmm, &change);
}

/* vmm_exit in the reference cluster. */
static void exit_local(vmm_t *vmm)
{
	kassert(vmm_is_reference(vmm));
	/* No TLB flush: no TLB can hold these pages. Each thread of the process left its address
	 * space before it ended (sched_leave_user_space), and a core that switches address spaces
	 * flushes its TLB (hal_gpt_activate). vmm_destroy is the batched path (a leaf table at a
	 * time, one PPM or kcm lock pair per 16 frames or vsegs), tables included. */
	vmm_destroy(vmm);
}

void vmm_exit(xptr_t ref_vmm_xp)
{
	rpc_vmm_exit_args_t a = { .vmm = GET_PTR(ref_vmm_xp) };
	rpc_desc_t desc = RPC_DESC(RPC_VMM_EXIT, &a);

	if (GET_CXY(ref_vmm_xp) == local_cxy) {
		exit_local(a.vmm);
		return;
	}
	rpc_send(GET_CXY(ref_vmm_xp), &desc);
}

void vmm_rpc_exit(xptr_t desc_xp)
{
	rpc_vmm_exit_args_t a;

	rpc_args_get(desc_xp, &a, sizeof(a));
	exit_local(a.vmm);
	rpc_reply(desc_xp, NULL, 0, 0);
}

int64_t vmm_munmap(vmm_t *vmm, vaddr_t addr, uint64_t len)
{
	vaddr_t end;
	error_t error = vmm_check_range(addr, len, &end);
	change_t change;

	if (error)
		return -EINVAL; /* Linux: a range beyond user space is EINVAL for munmap, not ENOMEM */
	vmm_change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	error = vmm_cut_range(vmm, addr, end);
	if (!error) {
		vmm_change_begin(vmm, &change, addr, end);
		vmm_remove_range(vmm, &change, addr, end);
	}
	rwlock_wr_release(&vmm->vsl_lock);
	vmm_change_finish(vmm, &change);
	return -(int64_t)error;
}

/* The flags of a new mapping's vseg. */
static uint32_t map_flags(uint32_t prot, uint32_t how)
{
	return VSEG_USER | prot_flags(prot) | ((how & VMM_MAP_RO_FILE) ? VSEG_RO_FILE : 0) |
	       ((how & VMM_MAP_GROWSDOWN) ? VSEG_GROWSDOWN : 0);
}

/*
 * MAP_POPULATE: the pages of [base, base + len) now, as the faults would map them. Stops at the
 * first page that cannot be mapped and returns why: ENOMEM (no frame anywhere, or no page table),
 * which fails the mmap; ENXIO (a file's page beyond its end) or EFAULT, which do not (the faults
 * will answer for them, as on Linux).
 */
static error_t populate(vmm_t *vmm, vaddr_t base, uint64_t len)
{
	for (vaddr_t va = base; va < base + len; va += CONFIG_PAGE_SIZE) {
		error_t error = vmm_handle_page_fault(vmm, va, HAL_ACCESS_READ);
		if (error)
			return error;
	}
	return 0;
}

/*
 * A new vseg of @type over @len bytes at @hint as @how says (mmap's common part). @file: the file
 * behind it (its inode's reference is the new vseg's on success). Returns the address or -errno.
 */
static int64_t map_new(vmm_t *vmm, vaddr_t hint, uint64_t len, uint32_t prot, uint32_t how,
		       vseg_type_t type, cxy_t cxy, const vseg_file_t *file)
{
	bool fixed = how & (VMM_MAP_FIXED | VMM_MAP_NOREPLACE);
	vaddr_t base, end;
	error_t error;
	change_t change;

	if (len == 0 || len > CONFIG_VMM_USER_END)
		return len ? -ENOMEM : -EINVAL;
	len = ALIGN_UP(len, CONFIG_PAGE_SIZE);
	/* Linux: EINVAL for an unaligned address, ENOMEM for a range beyond user space */
	if (fixed && (error = vmm_check_range(hint, len, &end)))
		return -(int64_t)error;
	/* Linux's overcommit heuristic: private writable memory beyond the machine's (a shared
	 * mapping's pages are its file's) */
	if ((prot & PROT_WRITE) && type != VSEG_TYPE_FILE && !(how & VMM_MAP_NORESERVE) &&
	    oom_exceeds_memory(len >> CONFIG_PAGE_SHIFT))
		return -ENOMEM;
	vmm_change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	if (how & VMM_MAP_NOREPLACE) { /* there, or nowhere */
		error = vsl_lookup_range(&vmm->vsl, hint, hint + len) ? EEXIST : 0;
	} else if (fixed) {
		error = vmm_cut_range(vmm, hint, hint + len);
		if (!error) {
			vmm_change_begin(vmm, &change, hint, hint + len);
			vmm_remove_range(vmm, &change, hint, hint + len);
		}
	} else {
		error = 0;
	}
	if (!error)
		error = vspace_mmap_alloc(&vmm->mmap, &vmm->vsl, len, hint, fixed, &base);
	if (!error) {
		vseg_t *v = vseg_alloc();
		vseg_file_t f;

		if (file) { /* the vseg maps the file from its offset over its whole length */
			f = *file;
			f.size = len;
		}
		error = v ? vseg_init(v, type, base, base + len, map_flags(prot, how), cxy,
				      file ? &f : NULL) : ENOMEM;
		if (!error)
			error = vsl_insert(&vmm->vsl, v);
		if (error && v)
			vseg_free(v);
	}
	rwlock_wr_release(&vmm->vsl_lock);
	vmm_change_finish(vmm, &change);
	if (error)
		return -(int64_t)error;
	if ((how & VMM_MAP_POPULATE) && (prot & PROT_READ) && populate(vmm, base, len) == ENOMEM) {
		vmm_munmap(vmm, base, len);
		return -ENOMEM;
	}
	return (int64_t)base;
}

int64_t vmm_mmap_anon(vmm_t *vmm, vaddr_t hint, uint64_t len, uint32_t prot, uint32_t how,
		      cxy_t remote)
{
	cxy_t cxy = remote == VMM_NO_REMOTE ? local_cxy : remote;
	xptr_t inode_xp;

	if (!(how & VMM_MAP_SHARED))
		return map_new(vmm, hint, len, prot, how,
			       remote == VMM_NO_REMOTE ? VSEG_TYPE_ANON : VSEG_TYPE_REMOTE, cxy, NULL);
	/* Shared: the pages of a new file named by nothing, in the creator's (or the named)
	 * cluster, so that a fork's child shares even those touched after the fork. */
	if (len == 0 || len > CONFIG_VMM_USER_END)
		return len ? -ENOMEM : -EINVAL;
	if (vmm_file_create_anon(cxy, ALIGN_UP(len, CONFIG_PAGE_SIZE), &inode_xp))
		return -ENOMEM;
	return vmm_mmap_file(vmm, hint, len, prot, how, inode_xp, 0); /* it takes the reference */
}

int64_t vmm_mmap_file(vmm_t *vmm, vaddr_t hint, uint64_t len, uint32_t prot, uint32_t how,
		      xptr_t inode_xp, uint64_t offset)
{
	vseg_file_t file = { vfs_inode_mapper(inode_xp), offset, 0, inode_xp };
	int64_t r;

	if (len == 0 || len > CONFIG_VMM_USER_END)
		r = len ? -ENOMEM : -EINVAL;
	else if (offset + ALIGN_UP(len, CONFIG_PAGE_SIZE) < offset)
		r = -EOVERFLOW; /* Linux: the file's page offset would wrap */
	else
		r = map_new(vmm, hint, len, prot, how,
			    (how & VMM_MAP_SHARED) ? VSEG_TYPE_FILE : VSEG_TYPE_ANON, local_cxy, &file);
	if (r < 0)
		vfs_inode_put(inode_xp); /* the caller's reference, the vseg's on success */
	return r;
}

/* True if [start, end) is covered by vsegs without a hole. */
bool vmm_range_covered(vmm_t *vmm, vaddr_t start, vaddr_t end)
{
	VSL_HELD(vmm);
	for (vaddr_t a = start; a < end;) {
		vseg_t *v = vsl_lookup(&vmm->vsl, a);
		if (!v)
			return false;
		a = v->max;
	}
	return true;
}

/*
 * True if @a and @b (a before b) can be one vseg: contiguous, same type, flags and cluster, and
 * the same backing: no file, or the same mmap'd file at consecutive offsets. Only mmap's types
 * (an ELF segment's file part, a stack slot, the trampoline stay as they are).
 */
static bool mergeable(const vseg_t *a, const vseg_t *b)
{
	if (a->max != b->min || a->type != b->type || a->flags != b->flags || a->cxy != b->cxy)
		return false;
	if (a->type != VSEG_TYPE_ANON && a->type != VSEG_TYPE_REMOTE && a->type != VSEG_TYPE_FILE)
		return false;
	if (a->mapper_xp != b->mapper_xp || a->inode_xp != b->inode_xp)
		return false;
	return a->inode_xp == XPTR_NULL ? a->mapper_xp == XPTR_NULL
					: b->file_offset == a->file_offset + (a->max - a->min);
}

/*
 * After a change of [start, end) (split at its ends), join the vsegs of the range and its two
 * neighbours that became equal again: Linux's merging of VMAs, so that an mprotect undone leaves
 * one vseg as before. The PTEs stay (same GPT, same pages). The copies forget the whole joined
 * extent in step 2 (@c's range is widened), so none keeps a half.
 */
void vmm_merge_around(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end)
{
	vseg_t *v = start > CONFIG_VMM_USER_MIN ? vsl_lookup(&vmm->vsl, start - 1) : NULL;

	VSL_HELD(vmm);
	if (!v)
		v = vsl_lookup(&vmm->vsl, start);
	while (v && v->min <= end) {
		vseg_t *n = vsl_next(v);

		if (!n || n->min > end || !mergeable(v, n)) {
			v = n;
			continue;
		}
		vsl_remove(&vmm->vsl, n);
		vsl_remove(&vmm->vsl, v);
		v->max = n->max;
		v->vpn_size = (v->max - v->min) >> CONFIG_PAGE_SHIFT;
		v->file_size += n->file_size;
		if (vsl_insert(&vmm->vsl, v)) /* it covers exactly what the two did */
			panic("%s: re-inserting a joined vseg failed", __func__);
		c->start = MIN(c->start, v->min);
		c->end = MAX(c->end, v->max);
		vmm_vseg_drop_file(n); /* v holds the same inode */
		vseg_free(n);
	}
}

int64_t vmm_mprotect(vmm_t *vmm, vaddr_t addr, uint64_t len, uint32_t prot)
{
	vaddr_t end;
	error_t error;
	uint32_t flags = prot_flags(prot);
	change_t change;

	if (len == 0)
		return IS_ALIGNED(addr, CONFIG_PAGE_SIZE) ? 0 : -EINVAL;
	error = vmm_check_range(addr, len, &end);
	if (error)
		return -(int64_t)error;
	if (prot & ~(uint32_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	vmm_change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	if (!vmm_range_covered(vmm, addr, end))
		error = ENOMEM;
	for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); !error && v && v->min < end; v = vsl_next(v))
		if (((v->type == VSEG_TYPE_CODE || v->type == VSEG_TYPE_TRAMP) ||
		     (v->flags & VSEG_RO_FILE)) && (flags & VSEG_WRITE))
			error = EACCES; /* text is a private replica: writable text is not supported;
					   a shared mapping of a file not open for writing (Linux) */
	if (!error)
		error = vmm_cut_range(vmm, addr, end);
	if (!error)
		vmm_change_begin(vmm, &change, addr, end);
	for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); !error && v && v->min < end; v = vsl_next(v)) {
		v->flags = (v->flags & ~(VSEG_READ | VSEG_WRITE | VSEG_EXEC)) | flags;
		vmm_update_vseg_ptes(vmm, v);
	}
	if (!error)
		vmm_merge_around(vmm, &change, addr, end);
	rwlock_wr_release(&vmm->vsl_lock);
	vmm_change_finish(vmm, &change);
	return -(int64_t)error;
}
