/*
 * process.c - processes, their copies in every cluster, their user threads (see process.h).
 */
#include <fs/vfs.h>
#include <hal_context.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/cluster.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/ptimer.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <mm/oom.h>


/*
 * Take a free lpid of this cluster (lpid 0 is never used). It is only reserved: the process
 * appears in owned[], where senders of signals and group walks find it, once lpid_publish runs,
 * with every lock and list of it initialised (a kill must never reach a half-made process).
 */
static bool lpid_alloc(uint32_t *lpid)
{
	cluster_t *cl = LOCAL_CLUSTER;
	bool found = false;

	busylock_acquire(&cl->processes_lock);
	for (uint32_t i = 1; i < CONFIG_MAX_PROCESSES_PER_CLUSTER && !found; i++) {
		if (!cl->owned[i] && !cl->lpid_reserved[i]) {
			cl->lpid_reserved[i] = 1;
			*lpid = i;
			found = true;
		}
	}
	busylock_release(&cl->processes_lock);
	return found;
}

static void lpid_publish(uint32_t lpid, process_t *process)
{
	cluster_t *cl = LOCAL_CLUSTER;

	busylock_acquire(&cl->processes_lock);
	kassert(cl->lpid_reserved[lpid] && !cl->owned[lpid]);
	cl->lpid_reserved[lpid] = 0;
	cl->owned[lpid] = process;
	cl->owned_nr++;
	busylock_release(&cl->processes_lock);
}

/* A field of cluster @cxy's cluster_t. */
#define CLUSTER_XP(cxy, field) XPTR(cxy, &cluster_manager.field)

/* Give @lpid of cluster @cxy back, published or only reserved. Any cluster: the table is under
 * its processes_lock, which the reap of another cluster takes as the owner cluster does. */
static void lpid_free(cxy_t cxy, uint32_t lpid)
{
	xptr_t reserved = CLUSTER_XP(cxy, lpid_reserved[lpid]);
	xptr_t owned = CLUSTER_XP(cxy, owned[lpid]);
	xptr_t owned_nr = CLUSTER_XP(cxy, owned_nr);

	remote_busylock_acquire(CLUSTER_XP(cxy, processes_lock));
	if (hal_remote_lb(reserved)) {
		hal_remote_sb(reserved, 0);
	} else {
		kassert(hal_remote_lpt(owned) != NULL);
		hal_remote_spt(owned, NULL);
		hal_remote_s32(owned_nr, hal_remote_l32(owned_nr) - 1);
	}
	remote_busylock_release(CLUSTER_XP(cxy, processes_lock));
}

/* Fields common to every copy; the VMM is initialised by the caller. */
static void process_init_common(process_t *p, pid_t pid, xptr_t ref_xp, xptr_t owner_xp,
				const char *name)
{
	p->pid = pid;
	p->ref_xp = ref_xp;
	p->owner_xp = owner_xp;
	strlcpy(p->name, name, sizeof(p->name));
	xlist_entry_init(XPTR(local_cxy, &p->local_link));
	busylock_init(&p->threads_lock, "process.threads", LOCK_PROCESS_STATE);
	list_root_init(&p->threads_root);
	xlist_entry_init(XPTR(local_cxy, &p->copies_link));
}

/* Link the local copy @p in the owner's list of copies. */
static void link_copy(process_t *p)
{
	xptr_t lock_xp = PROC_XP(p->owner_xp, copies_lock);

	remote_busylock_acquire(lock_xp);
	xlist_add_last(PROC_XP(p->owner_xp, copies_root), XPTR(local_cxy, &p->copies_link));
	hal_remote_atomic_add32(PROC_XP(p->owner_xp, copies_nr), 1);
	remote_busylock_release(lock_xp);
}

/* Unlink the copy @p_xp (any cluster) from its owner's list of copies. */
static void unlink_copy(xptr_t p_xp)
{
	xptr_t owner_xp = hal_remote_lxp(PROC_XP(p_xp, owner_xp));
	xptr_t lock_xp = PROC_XP(owner_xp, copies_lock);

	remote_busylock_acquire(lock_xp);
	xlist_unlink(PROC_XP(p_xp, copies_link));
	hal_remote_atomic_add32(PROC_XP(owner_xp, copies_nr), -1);
	remote_busylock_release(lock_xp);
}

/*
 * A copy off the table has freed its memory (VMM, tables, descriptor): it leaves the count only
 * now. Leak checks wait for the count before they read the free pages; counted down at the
 * unlink, it let them read while a core the host ran late was still freeing the copy's tables.
 */
static void copies_uncount(cxy_t cxy)
{
	xptr_t nr = CLUSTER_XP(cxy, copies_nr);

	remote_busylock_acquire(CLUSTER_XP(cxy, processes_lock));
	hal_remote_s32(nr, hal_remote_l32(nr) - 1);
	remote_busylock_release(CLUSTER_XP(cxy, processes_lock));
}

/* Put the local copy @p in the cluster's list of copies. Caller holds processes_lock. */
static void add_local_locked(process_t *p)
{
	kassert(busylock_is_held_by_me(&LOCAL_CLUSTER->processes_lock));
	xlist_add_last(CLUSTER_XP(local_cxy, copies_root), XPTR(local_cxy, &p->local_link));
	LOCAL_CLUSTER->copies_nr++;
}

static void add_local(process_t *p)
{
	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	add_local_locked(p);
	busylock_release(&LOCAL_CLUSTER->processes_lock);
}


/* This cluster's kernel process (each cluster's image replica has its own). */
static process_t kernel_process;

void process_kernel_init(void)
{
	process_t *p = &kernel_process;
	cluster_t *cl = LOCAL_CLUSTER;

	process_init_common(p, (pid_t)local_cxy << 16, XPTR(local_cxy, p), XPTR(local_cxy, p),
			    "kernel");
	vmm_init_kernel(&p->vmm);
	busylock_init(&p->copies_lock, "process.copies", LOCK_PROCESS_STATE);
	busylock_init(&p->exit_lock, "process.exit", LOCK_PROCESS_STATE);
	busylock_init(&p->files_lock, "process.files", LOCK_PROCESS_STATE);
	signal_owner_init(p); /* its own group and session: a walk over owners may lock it */
	xlist_root_init(XPTR(local_cxy, &p->copies_root));
	p->holds = 1; /* it never goes */
	busylock_acquire(&cl->processes_lock);
	kassert(cl->owned[0] == NULL);
	cl->owned[0] = p; /* lpid 0: lpid_alloc never gives it */
	cl->owned_nr++;
	busylock_release(&cl->processes_lock);
	add_local(p);
	link_copy(p);
}

void process_kernel_attach(thread_t *thread)
{
	process_t *p = &kernel_process;

	kassert(thread->type != THREAD_USER);
	thread->process = p;
	busylock_acquire(&p->threads_lock);
	list_add_last(&p->threads_root, &thread->process_link);
	p->threads_nr++;
	busylock_release(&p->threads_lock);
}

void process_kernel_detach(thread_t *thread)
{
	process_t *p = &kernel_process;

	kassert(thread->process == p);
	busylock_acquire(&p->threads_lock);
	list_unlink(&thread->process_link);
	p->threads_nr--;
	busylock_release(&p->threads_lock);
	thread->process = NULL;
}

error_t process_create(const char *name, process_t **out)
{
	process_t *p = kmem_alloc(sizeof(*p), KMEM_ZERO);
	uint32_t lpid;
	error_t error;

	if (!p)
		return ENOMEM;
	if (!lpid_alloc(&lpid)) {
		kmem_free(p);
		return EAGAIN;
	}
	process_init_common(p, ((pid_t)local_cxy << 16) | lpid, XPTR(local_cxy, p), XPTR(local_cxy, p),
			    name);
	error = vmm_init(&p->vmm, XPTR_NULL);
	if (error) {
		lpid_free(local_cxy, lpid);
		kmem_free(p);
		return error;
	}
	busylock_init(&p->copies_lock, "process.copies", LOCK_PROCESS_STATE);
	busylock_init(&p->exit_lock, "process.exit", LOCK_PROCESS_STATE);
	busylock_init(&p->files_lock, "process.files", LOCK_PROCESS_STATE);
	signal_owner_init(p);
	p->cwd_xp = vfs_root();
	vfs_inode_get(p->cwd_xp);
	p->umask = 022; /* Linux's first process's */
	xlist_root_init(XPTR(local_cxy, &p->copies_root));
	waitq_init(XPTR(local_cxy, &p->exit_wait), "process.exit");
	waitq_init(XPTR(local_cxy, &p->exec_wait), "process.exec");
	waitq_init(XPTR(local_cxy, &p->child_wait), "process.child");
	waitq_init(XPTR(local_cxy, &p->vfork_wait), "process.vfork");
	xlist_root_init(XPTR(local_cxy, &p->children_root));
	xlist_entry_init(XPTR(local_cxy, &p->children_link));
	p->holds = 1; /* the reference's own, dropped by process_release */
	add_local(p);
	link_copy(p);
	lpid_publish(lpid, p); /* from now on a signal or a group walk may find it */
	*out = p;
	return 0;
}

/* The local copy of @pid, one more count held on it; NULL if none. Caller holds processes_lock. */
static process_t *hold_locked(pid_t pid)
{
	xptr_t e;

	kassert(busylock_is_held_by_me(&LOCAL_CLUSTER->processes_lock));
	XLIST_FOREACH(CLUSTER_XP(local_cxy, copies_root), e) {
		process_t *p = GET_PTR(XLIST_ELEMENT(e, process_t, local_link));
		if (p->pid == pid) {
			p->holds++;
			return p;
		}
	}
	return NULL;
}

process_t *process_hold_local(pid_t pid)
{
	process_t *p;

	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	p = hold_locked(pid);
	busylock_release(&LOCAL_CLUSTER->processes_lock);
	return p;
}

void process_put_local(process_t *copy)
{
	bool gone;

	/* The count reaches 0 and the copy leaves the table under one lock: no hold can come after. */
	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	gone = --copy->holds == 0 && copy->ref_xp != XPTR(local_cxy, copy);
	if (gone)
		xlist_unlink(XPTR(local_cxy, &copy->local_link));
	busylock_release(&LOCAL_CLUSTER->processes_lock);
	if (gone) {
		unlink_copy(XPTR(local_cxy, copy));
		vmm_destroy(&copy->vmm);
		kmem_free(copy);
		copies_uncount(local_cxy);
	}
}

void process_hold_owner_locked(xptr_t owner_xp)
{
	xptr_t holds = PROC_XP(owner_xp, holds);

	kassert(remote_busylock_is_held_by_me(XPTR(GET_CXY(owner_xp), &cluster_manager.processes_lock)));
	kassert(hal_remote_lxp(PROC_XP(owner_xp, ref_xp)) == owner_xp);
	hal_remote_s32(holds, hal_remote_l32(holds) + 1);
}

void process_put_owner(xptr_t owner_xp)
{
	xptr_t lock = XPTR(GET_CXY(owner_xp), &cluster_manager.processes_lock);
	xptr_t holds = PROC_XP(owner_xp, holds);

	remote_busylock_acquire(lock);
	kassert(hal_remote_l32(holds) > 1); /* the reference keeps its own until process_release */
	hal_remote_s32(holds, hal_remote_l32(holds) - 1);
	remote_busylock_release(lock);
}

error_t process_get_copy(xptr_t ref_xp, process_t **out)
{
	pid_t pid = hal_remote_l32(PROC_XP(ref_xp, pid));
	process_t *p = process_hold_local(pid);
	process_t *other;
	char name[PROCESS_NAME_MAX];
	error_t error;

	if (p) {
		*out = p;
		return 0;
	}
	/* Build a copy outside any lock, then keep it only if nobody was faster. */
	p = kmem_alloc(sizeof(*p), KMEM_ZERO);
	if (!p)
		return ENOMEM;
	hal_remote_strcpy(XPTR(local_cxy, name), PROC_XP(ref_xp, name), sizeof(name));
	process_init_common(p, pid, ref_xp, hal_remote_lxp(PROC_XP(ref_xp, owner_xp)), name);
	error = vmm_init(&p->vmm, PROC_XP(ref_xp, vmm));
	if (error) {
		kmem_free(p);
		return error;
	}
	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	other = hold_locked(pid);
	if (!other) {
		p->holds = 1; /* ours: given back after link_copy, so it is linked before it can go */
		add_local_locked(p);
	}
	busylock_release(&LOCAL_CLUSTER->processes_lock);
	if (other) {
		vmm_destroy(&p->vmm);
		kmem_free(p);
		*out = other;
		return 0;
	}
	link_copy(p);
	*out = p;
	return 0;
}

static void user_thread_entry(void *arg)
{
	thread_t *self = thread_current();
	hal_user_regs_t regs;
	bool has_regs = self->user_regs != NULL;

	(void)arg;
	if (has_regs) { /* copied to the stack: nothing stays allocated for the thread's life */
		regs = *self->user_regs;
		kmem_free(self->user_regs);
		self->user_regs = NULL;
	}
	if (__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE)) /* born killed: run no user code */
		thread_user_exit(self->kill_status);
	if (self->set_child_tid) /* CLONE_CHILD_SETTID: as Linux, a bad address is just ignored */
		hal_copy_to_uspace(self->set_child_tid, &self->trdid, sizeof(self->trdid));
	hal_user_enter(has_regs ? &regs : NULL, self->user_pc, self->user_sp, self->user_tls,
		       self->user_arg);
}

static void user_thread_on_exit(thread_t *thread, int status)
{
	acct_thread_exit(thread); /* before its process can end: the parent's wait sees it */
	process_thread_exited(thread->process, thread, status);
}

/*
 * True if a thread created now in a copy of the process whose owner is @owner_xp must be born
 * killed (the process is ending, or an exec is ending its other threads), with *status.
 */
static bool born_killed(xptr_t owner_xp, int *status)
{
	if (hal_remote_l32(PROC_XP(owner_xp, dying))) {
		*status = (int)hal_remote_l32(PROC_XP(owner_xp, dying_status));
		return true;
	}
	*status = SIGKILL;
	return hal_remote_lxp(PROC_XP(owner_xp, exec_thread_xp)) != XPTR_NULL;
}

/* Create a user thread of @ref_xp's copy in the local cluster (started if @run). */
static error_t local_thread_create(xptr_t ref_xp, lid_t lid, const user_start_t *start, bool run,
				   uint32_t *trdid, xptr_t *thread_xp)
{
	process_t *copy;
	thread_t *t;
	hal_user_regs_t *regs = NULL;
	error_t error;

	if (start->has_regs) { /* before the thread exists, so that failing here undoes nothing */
		regs = kmem_alloc(sizeof(*regs), 0);
		if (!regs)
			return ENOMEM;
		*regs = start->regs;
	}
	error = process_get_copy(ref_xp, &copy); /* its hold becomes the new thread's */
	if (error) {
		kmem_free(regs);
		return error;
	}
	if (lid == (lid_t)-1)
		lid = sched_least_loaded_core();
	busylock_acquire(&copy->threads_lock);
	copy->threads_nr++;
	busylock_release(&copy->threads_lock);
	hal_remote_atomic_add32(PROC_XP(copy->owner_xp, threads_total), 1);
	error = thread_kernel_create(&t, THREAD_USER, copy->name, lid, user_thread_entry, NULL);
	if (error) {
		kmem_free(regs);
		process_thread_exited(copy, NULL, 0); /* undo the counts, and the copy if new */
		return error;
	}
	t->process = copy;
	t->gpt = &copy->vmm.gpt;
	t->user_pc = start->pc;
	t->user_sp = start->sp;
	t->user_tls = start->tls;
	t->user_arg = start->arg;
	t->sigmask = start->sigmask & ~SIG_UNBLOCKABLE;
	t->clear_child_tid = start->clear_tid;
	t->set_child_tid = start->set_tid;
	t->on_exit = user_thread_on_exit;
	t->user_regs = regs; /* freed by the thread when it enters user mode */
	busylock_acquire(&copy->threads_lock);
	list_add_last(&copy->threads_root, &t->process_link);
	/* Either the kill's pass over this list (kill_local) sees the thread, or we see its flag
	 * here: the flags are set before the pass is sent. */
	if (born_killed(copy->owner_xp, &t->kill_status))
		t->killed = 1;
	busylock_release(&copy->threads_lock);
	*trdid = t->trdid;
	*thread_xp = XPTR(local_cxy, t);
	if (run)
		thread_start(t);
	return 0;
}

error_t process_thread_create(xptr_t ref_xp, cxy_t cxy, lid_t lid, const user_start_t *start,
			      bool run, uint32_t *trdid, xptr_t *thread_xp)
{
	rpc_process_thread_create_args_t a;
	rpc_desc_t desc;

	if (cxy >= cluster_count() || (lid != (lid_t)-1 && lid >= cluster_cores_of(cxy)))
		return EINVAL;
	if (cxy == local_cxy)
		return local_thread_create(ref_xp, lid, start, run, trdid, thread_xp);
	a = (rpc_process_thread_create_args_t){ .ref_xp = ref_xp, .lid = lid, .run = run,
						.start = *start };
	desc = RPC_DESC(RPC_PROCESS_THREAD_CREATE, &a);
	rpc_send(cxy, &desc);
	*trdid = a.trdid;
	*thread_xp = a.thread_xp;
	return (error_t)desc.error;
}

void process_rpc_thread_create(xptr_t desc_xp)
{
	rpc_process_thread_create_args_t a;
	error_t error;

	rpc_args_get(desc_xp, &a, sizeof(a));
	a.trdid = 0;
	a.thread_xp = XPTR_NULL;
	error = local_thread_create(a.ref_xp, (lid_t)a.lid, &a.start, a.run != 0, &a.trdid,
				    &a.thread_xp);
	rpc_reply(desc_xp, &a, sizeof(a), error);
}

/* The process ended: record the status in the reference and wake its waiters. */
static void process_end(xptr_t ref_xp, int status)
{
	xptr_t lock_xp = PROC_XP(ref_xp, exit_lock);
	xptr_t owner_xp = hal_remote_lxp(PROC_XP(ref_xp, owner_xp));

	/* As Linux: the status of the exit_group or signal, else that of the main thread. */
	if (hal_remote_l32(PROC_XP(owner_xp, dying)))
		status = (int)hal_remote_l32(PROC_XP(owner_xp, dying_status));
	else if (hal_remote_l32(PROC_XP(owner_xp, main_exited)))
		status = (int)hal_remote_l32(PROC_XP(owner_xp, main_status));
	remote_busylock_acquire(lock_xp);
	hal_remote_s32(PROC_XP(ref_xp, exit_status), (uint32_t)status);
	remote_busylock_release(lock_xp);
	ptimer_process_exit(owner_xp); /* its timers stop with its last thread (Linux's exit_itimers) */
	/* Its memory goes back now, not when its parent reaps it: a zombie holds its descriptor only
	 * (and an OOM victim's end gives the memory back whoever its parent is). */
	process_exit_mm(ref_xp);
	oom_process_end(hal_remote_l32(PROC_XP(ref_xp, pid)));
	/* As Linux: the files close at the end, not when the parent reaps (a pipe's reader must see
	 * EOF before it waits for the writer). No thread is left to use or open one. */
	for (int fd = 0; fd < CONFIG_MAX_FILES; fd++)
		if (hal_remote_lxp(PROC_XP(ref_xp, files[fd])) != XPTR_NULL)
			fd_close(ref_xp, fd);
	/* Its children, its parent or the kernel told: whoever waits may release it from then on,
	 * so this is the last use of the process here. */
	process_family_exit(owner_xp);
}

void process_mark_exited(xptr_t ref_xp)
{
	xptr_t lock_xp = PROC_XP(ref_xp, exit_lock);

	remote_busylock_acquire(lock_xp);
	hal_remote_s32(PROC_XP(ref_xp, exited), 1);
	waitq_wake_all(PROC_XP(ref_xp, exit_wait));
	remote_busylock_release(lock_xp);
}

/*
 * One thread less in the process whose owner is @owner_xp; returns the live threads left. The
 * thread that leaves an exec's caller alone wakes it, under the copies lock: the caller cannot see
 * the count and go on (and the process possibly end) before the waker is done with the owner.
 */
static uint32_t threads_total_dec(xptr_t owner_xp)
{
	xptr_t lock = PROC_XP(owner_xp, copies_lock);
	uint32_t left;

	remote_busylock_acquire(lock);
	left = hal_remote_atomic_add32(PROC_XP(owner_xp, threads_total), -1) - 1;
	if (left == 1 && hal_remote_lxp(PROC_XP(owner_xp, exec_thread_xp)) != XPTR_NULL)
		waitq_wake_all(PROC_XP(owner_xp, exec_wait));
	remote_busylock_release(lock);
	return left;
}

void process_thread_exited(process_t *copy, thread_t *thread, int status)
{
	xptr_t owner_xp = copy->owner_xp, ref_xp = copy->ref_xp;

	if (thread) {
		/* It no longer needs user space: leave its tables before they can go. */
		kassert(thread == thread_current() && thread->process == copy);
		sched_leave_user_space();
		thread_leave_process(thread);
	}
	if (thread && thread->trdid == hal_remote_l32(PROC_XP(owner_xp, main_trdid))) {
		hal_remote_s32(PROC_XP(owner_xp, main_status), (uint32_t)status);
		hal_fence();
		hal_remote_s32(PROC_XP(owner_xp, main_exited), 1);
	}
	busylock_acquire(&copy->threads_lock);
	if (thread)
		list_unlink(&thread->process_link);
	copy->threads_nr--;
	busylock_release(&copy->threads_lock);
	process_put_local(copy); /* the thread's hold: the copy may go with it */
	if (threads_total_dec(owner_xp) == 0)
		process_end(ref_xp, status);
}

int process_wait_end(xptr_t ref_xp)
{
	xptr_t lock_xp = PROC_XP(ref_xp, exit_lock);
	int status;

	remote_busylock_acquire(lock_xp);
	while (!hal_remote_l32(PROC_XP(ref_xp, exited)))
		waitq_wait(PROC_XP(ref_xp, exit_wait), lock_xp);
	status = (int)hal_remote_l32(PROC_XP(ref_xp, exit_status));
	remote_busylock_release(lock_xp);
	return status;
}

void process_exit_mm(xptr_t ref_xp)
{
	xptr_t files_lock = PROC_XP(ref_xp, files_lock);
	xptr_t exe, cwd;

	kassert(hal_remote_l32(PROC_XP(ref_xp, threads_total)) == 0 &&
		!hal_remote_l32(PROC_XP(ref_xp, mm_released)));
	vmm_exit(PROC_XP(ref_xp, vmm));
	exe = hal_remote_lxp(PROC_XP(ref_xp, exec_inode_xp));
	hal_remote_sxp(PROC_XP(ref_xp, exec_inode_xp), XPTR_NULL);
	if (exe != XPTR_NULL) /* after the VMM: its CODE and DATA read the file */
		vfs_inode_put(exe);
	remote_busylock_acquire(files_lock);
	cwd = hal_remote_lxp(PROC_XP(ref_xp, cwd_xp));
	hal_remote_sxp(PROC_XP(ref_xp, cwd_xp), XPTR_NULL);
	remote_busylock_release(files_lock);
	if (cwd != XPTR_NULL)
		vfs_inode_put(cwd);
	hal_remote_s32(PROC_XP(ref_xp, mm_released), 1);
}

/* Wait until the reference @ref_xp is the last copy and holds only its own count, then take it off
 * its cluster's list. Caller holds nothing; returns with its cluster's processes_lock held. */
static void take_off_table(xptr_t ref_xp)
{
	xptr_t table_lock = CLUSTER_XP(GET_CXY(ref_xp), processes_lock);

	/*
	 * The other copies went with their last thread, unless a display or a kill still holds one
	 * for a moment (it then unlinks itself from our list): wait for them, and for the holds on
	 * the reference, before taking it off the table. Without threads nothing makes new copies.
	 */
	for (;;) {
		remote_busylock_acquire(table_lock);
		if (hal_remote_l32(PROC_XP(ref_xp, holds)) == 1 &&
		    hal_remote_l32(PROC_XP(ref_xp, copies_nr)) == 1)
			break;
		remote_busylock_release(table_lock);
		thread_sleep_ns(100000);
	}
	hal_fence(); /* copies_nr is the copies lock's: what the last unlink did is seen after it */
	xlist_unlink(PROC_XP(ref_xp, local_link));
}

void process_release(xptr_t ref_xp)
{
	cxy_t cxy = GET_CXY(ref_xp);
	pid_t pid = hal_remote_l32(PROC_XP(ref_xp, pid));

	kassert(hal_remote_l32(PROC_XP(ref_xp, threads_total)) == 0 &&
		hal_remote_l32(PROC_XP(ref_xp, threads_nr)) == 0);
	if (!hal_remote_l32(PROC_XP(ref_xp, mm_released))) {
		/* it never had a thread: its files and memory go now */
		for (int fd = 0; fd < CONFIG_MAX_FILES; fd++)
			if (hal_remote_lxp(PROC_XP(ref_xp, files[fd])) != XPTR_NULL)
				fd_close(ref_xp, fd);
		process_exit_mm(ref_xp);
	}
	/* What is left is the descriptor, its links and its pid: freed from here through the
	 * owner cluster's locks and allocators, without a round trip to it. */
	take_off_table(ref_xp);
	remote_busylock_release(CLUSTER_XP(cxy, processes_lock));
	unlink_copy(ref_xp);
	oom_process_released(pid); /* before the pid can be given again */
	lpid_free(cxy, PID_LPID(pid));
	kmem_remote_free(cxy, GET_PTR(ref_xp));
	copies_uncount(cxy);
}

uint32_t process_owned_count(void)
{
	return LOCAL_CLUSTER->owned_nr;
}

uint32_t process_copies_count(void)
{
	return LOCAL_CLUSTER->copies_nr;
}

void process_rpc_display(xptr_t desc_xp)
{
	rpc_process_display_args_t a;
	bool owned_only;
	xptr_t e;

	rpc_args_get(desc_xp, &a, sizeof(a));
	owned_only = a.owned_only != 0;
	printk_raw("processes in cluster %x%s: %u copies, %u owned\n", local_cxy,
		   owned_only ? " (owned)" : "", LOCAL_CLUSTER->copies_nr, LOCAL_CLUSTER->owned_nr);
	printk_raw("    pid      name             role       threads vsegs\n");
	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	XLIST_FOREACH(CLUSTER_XP(local_cxy, copies_root), e) {
		process_t *p = GET_PTR(XLIST_ELEMENT(e, process_t, local_link));
		bool owner = p->owner_xp == XPTR(local_cxy, p);
		if (owned_only && !owner)
			continue;
		printk_raw("    %08x %-16s %-10s %7u %5u\n", p->pid, p->name,
			   p->ref_xp == XPTR(local_cxy, p) ? "reference" : "copy", p->threads_nr,
			   vsl_count(&p->vmm.vsl));
	}
	busylock_release(&LOCAL_CLUSTER->processes_lock);
	rpc_reply(desc_xp, NULL, 0, 0);
}

/* Mark the threads of the local copy @copy killed (but @except) and wake them. */
static void kill_local(process_t *copy, int status, uint32_t except)
{
	list_entry_t *e;

	busylock_acquire(&copy->threads_lock);
	LIST_FOREACH(&copy->threads_root, e) {
		thread_t *t = LIST_ELEMENT(e, thread_t, process_link);
		if (t->trdid == except)
			continue;
		t->kill_status = status;
		__atomic_store_n(&t->killed, 1, __ATOMIC_RELEASE);
		thread_post_work(XPTR(local_cxy, t), THREAD_WORK_SIGNAL);
		/* out of interruptible waits and stops; a running thread enters the kernel at once */
		thread_interrupt(XPTR(local_cxy, t), true);
		thread_unblock(XPTR(local_cxy, t), THREAD_BLOCKED_STOPPED);
		sched_kick(local_cxy, t->lid);
	}
	busylock_release(&copy->threads_lock);
}

/* Kill the threads but @except of this cluster's copy of process @pid, if it has one. */
static void kill_pid_local(pid_t pid, int status, uint32_t except)
{
	process_t *copy = process_hold_local(pid);

	if (copy) {
		kill_local(copy, status, except);
		process_put_local(copy);
	}
}

void process_rpc_kill(xptr_t desc_xp)
{
	rpc_process_kill_args_t a;

	rpc_args_get(desc_xp, &a, sizeof(a));
	kill_pid_local(a.pid, a.status, a.except);
	rpc_reply(desc_xp, NULL, 0, 0);
}

/* The clusters holding a copy of the process whose owner is @owner_xp; caller: its copies lock. */
static uint32_t copy_clusters(xptr_t owner_xp, cxy_t where[CONFIG_MAX_CLUSTERS])
{
	xptr_t e;
	uint32_t n = 0;

	XLIST_FOREACH(PROC_XP(owner_xp, copies_root), e)
		if (n < CONFIG_MAX_CLUSTERS)
			where[n++] = GET_CXY(e);
	return n;
}

/* Kill the threads but @except of process @pid in the @n clusters @where (RPC_PROCESS_KILL). */
static void kill_in(const cxy_t *where, uint32_t n, pid_t pid, int status, uint32_t except)
{
	for (uint32_t i = 0; i < n; i++) {
		rpc_process_kill_args_t a = { .pid = pid, .status = status, .except = except };
		rpc_desc_t desc = RPC_DESC(RPC_PROCESS_KILL, &a);

		/* The local copy directly: its server would run the same code, after a self-IPI and
		 * two switches (a blocking rpc_send means the caller holds no busylock either way). */
		if (where[i] == local_cxy)
			kill_pid_local(pid, status, except);
		else
			rpc_send(where[i], &desc);
	}
}

void process_kill(xptr_t ref_xp, int status, uint32_t except_trdid)
{
	xptr_t owner_xp = hal_remote_lxp(PROC_XP(ref_xp, owner_xp));
	xptr_t lock = PROC_XP(owner_xp, copies_lock);
	cxy_t where[CONFIG_MAX_CLUSTERS];
	uint32_t n;

	if (hal_remote_l32(PROC_XP(owner_xp, dying)))
		return; /* racing exit_groups: the first one's status stands */
	remote_busylock_acquire(lock);
	if (hal_remote_l32(PROC_XP(owner_xp, dying))) {
		remote_busylock_release(lock);
		return;
	}
	hal_remote_s32(PROC_XP(owner_xp, dying_status), (uint32_t)status);
	hal_fence();
	hal_remote_s32(PROC_XP(owner_xp, dying), 1);
	n = copy_clusters(owner_xp, where);
	remote_busylock_release(lock);
	kill_in(where, n, hal_remote_l32(PROC_XP(ref_xp, pid)), status, except_trdid);
}

error_t process_kill_others(xptr_t ref_xp)
{
	thread_t *self = thread_current();
	xptr_t self_xp = XPTR(local_cxy, self);
	xptr_t owner_xp = hal_remote_lxp(PROC_XP(ref_xp, owner_xp));
	xptr_t lock = PROC_XP(owner_xp, copies_lock);
	xptr_t claim = PROC_XP(owner_xp, exec_thread_xp);
	cxy_t where[CONFIG_MAX_CLUSTERS];
	uint32_t n;
	bool killed;

	/* One claim at a time, and none once the process is ending: the first one wins, and whoever
	 * loses is among the threads the winner ends (Linux's de_thread has the same rule). */
	remote_busylock_acquire(lock);
	if (hal_remote_l32(PROC_XP(owner_xp, dying)) || hal_remote_lxp(claim) != XPTR_NULL ||
	    __atomic_load_n(&self->killed, __ATOMIC_ACQUIRE)) {
		remote_busylock_release(lock);
		return EINTR;
	}
	hal_remote_sxp(claim, self_xp);
	hal_fence(); /* the claim is visible (born_killed) before any copy is told */
	n = copy_clusters(owner_xp, where);
	remote_busylock_release(lock);
	kill_in(where, n, hal_remote_l32(PROC_XP(ref_xp, pid)), SIGKILL, self->trdid);

	/* threads_total_dec wakes us under this lock when we are the last one; a process_kill
	 * marks us killed and ends the wait. Threads still being created are counted already. */
	remote_busylock_acquire(lock);
	while (hal_remote_l32(PROC_XP(owner_xp, threads_total)) > 1 &&
	       !__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE))
		waitq_wait_killable(PROC_XP(owner_xp, exec_wait), lock);
	killed = __atomic_load_n(&self->killed, __ATOMIC_ACQUIRE);
	hal_remote_sxp(claim, XPTR_NULL); /* the threads created from now on are the new image's */
	if (!killed) { /* as Linux: the exec'ing thread becomes the main thread, whose status counts */
		hal_remote_s32(PROC_XP(owner_xp, main_trdid), self->trdid);
		hal_remote_s32(PROC_XP(owner_xp, main_exited), 0);
	}
	remote_busylock_release(lock);
	return killed ? EINTR : 0;
}
