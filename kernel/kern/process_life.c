/*
 * process_life.c - the life cycle of processes: fork, the family (parents, children, orphans),
 * wait4 and the release of ended processes (see process.h and docs/fork.md).
 *
 * Fork runs in the cluster chosen for the child (the caller's placement hint, else the DQDT), by an
 * RPC when it is not the caller's: process_make_fork there creates the process (its pid comes from
 * that cluster, which becomes its owner and reference), copies the parent's files, directory and
 * signal actions, builds its address space with vmm_fork (copy on write, from there on the parent's
 * reference wherever it lives: no second RPC), creates its thread and links it under its parent.
 *
 * The family lock. Every parent-child link of the machine is under one busylock in cluster 0 (like
 * Linux's tasklist lock): it is taken by fork, by the end of a process and by wait4 only, for a
 * few list operations each, never on a page fault or an ordinary system call. One lock makes the
 * end of a parent racing with the end of its child simple: the child's parent link cannot change
 * under it, and a parent cannot be released while a child's end is telling it.
 *
 * The end of a process (process_family_exit, from process_end in its last thread): under the
 * family lock its children go to init (the first process) or, without one, become self-reaping;
 * then, if it has a parent, the parent is sent its exit signal, and only then does the process
 * become a zombie and the parent's waiters are woken: from then on the parent may release it, so
 * the exiting thread does not touch it again. Without a parent, the
 * kernel's waiter (launch_program) is woken instead, or the process releases itself.
 */
#include <fs/vfs.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>


#define WNOHANG    0x00000001
#define WUNTRACED  0x00000002
#define WCONTINUED 0x00000008
#define WNOTHREAD  0x20000000
#define WALL       0x40000000
#define WCLONE     0x80000000u

/* Cluster 0's copies are the machine's. */
static busylock_t family_lock;
static xptr_t init_xp = XPTR_NULL; /* [G] the first process's owner copy, while it lives */
#define FAMILY_LOCK XPTR(0, &family_lock)
#define INIT_XP     XPTR(0, &init_xp)

void process_family_init(void)
{
	kassert(local_cxy == 0);
	busylock_init(&family_lock, "process.family", LOCK_PROCESS_STATE);
}

void process_set_init(xptr_t owner_xp)
{
	remote_busylock_acquire(FAMILY_LOCK);
	hal_remote_sxp(INIT_XP, owner_xp);
	remote_busylock_release(FAMILY_LOCK);
}

pid_t process_ppid(xptr_t owner_xp)
{
	pid_t ppid;

	remote_busylock_acquire(FAMILY_LOCK);
	ppid = hal_remote_l32(PROC_XP(owner_xp, ppid));
	remote_busylock_release(FAMILY_LOCK);
	return ppid;
}

#define CLD_EXITED    1
#define CLD_KILLED    2
#define CLD_DUMPED    3
#define CLD_STOPPED   5
#define CLD_CONTINUED 6

/* The handler and flags of SIGCHLD in the process whose owner is @owner_xp. */
static void sigchld_action(xptr_t owner_xp, uint64_t *handler, uint64_t *flags)
{
	xptr_t ref = hal_remote_lxp(PROC_XP(owner_xp, ref_xp));
	xptr_t slot = PROC_XP(ref, sigactions[SIGCHLD - 1]);

	*handler = hal_remote_l64(slot);
	*flags = hal_remote_l64(slot + offsetof(k_sigaction_t, flags));
}

/* Send @sig (SIGCHLD, or the child's exit signal) to @ppid about its child @pid. */
static void tell_parent(pid_t ppid, int sig, pid_t pid, int code, int status)
{
	ksiginfo_t info = { .code = code, .pid = pid, .status = status };

	if (ppid && sig)
		signal_send_process(ppid, sig, &info);
}

/* Link @child under @parent (XPTR_NULL: none, it reaps itself). Caller: the family lock. */
static void adopt(xptr_t parent, xptr_t child)
{
	kassert(remote_busylock_is_held_by_me(FAMILY_LOCK));
	hal_remote_sxp(PROC_XP(child, parent_xp), parent);
	if (parent == XPTR_NULL) {
		hal_remote_s32(PROC_XP(child, ppid), 0);
		hal_remote_s32(PROC_XP(child, reap_self), 1);
		return;
	}
	hal_remote_s32(PROC_XP(child, ppid), hal_remote_l32(PROC_XP(parent, pid)));
	xlist_add_last(PROC_XP(parent, children_root), PROC_XP(child, children_link));
}

/*
 * The parent of the ending process @owner_xp, told of its end; XPTR_NULL if it has none or wants
 * no zombie (SIGCHLD ignored, SA_NOCLDWAIT: POSIX). As Linux's exit_notify, the exit signal is
 * posted before the child can be reaped: a parent must not reap a child and then take its late
 * SIGCHLD for another's (init's next wait then ended in EINTR: test_races slayinit). Sending may
 * take an RPC, so the family lock is dropped meanwhile, with notifying set for wait4; the parent
 * may then end and hand us to init, which is told in turn. Caller: the family lock, held again
 * on return.
 */
static xptr_t tell_parent_first(xptr_t owner_xp)
{
	xptr_t parent, told = XPTR_NULL;

	kassert(remote_busylock_is_held_by_me(FAMILY_LOCK));
	for (;;) {
		uint64_t handler, flags;
		pid_t ppid, pid;
		int sig, status;

		parent = hal_remote_lxp(PROC_XP(owner_xp, parent_xp));
		if (parent == XPTR_NULL || parent == told)
			return parent;
		sigchld_action(parent, &handler, &flags);
		if (handler == SIG_IGN || (flags & SA_NOCLDWAIT)) {
			xlist_unlink(PROC_XP(owner_xp, children_link));
			adopt(XPTR_NULL, owner_xp);
			waitq_wake_all(PROC_XP(parent, child_wait)); /* its wait4 may have no child left */
			/* A vfork parent waits for our end all the same, and finds us gone from its
			 * children; the caller wakes only a parent it gets back (a vfork parent
			 * ignoring SIGCHLD slept for good: the fuzzer, 4x2, seed 29). */
			if (hal_remote_l32(PROC_XP(owner_xp, vfork_waiting)))
				waitq_wake_all(PROC_XP(parent, vfork_wait));
			hal_remote_s32(PROC_XP(owner_xp, notifying), 0);
			return XPTR_NULL;
		}
		hal_remote_s32(PROC_XP(owner_xp, notifying), 1);
		ppid = hal_remote_l32(PROC_XP(owner_xp, ppid));
		pid = hal_remote_l32(PROC_XP(owner_xp, pid));
		sig = (int)hal_remote_l32(PROC_XP(owner_xp, exit_signal));
		status = (int)hal_remote_l32(PROC_XP(owner_xp, exit_status));
		remote_busylock_release(FAMILY_LOCK);
		if ((status & 0x7f) == 0)
			tell_parent(ppid, sig, pid, CLD_EXITED, (status >> 8) & 0xff);
		else
			tell_parent(ppid, sig, pid, (status & 0x80) ? CLD_DUMPED : CLD_KILLED,
				    status & 0x7f);
		told = parent;
		remote_busylock_acquire(FAMILY_LOCK);
	}
}

void process_family_exit(xptr_t owner_xp)
{
	xptr_t orphans[16]; /* zombies left without a parent, released after the lock */
	uint32_t orphans_nr = 0;
	xptr_t new_parent, parent, e;
	bool reap_self, waited_by_kernel;

	for (;;) {
		bool more = false;

		remote_busylock_acquire(FAMILY_LOCK);
		new_parent = hal_remote_lxp(INIT_XP);
		if (new_parent == owner_xp) { /* init ends: the orphans reap themselves from now on */
			new_parent = XPTR_NULL;
			hal_remote_sxp(INIT_XP, XPTR_NULL);
		}
		while ((e = xlist_first(PROC_XP(owner_xp, children_root))) != XPTR_NULL) {
			xptr_t child = XLIST_ELEMENT(e, process_t, children_link);
			bool zombie = hal_remote_l32(PROC_XP(child, zombie)) != 0;

			if (zombie && new_parent == XPTR_NULL && orphans_nr == 16) {
				more = true; /* release these first, then come back for the rest */
				break;
			}
			xlist_unlink(e);
			adopt(new_parent, child);
			/* as Linux's reparent_leader, "we don't want people slaying init": an orphan
			 * cloned with another exit signal tells its new parent with SIGCHLD */
			hal_remote_s32(PROC_XP(child, exit_signal), SIGCHLD);
			if (zombie && new_parent == XPTR_NULL) {
				hal_remote_s32(PROC_XP(child, reaped), 1);
				orphans[orphans_nr++] = child;
			}
		}
		if (!more)
			break;
		remote_busylock_release(FAMILY_LOCK);
		for (uint32_t i = 0; i < orphans_nr; i++)
			process_release(orphans[i]);
		orphans_nr = 0;
	}
	if (new_parent != XPTR_NULL)
		waitq_wake_all(PROC_XP(new_parent, child_wait)); /* it may have got zombies */

	parent = tell_parent_first(owner_xp);
	reap_self = hal_remote_l32(PROC_XP(owner_xp, reap_self)) != 0;
	waited_by_kernel = parent == XPTR_NULL && !reap_self;
	if (hal_remote_l32(PROC_XP(owner_xp, vfork_waiting)) && parent != XPTR_NULL)
		waitq_wake_all(PROC_XP(parent, vfork_wait));
	if (parent != XPTR_NULL) {
		/* From now on the parent may release us: the last touch of the process is here. */
		hal_remote_s32(PROC_XP(owner_xp, notifying), 0);
		hal_remote_s32(PROC_XP(owner_xp, zombie), 1);
		waitq_wake_all(PROC_XP(parent, child_wait));
	}
	remote_busylock_release(FAMILY_LOCK);

	for (uint32_t i = 0; i < orphans_nr; i++)
		process_release(orphans[i]);
	if (waited_by_kernel)
		process_mark_exited(owner_xp);
	else if (reap_self)
		process_release(owner_xp);
}

void process_child_event(xptr_t owner_xp)
{
	uint64_t handler, flags;
	xptr_t parent;
	pid_t ppid, pid;
	int status;

	remote_busylock_acquire(FAMILY_LOCK);
	parent = hal_remote_lxp(PROC_XP(owner_xp, parent_xp));
	ppid = hal_remote_l32(PROC_XP(owner_xp, ppid));
	pid = hal_remote_l32(PROC_XP(owner_xp, pid));
	status = (int)hal_remote_l32(PROC_XP(owner_xp, jobctl_status));
	if (parent != XPTR_NULL)
		sigchld_action(parent, &handler, &flags);
	remote_busylock_release(FAMILY_LOCK);
	if (parent == XPTR_NULL)
		return;
	/* The signal first, then the waiters, as for an end (tell_parent_first): a waiter woken
	 * for the event has its SIGCHLD pending already, not arriving during its next wait. */
	if (!(flags & SA_NOCLDSTOP)) {
		if (status == 0xffff)
			tell_parent(ppid, SIGCHLD, pid, CLD_CONTINUED, SIGCONT);
		else
			tell_parent(ppid, SIGCHLD, pid, CLD_STOPPED, (status >> 8) & 0xff);
	}
	remote_busylock_acquire(FAMILY_LOCK);
	parent = hal_remote_lxp(PROC_XP(owner_xp, parent_xp));
	if (parent != XPTR_NULL)
		waitq_wake_all(PROC_XP(parent, child_wait));
	remote_busylock_release(FAMILY_LOCK);
}

void process_exec_done(xptr_t owner_xp)
{
	xptr_t parent;

	remote_busylock_acquire(FAMILY_LOCK);
	parent = hal_remote_lxp(PROC_XP(owner_xp, parent_xp));
	if (hal_remote_l32(PROC_XP(owner_xp, vfork_waiting)) && parent != XPTR_NULL)
		waitq_wake_all(PROC_XP(parent, vfork_wait));
	hal_remote_s32(PROC_XP(owner_xp, vfork_waiting), 0);
	remote_busylock_release(FAMILY_LOCK);
}

/* ------------------------------------------------------------------------------------------- */
/* fork                                                                                         */

/* The parent's files and directory into the new reference @child (local). */
static void copy_files(process_t *child, xptr_t parent_ref)
{
	xptr_t lock = PROC_XP(parent_ref, files_lock);

	vfs_inode_put(child->cwd_xp); /* process_create's: the parent's replaces it */
	remote_busylock_acquire(lock);
	for (int fd = 0; fd < CONFIG_MAX_FILES; fd++) {
		xptr_t f = hal_remote_lxp(PROC_XP(parent_ref, files[fd]));
		if (f != XPTR_NULL)
			vfs_file_dup(f);
		child->files[fd] = f;
	}
	child->cloexec = hal_remote_l64(PROC_XP(parent_ref, cloexec));
	child->umask = hal_remote_l32(PROC_XP(parent_ref, umask));
	child->cwd_xp = hal_remote_lxp(PROC_XP(parent_ref, cwd_xp));
	vfs_inode_get(child->cwd_xp);
	remote_busylock_release(lock);
	child->exec_inode_xp = hal_remote_lxp(PROC_XP(parent_ref, exec_inode_xp));
	if (child->exec_inode_xp != XPTR_NULL)
		vfs_inode_get(child->exec_inode_xp);
}

/* What process_make_fork needs: RPC_PROCESS_FORK's arguments and results (rpc.h). */
typedef struct rpc_process_fork_args_s {
	xptr_t       parent_ref;  /* the parent's reference copy                 */
	xptr_t       parent_owner;/* the parent's owner copy                     */
	xptr_t       start_xp;    /* the child thread's user_start_t              */
	uint32_t     exit_signal;
	uint32_t     vfork;       /* the parent waits for the child's exec or end */
	pid_t        pid;         /* [out] */
	xptr_t       thread_xp;   /* [out] */
	error_t      error;       /* [out] */
} rpc_process_fork_args_t;

/* Make the child in the local cluster. */
static void process_make_fork(rpc_process_fork_args_t *a)
{
	char name[PROCESS_NAME_MAX];
	user_start_t start;
	process_t *child;
	xptr_t child_xp, thread_xp;
	uint32_t trdid;
	error_t error;

	hal_remote_strcpy(XPTR(local_cxy, name), PROC_XP(a->parent_ref, name), sizeof(name));
	hal_remote_memcpy(XPTR(local_cxy, &start), a->start_xp, sizeof(start));
	error = process_create(name, &child);
	if (error) {
		a->error = error;
		return;
	}
	child_xp = XPTR(local_cxy, child);
	child->exit_signal = a->exit_signal;
	copy_files(child, a->parent_ref);
	signal_fork_copy(a->parent_owner, child); /* group, session, signal actions */
	error = vmm_fork(&child->vmm, PROC_XP(a->parent_ref, vmm));
	if (!error)
		error = process_thread_create(child_xp, local_cxy, (lid_t)-1, &start, false, &trdid,
					      &thread_xp);
	if (error) {
		process_release(child_xp); /* it never had a thread */
		a->error = error;
		return;
	}
	child->main_trdid = trdid;

	remote_busylock_acquire(FAMILY_LOCK);
	adopt(a->parent_owner, child_xp);
	child->reap_self = 0;
	child->vfork_waiting = a->vfork;
	remote_busylock_release(FAMILY_LOCK);
	a->pid = child->pid;
	a->thread_xp = thread_xp;
	a->error = 0;
}

void process_rpc_fork(xptr_t desc_xp)
{
	rpc_process_fork_args_t a;

	rpc_args_get(desc_xp, &a, sizeof(a));
	process_make_fork(&a);
	rpc_reply(desc_xp, &a, sizeof(a), 0);
}

error_t process_fork(cxy_t cxy, const user_start_t *start, uint32_t exit_signal, bool vfork,
		     pid_t *pid, xptr_t *thread_xp)
{
	thread_t *self = thread_current();
	rpc_process_fork_args_t a = {
		.parent_ref = self->process->ref_xp,
		.parent_owner = self->process->owner_xp,
		.start_xp = XPTR(local_cxy, (void *)start),
		.exit_signal = exit_signal,
		.vfork = vfork,
	};

	if (cxy >= cluster_count())
		return EINVAL;
	if (cxy == local_cxy) {
		process_make_fork(&a);
	} else {
		rpc_desc_t desc = RPC_DESC(RPC_PROCESS_FORK, &a);

		rpc_send(cxy, &desc);
	}
	if (a.error)
		return a.error;
	*pid = a.pid;
	*thread_xp = a.thread_xp;
	return 0;
}

error_t process_vfork_wait(pid_t pid)
{
	xptr_t self_owner = thread_current()->process->owner_xp, e;
	error_t error = 0;

	remote_busylock_acquire(FAMILY_LOCK);
	for (;;) {
		xptr_t child = XPTR_NULL;

		XLIST_FOREACH(PROC_XP(self_owner, children_root), e) {
			xptr_t c = XLIST_ELEMENT(e, process_t, children_link);
			if (hal_remote_l32(PROC_XP(c, pid)) == pid)
				child = c;
		}
		if (child == XPTR_NULL || !hal_remote_l32(PROC_XP(child, vfork_waiting)) ||
		    hal_remote_l32(PROC_XP(child, zombie)))
			break;
		/* Our own queue, not the child's: another of our threads may reap and release the
		 * child (its descriptor with it) before this thread runs again. */
		error = waitq_wait_killable(PROC_XP(self_owner, vfork_wait), FAMILY_LOCK);
		if (error)
			break;
	}
	remote_busylock_release(FAMILY_LOCK);
	return error;
}

/* ------------------------------------------------------------------------------------------- */
/* wait4                                                                                        */

/* A stop (WUNTRACED) or continue (WCONTINUED) of the child @c not reported yet: its status in
 * *@status, and it is reported (true). Caller: the family lock (then the child's signal lock). */
static bool job_event(xptr_t c, uint32_t options, int *status)
{
	xptr_t lock = PROC_XP(c, sig_lock);
	bool found = false;
	int st;

	kassert(remote_busylock_is_held_by_me(FAMILY_LOCK));
	remote_busylock_acquire(lock);
	st = (int)hal_remote_l32(PROC_XP(c, jobctl_status));
	if (hal_remote_l32(PROC_XP(c, jobctl_pending)) &&
	    (((options & WUNTRACED) && (st & 0xff) == 0x7f) ||
	     ((options & WCONTINUED) && st == 0xffff))) {
		hal_remote_s32(PROC_XP(c, jobctl_pending), 0);
		*status = st;
		found = true;
	}
	remote_busylock_release(lock);
	return found;
}

/* True if the child @c matches wait4's @pid for a caller in process group @pgid. */
static bool matches(xptr_t c, int64_t pid)
{
	if (pid == -1)
		return true;
	if (pid > 0)
		return hal_remote_l32(PROC_XP(c, pid)) == (pid_t)pid;
	/* Process groups: pid 0 (the caller's group) and -pgid. */
	return process_in_group(c, pid == 0 ? 0 : (pid_t)-pid);
}

int64_t process_wait_child(int64_t pid, int *status, uint32_t options, acct_t *usage)
{
	xptr_t self_owner = thread_current()->process->owner_xp, e;
	xptr_t found = XPTR_NULL;
	pid_t found_pid = 0;
	bool interrupted = false;
	int64_t ret;

	if (options & ~(uint32_t)(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH; /* as Linux: -INT_MIN is no group */
	remote_busylock_acquire(FAMILY_LOCK);
	for (;;) {
		bool any = false, soon = false;

		XLIST_FOREACH(PROC_XP(self_owner, children_root), e) {
			xptr_t c = XLIST_ELEMENT(e, process_t, children_link);
			if (!matches(c, pid))
				continue;
			any = true;
			soon |= hal_remote_l32(PROC_XP(c, notifying)) != 0;
			if (hal_remote_l32(PROC_XP(c, zombie)) && !hal_remote_l32(PROC_XP(c, reaped))) {
				found = c;
				break;
			}
			if ((options & (WUNTRACED | WCONTINUED)) && job_event(c, options, status)) {
				acct_process_ended(c, usage);
				ret = hal_remote_l32(PROC_XP(c, pid));
				remote_busylock_release(FAMILY_LOCK);
				return ret;
			}
		}
		if (found != XPTR_NULL) {
			xlist_unlink(PROC_XP(found, children_link));
			hal_remote_s32(PROC_XP(found, reaped), 1);
			acct_reap(self_owner, found, usage); /* its times become the caller's children's */
			found_pid = hal_remote_l32(PROC_XP(found, pid));
			*status = (int)hal_remote_l32(PROC_XP(found, exit_status));
			ret = found_pid;
			break;
		}
		if (!any) {
			ret = -ECHILD;
			break;
		}
		if (options & WNOHANG) {
			ret = 0;
			break;
		}
		if (soon) {
			/* A child is posting its exit signal (tell_parent_first): reapable in a moment,
			 * when it wakes us. Its SIGCHLD, pending already, must not end this wait
			 * empty-handed, as it would not on Linux, where both happen at once. */
			if (waitq_wait_killable(PROC_XP(self_owner, child_wait), FAMILY_LOCK)) {
				ret = -EINTR;
				break;
			}
			continue;
		}
		if (interrupted) {
			ret = -ERESTARTSYS; /* EINTR, or restarted under SA_RESTART */
			break;
		}
		/* A signal ends the wait, but the children are looked at once more first, as Linux's
		 * do_wait does: a signal that came with a child's end must not hide it. */
		interrupted = waitq_wait_interruptible(PROC_XP(self_owner, child_wait), FAMILY_LOCK) != 0;
	}
	remote_busylock_release(FAMILY_LOCK);
	if (found != XPTR_NULL)
		process_release(found);
	return ret;
}

bool process_in_group(xptr_t owner_xp, pid_t pgid)
{
	if (pgid == 0)
		pgid = hal_remote_l32(PROC_XP(thread_current()->process->owner_xp, pgid));
	return hal_remote_l32(PROC_XP(owner_xp, pgid)) == pgid;
}

bool process_is_child(pid_t pid)
{
	xptr_t self_owner = thread_current()->process->owner_xp, e;
	bool found = false;

	remote_busylock_acquire(FAMILY_LOCK);
	XLIST_FOREACH(PROC_XP(self_owner, children_root), e)
		if (hal_remote_l32(PROC_XP(XLIST_ELEMENT(e, process_t, children_link), pid)) == pid)
			found = true;
	remote_busylock_release(FAMILY_LOCK);
	return found;
}
