/*
 * sys_pgrp.c - process groups and sessions: setpgid, getpgid (getpgrp is getpgid(0)), getsid,
 * setsid. The pgid and sid of a process live in its owner copy (signal_owner_init: a process
 * created from nothing leads its own group and session; fork copies the parent's).
 *
 * setpgid names the caller or one of its children (ESRCH otherwise, as Linux); a child that has
 * exec'd is not refused (Linux's EACCES): Archipel does not record it.
 */
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/process.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>


/* The pid of the caller's process (0: a bare thread). */
static pid_t self_pid(void)
{
	thread_t *self = thread_current();

	return self->process ? self->process->pid : 0;
}

/* The pgid (@sid false) or sid of process @pid (0: the caller); ESRCH as -errno. */
static int64_t get_id(int32_t pid, bool sid)
{
	xptr_t lock, owner_xp;
	int64_t id;

	if (pid < 0)
		return -ESRCH;
	owner_xp = signal_owner_lock(pid ? (pid_t)pid : self_pid(), &lock);
	if (owner_xp == XPTR_NULL)
		return -ESRCH;
	id = hal_remote_l32(sid ? PROC_XP(owner_xp, sid) : PROC_XP(owner_xp, pgid));
	remote_busylock_release(lock);
	return id;
}

int64_t sys_getpgid(const uint64_t args[6])
{
	return get_id((int32_t)args[0], false);
}

int64_t sys_getsid(const uint64_t args[6])
{
	return get_id((int32_t)args[0], true);
}

/* True if some process other than @except has pgid @pgid (and, @sid not 0, session @sid). */
static bool group_exists(pid_t pgid, pid_t sid, pid_t except)
{
	for (cxy_t cxy = 0; cxy < cluster_count(); cxy++) {
		xptr_t lock = XPTR(cxy, &cluster_manager.processes_lock);
		bool found = false;

		remote_busylock_acquire(lock);
		for (uint32_t lpid = 1; lpid < CONFIG_MAX_PROCESSES_PER_CLUSTER && !found; lpid++) {
			process_t *p = hal_remote_lpt(XPTR(cxy, &cluster_manager.owned[lpid]));
			if (!p || hal_remote_l32(XPTR(cxy, &p->pid)) == except)
				continue;
			found = hal_remote_l32(XPTR(cxy, &p->pgid)) == pgid &&
				(!sid || hal_remote_l32(XPTR(cxy, &p->sid)) == sid);
		}
		remote_busylock_release(lock);
		if (found)
			return true;
	}
	return false;
}

int64_t sys_setpgid(const uint64_t args[6])
{
	int32_t pid = (int32_t)args[0], pgid = (int32_t)args[1];
	pid_t me = self_pid();
	xptr_t lock, owner_xp;
	pid_t sid;

	if (pid == 0)
		pid = (int32_t)me;
	if (pgid == 0)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	if (pid < 0 || me == 0 || ((pid_t)pid != me && !process_is_child((pid_t)pid)))
		return -ESRCH; /* neither the caller nor one of its children */
	owner_xp = signal_owner_lock((pid_t)pid, &lock);
	if (owner_xp == XPTR_NULL)
		return -ESRCH;
	sid = hal_remote_l32(PROC_XP(owner_xp, sid));
	remote_busylock_release(lock);
	if (sid == (pid_t)pid)
		return -EPERM; /* a session leader keeps its group */
	if ((pid_t)pid != me && sid != (pid_t)get_id(0, true))
		return -EPERM; /* a child in another session */
	if (pgid != pid && !group_exists((pid_t)pgid, sid, (pid_t)pid))
		return -EPERM; /* no such group in its session */
	owner_xp = signal_owner_lock((pid_t)pid, &lock);
	if (owner_xp == XPTR_NULL)
		return -ESRCH;
	remote_busylock_acquire(PROC_XP(owner_xp, sig_lock));
	hal_remote_s32(PROC_XP(owner_xp, pgid), (uint32_t)pgid);
	remote_busylock_release(PROC_XP(owner_xp, sig_lock));
	remote_busylock_release(lock);
	return 0;
}

int64_t sys_setsid(const uint64_t args[6])
{
	pid_t me = self_pid();
	xptr_t lock, owner_xp;

	(void)args;
	if (me == 0)
		return -EPERM;
	/* a process group leader, or a process whose pid names another's group, cannot */
	if (get_id(0, false) == (int64_t)me || group_exists(me, 0, me))
		return -EPERM;
	owner_xp = signal_owner_lock(me, &lock);
	if (owner_xp == XPTR_NULL)
		return -ESRCH;
	remote_busylock_acquire(PROC_XP(owner_xp, sig_lock));
	hal_remote_s32(PROC_XP(owner_xp, pgid), me);
	hal_remote_s32(PROC_XP(owner_xp, sid), me);
	remote_busylock_release(PROC_XP(owner_xp, sig_lock));
	remote_busylock_release(lock);
	return me;
}
