/*
 * sys_signal.c - the signal calls' bookkeeping: masks, actions, and pending signals recorded by
 * tgkill/tkill. Delivery to handlers, default actions and signal frames come with the process life
 * cycle; until then a signal sent to a thread stays pending (visible to the kernel and its tests).
 */
#include <hal_remote.h>
#include <hal_uspace.h>
#include <kern/cluster.h>
#include <kern/process.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

#define NSIG        64
#define SIGKILL     9
#define SIGSTOP     19
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIGSET_SIZE 8
#define UNBLOCKABLE ((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)))

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
	if (args[1])
		self->sigmask = set & ~UNBLOCKABLE;
	return 0;
}

/* As Linux: the signals pending for the caller among those it blocks (the others are delivered). */
int64_t sys_rt_sigpending(const uint64_t args[6])
{
	thread_t *self = thread_current();
	uint64_t set = __atomic_load_n(&self->sigpending, __ATOMIC_ACQUIRE) & self->sigmask;

	if (args[1] != SIGSET_SIZE)
		return -EINVAL;
	return hal_copy_to_uspace(args[0], &set, sizeof(set)) ? -EFAULT : 0;
}

/* struct sigaction of riscv64 (no restorer): handler, flags, mask. */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t mask;
};

int64_t sys_rt_sigaction(const uint64_t args[6])
{
	xptr_t ref = current_ref();
	int sig = (int)args[0];
	struct k_sigaction act, old;
	xptr_t slot;

	if (args[3] != SIGSET_SIZE || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (args[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (ref == XPTR_NULL)
		return -EINVAL;
	if (args[1] && hal_copy_from_uspace(&act, args[1], sizeof(act)))
		return -EFAULT;
	slot = ref + offsetof(process_t, sigactions) + (size_t)(sig - 1) * sizeof(struct k_sigaction);
	remote_busylock_acquire(ref + offsetof(process_t, files_lock));
	hal_remote_memcpy(XPTR(local_cxy, &old), slot, sizeof(old));
	if (args[1])
		hal_remote_memcpy(slot, XPTR(local_cxy, &act), sizeof(act));
	remote_busylock_release(ref + offsetof(process_t, files_lock));
	if (args[2] && hal_copy_to_uspace(args[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

#define SIG_IGN 1
_Static_assert(sizeof(((process_t *)0)->sigactions) == NSIG * sizeof(struct k_sigaction),
	       "process_t.sigactions is rt_sigaction's table");

void signal_reset_on_exec(xptr_t ref_xp)
{
	xptr_t lock = ref_xp + offsetof(process_t, files_lock);
	xptr_t table = ref_xp + offsetof(process_t, sigactions);

	remote_busylock_acquire(lock);
	for (int i = 0; i < NSIG; i++) {
		xptr_t slot = table + (size_t)i * sizeof(struct k_sigaction);
		struct k_sigaction act = { 0 }; /* SIG_DFL, no flags, empty mask */

		/* the handler is in the old image: gone; an ignored signal stays ignored */
		if (hal_remote_l64(slot + offsetof(struct k_sigaction, handler)) == SIG_IGN)
			act.handler = SIG_IGN;
		hal_remote_memcpy(slot, XPTR(local_cxy, &act), sizeof(act));
	}
	remote_busylock_release(lock);
}

/*
 * The thread @tid of the calling process, in the table of its cluster whose lock @table_lock the
 * caller holds (which keeps the thread, and its process copy, from going); XPTR_NULL if none.
 */
static xptr_t find_thread_locked(uint32_t tid, xptr_t table_lock)
{
	cxy_t cxy = GET_CXY(table_lock);
	xptr_t t_xp, proc_xp;
	thread_t *t;

	t = hal_remote_lpt(XPTR(cxy, &cluster_manager.threads[tid & 0xffff]));
	if (!t)
		return XPTR_NULL;
	t_xp = XPTR(cxy, t);
	proc_xp = XPTR(cxy, hal_remote_lpt(t_xp + offsetof(thread_t, process)));
	if (GET_PTR(proc_xp) == NULL || hal_remote_l32(t_xp + offsetof(thread_t, trdid)) != tid ||
	    hal_remote_l32(proc_xp + offsetof(process_t, pid)) != thread_current()->process->pid)
		return XPTR_NULL;
	return t_xp;
}

/* Record @sig pending for thread @tid of the calling process (0: just check it exists). */
static int64_t send_to_thread(uint32_t tid, int sig)
{
	cxy_t cxy = (cxy_t)(tid >> 16);
	xptr_t lock, t_xp;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (cxy >= cluster_count() || (tid & 0xffff) >= CONFIG_MAX_THREADS_PER_CLUSTER ||
	    !thread_current()->process)
		return -ESRCH;
	lock = XPTR(cxy, &cluster_manager.threads_lock);
	remote_busylock_acquire(lock);
	t_xp = find_thread_locked(tid, lock);
	if (t_xp != XPTR_NULL && sig) {
		xptr_t pending = t_xp + offsetof(thread_t, sigpending);
		uint64_t old;
		do
			old = hal_remote_l64(pending);
		while (!hal_remote_atomic_cas64(pending, old, old | (1ULL << (sig - 1))));
	}
	remote_busylock_release(lock);
	return t_xp == XPTR_NULL ? -ESRCH : 0;
}

int64_t sys_tgkill(const uint64_t args[6])
{
	thread_t *self = thread_current();

	if ((int64_t)args[0] <= 0 || (int64_t)args[1] <= 0)
		return -EINVAL;
	if (!self->process || (uint32_t)args[0] != self->process->pid)
		return -ESRCH;
	return send_to_thread((uint32_t)args[1], (int)args[2]);
}

int64_t sys_tkill(const uint64_t args[6])
{
	if ((int64_t)args[0] <= 0)
		return -EINVAL;
	return send_to_thread((uint32_t)args[0], (int)args[1]);
}
