/*
 * sys_signal.c - the signal system calls: masks, actions, pending sets, kill/tgkill/tkill,
 * sigaltstack, rt_sigsuspend, rt_sigreturn (kern/signal.h does the work; docs/signals.md).
 */
#include <hal_remote.h>
#include <hal_uspace.h>
#include <kern/cluster.h>
#include <hal_signal.h>
#include <kern/pgrp.h>
#include <kern/process.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

#define NSIG        SIGNAL_NSIG
#define SIGSET_SIZE SIGNAL_SIGSET_SIZE
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

int64_t sys_rt_sigprocmask(const uint64_t args[6])
{
	thread_t *self = thread_current();
	uint64_t set, old = self->sigmask;

	if (args[3] != SIGSET_SIZE)
		return -EINVAL;
	if (args[1]) {
		if (hal_copy_from_uspace(&set, args[1], sizeof(set)))
			return -EFAULT;
		switch (args[0]) {
		case SIG_BLOCK:
			set = old | set;
			break;
		case SIG_UNBLOCK:
			set = old & ~set;
			break;
		case SIG_SETMASK:
			break;
		default:
			return -EINVAL;
		}
	}
	if (args[2] && hal_copy_to_uspace(args[2], &old, sizeof(old)))
		return -EFAULT;
	if (args[1]) {
		self->sigmask = set & ~SIG_UNBLOCKABLE;
		signal_recheck(self);
	}
	return 0;
}

/* As Linux: the signals pending for the caller (its own and its process's) among those it blocks
 * (the others are delivered). */
int64_t sys_rt_sigpending(const uint64_t args[6])
{
	thread_t *self = thread_current();
	uint64_t set = __atomic_load_n(&self->sigpending, __ATOMIC_ACQUIRE);

	if (self->process)
		set |= hal_remote_l64(PROC_XP(self->process->owner_xp, sig_pending));
	set &= self->sigmask;

	if (args[1] != SIGSET_SIZE)
		return -EINVAL;
	return hal_copy_to_uspace(args[0], &set, sizeof(set)) ? -EFAULT : 0;
}

/* Linux flushes the pending instances of a signal whose action becomes "ignore": those of the
 * process and of the caller (other threads' own ones stay, and are ignored when taken). */
static void flush_ignored(thread_t *self, int sig)
{
	xptr_t owner_xp = self->process->owner_xp;
	xptr_t set_xp = PROC_XP(owner_xp, sig_pending);

	remote_busylock_acquire(PROC_XP(owner_xp, sig_lock));
	hal_remote_s64(set_xp, hal_remote_l64(set_xp) & ~SIG_BIT(sig));
	remote_busylock_release(PROC_XP(owner_xp, sig_lock));
	busylock_acquire(&self->sig_lock);
	__atomic_and_fetch(&self->sigpending, ~SIG_BIT(sig), __ATOMIC_RELEASE);
	busylock_release(&self->sig_lock);
}

int64_t sys_rt_sigaction(const uint64_t args[6])
{
	xptr_t ref = current_ref();
	int sig = (int)args[0];
	struct uabi_sigaction uact;
	k_sigaction_t act, old;
	xptr_t slot;

	if (args[3] != SIGSET_SIZE || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (args[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (ref == XPTR_NULL)
		return -EINVAL;
	if (args[1]) {
		if (hal_copy_from_uspace(&uact, args[1], sizeof(uact)))
			return -EFAULT;
		uabi_sigaction_to_kernel(&uact, &act);
	}
	slot = PROC_XP(ref, sigactions) + (size_t)(sig - 1) * sizeof(k_sigaction_t);
	remote_busylock_acquire(PROC_XP(ref, files_lock));
	hal_remote_memcpy(XPTR(local_cxy, &old), slot, sizeof(old));
	if (args[1])
		hal_remote_memcpy(slot, XPTR(local_cxy, &act), sizeof(act));
	remote_busylock_release(PROC_XP(ref, files_lock));
	if (args[1] && signal_action_of(sig, act.handler) == SIGACT_IGNORE)
		flush_ignored(thread_current(), sig);
	if (args[2]) {
		uabi_sigaction_from_kernel(&old, &uact);
		if (hal_copy_to_uspace(args[2], &uact, sizeof(uact)))
			return -EFAULT;
	}
	return 0;
}

_Static_assert(sizeof(((process_t *)0)->sigactions) == NSIG * sizeof(k_sigaction_t),
	       "process_t.sigactions is rt_sigaction's table");

void signal_reset_on_exec(xptr_t ref_xp)
{
	xptr_t lock = PROC_XP(ref_xp, files_lock);
	xptr_t table = PROC_XP(ref_xp, sigactions);
	k_sigaction_t acts[NSIG]; /* the table in one copy each way, not one per slot */
	bool changed = false;

	remote_busylock_acquire(lock);
	hal_remote_memcpy(XPTR(local_cxy, acts), table, sizeof(acts));
	for (int i = 0; i < NSIG; i++) {
		/* the handler is in the old image: gone; an ignored signal stays ignored */
		uint64_t handler = acts[i].handler == SIG_IGN ? SIG_IGN : SIG_DFL;

		if (acts[i].handler != handler || acts[i].flags || acts[i].mask || acts[i].restorer) {
			acts[i] = (k_sigaction_t){ .handler = handler }; /* no flags, empty mask */
			changed = true;
		}
	}
	if (changed)
		hal_remote_memcpy(table, XPTR(local_cxy, acts), sizeof(acts));
	remote_busylock_release(lock);
	signal_exec_thread(thread_current()); /* no alternate stack in the new image */
}

/*
 * The user thread @tid, of the process @tgid if not 0 (any process otherwise, as tkill), in the
 * table of its cluster whose lock @table_lock the caller holds (which keeps the thread, and its
 * process copy, from going); XPTR_NULL if none. Its process's pid in *@pid.
 */
static xptr_t find_thread_locked(uint32_t tid, pid_t tgid, xptr_t table_lock, pid_t *pid)
{
	cxy_t cxy = GET_CXY(table_lock);
	xptr_t t_xp, proc_xp;
	thread_t *t;

	kassert(remote_busylock_is_held_by_me(table_lock));
	t = hal_remote_lpt(XPTR(cxy, &cluster_manager.threads[tid & 0xffff]));
	if (!t)
		return XPTR_NULL;
	t_xp = XPTR(cxy, t);
	proc_xp = XPTR(cxy, hal_remote_lpt(THREAD_XP(t_xp, process)));
	if (GET_PTR(proc_xp) == NULL || hal_remote_l32(THREAD_XP(t_xp, trdid)) != tid ||
	    hal_remote_l32(THREAD_XP(t_xp, type)) != THREAD_USER)
		return XPTR_NULL;
	*pid = hal_remote_l32(PROC_XP(proc_xp, pid));
	if (tgid && *pid != tgid)
		return XPTR_NULL;
	return t_xp;
}

/* Send @sig to the thread @tid of process @tgid (0: of any process, as tkill; sig 0: just check
 * it exists): SI_TKILL, as Linux's tgkill and tkill, any process's thread. */
static int64_t send_to_thread(uint32_t tid, pid_t tgid, int sig)
{
	cxy_t cxy = (cxy_t)(tid >> 16);
	thread_t *self = thread_current();
	ksiginfo_t info = { .code = SI_TKILL };
	xptr_t lock, t_xp;
	error_t error = 0;
	pid_t pid = 0;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (cxy >= cluster_count() || (tid & 0xffff) >= CONFIG_MAX_THREADS_PER_CLUSTER ||
	    !self->process)
		return -ESRCH;
	info.pid = self->process->pid;
	lock = XPTR(cxy, &cluster_manager.threads_lock);
	remote_busylock_acquire(lock);
	t_xp = find_thread_locked(tid, tgid, lock, &pid);
	/* SIGKILL and SIGCONT act on the whole process: sent without the table lock (they take
	 * locks that rank before it) */
	if (t_xp != XPTR_NULL && sig && sig != SIGKILL && sig != SIGCONT)
		error = signal_send_thread(t_xp, sig, &info);
	remote_busylock_release(lock);
	if (t_xp == XPTR_NULL)
		return -ESRCH;
	if (sig == SIGKILL || sig == SIGCONT)
		error = signal_send_process(pid, sig, &info);
	return -(int64_t)error;
}

int64_t sys_tgkill(const uint64_t args[6])
{
	if ((int32_t)args[0] <= 0 || (int32_t)args[1] <= 0)
		return -EINVAL;
	return send_to_thread((uint32_t)args[1], (pid_t)args[0], (int)args[2]);
}

int64_t sys_tkill(const uint64_t args[6])
{
	if ((int32_t)args[0] <= 0)
		return -EINVAL;
	return send_to_thread((uint32_t)args[0], 0, (int)args[1]);
}

int64_t sys_kill(const uint64_t args[6])
{
	thread_t *self = thread_current();
	int32_t pid = (int32_t)args[0];
	int sig = (int)args[1];
	ksiginfo_t info = { .code = SI_USER };
	pid_t pgid;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!self->process)
		return -ESRCH;
	info.pid = self->process->pid;
	if (pid > 0)
		return -(int64_t)signal_send_process((pid_t)pid, sig, &info);
	if (pid == -1) /* every process but init and the caller */
		return -(int64_t)pgrp_signal(0, 1, self->process->pid, sig, &info);
	if (pid == (int32_t)0x80000000)
		return -ESRCH;
	pgid = pid == 0 ? hal_remote_l32(PROC_XP(self->process->owner_xp, pgid)) :
			  (pid_t)-pid;
	return -(int64_t)pgrp_signal(pgid, 0, 0, sig, &info);
}

int64_t sys_sigaltstack(const uint64_t args[6])
{
	thread_t *self = thread_current();
	bool on = signal_on_altstack(hal_user_sp(), self->altstack_sp, self->altstack_size);
	uabi_stack_t ss, old = { .ss_sp = self->altstack_sp, .ss_size = self->altstack_size,
				 .ss_flags = self->altstack_size == 0 ? SS_DISABLE : on ? SS_ONSTACK : 0 };
	uint32_t flags;

	if (args[0]) {
		if (hal_copy_from_uspace(&ss, args[0], sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM; /* not while running on it */
		flags = (uint32_t)ss.ss_flags & ~SS_AUTODISARM; /* accepted; the stack is never disarmed */
		if (flags != 0 && flags != SS_ONSTACK && flags != SS_DISABLE)
			return -EINVAL;
		if (flags == SS_DISABLE) {
			self->altstack_sp = 0;
			self->altstack_size = 0;
		} else {
			if (ss.ss_size < UABI_MINSIGSTKSZ)
				return -ENOMEM;
			self->altstack_sp = ss.ss_sp;
			self->altstack_size = ss.ss_size;
		}
	}
	if (args[1] && hal_copy_to_uspace(args[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

int64_t sys_rt_sigsuspend(const uint64_t args[6])
{
	thread_t *self = thread_current();
	uint64_t mask;

	if (args[1] != SIGSET_SIZE)
		return -EINVAL;
	if (hal_copy_from_uspace(&mask, args[0], sizeof(mask)))
		return -EFAULT;
	/* the caller's mask comes back when the handler returns (the frame holds it) or, without a
	 * handler, on the way out (signal_deliver) */
	self->sigmask_saved = self->sigmask;
	self->sigmask_restore = 1;
	self->sigmask = mask & ~SIG_UNBLOCKABLE;
	signal_recheck(self);
	while (!thread_interrupted(self, THREAD_WAIT_SIGNAL))
		thread_sleep_ns(1000ULL * 1000 * 1000 * 1000); /* ended early by the signal */
	return -EINTR;
}

int64_t sys_rt_sigreturn(const uint64_t args[6])
{
	(void)args;
	return signal_sigreturn();
}
