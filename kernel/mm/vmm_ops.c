/*
 * vmm_ops.c - changes to an address space: brk, mmap (anonymous, of a file, shared), mremap,
 * munmap, mprotect (joining equal neighbours again), madvise, MAP_GROWSDOWN's growth, and the
 * reset of a whole address space for exec.
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
#include <fs/vfs.h>

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
		file.inode_xp = vseg->inode_xp;
		file.offset = vseg->file_offset + head;
		file.size = vseg->file_size > head ? vseg->file_size - head : 0;
		filep = file.size || vseg->inode_xp != XPTR_NULL ? &file : NULL;
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
	if (filep)
		vmm_vseg_hold_file(upper); /* each half of an mmap'd file holds its inode */
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
	vaddr_t      start, end;   /* what the copies must forget                        */
	vaddr_t      start2, end2; /* and a second range (mremap's destination), if not empty */
	bool         begun;        /* step 1 changed something                            */
	vmm_doomed_t doomed;       /* what step 1 unmapped, freed at the end of step 2    */
} change_t;

static void change_init(change_t *c)
{
	c->begun = false;
	c->start2 = c->end2 = 0;
	vmm_doomed_init(&c->doomed);
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
	if (c->start2 < c->end2)
		invalidate_copies(vmm, c->start2, c->end2);
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

/* The flags of a new mapping's vseg. */
static uint32_t map_flags(uint32_t prot, uint32_t how)
{
	return VSEG_USER | prot_flags(prot) | ((how & VMM_MAP_RO_FILE) ? VSEG_RO_FILE : 0) |
	       ((how & VMM_MAP_GROWSDOWN) ? VSEG_GROWSDOWN : 0);
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
static void merge_around(vmm_t *vmm, change_t *c, vaddr_t start, vaddr_t end)
{
	vseg_t *v = start > CONFIG_VMM_USER_MIN ? vsl_lookup(&vmm->vsl, start - 1) : NULL;

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
		if (((v->type == VSEG_TYPE_CODE || v->type == VSEG_TYPE_TRAMP) ||
		     (v->flags & VSEG_RO_FILE)) && (flags & VSEG_WRITE))
			error = EACCES; /* text is a private replica: writable text is not supported;
					   a shared mapping of a file not open for writing (Linux) */
	if (!error)
		error = cut_range(vmm, addr, end);
	if (!error)
		change_begin(vmm, &change, addr, end);
	for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); !error && v && v->min < end; v = vsl_next(v)) {
		v->flags = (v->flags & ~(VSEG_READ | VSEG_WRITE | VSEG_EXEC)) | flags;
		vmm_update_vseg_ptes(vmm, v);
	}
	if (!error)
		merge_around(vmm, &change, addr, end);
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
	return -(int64_t)error;
}

/* Linux's advice values (asm-generic/mman-common.h) */
#define MADV_NORMAL          0
#define MADV_RANDOM          1
#define MADV_SEQUENTIAL      2
#define MADV_WILLNEED        3
#define MADV_DONTNEED        4
#define MADV_FREE            8
#define MADV_REMOVE          9
#define MADV_DONTFORK        10
#define MADV_DOFORK          11
#define MADV_MERGEABLE       12
#define MADV_UNMERGEABLE     13
#define MADV_HUGEPAGE        14
#define MADV_NOHUGEPAGE      15
#define MADV_DONTDUMP        16
#define MADV_DODUMP          17
#define MADV_WIPEONFORK      18
#define MADV_KEEPONFORK      19
#define MADV_COLD            20
#define MADV_PAGEOUT         21
#define MADV_POPULATE_READ   22
#define MADV_POPULATE_WRITE  23
#define MADV_DONTNEED_LOCKED 24

/* Unmap the pages of [start, end) in @v (reference), its frames queued on @c: they refault fresh
 * (zero, or the file's bytes; a shared mapping's pages are the file's and come back as they are). */
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
		if (v->type == VSEG_TYPE_FILE)
			vmm_doom_held(ppn, XPTR(local_cxy, &c->doomed));
		else if (v->type != VSEG_TYPE_TRAMP) /* the kernel's page: not ours to free */
			vmm_doom_frame(ppn, XPTR(local_cxy, &c->doomed));
	}
}

/* Advice that only a private anonymous mapping takes (Linux: EINVAL on file or shared ones). */
static bool anon_only(uint32_t advice)
{
	return advice == MADV_FREE || advice == MADV_WIPEONFORK;
}

/* What @advice does to the flags of a vseg: the bits to set and to clear. */
static void advice_flags(uint32_t advice, uint32_t *set, uint32_t *clear)
{
	*set = advice == MADV_DONTFORK ? VSEG_DONTFORK : advice == MADV_WIPEONFORK ? VSEG_WIPEONFORK : 0;
	*clear = advice == MADV_DOFORK ? VSEG_DONTFORK : advice == MADV_KEEPONFORK ? VSEG_WIPEONFORK : 0;
}

/* Validate @advice over the covered range [addr, end) (VSL locked): 0 or the errno. */
static error_t advice_fits(vmm_t *vmm, uint32_t advice, vaddr_t addr, vaddr_t end)
{
	for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); v && v->min < end; v = vsl_next(v)) {
		bool file = v->type == VSEG_TYPE_FILE || v->inode_xp != XPTR_NULL;
		bool plain = v->type == VSEG_TYPE_ANON || v->type == VSEG_TYPE_REMOTE;

		if (anon_only(advice) && (file || !plain))
			return EINVAL;
		if (advice == MADV_REMOVE) /* a shared writable mapping only; the RAM file system */
			return v->type == VSEG_TYPE_FILE && (v->flags & VSEG_WRITE) ? EOPNOTSUPP : EACCES;
		if ((advice == MADV_DONTFORK || advice == MADV_DOFORK) && !plain &&
		    v->type != VSEG_TYPE_FILE)
			return EINVAL; /* a stack slot, the ELF image, the trampoline: always inherited */
	}
	return 0;
}

/* Fault the pages of [addr, end) in as @access would (MADV_WILLNEED, MADV_POPULATE_*). */
static error_t populate(vmm_t *vmm, vaddr_t addr, vaddr_t end, uint32_t access)
{
	for (vaddr_t va = addr; va < end; va += CONFIG_PAGE_SIZE) {
		error_t error = vmm_handle_page_fault(vmm, va, access);
		if (error)
			return error;
		if ((access & HAL_ACCESS_WRITE) && vmm_is_cow(vmm, va) && (error = vmm_handle_cow(vmm, va)))
			return error;
	}
	return 0;
}

int64_t vmm_madvise(vmm_t *vmm, vaddr_t addr, uint64_t len, uint32_t advice)
{
	vaddr_t end;
	error_t error;
	change_t change;
	uint32_t set, clear;

	if (!IS_ALIGNED(addr, CONFIG_PAGE_SIZE))
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_REMOVE: case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
	case MADV_COLD: case MADV_PAGEOUT: case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
	case MADV_DONTNEED_LOCKED:
		break;
	default: /* unknown, or what this kernel is "configured" without: KSM (MERGEABLE),
		    transparent huge pages (HUGEPAGE, NOHUGEPAGE, COLLAPSE), memory failure */
		return -EINVAL;
	}
	if (len == 0)
		return 0;
	error = check_range(addr, len, &end);
	if (error)
		return -(int64_t)error;
	advice_flags(advice, &set, &clear);
	change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	if (!covered(vmm, addr, end))
		error = ENOMEM;
	if (!error)
		error = advice_fits(vmm, advice, addr, end);
	if (!error && (set | clear)) { /* a property of the range: a vseg of its own */
		error = cut_range(vmm, addr, end);
		if (!error) {
			change_begin(vmm, &change, addr, end);
			for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); v && v->min < end; v = vsl_next(v))
				v->flags = (v->flags & ~clear) | set;
			merge_around(vmm, &change, addr, end);
		}
	} else if (!error && (advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED ||
			      advice == MADV_FREE)) {
		/* FREE may free lazily: at once is one of the behaviours it allows */
		change_begin(vmm, &change, addr, end);
		for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); v && v->min < end; v = vsl_next(v))
			drop_pages(vmm, &change, v, addr, end);
	}
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
	if (!error && (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE))
		error = populate(vmm, addr, end, advice == MADV_POPULATE_WRITE ?
			HAL_ACCESS_READ | HAL_ACCESS_WRITE : HAL_ACCESS_READ) ? EFAULT : 0;
	return -(int64_t)error;
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
	/* Mapped: nothing to write back: anonymous memory has no file, and a shared file mapping
	 * maps the page cache itself, which is the file (RAM file system, no backing store). */
	return ok ? 0 : -ENOMEM;
}

/*
 * Move the PTEs of @v (reference, whole vseg, out of the VSL) to start at @to: each one under
 * its lock (a copy-on-write fault of a copy may be on it), copied to the new page then cleared.
 * ENOMEM (a page table could not be had): what moved goes back, which cannot fail (the old tables
 * stay), and nothing changed.
 */
static error_t move_ptes(vmm_t *vmm, const vseg_t *v, vaddr_t to)
{
	xptr_t gpt_xp = XPTR(local_cxy, &vmm->gpt);
	vpn_t end = v->vpn_base + v->vpn_size, delta = (to >> CONFIG_PAGE_SHIFT) - v->vpn_base;
	error_t error = 0;
	vpn_t vpn;

	for (vpn = hal_gpt_next_mapped(gpt_xp, v->vpn_base, end); vpn < end;
	     vpn = hal_gpt_next_mapped(gpt_xp, vpn + 1, end)) {
		uint32_t attr;
		ppn_t ppn;
		bool mapped;

		error = hal_gpt_lock_pte(gpt_xp, vpn, &attr, &ppn);
		if (error)
			break;
		if (attr & GPT_MAPPED) {
			error = hal_gpt_pte_copy(gpt_xp, vpn + delta, gpt_xp, vpn, false, &ppn, &mapped);
			if (!error)
				hal_gpt_reset_pte(gpt_xp, vpn); /* keeps our lock */
		}
		hal_gpt_unlock_pte(gpt_xp, vpn);
		if (error)
			break;
	}
	if (!error)
		return 0;
	for (vpn_t back = v->vpn_base; back < vpn; back++) { /* undo, last error first */
		uint32_t attr;
		ppn_t ppn;
		bool mapped;

		hal_gpt_get_pte(gpt_xp, back + delta, &attr, &ppn);
		if (!(attr & GPT_MAPPED))
			continue;
		if (hal_gpt_pte_copy(gpt_xp, back, gpt_xp, back + delta, false, &ppn, &mapped))
			panic("%s: moving a PTE back to its table failed", __func__);
		hal_gpt_reset_pte(gpt_xp, back + delta);
	}
	return error;
}

/* Check mremap's arguments (Linux's order of checks). */
static error_t mremap_args(vaddr_t old_addr, uint64_t *old_len, uint64_t *new_len, uint32_t flags,
			   vaddr_t new_addr)
{
	if (flags & ~(VMM_MREMAP_MAYMOVE | VMM_MREMAP_FIXED | VMM_MREMAP_DONTUNMAP))
		return EINVAL;
	if ((flags & (VMM_MREMAP_FIXED | VMM_MREMAP_DONTUNMAP)) && !(flags & VMM_MREMAP_MAYMOVE))
		return EINVAL;
	if (flags & VMM_MREMAP_DONTUNMAP)
		return EINVAL; /* not supported: the answer of Linux before 5.7 */
	if (!IS_ALIGNED(old_addr, CONFIG_PAGE_SIZE))
		return EINVAL;
	if (*old_len > CONFIG_VMM_USER_END || *new_len > CONFIG_VMM_USER_END)
		return *new_len > CONFIG_VMM_USER_END && (flags & VMM_MREMAP_FIXED) ? EINVAL : ENOMEM;
	*old_len = ALIGN_UP(*old_len, CONFIG_PAGE_SIZE);
	*new_len = ALIGN_UP(*new_len, CONFIG_PAGE_SIZE);
	if (*new_len == 0)
		return EINVAL;
	if (*old_len == 0)
		return EINVAL; /* Linux duplicates a shared mapping then: not supported (docs/vmm.md) */
	if (flags & VMM_MREMAP_FIXED) {
		if (!IS_ALIGNED(new_addr, CONFIG_PAGE_SIZE) || new_addr < CONFIG_VMM_USER_MIN ||
		    new_addr > CONFIG_VMM_STACK_BASE || CONFIG_VMM_STACK_BASE - new_addr < *new_len)
			return EINVAL;
		if (new_addr < old_addr + *old_len && old_addr < new_addr + *new_len)
			return EINVAL; /* the two ranges overlap */
	}
	return 0;
}

int64_t vmm_mremap(vmm_t *vmm, vaddr_t old_addr, uint64_t old_len, uint64_t new_len,
		   uint32_t flags, vaddr_t new_addr)
{
	vaddr_t old_end, to = 0;
	error_t error = mremap_args(old_addr, &old_len, &new_len, flags, new_addr);
	change_t change;
	vseg_t *v;

	if (error)
		return -(int64_t)error;
	old_end = old_addr + old_len;
	change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	v = vsl_lookup(&vmm->vsl, old_addr);
	if (!v || old_end > v->max)
		error = EFAULT; /* not mapped, or over several vsegs */
	else if (v->type != VSEG_TYPE_ANON && v->type != VSEG_TYPE_REMOTE && v->type != VSEG_TYPE_FILE)
		error = EFAULT; /* a stack slot, the ELF image, the trampoline: not mmap's to move */
	if (error)
		goto out;

	if (!(flags & VMM_MREMAP_FIXED) && new_len <= old_len) { /* shrink (or same) in place */
		if (new_len < old_len) {
			error = cut_range(vmm, old_addr + new_len, old_end);
			if (!error) {
				change_begin(vmm, &change, old_addr + new_len, old_end);
				remove_range(vmm, &change, old_addr + new_len, old_end);
			}
		}
		to = old_addr;
		goto out;
	}
	if (!(flags & VMM_MREMAP_FIXED) && old_end == v->max && old_addr + new_len <= CONFIG_VMM_STACK_BASE &&
	    !vsl_lookup_range(&vmm->vsl, old_end, old_addr + new_len)) {
		/* grow in place: the copies may keep the shorter vseg (its PTEs stay right); a fault
		 * beyond it fetches the longer one, which replaces it (vmm.c, as for brk) */
		vsl_remove(&vmm->vsl, v);
		v->max = old_addr + new_len;
		v->vpn_size = (v->max - v->min) >> CONFIG_PAGE_SHIFT;
		if (v->inode_xp != XPTR_NULL)
			v->file_size = v->max - v->min;
		if (vsl_insert(&vmm->vsl, v)) /* the space after it was checked free */
			panic("%s: the grown vseg overlaps another", __func__);
		to = old_addr;
		goto out;
	}
	if (!(flags & VMM_MREMAP_MAYMOVE)) {
		error = ENOMEM;
		goto out;
	}
	if (flags & VMM_MREMAP_FIXED) {
		to = new_addr;
	} else {
		error = vspace_mmap_alloc(&vmm->mmap, &vmm->vsl, new_len, 0, false, &to);
		if (error)
			goto out;
	}
	/* Make the old range one vseg of its own, clear the destination, cut what does not move. */
	error = cut_range(vmm, old_addr, old_end);
	if (!error && (flags & VMM_MREMAP_FIXED))
		error = cut_range(vmm, to, to + new_len);
	if (!error && new_len < old_len)
		error = cut_range(vmm, old_addr + new_len, old_end);
	if (error)
		goto out;
	change_begin(vmm, &change, old_addr, old_end);
	change.start2 = to;
	change.end2 = to + new_len;
	if (flags & VMM_MREMAP_FIXED)
		remove_range(vmm, &change, to, to + new_len);
	if (new_len < old_len)
		remove_range(vmm, &change, old_addr + new_len, old_end);
	v = vsl_lookup(&vmm->vsl, old_addr);
	kassert(v && v->min == old_addr && v->max == old_addr + MIN(old_len, new_len));
	error = move_ptes(vmm, v, to);
	if (error)
		goto out;
	vsl_remove(&vmm->vsl, v);
	v->min = to;
	v->max = to + new_len;
	v->vpn_base = to >> CONFIG_PAGE_SHIFT;
	v->vpn_size = new_len >> CONFIG_PAGE_SHIFT;
	if (v->inode_xp != XPTR_NULL)
		v->file_size = new_len;
	if (vsl_insert(&vmm->vsl, v)) /* the destination was free or made free */
		panic("%s: the moved vseg overlaps another", __func__);
out:
	rwlock_wr_release(&vmm->vsl_lock);
	change_finish(vmm, &change);
	return error ? -(int64_t)error : (int64_t)to;
}

/* MAP_GROWSDOWN: how far a mapping may grow (Linux's default RLIMIT_STACK), and the gap it keeps
 * from the mapping below it (Linux's stack_guard_gap: 256 pages). */
#define GROWSDOWN_MAX (8ul << 20)
#define GROWSDOWN_GAP (256ul * CONFIG_PAGE_SIZE)

int64_t vmm_grow_down(vmm_t *vmm, vaddr_t addr)
{
	vaddr_t low = ALIGN_DOWN(addr, CONFIG_PAGE_SIZE);
	vseg_t *v, *above = NULL;
	vaddr_t hi;
	error_t error = EFAULT;

	if (addr < CONFIG_VMM_USER_MIN + GROWSDOWN_GAP || addr >= CONFIG_VMM_USER_END)
		return -EFAULT;
	hi = MIN(low + GROWSDOWN_MAX, (vaddr_t)CONFIG_VMM_USER_END);
	rwlock_wr_acquire(&vmm->vsl_lock);
	while ((v = vsl_lookup_range(&vmm->vsl, low, hi)) != NULL) { /* the lowest vseg above */
		above = v;
		hi = v->min;
	}
	if (above && above->min > low && (above->flags & VSEG_GROWSDOWN) &&
	    above->max - low <= GROWSDOWN_MAX &&
	    !vsl_lookup_range(&vmm->vsl, low - GROWSDOWN_GAP, low)) {
		/* The copies may keep the shorter vseg (its PTEs stay right); a fault below it
		 * fetches the longer one, which replaces it (vmm.c). */
		vsl_remove(&vmm->vsl, above);
		above->min = low;
		above->vpn_base = low >> CONFIG_PAGE_SHIFT;
		above->vpn_size = (above->max - low) >> CONFIG_PAGE_SHIFT;
		if (vsl_insert(&vmm->vsl, above)) /* the space below it was checked free */
			panic("%s: the grown vseg overlaps another", __func__);
		error = 0;
	}
	rwlock_wr_release(&vmm->vsl_lock);
	return -(int64_t)error;
}
