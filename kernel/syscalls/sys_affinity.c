/*
 * sys_affinity.c - the placement of threads seen through Linux's API: sched_getaffinity,
 * sched_setaffinity, getcpu (docs/user.md, "CPU numbers").
 *
 * Linux numbers CPUs 0..N-1; Archipel's CPU number of core (cxy, lid) is the number of cores of
 * the clusters before cxy, plus lid: clusters in order, cores in order inside each (on 4x2, core
 * (2, 1) is CPU 5). getcpu's node is the cluster. A thread runs in one cluster for its whole life
 * (its descriptor, kernel stack and process copy live there), so its affinity is a set of cores of
 * that cluster: sched_getaffinity reports those it may run on (every core of its cluster unless
 * narrowed), and sched_setaffinity keeps the cores of the mask that are in the thread's cluster;
 * a mask with none (only cores of other clusters) is refused with EINVAL, Linux's answer for a
 * mask without a CPU the thread is allowed on: nothing changes then. When the thread's current
 * core leaves its set it moves to the first core of the set: the caller at once, before the call
 * returns; another thread at its next return to user mode.
 */
#include <hal_remote.h>
#include <hal_uspace.h>
#include <kern/acct.h>
#include <kern/cluster.h>
#include <kern/process.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <syscalls/syscall.h>

#define CPUMASK_BYTES_MAX (CONFIG_MAX_CORES / 8)

/* Linux's CPU number of the first core of cluster @cxy. */
static uint32_t first_cpu(cxy_t cxy)
{
	uint32_t n = 0;

	for (cxy_t c = 0; c < cxy; c++)
		n += cluster_cores_of(c);
	return n;
}

/* cpumask_size(): the bytes of a mask of every CPU, in longs. */
static uint32_t cpumask_bytes(void)
{
	return (cluster_total_cores() + 63) / 64 * 8;
}

/*
 * The thread @tid (0: the caller) as an extended pointer, held by its cluster's thread table lock
 * (*lock_xp, released by the caller). ESRCH if there is none; the calling thread needs no lock
 * (*lock_xp XPTR_NULL).
 */
static error_t find_thread(uint32_t tid, xptr_t *t_xp, xptr_t *lock_xp)
{
	cxy_t cxy = (cxy_t)(tid >> 16);
	thread_t *self = thread_current(), *t;

	*lock_xp = XPTR_NULL;
	if (tid == 0 || tid == self->trdid) {
		*t_xp = XPTR(local_cxy, self);
		return 0;
	}
	if ((int32_t)tid < 0 || cxy >= cluster_count() || (tid & 0xffff) >= CONFIG_MAX_THREADS_PER_CLUSTER)
		return ESRCH;
	*lock_xp = XPTR(cxy, &cluster_manager.threads_lock);
	remote_busylock_acquire(*lock_xp);
	t = hal_remote_lpt(XPTR(cxy, &cluster_manager.threads[tid & 0xffff]));
	if (!t || hal_remote_l32(XPTR(cxy, &t->trdid)) != tid ||
	    hal_remote_l32(XPTR(cxy, &t->type)) != THREAD_USER) {
		remote_busylock_release(*lock_xp);
		*lock_xp = XPTR_NULL;
		return ESRCH;
	}
	*t_xp = XPTR(cxy, t);
	return 0;
}

bool syscall_thread_of_self(uint32_t tid)
{
	thread_t *self = thread_current();
	process_t *copy;
	xptr_t t_xp, lock;
	bool mine;

	if (!self->process || find_thread(tid, &t_xp, &lock))
		return false;
	/* a thread on its way out has left its process already (thread_leave_process, under the
	 * table's lock we hold): it is nobody's */
	copy = hal_remote_lpt(THREAD_XP(t_xp, process));
	mine = copy && hal_remote_l32(PROC_XP(XPTR(GET_CXY(t_xp), copy), pid)) == self->process->pid;
	if (lock != XPTR_NULL)
		remote_busylock_release(lock);
	return mine;
}

bool syscall_thread_cpu_ns(uint32_t tid, uint64_t *ns)
{
	thread_t *self = thread_current();
	xptr_t t_xp, lock;
	acct_t a;

	if (tid == self->trdid) {
		acct_self(self, &a);
		*ns = a.utime_ns + a.stime_ns;
		return true;
	}
	if (!syscall_thread_of_self(tid) || find_thread(tid, &t_xp, &lock))
		return false;
	/* its figures up to its last accounting step (its running interval is its own to close) */
	*ns = hal_remote_l64(THREAD_XP(t_xp, acct.utime_ns)) + hal_remote_l64(THREAD_XP(t_xp, acct.stime_ns));
	if (lock != XPTR_NULL)
		remote_busylock_release(lock);
	return true;
}

/* The lids thread @t_xp may run on (its affinity, 0 meaning every core of its cluster). */
static uint64_t allowed_lids(xptr_t t_xp)
{
	uint64_t all = (1ULL << cluster_cores_of(GET_CXY(t_xp))) - 1;
	uint64_t mask = hal_remote_l64(THREAD_XP(t_xp, affinity));

	return mask ? mask & all : all;
}

int64_t sys_sched_getaffinity(const uint64_t args[6])
{
	uint32_t len = (uint32_t)args[1], size = cpumask_bytes();
	uint8_t mask[CPUMASK_BYTES_MAX];
	xptr_t t_xp, lock;
	uint64_t lids;
	uint32_t base;
	error_t error;

	if ((uint64_t)len * 8 < cluster_total_cores() || (len & 7))
		return -EINVAL;
	error = find_thread((uint32_t)args[0], &t_xp, &lock);
	if (error)
		return -error;
	lids = allowed_lids(t_xp);
	if (lock != XPTR_NULL)
		remote_busylock_release(lock);
	memset(mask, 0, sizeof(mask));
	base = first_cpu(GET_CXY(t_xp));
	for (uint32_t lid = 0; lid < 64; lid++)
		if (lids & (1ULL << lid))
			mask[(base + lid) / 8] |= (uint8_t)(1u << ((base + lid) % 8));
	if (len > size)
		len = size;
	return hal_copy_to_uspace(args[2], mask, len) ? -EFAULT : (int64_t)len;
}

/* The lids of cluster @cxy that the user mask @mask names (0: none). */
static uint64_t lids_of(const uint8_t *mask, cxy_t cxy)
{
	uint32_t base = first_cpu(cxy);
	uint64_t lids = 0;

	for (uint32_t lid = 0; lid < cluster_cores_of(cxy); lid++)
		if (mask[(base + lid) / 8] & (1u << ((base + lid) % 8)))
			lids |= 1ULL << lid;
	return lids;
}

int64_t sys_sched_setaffinity(const uint64_t args[6])
{
	uint32_t len = (uint32_t)args[1], size = cpumask_bytes();
	uint8_t mask[CPUMASK_BYTES_MAX];
	xptr_t t_xp, lock;
	uint64_t lids;
	uint32_t lid, first;
	error_t error;

	memset(mask, 0, sizeof(mask)); /* a shorter user mask: the other CPUs are not in it */
	if (hal_copy_from_uspace(mask, args[2], len < size ? len : size))
		return -EFAULT;
	error = find_thread((uint32_t)args[0], &t_xp, &lock);
	if (error)
		return -error;
	lids = lids_of(mask, GET_CXY(t_xp));
	if (!lids) {
		if (lock != XPTR_NULL)
			remote_busylock_release(lock);
		return -EINVAL; /* no core of the thread's cluster: it cannot move there */
	}
	hal_remote_s64(THREAD_XP(t_xp, affinity), lids);
	lid = hal_remote_l32(THREAD_XP(t_xp, lid));
	first = (uint32_t)__builtin_ctzll(lids);
	if (lock != XPTR_NULL) {
		if (!(lids & (1ULL << lid))) {
			hal_remote_s32(THREAD_XP(t_xp, migrate_to), first + 1);
			thread_post_work(t_xp, THREAD_WORK_MIGRATE);
		}
		remote_busylock_release(lock);
	} else if (!(lids & (1ULL << lid))) {
		sched_migrate_self(first);
	}
	return 0;
}

int64_t sys_getcpu(const uint64_t args[6])
{
	thread_t *self = thread_current();
	uint32_t cpu = first_cpu(local_cxy) + __atomic_load_n(&self->lid, __ATOMIC_ACQUIRE);
	uint32_t node = local_cxy;

	if (args[0] && hal_copy_to_uspace(args[0], &cpu, sizeof(cpu)))
		return -EFAULT;
	if (args[1] && hal_copy_to_uspace(args[1], &node, sizeof(node)))
		return -EFAULT;
	return 0;
}
