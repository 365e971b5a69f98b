/*
 * pgrp.c - process groups and sessions across clusters (see pgrp.h).
 *
 * Every question is a walk over the owned[] table of each cluster, in batches of BATCH members
 * collected under that cluster's processes_lock: the work on them (sending a signal, looking at a
 * parent) happens with the lock released, and the batches keep the kernel stack small.
 */
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/pgrp.h>
#include <kern/process.h>
#include <libk/errno.h>

#define BATCH 32

/* What a walk keeps of one process. */
typedef struct pgrp_member_s {
	pid_t pid, pgid, sid, ppid;
	bool  zombie; /* ended, its status not taken yet */
} pgrp_member_t;

/* Where a walk stands: the next lpid of cluster cxy to look at. */
typedef struct pgrp_cursor_s {
	cxy_t    cxy;
	uint32_t lpid;
} pgrp_cursor_t;

#define CURSOR_START { 0, 1 }

/*
 * The next user processes (not ending: zombies included) whose pgid is @pgid (0: any) and, @sid not 0, whose sid is @sid:
 * at most BATCH of them into @out, the cursor advanced past them. Returns the count; 0 once every
 * cluster was walked.
 */
static uint32_t next_batch(pgrp_cursor_t *c, pid_t pgid, pid_t sid, pgrp_member_t *out)
{
	while (c->cxy < cluster_count()) {
		xptr_t lock = XPTR(c->cxy, &cluster_manager.processes_lock);
		uint32_t n = 0;

		remote_busylock_acquire(lock);
		for (; c->lpid < CONFIG_MAX_PROCESSES_PER_CLUSTER && n < BATCH; c->lpid++) {
			process_t *p = hal_remote_lpt(XPTR(c->cxy, &cluster_manager.owned[c->lpid]));
			xptr_t p_xp = XPTR(c->cxy, p);
			pgrp_member_t m;

			if (!p || hal_remote_l32(PROC_XP(p_xp, dying)))
				continue;
			m.pid = hal_remote_l32(PROC_XP(p_xp, pid));
			m.pgid = hal_remote_l32(PROC_XP(p_xp, pgid));
			m.sid = hal_remote_l32(PROC_XP(p_xp, sid));
			m.ppid = hal_remote_l32(PROC_XP(p_xp, ppid)); /* [L]: a snapshot will do */
			m.zombie = hal_remote_l32(PROC_XP(p_xp, zombie)) != 0;
			if ((pgid && m.pgid != pgid) || (sid && m.sid != sid))
				continue;
			out[n++] = m;
		}
		remote_busylock_release(lock);
		if (c->lpid >= CONFIG_MAX_PROCESSES_PER_CLUSTER) {
			c->cxy++;
			c->lpid = 1;
		}
		if (n > 0)
			return n;
	}
	return 0;
}

error_t pgrp_signal(uint32_t pgid, uint32_t skip1, uint32_t skip2, int sig, const ksiginfo_t *info)
{
	pgrp_cursor_t c = CURSOR_START;
	pgrp_member_t m[BATCH];
	bool found = false;
	uint32_t n;

	while ((n = next_batch(&c, pgid, 0, m)) > 0)
		for (uint32_t i = 0; i < n; i++) /* one that ended meanwhile: ESRCH, skipped */
			if (m[i].pid != skip1 && m[i].pid != skip2)
				found |= signal_send_process(m[i].pid, sig, info) == 0;
	return found ? 0 : ESRCH;
}

error_t pgrp_session_of(uint32_t pgid, uint32_t *sid)
{
	pgrp_cursor_t c = CURSOR_START;
	pgrp_member_t m[BATCH];

	if (pgid == 0 || next_batch(&c, pgid, 0, m) == 0)
		return ESRCH;
	*sid = m[0].sid;
	return 0;
}

bool pgrp_session_alive(uint32_t sid)
{
	pgrp_cursor_t c = CURSOR_START;
	pgrp_member_t m[BATCH];

	return sid != 0 && next_batch(&c, 0, sid, m) > 0;
}

bool pgrp_orphaned(uint32_t pgid)
{
	pgrp_cursor_t c = CURSOR_START;
	pgrp_member_t m[BATCH];
	uint32_t n;

	if (pgid == 0)
		return true;
	while ((n = next_batch(&c, pgid, 0, m)) > 0) {
		for (uint32_t i = 0; i < n; i++) {
			xptr_t lock, parent_xp;
			pid_t ppgid, psid;

			if (m[i].ppid == 0 || m[i].zombie)
				continue;
			parent_xp = signal_owner_lock(m[i].ppid, &lock);
			if (parent_xp == XPTR_NULL)
				continue;
			ppgid = hal_remote_l32(PROC_XP(parent_xp, pgid));
			psid = hal_remote_l32(PROC_XP(parent_xp, sid));
			remote_busylock_release(lock);
			if (ppgid != pgid && psid == m[i].sid)
				return false;
		}
	}
	return true;
}
