/*
 * sys_fork.c - new processes: clone without CLONE_VM (fork) or with CLONE_VM | CLONE_VFORK
 * (vfork, posix_spawn), wait4, getppid (docs/fork.md).
 */
#include <hal_context.h>
#include <hal_remote.h>
#include <hal_uspace.h>
#include <kern/acct.h>
#include <kern/cluster.h>
#include <kern/dqdt.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

#define CLONE_FORK_KNOWN (CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | \
			  CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_EXIT_SIGNAL)

/* The cluster of a new process: the caller's one-shot hint (place_next) if set, else the DQDT's. */
static cxy_t fork_place(thread_t *self, const char **why)
{
	if (self->place_valid) { /* consumed once the fork succeeded */
		*why = "hint";
		return self->place_cxy;
	}
	*why = "dqdt";
	return dqdt_get_cluster_for_process();
}

/* clone for a new process; syscall_clone sends here what is not a thread. */
int64_t syscall_clone_process(const clone_req_t *req)
{
	uint64_t flags = req->flags;
	thread_t *self = thread_current();
	user_start_t start = { .pc = hal_user_return_pc(), .arg = 0, .has_regs = true };
	bool vfork = (flags & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK);
	const char *why;
	xptr_t thread_xp;
	pid_t pid;
	cxy_t cxy;
	error_t error;

	if ((flags & ~(uint64_t)CLONE_FORK_KNOWN) || (flags & CLONE_EXIT_SIGNAL) > SIGNAL_NSIG)
		return -EINVAL;
	if ((flags & CLONE_VM) && !vfork)
		return -EINVAL; /* a process sharing its parent's memory for good: not supported */
	if (!self->process || (req->sp & 15))
		return -EINVAL;
	hal_user_regs_current(&start.regs);
	start.sigmask = self->sigmask; /* the child's thread starts with the forking thread's mask */
	start.sp = req->sp ? req->sp : hal_user_regs_sp(&start.regs);
	start.tls = (flags & CLONE_SETTLS) ? req->tls : hal_user_regs_tls(&start.regs);
	start.clear_tid = (flags & CLONE_CHILD_CLEARTID) ? req->ctid : 0;
	start.set_tid = (flags & CLONE_CHILD_SETTID) ? req->ctid : 0;
	cxy = fork_place(self, &why);
	error = process_fork(cxy, &start, (uint32_t)(flags & CLONE_EXIT_SIGNAL), vfork, &pid,
			     &thread_xp);
	if (error == EAGAIN || error == ENOMEM) { /* that cluster is full: any other will do */
		for (uint32_t i = 1; i < cluster_count() && (error == EAGAIN || error == ENOMEM); i++) {
			cxy = (cxy_t)((cxy + 1) % cluster_count());
			why = "fallback";
			error = process_fork(cxy, &start, (uint32_t)(flags & CLONE_EXIT_SIGNAL), vfork,
					     &pid, &thread_xp);
		}
	}
	if (error)
		return error == ENOMEM ? -ENOMEM : -(int64_t)error;
	self->place_valid = 0;
	pr_debug("fork: process %x made %x in cluster %x (%s)", self->process->pid, pid, cxy, why);
	if (flags & CLONE_PARENT_SETTID) /* as Linux: a bad address is not the caller's error */
		hal_copy_to_uspace(req->ptid, &pid, sizeof(pid));
	thread_unblock(thread_xp, THREAD_BLOCKED_NEW);
	if (vfork) /* the parent goes on once the child has exec'd or ended */
		process_vfork_wait(pid);
	return pid;
}

/* A stopped or continued child's status (WIFSTOPPED, WIFCONTINUED): the child lives on. */
static bool job_status(int status)
{
	return (status & 0xff) == 0x7f || status == 0xffff;
}

/*
 * wait4's rusage is the child's own totals with those of the children it reaped, as Linux's
 * (getrusage(RUSAGE_BOTH) of the child): a reaped child's ended threads are all of it; a stopped or
 * continued child's live threads are added (a child that ends meanwhile has moved them to its ended
 * ones, which the figures then miss: Linux reads them under its lock).
 */
static error_t wait4_rusage(uintptr_t uru, pid_t pid, int status, acct_t *usage)
{
	struct uabi_rusage ru;
	uint64_t rss_pages;
	acct_t live;

	if (job_status(status) && syscall_process_usage(pid, &live, &rss_pages) == 0)
		acct_add(usage, &live);
	syscall_rusage_fill(&ru, usage);
	return hal_copy_to_uspace(uru, &ru, sizeof(ru));
}

int64_t sys_wait4(const uint64_t args[6])
{
	acct_t usage = { 0 };
	int status = 0;
	int64_t ret;

	if (!thread_current()->process)
		return -ECHILD;
	ret = process_wait_child((int64_t)(int32_t)args[0], &status, (uint32_t)args[2], &usage);
	/* as Linux: a bad address is EFAULT, the child is reaped all the same */
	if (ret > 0 && args[1] && hal_copy_to_uspace(args[1], &status, sizeof(status)))
		return -EFAULT;
	if (ret > 0 && args[3] && wait4_rusage(args[3], (pid_t)ret, status, &usage))
		return -EFAULT;
	return ret;
}

int64_t sys_getppid(const uint64_t args[6])
{
	thread_t *self = thread_current();

	(void)args;
	return self->process ? process_ppid(self->process->owner_xp) : 0;
}
