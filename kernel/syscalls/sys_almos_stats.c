/*
 * sys_almos_stats.c - the statistics calls of the ALMOS-MKH extensions (user/include/almos.h):
 * get_processes, get_process_info and get_regions, the figures MINIX offers to programs (ps, top,
 * free and the leak checks of the tests use them).
 *
 * A process is spread over clusters, so its figures are gathered where they live: the pids come
 * from every cluster's table of owned processes (remote reads of the table, no lock: a snapshot);
 * a process's figures come from each of its copies, by one PROCESS_INFO RPC per cluster (each
 * copy counts its own threads; the owner adds the family and job-control state; the reference
 * adds its VMM's page figures); its regions come from its reference VSL, by one REGIONS RPC.
 * Everything is a snapshot: a process may end between two calls (ESRCH then).
 */
#include <hal_gpt.h>
#include <hal_remote.h>
#include <hal_uspace.h>
#include <kern/cluster.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <mm/vmm_query.h>
#include <mm/vsl.h>
#include <syscalls/syscall.h>

#define ALMOS_ABI_ONLY
#include <almos.h>

#define REGIONS_MAX 4096 /* get_regions' @max limit: a 192 KiB kernel buffer at most */

/* What one copy reports (PROCESS_INFO): filled in the copy's cluster, read by the caller. */
typedef struct copy_info_s {
	uint32_t threads;    /* this copy's threads                        */
	uint32_t runnable;   /* of them, not blocked                       */
	acct_t   live;       /* their CPU times and counts (acct.h)        */
	uint32_t is_owner;   /* the fields below are set: */
	uint32_t ppid, pgid, sid, zombie, stopped, dying;
	cxy_t    ref_cxy;
	char     name[PROCESS_NAME_MAX];
	uint32_t is_ref;     /* the fields below are set: */
	uint32_t vsegs, pt_pages;
	uint64_t mapped, shared, cow;
} copy_info_t;

/* RPC_PROCESS_INFO (rpc.h): the figures of the target cluster's copy of @pid; ESRCH if none. */
typedef struct rpc_process_info_args_s {
	pid_t       pid;
	copy_info_t info; /* [out] */
} rpc_process_info_args_t;

/* RPC_ALMOS_REGIONS, in the reference cluster of @pid: its first @max user regions written to
 * @buf_xp (struct almos_region), and @count, how many it has. ESRCH: not the reference there. */
typedef struct rpc_almos_regions_args_s {
	pid_t    pid;
	xptr_t   buf_xp;
	uint64_t max;
	uint64_t count; /* [out] */
} rpc_almos_regions_args_t;

/* The page counts of the local copy @vmm. */
static void vmm_totals(vmm_t *vmm, copy_info_t *ci)
{
	vmm_page_counts_t totals;

	rwlock_rd_acquire(&vmm->vsl_lock);
	ci->vsegs = vsl_count(&vmm->vsl);
	vmm_user_page_totals(vmm, &totals);
	ci->pt_pages = __atomic_load_n(&vmm->gpt.tables_nr, __ATOMIC_RELAXED);
	rwlock_rd_release(&vmm->vsl_lock);
	ci->mapped = totals.mapped;
	ci->shared = totals.shared;
	ci->cow = totals.cow;
}

void sys_almos_rpc_process_info(xptr_t desc_xp)
{
	rpc_process_info_args_t a;
	copy_info_t *ci = &a.info;
	process_t *p;
	list_entry_t *e;

	rpc_args_get(desc_xp, &a, sizeof(a));
	p = PID_LPID(a.pid) ? process_hold_local(a.pid) : NULL; /* not a kernel process */
	if (!p) {
		rpc_reply(desc_xp, NULL, 0, ESRCH);
		return;
	}
	memset(ci, 0, sizeof(*ci));
	busylock_acquire(&p->threads_lock);
	ci->threads = p->threads_nr;
	LIST_FOREACH(&p->threads_root, e) {
		thread_t *t = LIST_ELEMENT(e, thread_t, process_link);
		ci->runnable += __atomic_load_n(&t->blocked, __ATOMIC_RELAXED) == 0;
		acct_add(&ci->live, &t->acct); /* [O] of another core: a snapshot of its last interval */
	}
	busylock_release(&p->threads_lock);
	if (p->owner_xp == XPTR(local_cxy, p)) {
		ci->is_owner = 1;
		ci->ppid = __atomic_load_n(&p->ppid, __ATOMIC_RELAXED); /* [L]: a snapshot */
		ci->zombie = __atomic_load_n(&p->zombie, __ATOMIC_RELAXED);
		ci->dying = __atomic_load_n(&p->dying, __ATOMIC_RELAXED);
		ci->ref_cxy = GET_CXY(p->ref_xp);
		busylock_acquire(&p->sig_lock);
		ci->pgid = p->pgid;
		ci->sid = p->sid;
		ci->stopped = p->jobctl_stopped;
		busylock_release(&p->sig_lock);
		strlcpy(ci->name, p->name, sizeof(ci->name));
	}
	if (p->ref_xp == XPTR(local_cxy, p)) {
		ci->is_ref = 1;
		vmm_totals(&p->vmm, ci);
	}
	process_put_local(p);
	rpc_reply(desc_xp, &a, sizeof(a), 0);
}

/* The figures of the copy of @pid in @cxy into @ci: 0 or ESRCH (no copy there). */
static error_t copy_info(cxy_t cxy, pid_t pid, copy_info_t *ci)
{
	rpc_process_info_args_t a = { .pid = pid };
	rpc_desc_t desc = RPC_DESC(RPC_PROCESS_INFO, &a);

	rpc_send(cxy, &desc);
	if (desc.error == 0)
		*ci = a.info;
	return (error_t)desc.error;
}

error_t syscall_process_usage(pid_t pid, acct_t *live, uint64_t *rss_pages)
{
	copy_info_t ci;
	bool seen = false;

	memset(live, 0, sizeof(*live));
	*rss_pages = 0;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		memset(&ci, 0, sizeof(ci));
		if (copy_info(c, pid, &ci) != 0)
			continue;
		seen = true;
		acct_add(live, &ci.live);
		if (ci.is_ref)
			*rss_pages = ci.mapped;
	}
	return seen ? 0 : ESRCH;
}

/* @arg, a pid argument (ALMOS_PID_SELF for the caller's), as a pid; false if below -1 or too big. */
static bool pid_arg(uint64_t arg, pid_t *pid)
{
	int64_t v = (int64_t)arg;

	if (v < ALMOS_PID_SELF || v > UINT32_MAX)
		return false;
	*pid = v == ALMOS_PID_SELF ? thread_current()->process->pid : (pid_t)v;
	return true;
}

/* True if @pid may name a user process (a cluster's kernel process, lpid 0, is not one). */
static bool user_pid(pid_t pid)
{
	return PID_LPID(pid) != 0 && PID_CXY(pid) < cluster_count();
}

int64_t sys_almos_get_processes(const uint64_t args[6])
{
	uintptr_t upids = args[0];
	uint64_t max = args[1];
	uint32_t count = 0;

	if (max > 0 && !hal_uspace_range_ok(upids, max * sizeof(uint32_t)))
		return -EFAULT;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		/* lpid 0 is the cluster's kernel process: not a user process */
		for (uint32_t lpid = 1; lpid < CONFIG_MAX_PROCESSES_PER_CLUSTER; lpid++) {
			uint32_t pid = ((uint32_t)c << 16) | lpid;
			if (!hal_remote_lpt(XPTR(c, &cluster_manager.owned[lpid])))
				continue;
			if (count < max && hal_copy_to_uspace(upids + count * sizeof(pid), &pid, sizeof(pid)))
				return -EFAULT;
			count++;
		}
	}
	return count;
}

error_t syscall_process_figures(pid_t pid, struct almos_process_info *out, bool *dying)
{
	copy_info_t ci;
	bool owner_seen = false;

	if (!user_pid(pid))
		return ESRCH;
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	*dying = false;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		memset(&ci, 0, sizeof(ci));
		if (copy_info(c, pid, &ci) != 0)
			continue;
		out->copies_mask |= 1ULL << c;
		out->threads += ci.threads;
		out->runnable += ci.runnable;
		if (ci.is_owner) {
			owner_seen = true;
			out->owner_cxy = c;
			out->ref_cxy = ci.ref_cxy;
			out->ppid = ci.ppid;
			out->pgid = ci.pgid;
			out->sid = ci.sid;
			out->state = ci.zombie ? 'Z' : ci.stopped ? 'T' : 0;
			strlcpy(out->name, ci.name, sizeof(out->name));
			*dying = ci.dying != 0;
		}
		if (ci.is_ref) {
			out->vsegs = ci.vsegs;
			out->pt_pages = ci.pt_pages;
			out->total_pages = ci.mapped;
			out->shared_pages = ci.shared;
			out->cow_pages = ci.cow;
		}
	}
	if (!owner_seen) /* gone */
		return ESRCH;
	if (!out->state)
		out->state = out->runnable ? 'R' : 'S';
	return 0;
}

int64_t sys_almos_get_process_info(const uint64_t args[6])
{
	struct almos_process_info out;
	bool dying;
	error_t error;
	pid_t pid;

	if (!pid_arg(args[0], &pid))
		return -EINVAL;
	if (!hal_uspace_range_ok(args[1], sizeof(out)))
		return -EFAULT;
	error = syscall_process_figures(pid, &out, &dying);
	if (error)
		return -error;
	return hal_copy_to_uspace(args[1], &out, sizeof(out)) ? -EFAULT : 0;
}

/* The region of vseg @v of the local copy @vmm (its VSL read-locked). */
static void region_of(vmm_t *vmm, const vseg_t *v, struct almos_region *r)
{
	vmm_page_counts_t counts;

	memset(r, 0, sizeof(*r));
	r->start = v->min;
	r->end = v->max;
	r->type = v->type;
	r->prot = ((v->flags & VSEG_READ) ? 1u : 0) | ((v->flags & VSEG_WRITE) ? 2u : 0) |
		  ((v->flags & VSEG_EXEC) ? 4u : 0);
	r->shared = v->type == VSEG_TYPE_FILE;
	r->cxy = v->type == VSEG_TYPE_REMOTE ? v->cxy : 0;
	r->offset = v->mapper_xp != XPTR_NULL ? v->file_offset : 0;
	vmm_vseg_page_counts(vmm, v, &counts);
	r->mapped_pages = counts.mapped;
	r->shared_pages = counts.shared;
	r->cow_pages = counts.cow;
}

void sys_almos_rpc_regions(xptr_t desc_xp)
{
	rpc_almos_regions_args_t a;
	process_t *p;
	uint64_t n = 0;

	rpc_args_get(desc_xp, &a, sizeof(a));
	p = process_hold_local(a.pid);
	if (!p || p->ref_xp != XPTR(local_cxy, p)) {
		if (p)
			process_put_local(p);
		rpc_reply(desc_xp, NULL, 0, ESRCH);
		return;
	}
	rwlock_rd_acquire(&p->vmm.vsl_lock);
	for (vseg_t *v = vsl_first(&p->vmm.vsl); v; v = vsl_next(v)) {
		struct almos_region r;
		if (!(v->flags & VSEG_USER))
			continue;
		if (n < a.max) {
			region_of(&p->vmm, v, &r);
			hal_remote_memcpy(a.buf_xp + n * sizeof(r), XPTR(local_cxy, &r), sizeof(r));
		}
		n++;
	}
	rwlock_rd_release(&p->vmm.vsl_lock);
	process_put_local(p);
	a.count = n;
	rpc_reply(desc_xp, &a, sizeof(a), 0);
}

int64_t sys_almos_get_regions(const uint64_t args[6])
{
	rpc_almos_regions_args_t a = { .max = args[2] };
	rpc_desc_t desc = RPC_DESC(RPC_ALMOS_REGIONS, &a);
	uint64_t max = args[2], n;
	struct almos_region *buf = NULL;
	copy_info_t ci;
	pid_t pid;
	error_t error;

	if (!pid_arg(args[0], &pid) || max > REGIONS_MAX)
		return -EINVAL;
	if (max > 0 && !hal_uspace_range_ok(args[1], max * sizeof(*buf)))
		return -EFAULT;
	/* the owner knows where the reference is */
	memset(&ci, 0, sizeof(ci));
	if (!user_pid(pid) || copy_info(PID_CXY(pid), pid, &ci) != 0 || !ci.is_owner)
		return -ESRCH;
	if (max > 0 && !(buf = kmem_alloc(max * sizeof(*buf), 0)))
		return -ENOMEM;
	a.pid = pid;
	a.buf_xp = buf ? XPTR(local_cxy, buf) : XPTR_NULL;
	rpc_send(ci.ref_cxy, &desc);
	error = (error_t)desc.error;
	n = a.count;
	if (!error && n > 0 && max > 0 &&
	    hal_copy_to_uspace(args[1], buf, (n < max ? n : max) * sizeof(*buf)))
		error = EFAULT;
	kmem_free(buf);
	return error ? -error : (int64_t)n;
}
