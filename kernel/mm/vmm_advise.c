/*
 * vmm_advise.c - the address-space calls that keep the vsegs but act on their pages or move them:
 * madvise, msync, mremap, and the growth of a MAP_GROWSDOWN mapping. They run in the reference
 * cluster with the two-step change of vmm_ops.c (vmm_change.h).
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
#include "vmm_change.h"

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
	gpt_iter_t it;

	for (hal_gpt_iter_init(&it, XPTR(local_cxy, &vmm->gpt), MAX(start, v->min) >> CONFIG_PAGE_SHIFT,
			       MIN(end, v->max) >> CONFIG_PAGE_SHIFT, 0); hal_gpt_iter_next(&it);) {
		ppn_t ppn;

		if (!vmm_pte_clear(&it.pte, &ppn)) /* the frame read under the PTE's lock */
			continue;
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
		if (error) /* a write breaks copy-on-write sharing, as the access itself would */
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
	error = vmm_check_range(addr, len, &end);
	if (error)
		return -(int64_t)error;
	advice_flags(advice, &set, &clear);
	vmm_change_init(&change);
	rwlock_wr_acquire(&vmm->vsl_lock);
	if (!vmm_range_covered(vmm, addr, end))
		error = ENOMEM;
	if (!error)
		error = advice_fits(vmm, advice, addr, end);
	if (!error && (set | clear)) { /* a property of the range: a vseg of its own */
		error = vmm_cut_range(vmm, addr, end);
		if (!error) {
			vmm_change_begin(vmm, &change, addr, end);
			for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); v && v->min < end; v = vsl_next(v))
				v->flags = (v->flags & ~clear) | set;
			vmm_merge_around(vmm, &change, addr, end);
		}
	} else if (!error && (advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED ||
			      advice == MADV_FREE)) {
		/* FREE may free lazily: at once is one of the behaviours it allows */
		vmm_change_begin(vmm, &change, addr, end);
		for (vseg_t *v = vsl_lookup(&vmm->vsl, addr); v && v->min < end; v = vsl_next(v))
			drop_pages(vmm, &change, v, addr, end);
	}
	rwlock_wr_release(&vmm->vsl_lock);
	vmm_change_finish(vmm, &change);
	if (!error && (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE)) {
		error = populate(vmm, addr, end, advice == MADV_POPULATE_WRITE ?
			HAL_ACCESS_READ | HAL_ACCESS_WRITE : HAL_ACCESS_READ);
		if (error && error != ENOMEM) /* Linux: ENOMEM when memory runs out (the pages done */
			error = EFAULT;       /* stay mapped), EFAULT for anything else           */
	}
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
	error = vmm_check_range(addr, len, &end);
	if (error)
		return -(int64_t)error;
	rwlock_rd_acquire(&vmm->vsl_lock);
	ok = vmm_range_covered(vmm, addr, end);
	rwlock_rd_release(&vmm->vsl_lock);
	/* Mapped: nothing to write back: anonymous memory has no file, and a shared file mapping
	 * maps the page cache itself, which is the file (RAM file system, no backing store). */
	return ok ? 0 : -ENOMEM;
}

/*
 * Move the PTEs of @v (reference, whole vseg, out of the VSL) to start at @to (a range that does
 * not overlap it): each one under its lock (a copy-on-write fault of a copy may be on it), copied to
 * the new page then cleared, a leaf table at a time on both sides. ENOMEM (a page table could not
 * be had): what moved goes back, which cannot fail (the old tables stay), and nothing changed.
 */
static error_t move_ptes(vmm_t *vmm, const vseg_t *v, vaddr_t to)
{
	xptr_t gpt_xp = XPTR(local_cxy, &vmm->gpt);
	vpn_t delta = (to >> CONFIG_PAGE_SHIFT) - v->vpn_base;
	gpt_cursor_t dst;
	gpt_iter_t it, back;
	error_t error = 0;

	hal_gpt_cursor_init(&dst, gpt_xp);
	for (hal_gpt_iter_init(&it, gpt_xp, v->vpn_base, v->vpn_base + v->vpn_size, GPT_ITER_LOCKED);
	     !error && hal_gpt_iter_next(&it);) {
		gpt_pte_t new;
		uint32_t attr;
		ppn_t ppn;

		hal_gpt_pte_lock(&it.pte, &attr, &ppn);
		if ((attr & GPT_MAPPED) && !(error = hal_gpt_cursor_pte(&dst, it.vpn + delta, &new))) {
			hal_gpt_pte_store(&new, attr, ppn);
			hal_gpt_pte_reset(&it.pte); /* keeps our lock */
		}
		hal_gpt_pte_unlock(&it.pte);
	}
	if (!error)
		return 0;
	/* Undo: the PTEs moved so far lie below it.vpn + delta, and their old tables are there. */
	hal_gpt_cursor_init(&dst, gpt_xp);
	for (hal_gpt_iter_init(&back, gpt_xp, v->vpn_base + delta, it.vpn + delta, 0);
	     hal_gpt_iter_next(&back);) {
		gpt_pte_t old;

		if (hal_gpt_cursor_pte(&dst, back.vpn - delta, &old))
			panic("%s: moving a PTE back to its table failed", __func__);
		hal_gpt_pte_store(&old, back.attr, back.ppn);
		hal_gpt_pte_reset(&back.pte);
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
	vmm_change_init(&change);
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
			error = vmm_cut_range(vmm, old_addr + new_len, old_end);
			if (!error) {
				vmm_change_begin(vmm, &change, old_addr + new_len, old_end);
				vmm_remove_range(vmm, &change, old_addr + new_len, old_end);
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
	error = vmm_cut_range(vmm, old_addr, old_end);
	if (!error && (flags & VMM_MREMAP_FIXED))
		error = vmm_cut_range(vmm, to, to + new_len);
	if (!error && new_len < old_len)
		error = vmm_cut_range(vmm, old_addr + new_len, old_end);
	if (error)
		goto out;
	vmm_change_begin(vmm, &change, old_addr, old_end);
	change.start2 = to;
	change.end2 = to + new_len;
	if (flags & VMM_MREMAP_FIXED)
		vmm_remove_range(vmm, &change, to, to + new_len);
	if (new_len < old_len)
		vmm_remove_range(vmm, &change, old_addr + new_len, old_end);
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
	vmm_change_finish(vmm, &change);
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
