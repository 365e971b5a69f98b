/*
 * vfs_shrink.c - a file that shrinks loses the mappings of its pages beyond the new end
 * (vfs_unmap_beyond, vfs_private.h): Linux's unmap_mapping_range at truncation, so that an access
 * there is SIGBUS instead of reaching a page the file no longer has.
 *
 * Nothing records which processes map a file, so the rare truncation that cut a mapped page asks
 * every user process, one FILE_SHRUNK RPC to each process's owner cluster (the owner is its
 * reference cluster today, process.h), whose server looks through the reference VSL for mappings
 * of the file and drops their pages beyond the end with madvise(MADV_DONTNEED) — the VMM's own
 * path that unmaps in the reference and in every copy (vmm_change). A process created meanwhile
 * cannot have mapped the old pages: its faults beyond the end already find the new size.
 */
#include <fs/vfs_private.h>
#include <kern/cluster.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/vmm.h>
#include <mm/vsl.h>

#define SHRINK_RANGES 8  /* mappings dropped per pass over the VSL (more: another pass) */
#define MADV_DONTNEED 4

typedef struct range_s {
	vaddr_t start, end;
} range_t;

/* Up to SHRINK_RANGES ranges of @vmm mapping @inode_xp from file offset @from on, after the
 * first @skip of them. */
static uint32_t collect(vmm_t *vmm, xptr_t inode_xp, uint64_t from, uint32_t skip, range_t *r)
{
	uint32_t n = 0, seen = 0;

	rwlock_rd_acquire(&vmm->vsl_lock);
	for (vseg_t *v = vsl_first(&vmm->vsl); v && n < SHRINK_RANGES; v = vsl_next(v)) {
		vaddr_t start;
		if (v->inode_xp != inode_xp)
			continue;
		start = from <= v->file_offset ? v->min : v->min + (from - v->file_offset);
		if (start < v->min || start >= v->max) /* wrapped, or the whole vseg is below */
			continue;
		if (seen++ < skip)
			continue;
		r[n].start = start;
		r[n].end = v->max;
		n++;
	}
	rwlock_rd_release(&vmm->vsl_lock);
	return n;
}

/* RPC_FILE_SHRUNK (rpc.h): the process @pid, if its reference is in the target cluster, drops its
 * mappings of @inode_xp beyond @size. ESRCH: no such reference there. */
typedef struct rpc_file_shrunk_args_s {
	pid_t    pid;
	xptr_t   inode_xp;
	uint64_t size;
} rpc_file_shrunk_args_t;

void vfs_rpc_file_shrunk(xptr_t desc_xp)
{
	rpc_file_shrunk_args_t a;
	process_t *p;
	xptr_t inode_xp;
	uint64_t from;
	range_t r[SHRINK_RANGES];
	uint32_t n, done = 0;

	rpc_args_get(desc_xp, &a, sizeof(a));
	p = process_hold_local(a.pid);
	inode_xp = a.inode_xp;
	from = ALIGN_UP(a.size, CONFIG_PAGE_SIZE);
	if (!p || p->ref_xp != XPTR(local_cxy, p)) {
		if (p)
			process_put_local(p);
		rpc_reply(desc_xp, NULL, 0, ESRCH);
		return;
	}
	/* a dropped range keeps its vseg (only its pages go): each pass skips those done */
	do {
		n = collect(&p->vmm, inode_xp, from, done, r);
		for (uint32_t i = 0; i < n; i++)
			vmm_madvise(&p->vmm, r[i].start, r[i].end - r[i].start, MADV_DONTNEED);
		done += n;
	} while (n == SHRINK_RANGES);
	process_put_local(p);
	rpc_reply(desc_xp, NULL, 0, 0);
}

void vfs_unmap_beyond(xptr_t inode_xp, uint64_t size)
{
	for (cxy_t c = 0; c < cluster_count(); c++) {
		/* lpid 0 is the cluster's kernel process: it maps no file */
		for (uint32_t lpid = 1; lpid < CONFIG_MAX_PROCESSES_PER_CLUSTER; lpid++) {
			rpc_file_shrunk_args_t a = { .pid = ((uint32_t)c << 16) | lpid,
						     .inode_xp = inode_xp, .size = size };
			rpc_desc_t desc = RPC_DESC(RPC_FILE_SHRUNK, &a);

			if (!hal_remote_lpt(XPTR(c, &cluster_manager.owned[lpid])))
				continue;
			rpc_send(c, &desc); /* ESRCH: it went meanwhile */
		}
	}
}
