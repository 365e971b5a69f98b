/*
 * process.c - processes, their copies in every cluster, their user threads (see process.h).
 */
#include <fs/vfs.h>
#include <hal_context.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

#define PROC_XP(p_xp, field) ((p_xp) + offsetof(process_t, field))

/* Take a free lpid of this cluster for @process (lpid 0 is never used). */
static bool lpid_alloc(process_t *process, uint32_t *lpid)
{
	cluster_t *cl = LOCAL_CLUSTER;
	bool found = false;

	busylock_acquire(&cl->processes_lock);
	for (uint32_t i = 1; i < CONFIG_MAX_PROCESSES_PER_CLUSTER && !found; i++) {
		if (!cl->owned[i]) {
			cl->owned[i] = process;
			cl->owned_nr++;
			*lpid = i;
			found = true;
		}
	}
	busylock_release(&cl->processes_lock);
	return found;
}

static void lpid_free(uint32_t lpid)
{
	cluster_t *cl = LOCAL_CLUSTER;

	busylock_acquire(&cl->processes_lock);
	kassert(cl->owned[lpid] != NULL);
	cl->owned[lpid] = NULL;
	cl->owned_nr--;
	busylock_release(&cl->processes_lock);
}

/* Fields common to every copy; the VMM is initialised by the caller. */
static void process_init_common(process_t *p, pid_t pid, xptr_t ref_xp, xptr_t owner_xp,
				const char *name)
{
	p->pid = pid;
	p->ref_xp = ref_xp;
	p->owner_xp = owner_xp;
	strlcpy(p->name, name, sizeof(p->name));
	busylock_init(&p->threads_lock, "process.threads", LOCK_PROCESS_STATE);
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

static void unlink_copy(process_t *p)
{
	xptr_t lock_xp = PROC_XP(p->owner_xp, copies_lock);

	remote_busylock_acquire(lock_xp);
	xlist_unlink(XPTR(local_cxy, &p->copies_link));
	hal_remote_atomic_add32(PROC_XP(p->owner_xp, copies_nr), -1);
	remote_busylock_release(lock_xp);
}

static void add_local(process_t *p)
{
	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	list_add_last(&LOCAL_CLUSTER->copies_root, &p->local_link);
	LOCAL_CLUSTER->copies_nr++;
	busylock_release(&LOCAL_CLUSTER->processes_lock);
}

static void remove_local(process_t *p)
{
	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	list_unlink(&p->local_link);
	LOCAL_CLUSTER->copies_nr--;
	busylock_release(&LOCAL_CLUSTER->processes_lock);
}

error_t process_create(const char *name, process_t **out)
{
	process_t *p = kmem_alloc(sizeof(*p), KMEM_ZERO);
	uint32_t lpid;
	error_t error;

	if (!p)
		return ENOMEM;
	if (!lpid_alloc(p, &lpid)) {
		kmem_free(p);
		return EAGAIN;
	}
	process_init_common(p, ((pid_t)local_cxy << 16) | lpid, XPTR(local_cxy, p), XPTR(local_cxy, p),
			    name);
	error = vmm_init(&p->vmm, XPTR_NULL);
	if (error) {
		lpid_free(lpid);
		kmem_free(p);
		return error;
	}
	busylock_init(&p->copies_lock, "process.copies", LOCK_PROCESS_STATE);
	busylock_init(&p->exit_lock, "process.exit", LOCK_PROCESS_STATE);
	busylock_init(&p->files_lock, "process.files", LOCK_PROCESS_STATE);
	p->cwd_xp = vfs_root();
	vfs_inode_get(p->cwd_xp);
	xlist_root_init(XPTR(local_cxy, &p->copies_root));
	waitq_init(XPTR(local_cxy, &p->exit_wait), "process.exit");
	add_local(p);
	link_copy(p);
	*out = p;
	return 0;
}

process_t *process_find_local(pid_t pid)
{
	process_t *found = NULL;
	list_entry_t *e;

	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	LIST_FOREACH(&LOCAL_CLUSTER->copies_root, e) {
		process_t *p = LIST_ELEMENT(e, process_t, local_link);
		if (p->pid == pid) {
			found = p;
			break;
		}
	}
	busylock_release(&LOCAL_CLUSTER->processes_lock);
	return found;
}

error_t process_get_copy(xptr_t ref_xp, process_t **out)
{
	pid_t pid = hal_remote_l32(PROC_XP(ref_xp, pid));
	process_t *p = process_find_local(pid);
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
	other = NULL;
	list_entry_t *e;
	LIST_FOREACH(&LOCAL_CLUSTER->copies_root, e)
		if (LIST_ELEMENT(e, process_t, local_link)->pid == pid)
			other = LIST_ELEMENT(e, process_t, local_link);
	if (!other) {
		list_add_last(&LOCAL_CLUSTER->copies_root, &p->local_link);
		LOCAL_CLUSTER->copies_nr++;
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

	(void)arg;
	hal_user_enter(self->user_pc, self->user_sp, self->user_tls, self->user_arg);
}

static void user_thread_on_exit(thread_t *thread, int status)
{
	process_thread_exited(thread->process, status);
}

/* Create and start a user thread of @ref_xp's copy in the local cluster. */
static error_t local_thread_create(xptr_t ref_xp, lid_t lid, uintptr_t pc, uintptr_t sp,
				   uintptr_t tls, uintptr_t arg, uint32_t *trdid)
{
	process_t *copy;
	thread_t *t;
	error_t error = process_get_copy(ref_xp, &copy);

	if (error)
		return error;
	if (lid == (lid_t)-1)
		lid = sched_least_loaded_core();
	busylock_acquire(&copy->threads_lock);
	copy->threads_nr++;
	busylock_release(&copy->threads_lock);
	hal_remote_atomic_add32(PROC_XP(copy->owner_xp, threads_total), 1);
	error = thread_kernel_create(&t, THREAD_USER, copy->name, lid, user_thread_entry, NULL);
	if (error) {
		process_thread_exited(copy, 0); /* undo the counts, and the copy if it was new */
		return error;
	}
	t->process = copy;
	t->gpt = &copy->vmm.gpt;
	t->user_pc = pc;
	t->user_sp = sp;
	t->user_tls = tls;
	t->user_arg = arg;
	t->on_exit = user_thread_on_exit;
	*trdid = t->trdid;
	thread_start(t);
	return 0;
}

error_t process_thread_create(xptr_t ref_xp, cxy_t cxy, lid_t lid, uintptr_t pc, uintptr_t sp,
			      uintptr_t tls, uintptr_t arg, uint32_t *trdid)
{
	rpc_desc_t desc = { .type = RPC_PROCESS_THREAD_CREATE };

	if (cxy >= cluster_count() || (lid != (lid_t)-1 && lid >= cluster_cores_of(cxy)))
		return EINVAL;
	if (cxy == local_cxy)
		return local_thread_create(ref_xp, lid, pc, sp, tls, arg, trdid);
	desc.args[0] = ref_xp;
	desc.args[1] = lid;
	desc.args[2] = pc;
	desc.args[3] = sp;
	desc.args[4] = tls;
	desc.args[5] = arg;
	rpc_send(cxy, &desc);
	*trdid = (uint32_t)desc.args[0];
	return (error_t)desc.error;
}

void process_rpc_thread_create(xptr_t desc_xp)
{
	xptr_t args = desc_xp + offsetof(rpc_desc_t, args);
	uint32_t trdid = 0;
	error_t error = local_thread_create(hal_remote_l64(args), (lid_t)hal_remote_l64(args + 8),
					    hal_remote_l64(args + 16), hal_remote_l64(args + 24),
					    hal_remote_l64(args + 32), hal_remote_l64(args + 40),
					    &trdid);

	hal_remote_s64(args, trdid);
	hal_remote_s32(desc_xp + offsetof(rpc_desc_t, error), (uint32_t)error);
}

/* The process ended: record the status in the reference and wake its waiters. */
static void process_end(xptr_t ref_xp, int status)
{
	xptr_t lock_xp = PROC_XP(ref_xp, exit_lock);

	remote_busylock_acquire(lock_xp);
	hal_remote_s32(PROC_XP(ref_xp, exit_status), (uint32_t)status);
	hal_remote_s32(PROC_XP(ref_xp, exited), 1);
	waitq_wake_all(PROC_XP(ref_xp, exit_wait));
	remote_busylock_release(lock_xp);
}

void process_thread_exited(process_t *copy, int status)
{
	uint32_t left;

	/* This thread no longer needs user space: leave its tables before they can go. */
	sched_leave_user_space();
	busylock_acquire(&copy->threads_lock);
	left = --copy->threads_nr;
	busylock_release(&copy->threads_lock);
	if (left == 0 && copy->ref_xp != XPTR(local_cxy, copy)) {
		xptr_t owner_xp = copy->owner_xp, ref_xp = copy->ref_xp;
		unlink_copy(copy);
		remove_local(copy);
		vmm_destroy(&copy->vmm);
		kmem_free(copy);
		if (hal_remote_atomic_add32(PROC_XP(owner_xp, threads_total), -1) == 1)
			process_end(ref_xp, status);
		return;
	}
	if (hal_remote_atomic_add32(PROC_XP(copy->owner_xp, threads_total), -1) == 1)
		process_end(copy->ref_xp, status);
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

void process_release(xptr_t ref_xp)
{
	process_t *p = GET_PTR(ref_xp);

	kassert(GET_CXY(ref_xp) == local_cxy && p->threads_total == 0 && p->threads_nr == 0);
	kassert(p->copies_nr == 1); /* every other copy went with its last thread */
	for (int fd = 0; fd < CONFIG_MAX_FILES; fd++)
		if (p->files[fd] != XPTR_NULL)
			fd_close(ref_xp, fd);
	vfs_inode_put(p->cwd_xp);
	unlink_copy(p);
	remove_local(p);
	vmm_destroy(&p->vmm);
	if (p->exec_inode_xp != XPTR_NULL) /* after the VMM: its CODE and DATA read the file */
		vfs_inode_put(p->exec_inode_xp);
	lpid_free(PID_LPID(p->pid));
	kmem_free(p);
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
	bool owned_only = hal_remote_l64(desc_xp + offsetof(rpc_desc_t, args)) != 0;
	list_entry_t *e;

	printk_raw("processes in cluster %x%s: %u copies, %u owned\n", local_cxy,
		   owned_only ? " (owned)" : "", LOCAL_CLUSTER->copies_nr, LOCAL_CLUSTER->owned_nr);
	printk_raw("    pid      name             role       threads vsegs\n");
	busylock_acquire(&LOCAL_CLUSTER->processes_lock);
	LIST_FOREACH(&LOCAL_CLUSTER->copies_root, e) {
		process_t *p = LIST_ELEMENT(e, process_t, local_link);
		bool owner = p->owner_xp == XPTR(local_cxy, p);
		if (owned_only && !owner)
			continue;
		printk_raw("    %08x %-16s %-10s %7u %5u\n", p->pid, p->name,
			   p->ref_xp == XPTR(local_cxy, p) ? "reference" : "copy", p->threads_nr,
			   vsl_count(&p->vmm.vsl));
	}
	busylock_release(&LOCAL_CLUSTER->processes_lock);
	hal_remote_s32(desc_xp + offsetof(rpc_desc_t, error), 0);
}
