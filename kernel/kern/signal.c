/*
 * signal.c - sending, taking and waiting for signals (see signal.h, docs/signals.md).
 *
 * Locks: a cluster's processes_lock (class process_state) keeps an owner process_t alive while a
 * sender uses it (a hold, process_hold_owner_locked, when the work must go on without the lock);
 * a cluster's threads_lock (class thread) keeps the threads of its table alive, each
 * naming a live process copy (thread_leave_process); thread_t.sig_lock and the owner's sig_lock
 * (class signal) protect the pending sets and their siginfo. They nest in that order only, and
 * never two signal locks at once. Nothing that may block (process_kill, an RPC) runs under them.
 */
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_signal.h>
#include <hal_special.h>
#include <hal_uabi.h>
#include <kern/cluster.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/vmm.h>

#define THR_XP(t, f)  THREAD_XP(t, f)
#define ACTION_XP(ref, sig) (PROC_XP(ref, sigactions) + (size_t)((sig) - 1) * sizeof(k_sigaction_t))

/* ---- interruptible waits ---- */

void thread_wait_begin(thread_t *self, uint32_t mode)
{
	__atomic_store_n(&self->intr_wait, mode, __ATOMIC_SEQ_CST);
}

void thread_wait_end(thread_t *self)
{
	/* An interrupter that claimed the wait (BUSY) is unblocking us: let it finish first, so that
	 * neither its unblock nor its final PLAIN can land on our next wait. (Taking BUSY over with
	 * PLAIN, as this loop once did, let a slow interrupter's PLAIN turn the next wait into one no
	 * signal ends: the lost wake-up of a shell's `wait`, found by waitstress.) */
	for (;;) {
		uint32_t mode = __atomic_load_n(&self->intr_wait, __ATOMIC_ACQUIRE);

		if (mode == THREAD_WAIT_PLAIN)
			return;
		if (mode == THREAD_WAIT_BUSY) {
			hal_cpu_relax(); /* the interrupter runs with IRQs off: a few instructions */
			continue;
		}
		if (__atomic_compare_exchange_n(&self->intr_wait, &mode, THREAD_WAIT_PLAIN, false,
						__ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
			return;
	}
}

/* The deliverable signals of @self (not blocked), from its own set and its process's. */
static uint64_t deliverable(thread_t *self)
{
	uint64_t set = __atomic_load_n(&self->sigpending, __ATOMIC_ACQUIRE);

	if (self->process)
		set |= hal_remote_l64(PROC_XP(self->process->owner_xp, sig_pending));
	return set & ~(self->sigmask & ~SIG_UNBLOCKABLE);
}

bool thread_interrupted(thread_t *self, uint32_t mode)
{
	hal_fence(); /* our wait is announced and our blocked bits set before we look */
	if (__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE))
		return true;
	return mode == THREAD_WAIT_SIGNAL && self->type == THREAD_USER && deliverable(self) != 0;
}

void thread_interrupt(xptr_t thread_xp, bool kill)
{
	xptr_t mode_xp = THR_XP(thread_xp, intr_wait);
	/* The waiter spins in thread_wait_end while we hold BUSY: never be preempted meanwhile. */
	irqstate_t irq = hal_disable_irq();

	hal_fence(); /* the signal or the kill is recorded before we look at the wait */
	if (hal_remote_atomic_cas32(mode_xp, THREAD_WAIT_SIGNAL, THREAD_WAIT_BUSY) ||
	    (kill && hal_remote_atomic_cas32(mode_xp, THREAD_WAIT_KILL, THREAD_WAIT_BUSY))) {
		thread_unblock(thread_xp, THREAD_BLOCKED_WAITQ | THREAD_BLOCKED_SLEEP);
		hal_remote_s32(mode_xp, THREAD_WAIT_PLAIN);
	}
	hal_restore_irq(irq);
}

/* ---- processes ---- */

void signal_owner_init(process_t *p)
{
	busylock_init(&p->sig_lock, "process.signal", LOCK_SIGNAL);
	p->sig_pending = 0;
	p->pgid = p->pid;
	p->sid = p->pid;
	p->jobctl_stopped = 0;
	p->jobctl_status = 0;
	p->jobctl_pending = 0;
	p->jobctl_cont_gen = 0;
}

void signal_fork_copy(xptr_t parent_owner_xp, process_t *child_owner)
{
	xptr_t lock = PROC_XP(parent_owner_xp, sig_lock);
	xptr_t parent_ref = hal_remote_lxp(PROC_XP(parent_owner_xp, ref_xp));

	remote_busylock_acquire(lock);
	child_owner->pgid = hal_remote_l32(PROC_XP(parent_owner_xp, pgid));
	child_owner->sid = hal_remote_l32(PROC_XP(parent_owner_xp, sid));
	remote_busylock_release(lock);
	remote_busylock_acquire(PROC_XP(parent_ref, files_lock));
	hal_remote_memcpy(XPTR(local_cxy, child_owner->sigactions), PROC_XP(parent_ref, sigactions),
			  sizeof(child_owner->sigactions));
	remote_busylock_release(PROC_XP(parent_ref, files_lock));
}

void signal_exec_thread(thread_t *self)
{
	self->altstack_sp = 0;
	self->altstack_size = 0;
}

xptr_t signal_owner_lock(pid_t pid, xptr_t *lock_xp)
{
	cxy_t cxy = PID_CXY(pid);
	uint32_t lpid = PID_LPID(pid);
	process_t *p;

	if (cxy >= cluster_count() || lpid == 0 || lpid >= CONFIG_MAX_PROCESSES_PER_CLUSTER)
		return XPTR_NULL;
	*lock_xp = XPTR(cxy, &cluster_manager.processes_lock);
	remote_busylock_acquire(*lock_xp);
	p = hal_remote_lpt(XPTR(cxy, &cluster_manager.owned[lpid]));
	if (p && hal_remote_l32(XPTR(cxy, &p->pid)) == pid)
		return XPTR(cxy, p);
	remote_busylock_release(*lock_xp);
	return XPTR_NULL;
}

/* The handler of @sig in the process whose reference is @ref_xp, read without its lock (one
 * aligned word: a racing rt_sigaction gives the old or the new one). */
static uint64_t handler_of(xptr_t ref_xp, int sig)
{
	return hal_remote_l64(XPTR_FIELD(ACTION_XP(ref_xp, sig), k_sigaction_t, handler));
}

bool signal_ignored_or_blocked(thread_t *self, int sig)
{
	if (self->sigmask & SIG_BIT(sig))
		return true;
	return self->process && handler_of(self->process->ref_xp, sig) == SIG_IGN;
}

/* The whole action of @sig, under the reference's files_lock. */
static void action_of(xptr_t ref_xp, int sig, k_sigaction_t *act)
{
	remote_busylock_acquire(PROC_XP(ref_xp, files_lock));
	hal_remote_memcpy(XPTR(local_cxy, act), ACTION_XP(ref_xp, sig), sizeof(*act));
	remote_busylock_release(PROC_XP(ref_xp, files_lock));
}

/*
 * Make @sig pending in the set @set_xp whose siginfo table is @infos_xp (caller holds their lock),
 * after discarding what @sig discards. A signal already pending keeps its first siginfo.
 */
static void add_pending(xptr_t set_xp, xptr_t infos_xp, int sig, const ksiginfo_t *info)
{
	uint64_t set = hal_remote_l64(set_xp) & ~signal_discards(sig);
	ksiginfo_t none = { .code = SI_KERNEL };

	if (!(set & SIG_BIT(sig)))
		hal_remote_memcpy(infos_xp + (size_t)(sig - 1) * sizeof(ksiginfo_t),
				  XPTR(local_cxy, (void *)(info ? info : &none)), sizeof(ksiginfo_t));
	hal_fence(); /* the siginfo before the bit: a lock-free reader of the set may act on it */
	hal_remote_s64(set_xp, set | SIG_BIT(sig));
}

/* Remove the bits @bits from the set @set_xp (caller holds its lock). */
static void drop_pending(xptr_t set_xp, uint64_t bits)
{
	hal_remote_s64(set_xp, hal_remote_l64(set_xp) & ~bits);
}

/*
 * Call @fn(thread, @arg) on every user thread of process @pid in every cluster, under that
 * cluster's thread table lock, until it returns true. Returns true if it did.
 */
static bool for_each_thread(pid_t pid, bool (*fn)(xptr_t t_xp, void *arg), void *arg)
{
	for (cxy_t cxy = 0; cxy < cluster_count(); cxy++) {
		xptr_t lock = XPTR(cxy, &cluster_manager.threads_lock);
		bool done = false;

		remote_busylock_acquire(lock);
		for (uint32_t i = 0; i < CONFIG_MAX_THREADS_PER_CLUSTER && !done; i++) {
			thread_t *t = hal_remote_lpt(XPTR(cxy, &cluster_manager.threads[i]));
			process_t *p;
			if (!t)
				continue;
			p = hal_remote_lpt(XPTR(cxy, &t->process));
			if (p && hal_remote_l32(XPTR(cxy, &t->type)) == THREAD_USER &&
			    hal_remote_l32(XPTR(cxy, &p->pid)) == pid)
				done = fn(XPTR(cxy, t), arg);
		}
		remote_busylock_release(lock);
		if (done)
			return true;
	}
	return false;
}

/* Wake the thread @t_xp so that it takes its signals: out of an interruptible wait, and into the
 * kernel at once if it runs user code on another core. */
static void kick(xptr_t t_xp)
{
	thread_post_work(t_xp, THREAD_WORK_SIGNAL);
	thread_interrupt(t_xp, false);
	sched_kick(GET_CXY(t_xp), (lid_t)hal_remote_l32(THR_XP(t_xp, lid)));
}

/* for_each_thread for a signal sent to a process: the first thread that does not block it is
 * kicked; every other one is told to look at its signals, since any of them may take it (one
 * that unblocks it later looks again by itself). */
typedef struct kick_job_s {
	int  sig;
	bool kicked;
} kick_job_t;

static bool kick_one_unblocking(xptr_t t_xp, void *arg)
{
	kick_job_t *job = arg;

	/* the pending bit before the mask: a thread unblocking the signal (sigsuspend) stores its
	 * mask, then looks at the pending set behind a fence; without ours, each could miss the
	 * other's store and the wake-up would be lost */
	hal_fence();
	if (job->kicked || ((hal_remote_l64(THR_XP(t_xp, sigmask)) & SIG_BIT(job->sig)) &&
			    !(SIG_BIT(job->sig) & SIG_UNBLOCKABLE))) {
		thread_post_work(t_xp, THREAD_WORK_SIGNAL);
		return false;
	}
	kick(t_xp);
	job->kicked = true;
	return false;
}

static bool kick_all(xptr_t t_xp, void *arg)
{
	(void)arg;
	kick(t_xp);
	return false;
}

/* for_each_thread for SIGCONT, first step: no stop pending in the thread's own set. */
static bool drop_thread_stops(xptr_t t_xp, void *arg)
{
	(void)arg;
	remote_busylock_acquire(THR_XP(t_xp, sig_lock));
	drop_pending(THR_XP(t_xp, sigpending), SIG_STOPS);
	remote_busylock_release(THR_XP(t_xp, sig_lock));
	return false;
}

/* for_each_thread for SIGCONT, last step: out of the stop. */
static bool unstop_thread(xptr_t t_xp, void *arg)
{
	(void)arg;
	thread_unblock(t_xp, THREAD_BLOCKED_STOPPED);
	return false;
}

/*
 * SIGCONT sent to the process @pid whose owner is @owner_xp (its processes_lock held): stops
 * pending are discarded and a stopped process continues. Returns true if it was stopped.
 *
 * The order closes the race with a thread taking a stop (docs/signals.md, "The SIGCONT race"):
 * the threads' own sets are emptied of stops first, each under its lock; then, under the owner's
 * lock, the process's set is and the continue generation moves on. A stop taken before either
 * discard saw the older generation (read under the lock it was taken under) and do_stop, under
 * the owner's lock, voids it once the generation has moved; one taken after was sent after.
 */
static bool do_continue(pid_t pid, xptr_t owner_xp)
{
	xptr_t lock = PROC_XP(owner_xp, sig_lock);
	bool was_stopped;

	kassert(remote_busylock_is_held_by_me(XPTR(GET_CXY(owner_xp), &cluster_manager.processes_lock)));
	for_each_thread(pid, drop_thread_stops, NULL);
	remote_busylock_acquire(lock);
	drop_pending(PROC_XP(owner_xp, sig_pending), SIG_STOPS);
	hal_remote_s32(PROC_XP(owner_xp, jobctl_cont_gen),
		       hal_remote_l32(PROC_XP(owner_xp, jobctl_cont_gen)) + 1);
	was_stopped = hal_remote_l32(PROC_XP(owner_xp, jobctl_stopped)) != 0;
	if (was_stopped) {
		hal_remote_s32(PROC_XP(owner_xp, jobctl_stopped), 0);
		hal_remote_s32(PROC_XP(owner_xp, jobctl_status), 0xffff);
		hal_remote_s32(PROC_XP(owner_xp, jobctl_pending), 1);
	}
	remote_busylock_release(lock);
	for_each_thread(pid, unstop_thread, NULL);
	return was_stopped;
}

error_t signal_send_process(pid_t pid, int sig, const ksiginfo_t *info)
{
	xptr_t plock, owner_xp, ref_xp;
	bool notify = false;

	if (sig < 0 || sig > SIGNAL_NSIG)
		return EINVAL;
	owner_xp = signal_owner_lock(pid, &plock);
	if (owner_xp == XPTR_NULL)
		return ESRCH;
	ref_xp = hal_remote_lxp(PROC_XP(owner_xp, ref_xp));
	if (sig == 0 || hal_remote_l32(PROC_XP(owner_xp, dying))) {
		remote_busylock_release(plock); /* it exists (an ending process still does) */
		return 0;
	}
	if (sig == SIGKILL) {
		/* Held, it cannot be released while the kill runs without the table's lock. */
		process_hold_owner_locked(owner_xp);
		remote_busylock_release(plock);
		process_kill(ref_xp, SIGKILL, 0); /* every thread, the sender's included */
		process_put_owner(owner_xp);
		return 0;
	}
	if (sig == SIGCONT)
		notify = do_continue(pid, owner_xp);
	if (signal_action_of(sig, handler_of(ref_xp, sig)) != SIGACT_IGNORE &&
	    !(sig == SIGCONT && signal_action_of(sig, handler_of(ref_xp, sig)) == SIGACT_CONT)) {
		remote_busylock_acquire(PROC_XP(owner_xp, sig_lock));
		add_pending(PROC_XP(owner_xp, sig_pending), PROC_XP(owner_xp, sig_info), sig, info);
		remote_busylock_release(PROC_XP(owner_xp, sig_lock));
		kick_job_t job = { .sig = sig, .kicked = false };
		for_each_thread(pid, kick_one_unblocking, &job);
	}
	if (notify)
		process_hold_owner_locked(owner_xp);
	remote_busylock_release(plock);
	if (notify) {
		process_child_event(owner_xp);
		process_put_owner(owner_xp);
	}
	return 0;
}

/* The overrun of a pending SI_TIMER signal of timer @timerid in @set/@infos (its lock held). */
static bool merge_timer(xptr_t set, xptr_t infos, int sig, int32_t timerid, int32_t expiries)
{
	xptr_t info = infos + (size_t)(sig - 1) * sizeof(ksiginfo_t);
	int32_t overrun;

	if (!(hal_remote_l64(set) & SIG_BIT(sig)) ||
	    (int32_t)hal_remote_l32(XPTR_FIELD(info, ksiginfo_t, code)) != SI_TIMER ||
	    (int32_t)hal_remote_l32(XPTR_FIELD(info, ksiginfo_t, timerid)) != timerid)
		return false;
	overrun = (int32_t)hal_remote_l32(XPTR_FIELD(info, ksiginfo_t, overrun));
	/* Linux caps it at DELAYTIMER_MAX (INT_MAX) */
	overrun = overrun > INT32_MAX - expiries ? INT32_MAX : overrun + expiries;
	hal_remote_s32(XPTR_FIELD(info, ksiginfo_t, overrun), (uint32_t)overrun);
	return true;
}

bool signal_timer_overrun(pid_t pid, xptr_t thread_xp, int sig, int32_t timerid, int32_t expiries)
{
	xptr_t plock, owner_xp;
	bool merged;

	if (thread_xp != XPTR_NULL) {
		remote_busylock_acquire(THR_XP(thread_xp, sig_lock));
		merged = merge_timer(THR_XP(thread_xp, sigpending), THR_XP(thread_xp, siginfo), sig,
				     timerid, expiries);
		remote_busylock_release(THR_XP(thread_xp, sig_lock));
		return merged;
	}
	owner_xp = signal_owner_lock(pid, &plock);
	if (owner_xp == XPTR_NULL)
		return false;
	remote_busylock_acquire(PROC_XP(owner_xp, sig_lock));
	merged = merge_timer(PROC_XP(owner_xp, sig_pending), PROC_XP(owner_xp, sig_info), sig, timerid,
			     expiries);
	remote_busylock_release(PROC_XP(owner_xp, sig_lock));
	remote_busylock_release(plock);
	return merged;
}

error_t signal_send_thread(xptr_t thread_xp, int sig, const ksiginfo_t *info)
{
	cxy_t cxy = GET_CXY(thread_xp);
	process_t *copy = hal_remote_lpt(THR_XP(thread_xp, process));
	xptr_t ref_xp;
	uint64_t mask;

	if (!signal_valid(sig) || copy == NULL)
		return EINVAL;
	if (sig == SIGKILL || sig == SIGCONT) /* they act on the whole process */
		return signal_send_process(hal_remote_l32(XPTR(cxy, &copy->pid)), sig, info);
	ref_xp = hal_remote_lxp(XPTR(cxy, &copy->ref_xp));
	mask = hal_remote_l64(THR_XP(thread_xp, sigmask));
	if (signal_action_of(sig, handler_of(ref_xp, sig)) == SIGACT_IGNORE && !(mask & SIG_BIT(sig)))
		return 0; /* as Linux: an ignored signal is dropped unless blocked */
	remote_busylock_acquire(THR_XP(thread_xp, sig_lock));
	add_pending(THR_XP(thread_xp, sigpending), THR_XP(thread_xp, siginfo), sig, info);
	remote_busylock_release(THR_XP(thread_xp, sig_lock));
	thread_post_work(thread_xp, THREAD_WORK_SIGNAL); /* blocked: for when it is unblocked */
	hal_fence(); /* as kick_one_unblocking: the mask read again after the pending bit is out */
	mask = hal_remote_l64(THR_XP(thread_xp, sigmask));
	if (!(mask & SIG_BIT(sig)) || (SIG_BIT(sig) & SIG_UNBLOCKABLE))
		kick(thread_xp);
	return 0;
}

/* ---- taking ---- */

/* Take the signal to deliver to @self, with its siginfo in *@info and the process's continue
 * generation in *@cont_gen, read under the lock the signal was taken under; 0 if none. */
static int dequeue(thread_t *self, ksiginfo_t *info, uint32_t *cont_gen)
{
	xptr_t owner_xp = self->process->owner_xp;

	for (;;) {
		uint64_t tp = __atomic_load_n(&self->sigpending, __ATOMIC_ACQUIRE);
		uint64_t pp = hal_remote_l64(PROC_XP(owner_xp, sig_pending));
		bool from_process;
		int sig = signal_pick(tp, pp, self->sigmask, &from_process);
		xptr_t lock = from_process ? PROC_XP(owner_xp, sig_lock) : XPTR(local_cxy, &self->sig_lock);
		xptr_t set = from_process ? PROC_XP(owner_xp, sig_pending) :
					    XPTR(local_cxy, &self->sigpending);
		xptr_t infos = from_process ? PROC_XP(owner_xp, sig_info) : XPTR(local_cxy, self->siginfo);
		bool taken;

		if (!sig)
			return 0;
		remote_busylock_acquire(lock);
		taken = (hal_remote_l64(set) & SIG_BIT(sig)) != 0;
		if (taken) { /* no other thread took it meanwhile */
			hal_remote_memcpy(XPTR(local_cxy, info),
					  infos + (size_t)(sig - 1) * sizeof(ksiginfo_t), sizeof(*info));
			drop_pending(set, SIG_BIT(sig));
			/* a SIGCONT that did not find this stop in the set moves it on after */
			*cont_gen = hal_remote_l32(PROC_XP(owner_xp, jobctl_cont_gen));
		}
		remote_busylock_release(lock);
		if (taken)
			return sig;
	}
}

/* The end of the process of @self by signal @sig (default action, or a forced one). */
static _Noreturn void die(thread_t *self, int sig, bool core)
{
	int status = sig | (core ? 0x80 : 0);

	process_kill(self->process->ref_xp, status, self->trdid);
	thread_user_exit(status);
}

/* Stop signal @sig taken by @self under continue generation @cont_gen: the process stops (every
 * thread at its next return to user mode, those in interruptible waits woken for it), its parent
 * is told; unless a SIGCONT came since it was taken (it would have discarded it: the stop is void). */
static void do_stop(thread_t *self, int sig, uint32_t cont_gen)
{
	xptr_t owner_xp = self->process->owner_xp;
	xptr_t lock = PROC_XP(owner_xp, sig_lock);
	bool now = false;

	remote_busylock_acquire(lock);
	if (hal_remote_l32(PROC_XP(owner_xp, jobctl_cont_gen)) != cont_gen) {
		remote_busylock_release(lock);
		return;
	}
	drop_pending(PROC_XP(owner_xp, sig_pending), SIG_BIT(SIGCONT));
	if (!hal_remote_l32(PROC_XP(owner_xp, jobctl_stopped))) {
		hal_remote_s32(PROC_XP(owner_xp, jobctl_stopped), 1);
		hal_remote_s32(PROC_XP(owner_xp, jobctl_status), 0x7f | (sig << 8));
		hal_remote_s32(PROC_XP(owner_xp, jobctl_pending), 1);
		now = true;
	}
	remote_busylock_release(lock);
	if (now) {
		pr_debug("process %x stopped by signal %d", self->process->pid, sig);
		for_each_thread(self->process->pid, kick_all, NULL);
		process_child_event(owner_xp);
	}
}

/* @self waits while its process is stopped (SIGCONT or a kill ends the wait). */
static void stay_stopped(thread_t *self)
{
	xptr_t self_xp = XPTR(local_cxy, self);
	xptr_t stopped = PROC_XP(self->process->owner_xp, jobctl_stopped);

	while (hal_remote_l32(stopped) && !__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE)) {
		thread_block(self_xp, THREAD_BLOCKED_STOPPED);
		hal_fence(); /* SIGCONT clears the flag, then the bit: one of us sees the other */
		if (!hal_remote_l32(stopped) || __atomic_load_n(&self->killed, __ATOMIC_ACQUIRE))
			thread_unblock(self_xp, THREAD_BLOCKED_STOPPED);
		sched_yield();
	}
}

/* Linux's siginfo_t of @sig from the kernel's record. */
static void fill_siginfo(linux_siginfo_t *si, int sig, const ksiginfo_t *info)
{
	memset(si, 0, sizeof(*si));
	si->signo = sig;
	si->code = info->code;
	if (info->code == SI_USER || info->code == SI_TKILL) {
		si->u.kill.pid = info->pid;
	} else if (info->code == SI_TIMER) {
		si->u.timer.tid = info->timerid;
		si->u.timer.overrun = info->overrun;
		si->u.timer.value = info->value;
	} else if (sig == SIGCHLD && info->code > 0) { /* CLD_*: a child's end, stop or continue */
		si->u.chld.pid = info->pid;
		si->u.chld.status = info->status;
	} else if (info->code > 0 && info->code != SI_KERNEL) {
		si->u.addr = info->addr;
	}
}

/* Run the handler @act of @sig for @self: frame on its stack (or alternate stack), new mask.
 * false if the frame could not be written. */
static bool run_handler(thread_t *self, int sig, const ksiginfo_t *info, const k_sigaction_t *act)
{
	uintptr_t user_sp = hal_user_sp(), sp = user_sp, restorer;
	bool on_alt = signal_on_altstack(user_sp, self->altstack_sp, self->altstack_size);
	linux_siginfo_t si;
	hal_sigframe_t frame = {
		.siginfo = &si,
		.mask = self->sigmask_restore ? self->sigmask_saved : self->sigmask,
		.ss_sp = self->altstack_sp,
		.ss_flags = self->altstack_size == 0 ? SS_DISABLE : on_alt ? SS_ONSTACK : 0,
		.ss_size = self->altstack_size,
	};

	if (self->sig_restart) { /* the interrupted call: again after the handler, or EINTR */
		self->sig_restart = 0;
		if (act->flags & SA_RESTART)
			hal_user_syscall_restart(self->sig_restart_arg0);
	}
	if ((act->flags & SA_ONSTACK) && self->altstack_size != 0 && !on_alt)
		sp = self->altstack_sp + self->altstack_size;
	fill_siginfo(&si, sig, info);
	/* the handler returns to the user's restorer where the ABI has one (x86_64's glibc always sets
	 * it), else to the kernel's trampoline page */
	restorer = (act->flags & UABI_SA_RESTORER) ? act->restorer : CONFIG_VMM_SIGTRAMP_BASE;
	if (hal_signal_frame_push(sp, &frame, act->handler, sig, restorer))
		return false;
	self->sigmask_restore = 0;
	self->sigmask = signal_handler_mask(self->sigmask, act->mask, act->flags, sig);
	if (act->flags & SA_RESETHAND) {
		xptr_t ref_xp = self->process->ref_xp;
		k_sigaction_t dfl = { 0 };
		remote_busylock_acquire(PROC_XP(ref_xp, files_lock));
		if (hal_remote_l64(ACTION_XP(ref_xp, sig)) == act->handler)
			hal_remote_memcpy(ACTION_XP(ref_xp, sig), XPTR(local_cxy, &dfl), sizeof(dfl));
		remote_busylock_release(PROC_XP(ref_xp, files_lock));
	}
	return true;
}

/* True if @self may have something to do on its way back to user mode. */
static bool work_pending(thread_t *self)
{
	return deliverable(self) != 0 || self->sig_restart || self->sigmask_restore ||
	       hal_remote_l32(PROC_XP(self->process->owner_xp, jobctl_stopped));
}

/* The work of signal_deliver, out of line: the common return to user mode, with nothing to do,
 * then saves no register. */
static __attribute__((noinline)) void deliver_work(thread_t *self)
{
	ksiginfo_t info;
	k_sigaction_t act;
	uint32_t cont_gen = 0;
	int sig;

	hal_enable_irq();
	for (;;) {
		if (__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE))
			thread_user_exit(self->kill_status);
		if (hal_remote_l32(PROC_XP(self->process->owner_xp, jobctl_stopped))) {
			stay_stopped(self);
			continue;
		}
		sig = dequeue(self, &info, &cont_gen);
		if (!sig)
			break;
		action_of(self->process->ref_xp, sig, &act);
		switch (signal_action_of(sig, act.handler)) {
		case SIGACT_HANDLER:
			if (!run_handler(self, sig, &info, &act)) {
				/* A kill that came meanwhile ends the thread as a kill, not as
				 * SIGSEGV: a killed thread's fault may fail for want of nothing
				 * but time (a fetch, the OOM wait, the address space already
				 * going), and its process's end must be the kill's (the fuzzer's
				 * "no room for the frame": a worker swept by SIGKILL). */
				if (__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE))
					continue;
				pr_info("thread %x (%s): killed by signal %d: no room for the frame of "
					"signal %d (user stack pointer %lx, alternate stack %lx size %lx, flags %lx)",
					self->trdid, self->name, SIGSEGV, sig, (unsigned long)hal_user_sp(),
					(unsigned long)self->altstack_sp,
					(unsigned long)self->altstack_size, (unsigned long)act.flags);
				die(self, SIGSEGV, true);
			}
			break;
		case SIGACT_TERM:
		case SIGACT_CORE:
			/* an ordinary end (^C, kill): the shell reports it; loglevel=7 logs it */
			pr_debug("thread %x (%s): process %x killed by signal %d", self->trdid,
				 self->name, self->process->pid, sig);
			die(self, sig, signal_action_of(sig, act.handler) == SIGACT_CORE);
		case SIGACT_STOP:
			do_stop(self, sig, cont_gen);
			break;
		case SIGACT_IGNORE:
		case SIGACT_CONT:
			break;
		}
	}
	/* no handler (left) for the interrupted call: it goes on as if nothing happened */
	if (self->sig_restart) {
		self->sig_restart = 0;
		hal_user_syscall_restart(self->sig_restart_arg0);
	}
	if (self->sigmask_restore) {
		self->sigmask_restore = 0;
		self->sigmask = self->sigmask_saved;
		signal_recheck(self); /* what the restored mask lets through: at this return */
	}
	hal_disable_irq();
}

void signal_recheck(thread_t *self)
{
	__atomic_fetch_or(&self->work, THREAD_WORK_SIGNAL, __ATOMIC_RELAXED);
}

void signal_deliver(void)
{
	thread_t *self = thread_current();

	if (self->type == THREAD_USER && self->process && work_pending(self))
		deliver_work(self);
}

void signal_fault(int sig, int si_code, uintptr_t addr)
{
	thread_t *self = thread_current();
	ksiginfo_t info = { .code = si_code, .addr = addr };
	k_sigaction_t act;

	if (self->process)
		action_of(self->process->ref_xp, sig, &act);
	if (!self->process || (self->sigmask & SIG_BIT(sig)) ||
	    signal_action_of(sig, act.handler) != SIGACT_HANDLER) {
		/* as Linux's force_sig: blocked or ignored, the default action still happens */
		pr_info("thread %x (%s): killed by signal %d: exception at pc %lx, address %lx, code %d"
			" (fault error %d)", self->trdid, self->name, sig, hal_user_return_pc(), addr,
			si_code, self->fault_error);
		if (!self->process)
			thread_user_exit(sig);
		die(self, sig, true);
	}
	busylock_acquire(&self->sig_lock);
	add_pending(XPTR(local_cxy, &self->sigpending), XPTR(local_cxy, self->siginfo), sig, &info);
	busylock_release(&self->sig_lock);
	signal_recheck(self);
}

int64_t signal_sigreturn(void)
{
	thread_t *self = thread_current();
	uintptr_t ss_sp;
	uint32_t ss_flags;
	size_t ss_size;
	uint64_t mask, result;
	error_t error;

	result = hal_signal_frame_pop(&mask, &ss_sp, &ss_flags, &ss_size, &error);
	if (error) {
		pr_info("thread %x (%s): killed by signal %d: bad signal frame at %lx", self->trdid,
			self->name, SIGSEGV, hal_user_sp());
		if (!self->process)
			thread_user_exit(SIGSEGV);
		die(self, SIGSEGV, true);
	}
	self->sigmask = mask & ~SIG_UNBLOCKABLE;
	self->sig_restart = 0;
	self->sigmask_restore = 0;
	signal_recheck(self);
	/* the alternate stack as the frame says, if that is a valid one (Linux ignores errors) */
	if (!signal_on_altstack(hal_user_sp(), self->altstack_sp, self->altstack_size)) {
		if (ss_flags == SS_DISABLE) {
			self->altstack_sp = 0;
			self->altstack_size = 0;
		} else if ((ss_flags & ~(uint32_t)SS_AUTODISARM) == 0 && ss_size >= UABI_MINSIGSTKSZ) {
			self->altstack_sp = ss_sp;
			self->altstack_size = ss_size;
		}
	}
	return (int64_t)result;
}
