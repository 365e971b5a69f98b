/*
 * oom.c - the frames of page faults when a cluster is full, and the OOM killer (see oom.h).
 *
 * The killer's state is cluster 0's oom_state (its copies in other clusters are unused):
 * `released` counts the address spaces given back since boot. A thread whose fault found no
 * memory compares it with the value it read before its attempt: a change means memory came back
 * meanwhile and the fault is simply retried, which keeps racing faulters from killing one process
 * each. One thread at a time chooses a victim (`choosing`); the others wait for the release its
 * kill brings. The victim is named (`victim`) until it ends: its end gives its memory back at once
 * (oom_process_end), and meanwhile nobody else is killed (as Linux waits for its OOM victim to
 * exit). It is named before the kill, so that its end cannot come first; it stops being named at
 * its end, or when its reference goes, so that its pid never names another process.
 */
#include <fs/mapper.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <kern/waitq.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/oom.h>
#include <mm/ppm.h>
#include <mm/vmm.h>
#include <syscalls/syscall.h>

#define ALMOS_ABI_ONLY
#include <almos.h> /* struct almos_process_info: the statistics of a process */

/* Lock legend: [L] lock; [A] atomic. */
typedef struct oom_state_s {
	busylock_t lock;     /* guards the waiters' sleep against the wake-up, and [L]          */
	uint64_t   released; /* [A] address spaces released since boot                          */
	uint32_t   waiters;  /* [A] threads in oom_page_fault's wait                            */
	uint32_t   choosing; /* [L] 1 while a thread looks for a victim                         */
	pid_t      victim;   /* [L] the process killed, not ended yet (0: none); read without
				the lock as a hint                                             */
	waitq_t    wait;     /* the threads waiting for memory                                  */
} oom_state_t;

static oom_state_t oom_state; /* cluster 0's is the machine's */
#define OOM_XP(field) XPTR(0, &oom_state.field)

void oom_init(void)
{
	kassert(local_cxy == 0);
	busylock_init(&oom_state.lock, "oom", LOCK_PROCESS_STATE);
	waitq_init(OOM_XP(wait), "oom");
}

/* ------------------------------------------------------------------------------------------- */
/* overcommit                                                                                   */

bool oom_exceeds_memory(uint64_t pages)
{
	static uint64_t machine_pages; /* each cluster's copy, computed at its first use */
	uint64_t total = __atomic_load_n(&machine_pages, __ATOMIC_RELAXED);

	if (total == 0) { /* the memory of the machine does not change after boot */
		for (cxy_t cxy = 0; cxy < cluster_count(); cxy++) {
			ppm_stats_t s;
			ppm_stats(cxy, &s);
			total += s.total_pages - s.reserved_pages;
		}
		__atomic_store_n(&machine_pages, total, __ATOMIC_RELAXED);
	}
	return pages > total;
}

/* ------------------------------------------------------------------------------------------- */
/* frames of page faults                                                                        */

/*
 * The cluster after @from in the fallback order of @first: the nearest first (NUMA distance from
 * @first), at equal distance the next ones after @first in cluster order. @first itself has rank
 * (0, 0); returns false after the last one.
 */
static bool next_cluster(cxy_t first, cxy_t *from)
{
	uint32_t n = cluster_count();
	uint32_t cur_d = boot_info.distance[first][*from], cur_r = (*from + n - first) % n;
	uint32_t best_d = UINT32_MAX, best_r = UINT32_MAX;
	cxy_t best = first;

	for (cxy_t c = 0; c < n; c++) {
		uint32_t d = boot_info.distance[first][c], r = (c + n - first) % n;
		bool after = d > cur_d || (d == cur_d && r > cur_r);
		if (after && (d < best_d || (d == best_d && r < best_r))) {
			best = c;
			best_d = d;
			best_r = r;
		}
	}
	if (best_d == UINT32_MAX)
		return false;
	*from = best;
	return true;
}

xptr_t oom_fault_frame(const vseg_t *vseg, vpn_t vpn, cxy_t faulting_cxy)
{
	cxy_t first = vseg_placement(vseg, vpn, faulting_cxy, cluster_count()), cxy = first;
	xptr_t page_xp = ppm_remote_alloc_pages(first, 0);

	/* the replicas no mapping holds are a cache: they go before the frame goes elsewhere */
	if (page_xp == XPTR_NULL && mapper_replicas_shrink(first))
		page_xp = ppm_remote_alloc_pages(first, 0);
	if (vseg->type == VSEG_TYPE_REMOTE) /* the user named the cluster */
		return page_xp;
	while (page_xp == XPTR_NULL && next_cluster(first, &cxy))
		page_xp = ppm_remote_alloc_pages(cxy, 0);
	return page_xp;
}

/* ------------------------------------------------------------------------------------------- */
/* the victim and the releases                                                                  */

uint64_t oom_released(void)
{
	return hal_remote_l64(OOM_XP(released));
}

/* Memory came back: the waiters look again. */
static void note_release(void)
{
	hal_remote_atomic_add64(OOM_XP(released), 1);
	hal_fence();
	/* A waiter raised `waiters` before it looked at `released` (fenced both sides): either it
	 * sees the new count, or we see it and wake it under the lock. */
	if (hal_remote_l32(OOM_XP(waiters)) == 0)
		return;
	remote_busylock_acquire(OOM_XP(lock));
	waitq_wake_all(OOM_XP(wait));
	remote_busylock_release(OOM_XP(lock));
}

/* Take @pid off as the victim; false if it was not the victim. */
static bool victim_remove(pid_t pid)
{
	bool was;

	if (__builtin_expect(hal_remote_l32(OOM_XP(victim)) != pid, 1))
		return false; /* the hint: one load for every process that ends */
	remote_busylock_acquire(OOM_XP(lock));
	was = hal_remote_l32(OOM_XP(victim)) == pid;
	if (was)
		hal_remote_s32(OOM_XP(victim), 0);
	remote_busylock_release(OOM_XP(lock));
	return was;
}

void oom_process_end(uint32_t pid)
{
	victim_remove(pid);
	note_release();
}

void oom_process_released(uint32_t pid)
{
	victim_remove(pid);
	note_release(); /* a process that never had a thread gave its memory back only now */
}

/* ------------------------------------------------------------------------------------------- */
/* the killer                                                                                   */

/* What the killer found. */
typedef struct oom_choice_s {
	pid_t    pid;          /* the victim, 0 if none                                       */
	uint64_t pages;
	char     name[32];
	bool     pending;      /* a victim, or a process killed by another, is on its way out */
} oom_choice_t;

/* Take @info (pages @pages) as the victim if it holds more than the current one. */
static void consider(oom_choice_t *c, const struct almos_process_info *info, uint64_t pages)
{
	if (c->pid && pages <= c->pages)
		return;
	c->pid = info->pid;
	c->pages = pages;
	strlcpy(c->name, info->name, sizeof(c->name));
}

/*
 * Look at every user process: the one holding the most pages (mapped in its reference page
 * table, page tables included: Linux's rss and page tables) is the victim. A process the kernel
 * started itself (no parent: the first user process) is one only if nothing else is. Ended
 * processes (zombies) are not candidates: they hold no memory any more (process_exit_mm); nor are
 * processes another kill is ending (their memory comes back at their end: wait for it).
 */
static void choose(oom_choice_t *c)
{
	struct almos_process_info info;
	oom_choice_t first_process = { 0 };
	bool dying;

	memset(c, 0, sizeof(*c));
	c->pending = hal_remote_l32(OOM_XP(victim)) != 0;
	if (c->pending)
		return;
	for (cxy_t cxy = 0; cxy < cluster_count(); cxy++) {
		for (uint32_t lpid = 1; lpid < CONFIG_MAX_PROCESSES_PER_CLUSTER; lpid++) {
			pid_t pid = ((pid_t)cxy << 16) | lpid;

			if (!hal_remote_lpt(XPTR(cxy, &cluster_manager.owned[lpid])) ||
			    syscall_process_figures(pid, &info, &dying) != 0 || info.state == 'Z' ||
			    info.vsegs == 0)
				continue;
			if (dying) {
				c->pending = true;
				continue;
			}
			consider(info.ppid == 0 ? &first_process : c, &info,
				 info.total_pages + info.pt_pages);
		}
	}
	if (!c->pid)
		*c = first_process;
}

/*
 * List the victim of @c, then kill it and say so. Listed first, so that its end, however soon
 * the kill brings it, gives its memory back. A process that ended, or began to, since choose()
 * looked answers ESRCH: our kill is not what ends it, so it is taken off the list (its memory
 * comes back at its end).
 */
static void kill_victim(const oom_choice_t *c)
{
	remote_busylock_acquire(OOM_XP(lock));
	kassert(hal_remote_l32(OOM_XP(victim)) == 0); /* choose() found none, and we choose alone */
	hal_remote_s32(OOM_XP(victim), c->pid);
	remote_busylock_release(OOM_XP(lock));
	if (signal_send_process(c->pid, SIGKILL, NULL) == 0)
		pr_err("oom: out of memory: killed process %u (%s), %lu pages", c->pid, c->name,
		       c->pages);
	else
		victim_remove(c->pid);
}

/* Wait until an address space was released after @released (killable). */
static error_t wait_release(uint64_t released)
{
	error_t error = 0;

	remote_busylock_acquire(OOM_XP(lock));
	hal_remote_atomic_add32(OOM_XP(waiters), 1);
	hal_fence();
	while (!error && oom_released() == released)
		error = waitq_wait_killable(OOM_XP(wait), OOM_XP(lock));
	hal_remote_atomic_add32(OOM_XP(waiters), -1);
	remote_busylock_release(OOM_XP(lock));
	return error;
}

static bool self_killed(void)
{
	return __atomic_load_n(&thread_current()->killed, __ATOMIC_ACQUIRE) != 0;
}

error_t oom_page_fault(uint64_t released)
{
	oom_choice_t c = { 0 };
	bool chooser;

	if (self_killed())
		return EFAULT;
	remote_busylock_acquire(OOM_XP(lock));
	chooser = !hal_remote_l32(OOM_XP(choosing)) && oom_released() == released;
	if (chooser)
		hal_remote_s32(OOM_XP(choosing), 1);
	remote_busylock_release(OOM_XP(lock));
	if (chooser) {
		choose(&c);
		/* a release while we looked: memory came back, nobody needs to die */
		if (c.pid && oom_released() == released)
			kill_victim(&c);
		remote_busylock_acquire(OOM_XP(lock));
		hal_remote_s32(OOM_XP(choosing), 0);
		remote_busylock_release(OOM_XP(lock));
		if (!c.pid && !c.pending && oom_released() == released)
			return ENOMEM; /* no process to take memory from */
	}
	if (wait_release(released) || self_killed())
		return EFAULT;
	return 0;
}
