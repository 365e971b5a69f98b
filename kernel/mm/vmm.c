/*
 * vmm.c - VMM copies, vsegs and page faults (see vmm.h).
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
#include <kern/thread.h>
#include <fs/mapper.h>
#include <libk/bits.h>
#include <libk/cmdline.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <mm/oom.h>
#include <mm/page.h>
#include <mm/ppm.h>
#include <mm/vmm.h>
#include <mm/vmm_copy.h>
#include <mm/vmm_query.h>

vmm_protocol_t vmm_protocol = CONFIG_VMM_TRUE_FAULT_RPC ? VMM_PROTOCOL_RPC : VMM_PROTOCOL_DIRECT;
bool vmm_stack_private = CONFIG_VMM_STACK_PRIVATE;

/* faultcycles=on|off: the cost of each fault in the *_cycles counters, two reads of the cycle
 * counter per fault; on by default in debug builds only (issue 13: no cycle reads on the fault path
 * of a release build unless asked for). This cluster's copy, set at boot. */
#ifdef CONFIG_DEBUG
static bool vmm_fault_cycles = true;
#else
static bool vmm_fault_cycles = false;
#endif

/* `key=a|b` of the command line into *@flag (false for @no, true for @yes); warns on other values. */
static void boot_choice(const char *cmdline, const char *key, const char *no, const char *yes,
			bool *flag)
{
	char val[16];

	if (!cmdline_get(cmdline, key, val, sizeof(val)))
		return;
	if (!strcmp(val, no) || !strcmp(val, yes))
		*flag = !strcmp(val, yes);
	else if (local_cxy == 0)
		pr_warn("vmm: %s=%s: expected %s or %s; keeping %s", key, val, no, yes,
			*flag ? yes : no);
}

void vmm_boot_options(const char *cmdline)
{
	bool direct = vmm_protocol == VMM_PROTOCOL_DIRECT;

	boot_choice(cmdline, "vmm", "rpc", "direct", &direct);
	vmm_protocol = direct ? VMM_PROTOCOL_DIRECT : VMM_PROTOCOL_RPC;
	boot_choice(cmdline, "stack", "public", "private", &vmm_stack_private);
	boot_choice(cmdline, "faultcycles", "off", "on", &vmm_fault_cycles);
	if (local_cxy == 0)
		pr_info("vmm: true faults by %s, stacks %s, fault cycles %s",
			direct ? "direct remote access" : "RPC", vmm_stack_private ? "private" : "public",
			vmm_fault_cycles ? "counted" : "not counted");
}

#define STAT_XP(vmm, field) XPTR(local_cxy, &(vmm)->stats.field)

error_t vmm_init(vmm_t *vmm, xptr_t ref_xp)
{
	error_t error = hal_gpt_create(&vmm->gpt);

	if (error)
		return error;
	/* A copy's fault may take its reference's lock (direct protocol): two classes, that order. */
	rwlock_init(&vmm->vsl_lock, "vsl", ref_xp == XPTR_NULL ? LOCK_VMM_VSL_REF : LOCK_VMM_VSL);
	vsl_init(&vmm->vsl);
	vmm->ref_xp = ref_xp != XPTR_NULL ? ref_xp : XPTR(local_cxy, vmm);
	memset(&vmm->stats, 0, sizeof(vmm->stats));
	vmm->invalidations = 0;
	if (vmm_is_reference(vmm)) {
		vspace_stack_init(&vmm->stacks);
		vspace_mmap_init(&vmm->mmap, CONFIG_VMM_MMAP_BASE, CONFIG_VMM_MMAP_END);
	}
	return 0;
}

void vmm_init_kernel(vmm_t *vmm)
{
	static const struct { vseg_type_t type; uint32_t flags; } kinds[] = {
		[HAL_KRANGE_CODE] = { VSEG_TYPE_KCODE, VSEG_READ | VSEG_EXEC | VSEG_PRIVATE },
		[HAL_KRANGE_DATA] = { VSEG_TYPE_KDATA, VSEG_READ | VSEG_WRITE | VSEG_PRIVATE },
		[HAL_KRANGE_DEV]  = { VSEG_TYPE_KDEV, VSEG_READ | VSEG_WRITE },
	};
	hal_krange_t ranges[16];
	uint32_t n = hal_kernel_ranges(ranges, 16);

	memset(vmm, 0, sizeof(*vmm));
	rwlock_init(&vmm->vsl_lock, "vsl", LOCK_VMM_VSL_REF);
	vsl_init(&vmm->vsl);
	vmm->ref_xp = XPTR(local_cxy, vmm);
	rwlock_wr_acquire(&vmm->vsl_lock);
	for (uint32_t i = 0; i < n; i++) {
		vseg_t *v = vseg_alloc();
		if (!v || vseg_init(v, kinds[ranges[i].kind].type, ranges[i].min, ranges[i].max,
				    kinds[ranges[i].kind].flags, local_cxy, NULL) ||
		    vsl_insert(&vmm->vsl, v))
			panic("%s: kernel range %lx-%lx refused", __func__, ranges[i].min, ranges[i].max);
	}
	rwlock_wr_release(&vmm->vsl_lock);
}

/* GPT attributes of the pages of @vseg. */
static uint32_t vseg_attr(const vseg_t *vseg)
{
	uint32_t attr = GPT_MAPPED | GPT_SMALL | GPT_CACHABLE | GPT_USER;

	if (vseg->flags & VSEG_READ)
		attr |= GPT_READABLE;
	if (vseg->flags & VSEG_WRITE)
		attr |= GPT_WRITABLE;
	if (vseg->flags & VSEG_EXEC)
		attr |= GPT_EXECUTABLE;
	return attr;
}

/* True if @vseg's mappings (and frames) are this copy's own business. */
static bool owns_frames(const vmm_t *vmm, const vseg_t *vseg)
{
	return (vseg->flags & VSEG_PRIVATE) || vmm_is_reference(vmm);
}

void vmm_doomed_init(vmm_doomed_t *doomed)
{
	xlist_root_init(XPTR(local_cxy, &doomed->frames));
	xlist_root_init(XPTR(local_cxy, &doomed->held));
}

#define DOOMED(doomed_xp, field) XPTR_FIELD(doomed_xp, vmm_doomed_t, field)

static void doom_held_page(xptr_t page_xp, xptr_t doomed_xp);

/* The frames a VMM's destruction gives back, freed a batch at a time (one PPM lock pair each). */
typedef struct frame_batch_s {
	xptr_t   page[16];
	uint32_t n;
} frame_batch_t;

static void frame_batch_flush(frame_batch_t *b)
{
	ppm_remote_free_array(b->page, b->n);
	b->n = 0;
}

/* vmm_doom_frame's work; with @batch (the GPT goes too: no TLB can reach the frame), a frame whose
 * last user we are goes into it. */
static void doom_frame(ppn_t ppn, xptr_t doomed_xp, frame_batch_t *batch)
{
	xptr_t page_xp = ppm_base2page(ppn << CONFIG_PAGE_SHIFT);

	/* CODE's replica from the page cache (vmm_code_hold_page): our hold keeps refcount up */
	if (hal_remote_l32(PAGE_XP(page_xp, refcount)) != 0) {
		doom_held_page(page_xp, doomed_xp);
		return;
	}
	if (vmm_frame_unshare(page_xp)) /* another process (a fork) still maps it */
		return;

	if (batch) {
		batch->page[batch->n++] = page_xp;
		if (batch->n == ARRAY_SIZE(batch->page))
			frame_batch_flush(batch);
	} else if (doomed_xp == XPTR_NULL) {
		ppm_remote_free_pages(page_xp);
	} else {
		xlist_add_last(DOOMED(doomed_xp, frames), PAGE_XP(page_xp, list));
	}
}

void vmm_doom_frame(ppn_t ppn, xptr_t doomed_xp)
{
	doom_frame(ppn, doomed_xp, NULL);
}

/* A mapper page whose hold a change drops once no TLB can reach it. */
typedef struct doomed_hold_s {
	xlist_entry_t link;
	xptr_t        page_xp;
} doomed_hold_t;

void vmm_doom_held(ppn_t ppn, xptr_t doomed_xp)
{
	doom_held_page(ppm_base2page((paddr_t)ppn << CONFIG_PAGE_SHIFT), doomed_xp);
}

static void doom_held_page(xptr_t page_xp, xptr_t doomed_xp)
{
	doomed_hold_t *node = doomed_xp != XPTR_NULL ? kmem_alloc(sizeof(*node), 0) : NULL;

	if (!node) {
		/* At once. Without memory for the node this is early: only a truncation of the file
		 * racing with this change could then free a page a TLB still maps (docs/vmm.md). */
		mapper_release_page(page_xp);
		return;
	}
	kassert(GET_CXY(doomed_xp) == local_cxy);
	node->page_xp = page_xp;
	xlist_add_last(DOOMED(doomed_xp, held), XPTR(local_cxy, &node->link));
}

void vmm_free_doomed(xptr_t doomed_xp)
{
	xptr_t e, batch[16]; /* freed a batch at a time: one PPM lock pair per cluster and batch */
	uint32_t n = 0;

	while ((e = xlist_first(DOOMED(doomed_xp, frames))) != XPTR_NULL) {
		xlist_unlink(e);
		batch[n++] = XLIST_ELEMENT(e, page_t, list);
		if (n == ARRAY_SIZE(batch)) {
			ppm_remote_free_array(batch, n);
			n = 0;
		}
	}
	if (n)
		ppm_remote_free_array(batch, n);
	while ((e = xlist_first(DOOMED(doomed_xp, held))) != XPTR_NULL) {
		doomed_hold_t *node = GET_PTR(XLIST_ELEMENT(e, doomed_hold_t, link));
		xlist_unlink(e);
		mapper_release_page(node->page_xp);
		kmem_free(node);
	}
}

uint32_t vmm_frame_share_count(ppn_t ppn)
{
	xptr_t page_xp = ppm_base2page((paddr_t)ppn << CONFIG_PAGE_SHIFT);
	uint32_t n;

	if (page_xp == XPTR_NULL)
		return 0;
	n = hal_remote_l32(PAGE_XP(page_xp, refcount));
	if (hal_remote_lxp(PAGE_XP(page_xp, owner_xp)) != XPTR_NULL || n != 0)
		return n; /* a mapper's (or orphan) */
	return hal_remote_l32(PAGE_XP(page_xp, forks)) + 1;
}

void vmm_flush_tlbs(vmm_t *vmm)
{
	uint32_t self, mask;

	mask = vmm_cores_to_flush(vmm); /* after our PTE changes: see there */
	self = 1u << hal_get_lid();
	if ((mask & ~self) == 0) { /* no other core may cache this GPT's entries: no shootdown */
		if (mask)
			hal_tlb_flush_all();
		return;
	}
	ipi_flush_cluster_tlbs(mask);
}

bool vmm_pte_clear(const gpt_pte_t *pte, ppn_t *ppn)
{
	return hal_gpt_pte_clear(pte, ppn); /* one atomic, after any holder of the PTE's lock */
}

/*
 * vmm_unmap_vseg's work. Without @batch, the PTEs are cleared; vmm_destroy passes one: it does not
 * clear them, the GPT being destroyed with its tables right after and walked by no core any more,
 * and the frames freed go into @batch.
 */
static void unmap_ptes(vmm_t *vmm, const vseg_t *vseg, xptr_t doomed_xp, frame_batch_t *batch,
		       gpt_iter_t *it)
{
	bool owner = owns_frames(vmm, vseg) && vseg->type != VSEG_TYPE_TRAMP; /* the kernel's */

	for (hal_gpt_iter_range(it, vseg->vpn_base, vseg->vpn_base + vseg->vpn_size);
	     hal_gpt_iter_next(it);) {
		ppn_t ppn = it->ppn;

		if (!batch && !vmm_pte_clear(&it->pte, &ppn))
			continue;
		if (owner && vseg->type == VSEG_TYPE_FILE) /* the mapper's page: our hold goes */
			vmm_doom_held(ppn, doomed_xp);
		else if (owner)
			doom_frame(ppn, doomed_xp, batch);
	}
}

void vmm_unmap_vseg(vmm_t *vmm, const vseg_t *vseg, xptr_t doomed_xp)
{
	gpt_iter_t it;

	hal_gpt_iter_init(&it, XPTR(local_cxy, &vmm->gpt), 0, 0, 0);
	unmap_ptes(vmm, vseg, doomed_xp, NULL, &it);
}

void vmm_update_vseg_ptes(vmm_t *vmm, const vseg_t *vseg)
{
	uint32_t attr = vseg_attr(vseg);
	gpt_iter_t it;

	/* After any holder of the PTE's lock, as vmm_pte_clear: a copy's copy-on-write fault in
	 * flight would otherwise write back the old attributes (writable) after ours, or change the
	 * frame. A frame shared with a fork stays copy-on-write (hal_gpt_pte_protect). */
	for (hal_gpt_iter_init(&it, XPTR(local_cxy, &vmm->gpt), vseg->vpn_base,
			       vseg->vpn_base + vseg->vpn_size, 0); hal_gpt_iter_next(&it);)
		hal_gpt_pte_protect(&it.pte, attr);
}

void vmm_destroy(vmm_t *vmm)
{
	vseg_t *vseg, *batch[16]; /* freed a batch at a time: one kcm lock pair per batch */
	frame_batch_t frames = { .n = 0 };
	gpt_iter_t it; /* one for every vseg: they come in increasing order */
	uint32_t n = 0;

	hal_gpt_iter_init(&it, XPTR(local_cxy, &vmm->gpt), 0, 0, 0);
	rwlock_wr_acquire(&vmm->vsl_lock);
	while ((vseg = vsl_first(&vmm->vsl)) != NULL) {
		unmap_ptes(vmm, vseg, XPTR_NULL, &frames, &it);
		vsl_remove(&vmm->vsl, vseg);
		if (vmm_is_reference(vmm)) /* a copy's vsegs hold no file */
			vmm_vseg_drop_file(vseg);
		batch[n++] = vseg;
		if (n == ARRAY_SIZE(batch)) {
			vseg_free_array(batch, n);
			n = 0;
		}
	}
	vseg_free_array(batch, n);
	rwlock_wr_release(&vmm->vsl_lock);
	frame_batch_flush(&frames);
	hal_gpt_destroy(&vmm->gpt);
}

error_t vmm_create_vseg(vmm_t *vmm, vseg_type_t type, vaddr_t min, vaddr_t max, uint32_t flags,
			const vseg_file_t *file, cxy_t cxy, vseg_t **out)
{
	vseg_t *vseg;
	error_t error;

	kassert(vmm_is_reference(vmm));
	vseg = vseg_alloc();
	if (!vseg)
		return ENOMEM;
	error = vseg_init(vseg, type, min, max, flags, cxy, file);
	if (!error) {
		rwlock_wr_acquire(&vmm->vsl_lock);
		error = vsl_insert(&vmm->vsl, vseg);
		rwlock_wr_release(&vmm->vsl_lock);
	}
	if (error) {
		vseg_free(vseg);
		return error;
	}
	if (out)
		*out = vseg;
	return 0;
}

/* ------------------------------------------------------------------------------------------- */
/* page faults                                                                                  */

/*
 * Fill a new frame for @vpn of @vseg: the file's bytes for a file-backed vseg, zeros for the rest
 * (each byte written once: a code page is not zeroed before the copy that covers it).
 * The frame (descriptor @page_xp, physical address @base) may be in any cluster: written through
 * hal_remote_*.
 */
static error_t init_frame(const vseg_t *vseg, vpn_t vpn, xptr_t page_xp, paddr_t base)
{
	xptr_t frame_xp = XPTR(GET_CXY(page_xp), hal_paddr_to_kva(base));
	uint64_t offset = (vpn - vseg->vpn_base) << CONFIG_PAGE_SHIFT, file_offset;
	size_t bytes;

	if (vseg->inode_xp != XPTR_NULL) { /* a private file mapping: the file as it is now */
		error_t error = vmm_file_page(vseg, vpn, &file_offset, &bytes);
		return error ? error : vmm_fill_from_file(vseg->mapper_xp, file_offset, bytes, frame_xp);
	}
	if (vseg->mapper_xp == XPTR_NULL || offset >= vseg->file_size) {
		hal_remote_memset(frame_xp, 0, CONFIG_PAGE_SIZE);
		return 0;
	}
	return vmm_fill_from_file(vseg->mapper_xp, vseg->file_offset + offset,
				  MIN(CONFIG_PAGE_SIZE, vseg->file_size - offset), frame_xp);
}

/*
 * Fill the locked, unmapped PTE @pte of @vpn of @vseg and release it: the page cache's page itself
 * for a FILE vseg, else a new frame placed by the vseg's rule for a fault taken in cluster
 * @faulting_cxy. ENOMEM (no frame), or the file's error: the PTE is released unchanged then.
 */
static error_t fill_pte(const gpt_pte_t *pte, const vseg_t *vseg, vpn_t vpn, cxy_t faulting_cxy)
{
	xptr_t page_xp;
	paddr_t base = 0;
	ppn_t ppn;
	error_t error = 0;

	if (vseg->type == VSEG_TYPE_FILE) { /* the page cache's page itself, held */
		error = vmm_file_hold_page(vseg, vpn, &ppn);
		if (error) {
			hal_gpt_pte_unlock(pte);
			return error;
		}
		hal_gpt_pte_set(pte, vseg_attr(vseg), ppn);
		return 0;
	}
	if (vseg->type == VSEG_TYPE_CODE && vmm_code_hold_page(vseg, vpn, faulting_cxy, &ppn)) {
		hal_gpt_pte_set(pte, vseg_attr(vseg), ppn); /* this cluster's replica: no copy */
		return 0;
	}
	if (vseg->inode_xp != XPTR_NULL) { /* beyond the end of the file: SIGBUS, no frame taken */
		uint64_t offset;
		size_t bytes;
		error = vmm_file_page(vseg, vpn, &offset, &bytes);
	}
	page_xp = error ? XPTR_NULL : oom_fault_frame(vseg, vpn, faulting_cxy); /* the vseg's
									      * cluster, else the nearest */
	if (!error && page_xp == XPTR_NULL)
		error = ENOMEM;
	if (!error) {
		base = ppm_page2base(page_xp); /* once: the frame's bytes and its PTE */
		if ((error = init_frame(vseg, vpn, page_xp, base)) != 0)
			ppm_remote_free_pages(page_xp);
	}
	if (error) {
		hal_gpt_pte_unlock(pte);
		return error;
	}
	hal_gpt_pte_set(pte, vseg_attr(vseg), base >> CONFIG_PAGE_SHIFT);
	return 0;
}

/*
 * Map a new frame for @vpn in the GPT at @gpt_xp unless the PTE is mapped already (fill_pte).
 * *@mapped_now tells whether this call mapped it. ENOMEM (no frame or table), or the file's error;
 * nothing changed then.
 */
static error_t map_new_frame(xptr_t gpt_xp, const vseg_t *vseg, vpn_t vpn, cxy_t faulting_cxy,
			     bool *mapped_now)
{
	gpt_pte_t pte;
	uint32_t attr;
	ppn_t ppn;
	error_t error = hal_gpt_lock_pte(gpt_xp, vpn, &pte, &attr, &ppn);

	*mapped_now = false;
	if (error)
		return error;
	if (attr & GPT_MAPPED) {
		hal_gpt_pte_unlock(&pte);
		return 0;
	}
	error = fill_pte(&pte, vseg, vpn, faulting_cxy);
	*mapped_now = !error;
	return error;
}

/*
 * Copy the reference PTE of @vpn into the local GPT (nothing if mapped meanwhile). The reference
 * PTE is read with the local one locked: whoever changes the reference PTE then the copies (a fork
 * marking pages copy-on-write, vmm_global_update_pte) waits for our lock, so what we write is
 * either already the new value or overwritten by it. A reference PTE locked by such a change is not
 * copied: the access faults again once it is done.
 */
static error_t copy_pte(vmm_t *vmm, vpn_t vpn)
{
	gpt_pte_t pte;
	uint32_t old_attr, attr;
	ppn_t old_ppn, ppn;
	error_t error = hal_gpt_lock_pte(XPTR(local_cxy, &vmm->gpt), vpn, &pte, &old_attr, &old_ppn);

	if (error)
		return error;
	hal_gpt_get_pte(VMM_XP(vmm->ref_xp, gpt), vpn, &attr, &ppn);
	if ((old_attr & GPT_MAPPED) || !(attr & GPT_MAPPED) || (attr & GPT_LOCKED))
		hal_gpt_pte_unlock(&pte);
	else
		hal_gpt_pte_set(&pte, attr, ppn);
	return 0;
}

/*
 * A true fault of a copy, resolved in the reference GPT by the chosen protocol.
 *
 * Direct: this core maps the frame in the reference GPT itself, under the reference's VSL lock
 * (read), using this copy's @vseg. That copy of the vseg is right only if no change of the
 * reference is still on its way to the copies (vmm_ops.c: a change is begun under the reference's
 * write lock and done once every copy forgot the range); otherwise the fault goes by RPC, where the
 * reference looks the vseg up itself. The RPC path never needs the copy to be current.
 */
static error_t resolve_in_reference(vmm_t *vmm, const vseg_t *vseg, vaddr_t vaddr)
{
	bool mapped_now;

	if (vmm_protocol == VMM_PROTOCOL_DIRECT) {
		xptr_t ref_lock = VMM_XP(vmm->ref_xp, vsl_lock);
		bool current;
		error_t error = 0;

		remote_rwlock_rd_acquire(ref_lock);
		current = hal_remote_l32(VMM_XP(vmm->ref_xp, changes_begun)) ==
			  hal_remote_l32(VMM_XP(vmm->ref_xp, changes_done));
		hal_fence(); /* what the copies forgot is forgotten before we look at our vseg */
		if (current)
			error = map_new_frame(VMM_XP(vmm->ref_xp, gpt), vseg,
					      vaddr >> CONFIG_PAGE_SHIFT, local_cxy, &mapped_now);
		remote_rwlock_rd_release(ref_lock);
		if (current)
			return error;
	}

	rpc_vmm_true_fault_args_t a = { .vmm = GET_PTR(vmm->ref_xp), .vaddr = vaddr,
					.faulting_cxy = local_cxy };
	rpc_desc_t desc = RPC_DESC(RPC_VMM_TRUE_FAULT, &a);

	rpc_send(GET_CXY(vmm->ref_xp), &desc);
	return (error_t)desc.error;
}

/* The same vseg of the reference, fetched twice (by two threads of this cluster). */
static bool same_vseg(const vseg_t *a, const vseg_t *b)
{
	return a->min == b->min && a->max == b->max && a->type == b->type && a->flags == b->flags;
}

/*
 * Copy the vseg of the reference containing @vaddr into this copy's VSL. EFAULT if none. 0 also
 * when it was not inserted because an invalidation ran meanwhile: the caller looks again. Out of
 * line, as fault_public: inlined, their frames made every local fault save twelve registers.
 */
static __attribute__((noinline)) error_t fetch_vseg(vmm_t *vmm, vaddr_t vaddr)
{
	vseg_t *vseg = vseg_alloc(), *old;
	uint32_t invalidations = __atomic_load_n(&vmm->invalidations, __ATOMIC_ACQUIRE);
	vmm_doomed_t doomed; /* what a stale vseg's PTEs mapped (frames this copy owns) */
	bool forgot = false;
	error_t error;

	if (!vseg)
		return ENOMEM;
	error = vmm_copy_get_ref_vseg(vmm, vaddr, vseg);
	if (error) {
		vseg_free(vseg);
		return error;
	}
	vmm_doomed_init(&doomed);
	rwlock_wr_acquire(&vmm->vsl_lock);
	/*
	 * The reference copied the vseg before a change whose invalidation reached this copy while
	 * the RPC ran, and found nothing to forget: inserted now, it would stay as the reference no
	 * longer has it. Such a stale vseg overlapping a newer one made every later fetch of the
	 * newer one fail to insert, and a fault there fetched for ever (a killed thread that never
	 * left, the fuzzer, 2x2; test_races stalefetch).
	 */
	if (vmm->invalidations != invalidations) {
		rwlock_wr_release(&vmm->vsl_lock);
		vseg_free(vseg);
		return 0;
	}
	/* brk, mremap and MAP_GROWSDOWN grow a vseg in place without telling the copies (its pages
	 * do not move), so this copy may hold it as it was: inside the new one, shorter. Its PTEs
	 * stay valid; only the descriptor is replaced. Every other change of a vseg invalidates the
	 * copies. */
	while ((old = vsl_lookup_range(&vmm->vsl, vseg->min, vseg->max)) != NULL &&
	       old->min >= vseg->min && old->max <= vseg->max && old->type == vseg->type) {
		vsl_remove(&vmm->vsl, old);
		vseg_free(old);
	}
	/* Any other vseg it overlaps is one the reference no longer has, whose invalidation is still
	 * on its way (a munmap's second step, while another thread's mmap took the range again):
	 * forgotten now, rather than refusing the new one until then. */
	old = vsl_lookup_range(&vmm->vsl, vseg->min, vseg->max);
	if (old && !same_vseg(old, vseg)) {
		vmm_copy_forget_locked(vmm, vseg->min, vseg->max, XPTR(local_cxy, &doomed));
		forgot = true;
	}
	error = vsl_insert(&vmm->vsl, vseg);
	rwlock_wr_release(&vmm->vsl_lock);
	if (error) /* another thread of this cluster brought it first */
		vseg_free(vseg);
	if (forgot)
		vmm_flush_tlbs(vmm);
	vmm_free_doomed(XPTR(local_cxy, &doomed));
	return 0;
}

static bool access_allowed(const vseg_t *vseg, uint32_t access)
{
	if ((access & HAL_ACCESS_WRITE) && !(vseg->flags & VSEG_WRITE))
		return false;
	if ((access & HAL_ACCESS_EXEC) && !(vseg->flags & VSEG_EXEC))
		return false;
	return !(access & HAL_ACCESS_READ) || (vseg->flags & VSEG_READ);
}

/* Count a resolved fault of @vmm in the counter @count_xp and, with faultcycles=on, its cost since
 * @t0 in @cycles_xp. Inline: one atomic add on the common path, no call. */
static inline __attribute__((always_inline)) void count_fault(xptr_t count_xp, xptr_t cycles_xp,
								 uint64_t t0)
{
	hal_remote_atomic_add64(count_xp, 1);
	if (vmm_fault_cycles)
		hal_remote_atomic_add64(cycles_xp, hal_get_cycles() - t0);
}

/*
 * A fault on a vseg whose mappings this copy owns (private, or this is the reference): one walk of
 * the local GPT, whose locked PTE is filled, or handed to the copy-on-write path for a write to a
 * page mapped copy-on-write, or released (another thread mapped it first: a false fault).
 */
static error_t fault_owned(vmm_t *vmm, const vseg_t *vseg, vpn_t vpn, uint32_t access, uint64_t t0)
{
	gpt_pte_t pte;
	uint32_t attr;
	ppn_t ppn;
	error_t error = hal_gpt_lock_pte(XPTR(local_cxy, &vmm->gpt), vpn, &pte, &attr, &ppn);

	if (error)
		return error;
	if ((attr & GPT_COW) && (access & HAL_ACCESS_WRITE)) {
		error = vmm_handle_cow(vmm, vseg, &pte, attr, ppn);
		if (!error)
			count_fault(STAT_XP(vmm, cow_faults), STAT_XP(vmm, cow_cycles), t0);
		return error;
	}
	if (attr & GPT_MAPPED) {
		hal_gpt_pte_unlock(&pte);
		count_fault(STAT_XP(vmm, false_faults), STAT_XP(vmm, false_cycles), t0);
		return 0;
	}
	error = fill_pte(&pte, vseg, vpn, local_cxy);
	if (!error)
		count_fault(STAT_XP(vmm, local_faults), STAT_XP(vmm, local_cycles), t0);
	return error;
}

/*
 * A fault of a copy on a public vseg: a write to a page this copy maps copy-on-write goes to the
 * copy-on-write path on the reference's PTE; otherwise the reference PTE is copied (a false fault),
 * after mapping it in the reference if needed (a true fault, resolve_in_reference).
 */
static __attribute__((noinline)) error_t fault_public(vmm_t *vmm, const vseg_t *vseg,
							vaddr_t vaddr, uint32_t access, uint64_t t0)
{
	vpn_t vpn = vaddr >> CONFIG_PAGE_SHIFT;
	xptr_t ref_gpt_xp = VMM_XP(vmm->ref_xp, gpt);
	gpt_pte_t pte;
	uint32_t attr;
	ppn_t ppn;
	error_t error;

	if ((access & HAL_ACCESS_WRITE) && vmm_is_cow(vmm, vaddr)) {
		error = hal_gpt_lock_pte(ref_gpt_xp, vpn, &pte, &attr, &ppn);
		if (!error)
			error = vmm_handle_cow(vmm, vseg, &pte, attr, ppn);
		if (!error)
			count_fault(STAT_XP(vmm, cow_faults), STAT_XP(vmm, cow_cycles), t0);
		return error;
	}
	hal_gpt_get_pte(ref_gpt_xp, vpn, &attr, &ppn);
	if (attr & GPT_MAPPED) {
		error = copy_pte(vmm, vpn);
		if (!error)
			count_fault(STAT_XP(vmm, false_faults), STAT_XP(vmm, false_cycles), t0);
		return error;
	}
	error = resolve_in_reference(vmm, vseg, vaddr);
	if (error)
		return error;
	hal_gpt_get_pte(ref_gpt_xp, vpn, &attr, &ppn);
	if (!(attr & GPT_MAPPED)) /* unmapped again by a change: the access faults again */
		return 0;
	error = copy_pte(vmm, vpn);
	if (!error)
		count_fault(STAT_XP(vmm, global_faults), STAT_XP(vmm, global_cycles), t0);
	return error;
}

/*
 * This copy's vseg [@min, @max) forbids the @access at @vaddr: is that the reference's answer too?
 * A munmap frees its range in the reference at its first step, and another thread's mmap may take
 * it again and return before the munmap's invalidation reaches this copy, which still holds the
 * old vseg: its read-only protection answered a store to the new read-write stack with SIGSEGV
 * (glibc's __clone, right after posix_spawn mapped the stack; seed 49, 4x2; test_races
 * remapstack). If the reference allows the access, the copy forgets both extents, and the fault
 * looks up (and fetches) again. EFAULT if it does not; ENOMEM, or EFAULT, if it has no vseg.
 */
static error_t recheck_refusal(vmm_t *vmm, vaddr_t min, vaddr_t max, vaddr_t vaddr,
			       uint32_t access)
{
	vseg_t ref;
	error_t error = vmm_copy_get_ref_vseg(vmm, vaddr, &ref);

	if (error)
		return error;
	if (!access_allowed(&ref, access))
		return EFAULT;
	vmm_copy_forget(vmm, MIN(min, ref.min), MAX(max, ref.max));
	return 0;
}

/*
 * lookup_current's part in a copy, called and returning with the copy's VSL read-locked (also on
 * error): a copy checks with the reference both an absence and a refusal before it answers
 * EFAULT.
 *
 * Fetched, the vseg may be gone again before the lookup: an invalidation of the reference's
 * change of a neighbour (mprotect joins equal neighbours, and the copies forget the whole joined
 * extent) ran in between. Fetch until it is here or the reference has none: taken for unmapped, it
 * was a SIGSEGV in clone's first store to a fresh posix_spawn stack (the fuzzer, 4x2; test_races
 * nbrstack). A killed thread stops: it only has to leave.
 */
static __attribute__((noinline)) error_t lookup_in_copy(vmm_t *vmm, vaddr_t vaddr,
							 uint32_t access, vseg_t **vsegp)
{
	vseg_t *vseg = NULL;
	error_t error = 0;

	while (!error &&
	       (!(vseg = vsl_lookup(&vmm->vsl, vaddr)) || !access_allowed(vseg, access))) {
		thread_t *self = thread_current();
		vaddr_t min = vseg ? vseg->min : 0, max = vseg ? vseg->max : 0;

		rwlock_rd_release(&vmm->vsl_lock);
		if (self && __atomic_load_n(&self->killed, __ATOMIC_ACQUIRE))
			error = EFAULT;
		else
			error = vseg ? recheck_refusal(vmm, min, max, vaddr, access) :
				fetch_vseg(vmm, vaddr);
		rwlock_rd_acquire(&vmm->vsl_lock);
	}
	*vsegp = error ? NULL : vsl_lookup(&vmm->vsl, vaddr);
	return error;
}

/* The vseg of @vaddr for an @access, this VMM's VSL read-locked on return (also on error). A
 * copy's loop is out of line (lookup_in_copy), so that the reference's lookup, every fault of a
 * process whose threads run in its reference cluster, saves fewer registers. */
static inline error_t lookup_current(vmm_t *vmm, vaddr_t vaddr, uint32_t access, vseg_t **vsegp)
{
	rwlock_rd_acquire(&vmm->vsl_lock);
	if (!vmm_is_reference(vmm))
		return lookup_in_copy(vmm, vaddr, access, vsegp);
	*vsegp = vsl_lookup(&vmm->vsl, vaddr);
	return 0;
}

error_t vmm_handle_page_fault(vmm_t *vmm, vaddr_t vaddr, uint32_t access)
{
	uint64_t t0 = vmm_fault_cycles ? hal_get_cycles() : 0;
	vseg_t *vseg;
	error_t error = lookup_current(vmm, vaddr, access, &vseg);

	if (error == ENOMEM)
		; /* no memory for the copy's vseg is not the program's fault (found by the fail-nth
		   * sweep: it was SIGSEGV) */
	else if (!vseg || !access_allowed(vseg, access))
		error = EFAULT;
	else if (vseg->type == VSEG_TYPE_TRAMP)
		error = vmm_sigtramp_map(vmm, vaddr >> CONFIG_PAGE_SHIFT); /* the cluster's own page */
	else if (owns_frames(vmm, vseg))
		error = fault_owned(vmm, vseg, vaddr >> CONFIG_PAGE_SHIFT, access, t0);
	else
		error = fault_public(vmm, vseg, vaddr, access, t0);
	rwlock_rd_release(&vmm->vsl_lock);
	if (error == EFAULT)
		hal_remote_atomic_add64(STAT_XP(vmm, failed_faults), 1);
	return error;
}

/* ------------------------------------------------------------------------------------------- */
/* RPC services (run in the reference cluster)                                                 */

void vmm_rpc_get_vseg(xptr_t desc_xp)
{
	rpc_vmm_get_vseg_args_t a;
	vseg_t *vseg;
	error_t error = ENOENT;

	rpc_args_get(desc_xp, &a, sizeof(a));
	rwlock_rd_acquire(&a.vmm->vsl_lock);
	vseg = vsl_lookup(&a.vmm->vsl, a.vaddr);
	if (vseg) {
		hal_remote_memcpy(a.dst_xp, XPTR(local_cxy, vseg), sizeof(*vseg));
		error = 0;
	}
	rwlock_rd_release(&a.vmm->vsl_lock);
	rpc_reply(desc_xp, NULL, 0, error);
}

void vmm_rpc_true_fault(xptr_t desc_xp)
{
	rpc_vmm_true_fault_args_t a;
	vseg_t *vseg;
	bool mapped_now;
	error_t error = EFAULT;

	rpc_args_get(desc_xp, &a, sizeof(a));
	rwlock_rd_acquire(&a.vmm->vsl_lock);
	vseg = vsl_lookup(&a.vmm->vsl, a.vaddr);
	if (vseg)
		error = map_new_frame(XPTR(local_cxy, &a.vmm->gpt), vseg, a.vaddr >> CONFIG_PAGE_SHIFT,
				      a.faulting_cxy, &mapped_now);
	rwlock_rd_release(&a.vmm->vsl_lock);
	rpc_reply(desc_xp, NULL, 0, error);
}

void vmm_rpc_invalidate(xptr_t desc_xp)
{
	rpc_vmm_invalidate_args_t a;
	process_t *copy;

	rpc_args_get(desc_xp, &a, sizeof(a));
	/* The process's copy here, held while we work: the sender's list of copies is a snapshot,
	 * and a copy goes with its last thread (a raw pointer once read a freed one). */
	copy = process_hold_local(a.pid);
	if (!copy) { /* gone, and its mappings with it */
		rpc_reply(desc_xp, NULL, 0, 0);
		return;
	}
	vmm_copy_forget(&copy->vmm, a.start, a.end);
	process_put_local(copy);
	rpc_reply(desc_xp, NULL, 0, 0);
}

error_t vmm_write_user(vmm_t *vmm, vaddr_t va, xptr_t src_xp, size_t size)
{
	kassert(vmm_is_reference(vmm));
	while (size) {
		size_t chunk = MIN(size, CONFIG_PAGE_SIZE - (va & (CONFIG_PAGE_SIZE - 1)));
		uint32_t attr;
		ppn_t ppn;
		error_t error = vmm_handle_page_fault(vmm, va, HAL_ACCESS_WRITE);

		if (error)
			return error;
		hal_gpt_get_pte(XPTR(local_cxy, &vmm->gpt), va >> CONFIG_PAGE_SHIFT, &attr, &ppn);
		kassert(attr & GPT_MAPPED);
		paddr_t pa = (ppn << CONFIG_PAGE_SHIFT) + (va & (CONFIG_PAGE_SIZE - 1));
		hal_remote_memcpy(XPTR(cluster_of_paddr(pa), hal_paddr_to_kva(pa)), src_xp, chunk);
		va += chunk;
		src_xp += chunk;
		size -= chunk;
	}
	return 0;
}
