/*
 * vmm_ops.c - changes to an address space: brk, mmap (anonymous), munmap, mprotect, madvise, and
 * the reset of a whole address space for exec.
 *
 * They run in the reference cluster, on the reference VMM. A change has two steps (change_t):
 *   1. with the reference's VSL write-locked: validate the whole request (nothing changes if it
 *      fails), split vsegs where the range starts or ends inside one, update the reference VSL and
 *      GPT; the frames it unmaps are queued, not freed;
 *   2. with that lock released: every other copy forgets its vsegs and PTEs of the range (it
 *      fetches them again at its next fault there: VMM_INVALIDATE RPC), the TLBs of the cores that
 *      ran a thread of a copy (vmm_t.cores_mask) are flushed in every cluster holding one, and only
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
#include <mm/ppm.h>
#include <mm/vmm.h>

/* Split @vseg at @at (strictly inside): it keeps [min, at), a new vseg gets [at, max). */
static error_t split(vmm_t *vmm, vseg_t *vseg, vaddr_t at)
{
	vseg_t *upper = vseg_alloc();
	vseg_file_t file, *filep = NULL;
	uint64_t head = at - vseg->min;
	error_t error;

	kassert(at > vseg->min && at < vseg->max && IS_ALIGNED(at, CONFIG_PAGE_SIZE));
	if (!upper)
		return ENOMEM;
	if (vseg->mapper_xp != XPTR_NULL) {
		file.mapper_xp = vseg->mapper_xp;
		file.offset = vseg->file_offset + head;
		file.size = vseg->file_size > head ? vseg->file_size - head : 0;
		filep = file.size ? &file : NULL;
	}
	error = vseg_init(upper, vseg->type, at, vseg->max, vseg->flags, vseg->cxy, filep);
	if (error) {
		vseg_free(upper);
		return error;
	}
	vsl_remove(&vmm->vsl, vseg);
	vseg->max = at;
	vseg->vpn_size = (at - vseg->min) >> CONFIG_PAGE_SHIFT;
	if (vseg->file_size > head)
		vseg->file_size = head;
	/* Both halves fit where the whole was: the inserts cannot fail. */
	error = vsl_insert(&vmm->vsl, vseg);
	if (!error)
		error = vsl_insert(&vmm->vsl, upper);
	if (error)
		panic("%s: re-inserting the halves of a split vseg failed (%d)", __func__, error);
	return 0;
}

/* Make [start, end) a union of whole vsegs by splitting at its ends (holes allowed). */
static error_t cut_range(vmm_t *vmm, vaddr_t start, vaddr_t end)
{
	vseg_t *v = vsl_lookup(&vmm->vsl, start);
	error_t error = 0;

	if (v && v->min < start)
		error = split(vmm, v, start);
	v = vsl_lookup(&vmm->vsl, end - 1);
	if (!error && v && v->max > end)
		error = split(vmm, v, end);
	return error;
}

/* Every copy of the process of the reference @vmm forgets [start, end); then TLBs are flushed. */
static void invalidate_copies(vmm_t *vmm, vaddr_t start, vaddr_t end)
{
	process_t *p = container_of(vmm, process_t, vmm);
	xptr_t root = p->owner_xp + offsetof(process_t, copies_root), e;
	xptr_t lock = p->owner_xp + offsetof(process_t, copies_lock);
	xptr_t copies[CONFIG_MAX_CLUSTERS];
	uint32_t n = 0;

	remote_busylock_acquire(lock);
	XLIST_FOREACH(root, e)
		if (n < CONFIG_MAX_CLUSTERS)
			copies[n++] = XLIST_ELEMENT(e, process_t, copies_link);
	remote_busylock_release(lock);
	for (uint32_t i = 0; i < n; i++) {
		if (GET_CXY(copies[i]) == local_cxy)
			continue;
		rpc_desc_t desc = { .type = RPC_VMM_INVALIDATE };
		desc.args[0] = (uint64_t)(uintptr_t)GET_PTR(copies[i] + offsetof(process_t, vmm));
		desc.args[1] = start;
		desc.args[2] = end;
		rpc_send(GET_CXY(copies[i]), &desc);
	}
	ipi_flush_cluster_tlbs(__atomic_load_n(&vmm->cores_mask, __ATOMIC_ACQUIRE));
}

/* A change of the reference in two steps (see the top of the file). */
typedef struct change_s {
	vaddr_t       start, end; /* what the copies must forget                        */
	bool          begun;      /* step 1 changed something                            */
	xlist_entry_t doomed;     /* frames unmapped in step 1, freed at the end of step 2 */
} change_t;

static void change_init(change_t *c)
{
	c->begun = false;
	xlist_root_init(XPTR(local_cxy, &c->doomed));
}

/* Step 1 changes [start, end) of the reference (caller holds its VSL write lock). */
static void change_begin(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end)
{
	kassert(!c->begun);
	c->start = start;
	c->end = end;
	c->begun = true;
	hal_remote_atomic_add32(XPTR(local_cxy, &vmm->changes_begun), 1);
}

/* Step 2, with the VSL lock released: the copies forget the range, then the frames go. */
static void change_finish(vmm_t *vmm, change_t *c)
{
	if (!c->begun)
		return;
	invalidate_copies(vmm, c->start, c->end);
	vmm_free_doomed(XPTR(local_cxy, &c->doomed));
	hal_fence();
	hal_remote_atomic_add32(XPTR(local_cxy, &vmm->changes_done), 1);
}

/* Unmap the pages of [start, end) of the reference, its frames queued on @c (whole vsegs only). */
static void remove_range(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end)
{
	vseg_t *v;

	while ((v = vsl_lookup_range(&vmm->vsl, start, end)) != NULL) {
		kassert(v->min >= start && v->max <= end);
		vmm_unmap_vseg(vmm, v, XPTR(local_cxy, &c->doomed));
		vsl_remove(&vmm->vsl, v);
		if (v->type == VSEG_TYPE_STACK) {
			uint32_t slot;
			if (vspace_stack_slot_of(v->min, &slot))
				vspace_stack_free(&vmm->stacks, slot);
		}
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
static error_t check_range(vaddr_t addr, uint64_t len, vaddr_t *end)
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

	change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	result = (int64_t)vmm->brk_top;
	if (wanted < vmm->brk_base || wanted >= CONFIG_VMM_MMAP_BASE)
		goto out; /* Linux: an impossible break leaves it unchanged */
	old_end = ALIGN_UP(vmm->brk_top, CONFIG_PAGE_SIZE);
	new_end = ALIGN_UP(wanted, CONFIG_PAGE_SIZE);
	heap = old_end > vmm->brk_base ? vsl_lookup(&vmm->vsl, old_end - 1) : NULL;
	if (new_end > old_end) {
		if (vsl_lookup_range(&vmm->vsl, old_end, new_end))
			goto out; /* something else lives there */
		if (heap) {
			vsl_remove(&vmm->vsl, heap);
			heap->max = new_end;
			heap->vpn_size = (new_end - heap->min) >> CONFIG_PAGE_SHIFT;
			if (vsl_insert(&vmm->vsl, heap)) /* checked free above: cannot fail */
				panic("%s: the grown heap overlaps a vseg", __func__);
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
		if (new_end > heap->min && split(vmm, heap, new_end))
			goto out;
		change_begin(vmm, &change, new_end, old_end);
		remove_range(vmm, &change, new_end, old_end);
	}
	vmm->brk_top = wanted;
	result = (int64_t)wanted;
out:
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
	return result;
}

void vmm_reset(vmm_t *vmm)
{
	change_t change;

	kassert(vmm_is_reference(vmm));
	change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	change_begin(vmm, &change, CONFIG_VMM_USER_MIN, CONFIG_VMM_USER_END);
	remove_range(vmm, &change, CONFIG_VMM_USER_MIN, CONFIG_VMM_USER_END);
	/* As a new process's: the first stack slot, an mmap zone with fresh counters, no heap. */
	vspace_stack_init(&vmm->stacks);
	vspace_mmap_init(&vmm->mmap, CONFIG_VMM_MMAP_BASE, CONFIG_VMM_MMAP_END);
	vmm->brk_base = vmm->brk_top = 0;
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
}

int64_t vmm_munmap(vmm_t *vmm, vaddr_t addr, uint64_t len)
{
	vaddr_t end;
	error_t error = check_range(addr, len, &end);
	change_t change;

	if (error)
		return -EINVAL; /* Linux: a range beyond user space is EINVAL for munmap, not ENOMEM */
	change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	error = cut_range(vmm, addr, end);
	if (!error) {
		change_begin(vmm, &change, addr, end);
		remove_range(vmm, &change, addr, end);
	}
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
	return -(int64_t)error;
}

int64_t vmm_mmap_anon(vmm_t *vmm, vaddr_t hint, uint64_t len, uint32_t prot, uint32_t how,
		      cxy_t remote)
{
	bool fixed = how & (VMM_MAP_FIXED | VMM_MAP_NOREPLACE);
	vaddr_t base, end;
	error_t error;
	change_t change;

	if (len == 0 || len > CONFIG_VMM_USER_END)
		return len ? -ENOMEM : -EINVAL;
	len = ALIGN_UP(len, CONFIG_PAGE_SIZE);
	/* Linux: EINVAL for an unaligned address, ENOMEM for a range beyond user space */
	if (fixed && (error = check_range(hint, len, &end)))
		return -(int64_t)error;
	change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	if (how & VMM_MAP_NOREPLACE) { /* there, or nowhere */
		error = vsl_lookup_range(&vmm->vsl, hint, hint + len) ? EEXIST : 0;
	} else if (fixed) {
		error = cut_range(vmm, hint, hint + len);
		if (!error) {
			change_begin(vmm, &change, hint, hint + len);
			remove_range(vmm, &change, hint, hint + len);
		}
	} else {
		error = 0;
	}
	if (!error)
		error = vspace_mmap_alloc(&vmm->mmap, &vmm->vsl, len, hint, fixed, &base);
	if (!error) {
		vseg_t *v = vseg_alloc();
		error = v ? vseg_init(v, remote == VMM_NO_REMOTE ? VSEG_TYPE_ANON : VSEG_TYPE_REMOTE,
				      base, base + len, VSEG_USER | prot_flags(prot),
				      remote == VMM_NO_REMOTE ? local_cxy : remote, NULL) : ENOMEM;
		if (!error)
			error = vsl_insert(&vmm->vsl, v);
		if (error && v)
			vseg_free(v);
	}
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
	if (error)
		return -(int64_t)error;
	/* MAP_POPULATE: the pages now, as the faults would map them (best effort, as Linux) */
	for (vaddr_t va = base; (how & VMM_MAP_POPULATE) && (prot & PROT_READ) && va < base + len;
	     va += CONFIG_PAGE_SIZE)
		if (vmm_handle_page_fault(vmm, va, HAL_ACCESS_READ))
			break;
	return (int64_t)base;
}

/* True if [start, end) is covered by vsegs without a hole. */
static bool covered(vmm_t *vmm, vaddr_t start, vaddr_t end)
{
	for (vaddr_t a = start; a < end;) {
		vseg_t *v = vsl_lookup(&vmm->vsl, a);
		if (!v)
			return false;
		a = v->max;
	}
	return true;
}

int64_t vmm_mprotect(vmm_t *vmm, vaddr_t addr, uint64_t len, uint32_t prot)
{
	vaddr_t end;
	error_t error;
	uint32_t flags = prot_flags(prot);
	change_t change;

	if (len == 0)
		return IS_ALIGNED(addr, CONFIG_PAGE_SIZE) ? 0 : -EINVAL;
	error = check_range(addr, len, &end);
	if (error)
		return -(int64_t)error;
	if (prot & ~(uint32_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	if (!covered(vmm, addr, end))
		error = ENOMEM;
	for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); !error && v && v->min < end; v = vsl_next(v))
		if ((v->type == VSEG_TYPE_CODE || v->type == VSEG_TYPE_TRAMP) && (flags & VSEG_WRITE))
			error = EACCES; /* text is a private replica: writable text is not supported */
	if (!error)
		error = cut_range(vmm, addr, end);
	if (!error)
		change_begin(vmm, &change, addr, end);
	for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); !error && v && v->min < end; v = vsl_next(v)) {
		v->flags = (v->flags & ~(VSEG_READ | VSEG_WRITE | VSEG_EXEC)) | flags;
		vmm_update_vseg_ptes(vmm, v);
	}
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
	return -(int64_t)error;
}

#define MADV_NORMAL     0
#define MADV_RANDOM     1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED   3
#define MADV_DONTNEED   4

/* Unmap the pages of [start, end) in @v (reference), its frames queued on @c: they refault fresh. */
static void drop_pages(vmm_t *vmm, change_t *c, const vseg_t *v, vaddr_t start, vaddr_t end)
{
	xptr_t gpt_xp = XPTR(local_cxy, &vmm->gpt);

	for (vaddr_t va = MAX(start, v->min); va < MIN(end, v->max); va += CONFIG_PAGE_SIZE) {
		uint32_t attr;
		ppn_t ppn;
		hal_gpt_get_pte(gpt_xp, va >> CONFIG_PAGE_SHIFT, &attr, &ppn);
		if (!(attr & GPT_MAPPED))
			continue;
		hal_gpt_reset_pte(gpt_xp, va >> CONFIG_PAGE_SHIFT);
		if (v->type != VSEG_TYPE_FILE && v->type != VSEG_TYPE_TRAMP) /* not ours to free */
			vmm_doom_frame(ppn, XPTR(local_cxy, &c->doomed));
	}
}

#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

int64_t vmm_msync(vmm_t *vmm, vaddr_t addr, uint64_t len, uint32_t flags)
{
	vaddr_t end;
	error_t error;
	bool ok;

	if (!IS_ALIGNED(addr, CONFIG_PAGE_SIZE) || (flags & ~(uint32_t)(MS_ASYNC | MS_INVALIDATE |
	    MS_SYNC)) || (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC))
		return -EINVAL;
	if (len == 0)
		return 0;
	error = check_range(addr, len, &end);
	if (error)
		return -(int64_t)error;
	rwlock_rd_acquire(&vmm->vsl_lock);
	ok = covered(vmm, addr, end);
	rwlock_rd_release(&vmm->vsl_lock);
	/* Mapped: nothing to write back, the mappings are anonymous (file mappings come later). */
	return ok ? 0 : -ENOMEM;
}

int64_t vmm_madvise(vmm_t *vmm, vaddr_t addr, uint64_t len, uint32_t advice)
{
	vaddr_t end;
	error_t error;
	change_t change;

	if (!IS_ALIGNED(addr, CONFIG_PAGE_SIZE))
		return -EINVAL;
	if (advice > MADV_DONTNEED)
		return -EINVAL; /* the other advices of Linux are not known here */
	if (len == 0)
		return 0;
	error = check_range(addr, len, &end);
	if (error)
		return -(int64_t)error;
	change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	if (!covered(vmm, addr, end)) {
		error = ENOMEM;
	} else if (advice == MADV_DONTNEED) {
		change_begin(vmm, &change, addr, end);
		for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); v && v->min < end; v = vsl_next(v))
			drop_pages(vmm, &change, v, addr, end);
	}
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
	return -(int64_t)error;
}
