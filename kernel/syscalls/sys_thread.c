/*
 * sys_thread.c - threads of a process: clone of a thread (sys_fork.c makes processes), futex,
 * exit_group, and the signal calls' bookkeeping that glibc's thread code needs.
 */
#include <hal_context.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/cluster.h>
#include <kern/dqdt.h>
#include <kern/futex.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

#define CLONE_THREAD_FLAGS   (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_KNOWN (CLONE_THREAD_FLAGS | CLONE_VFORK | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
		     CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_EXIT_SIGNAL)

#define FUTEX_WAIT          0
#define FUTEX_WAKE          1
#define FUTEX_REQUEUE       3
#define FUTEX_CMP_REQUEUE   4
#define FUTEX_WAIT_BITSET   9
#define FUTEX_WAKE_BITSET   10
#define FUTEX_PRIVATE_FLAG  128
#define FUTEX_CLOCK_REALTIME 256

/* The cluster and core of a new thread: the caller's hint, else the cluster the DQDT finds least
 * loaded in threads per core (ties: ours, then the next ones; dqdt.h), any core there. */
static void place(thread_t *self, cxy_t *cxy, lid_t *lid)
{
	if (self->place_valid) {
		*cxy = self->place_cxy;
		*lid = self->place_lid;
		return;
	}
	*lid = (lid_t)-1;
	*cxy = dqdt_get_cluster_for_thread(local_cxy);
}

int64_t sys_clone(const uint64_t args[6])
{
	clone_req_t req;

	uabi_clone_decode(args, &req);
	return syscall_clone(&req);
}

int64_t syscall_clone(const clone_req_t *req)
{
	uint64_t flags = req->flags;
	thread_t *self = thread_current();
	user_start_t start = { .pc = hal_user_return_pc(), .sp = req->sp, .arg = 0 };
	uint32_t trdid;
	xptr_t thread_xp;
	cxy_t cxy;
	lid_t lid;
	error_t error;

	if (flags & ~(uint64_t)CLONE_KNOWN)
		return -EINVAL;
	/* Linux's rules: a thread shares the signal handlers, which need a shared address space */
	if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) ||
	    ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
		return -EINVAL;
	if (!(flags & CLONE_THREAD))
		return syscall_clone_process(req); /* fork, vfork (sys_fork.c) */
	if ((flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS)
		return -EINVAL; /* a thread shares everything its process has */
	if (!self->process || req->sp == 0 || (req->sp & 15))
		return -EINVAL;
	start.has_regs = true;
	start.sigmask = self->sigmask; /* as Linux: a new thread starts with its creator's mask */
	hal_user_regs_current(&start.regs);
	/* as Linux: the creator's thread pointer as it is now, unless CLONE_SETTLS gives one */
	start.tls = (flags & CLONE_SETTLS) ? req->tls : hal_user_regs_tls(&start.regs);
	start.clear_tid = (flags & CLONE_CHILD_CLEARTID) ? req->ctid : 0;
	place(self, &cxy, &lid);
	error = process_thread_create(self->process->ref_xp, cxy, lid, &start, false, &trdid,
				      &thread_xp);
	if (error)
		return error == ENOMEM ? -EAGAIN : -error;
	self->place_valid = 0;
	/* The tids are published before the child can run (and exit, clearing its ctid). As Linux,
	 * a bad address there is not the caller's error: the write is just lost. */
	if (flags & CLONE_PARENT_SETTID)
		hal_copy_to_uspace(req->ptid, &trdid, sizeof(trdid));
	if (flags & CLONE_CHILD_SETTID)
		hal_copy_to_uspace(req->ctid, &trdid, sizeof(trdid));
	thread_unblock(thread_xp, THREAD_BLOCKED_NEW);
	return trdid;
}

/* A timespec of user space as nanoseconds; EINVAL when malformed. */
static error_t read_timespec(uintptr_t uts, uint64_t *ns)
{
	int64_t ts[2];

	if (hal_copy_from_uspace(ts, uts, sizeof(ts)))
		return EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)UABI_NSEC_PER_SEC)
		return EINVAL;
	*ns = (uint64_t)ts[0] * UABI_NSEC_PER_SEC + (uint64_t)ts[1];
	return 0;
}

int64_t sys_futex(const uint64_t args[6])
{
	uintptr_t uaddr = args[0], uaddr2 = args[4];
	uint32_t op = (uint32_t)args[1] & ~(uint32_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	uint32_t val = (uint32_t)args[2], val3 = (uint32_t)args[5];
	uint64_t ns = 0;
	error_t error;

	switch (op) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (args[3]) {
			error = read_timespec(args[3], &ns);
			if (error)
				return -error;
			if (ns == 0) /* an expired timeout: just the value check */
				ns = 1;
		}
		error = futex_wait(uaddr, val, ns, op == FUTEX_WAIT_BITSET && args[3],
				   op == FUTEX_WAIT ? ~0u : val3);
		/* without a timeout the wait may simply start again (SA_RESTART, or no handler);
		 * a relative timeout would start over whole, so that one ends with EINTR */
		if (error == EINTR && !args[3])
			return -ERESTARTSYS;
		return -(int64_t)error;
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(uaddr, val, op == FUTEX_WAKE ? ~0u : val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if ((int32_t)val < 0 || (int32_t)args[3] < 0)
			return -EINVAL;
		return futex_requeue(uaddr, val, uaddr2, (uint32_t)args[3], op == FUTEX_CMP_REQUEUE,
				     val3);
	default:
		return -ENOSYS;
	}
}

int64_t sys_exit_group(const uint64_t args[6])
{
	thread_t *self = thread_current();
	int status = (int)((args[0] & 0xff) << 8);

	if (self->process)
		process_kill(self->process->ref_xp, status, self->trdid);
	thread_user_exit(status);
}
