/*
 * ptimer.c - the timers of a process (see ptimer.h).
 *
 * The table and the timers are kmem objects of the owner cluster; the owner's ptimers_xp points
 * at the table (set once, by a compare-and-swap, at the first timer). The table's mutex (a
 * queuelock of class LOCK_PROCESS) serialises the calls: it protects the slots and the [M]
 * fields, and is held across ktimer_cancel, which waits for a running expiry; the expiry itself
 * (fire, in the owner cluster's timer thread) takes no lock of the table: it reads the period and
 * writes the overruns atomically ([A]), and it never runs while a call holding the mutex has
 * cancelled its timer ([T]: written by the expiry only, and by a call once it cancelled it). Slot
 * PTIMER_MAX is ITIMER_REAL's.
 *
 * A timer on a CPU-time clock has no kernel timer: the accounting steps of every cluster charge
 * the CPU time they close to its counter in the table (ptimer_cpu_charge, lock-free atomic
 * subtractions), and the step whose charge brings it to 0 runs its expiry (ptimer_cpu_expire),
 * as they do for ITIMER_VIRTUAL/PROF (acct.c). Arming, disarming and reloading such a counter is
 * done under the owner's sig_lock [S]; the expiry counts itself in cpu_firing while it tells, so
 * that a call that disarmed the timer waits for it before it frees or resets the timer.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/acct.h>
#include <kern/cluster.h>
#include <kern/ktimer.h>
#include <kern/process.h>
#include <kern/queuelock.h>
#include <kern/ptimer.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <syscalls/uabi_linux.h>

#define ITIMER_SLOT PTIMER_MAX

typedef struct ptimer_s {
	ktimer_t kt;              /* first: the ktimer's function finds its timer        */
	uint32_t pid;             /* [I]                                                  */
	int32_t  id;              /* [I] number, or -1 for ITIMER_REAL                    */
	ptimer_spec_t spec;       /* [I]                                                  */
	uint64_t interval;        /* [M] written, [A] read: period, ns (0: one shot)       */
	uint64_t carried;         /* [T] periods its last re-arm skipped (ptimer_rearm)   */
	int32_t  overrun_pending; /* [A] the overrun of its signal not yet delivered       */
	int32_t  overrun_last;    /* [A] that of the last one delivered                   */
} ptimer_t;

typedef struct ptimer_table_s {
	queuelock_t mutex;
	xptr_t      slot[PTIMER_MAX + 1]; /* [M] */
	/* The timers of slots [0, PTIMER_MAX) on a CPU-time clock: */
	uint32_t    cpu_armed;            /* [S] written, [A] read: bit 1 << slot              */
	uint32_t    cpu_firing;           /* [A] their expiries telling now (notify)            */
	int64_t     cpu_left[PTIMER_MAX]; /* [A] ns of the clock's CPU time to the expiry     */
	uint32_t    cpu_tid[PTIMER_MAX];  /* [M] the thread whose time counts (0: every thread's) */
} ptimer_table_t;

#define PT(xp, f)  XPTR_FIELD(xp, ptimer_t, f)
#define TAB(xp, f) XPTR_FIELD(xp, ptimer_table_t, f)

static bool cpu_clock(uint32_t clock)
{
	return clock == PTIMER_CLOCK_PROCESS_CPU || clock == PTIMER_CLOCK_THREAD_CPU;
}

static bool is_cpu_timer(xptr_t t_xp)
{
	return cpu_clock(hal_remote_l32(PT(t_xp, spec.clock)));
}

/* The table of the process @owner_xp, made if @make (XPTR_NULL: none, or no memory). */
static xptr_t table_of(xptr_t owner_xp, bool make)
{
	xptr_t tab = hal_remote_lxp(PROC_XP(owner_xp, ptimers_xp));
	cxy_t cxy = GET_CXY(owner_xp);
	ptimer_table_t *t;

	if (tab != XPTR_NULL || !make)
		return tab;
	t = kmem_remote_alloc(cxy, sizeof(*t), KMEM_ZERO);
	if (!t)
		return XPTR_NULL;
	tab = XPTR(cxy, t);
	remote_queuelock_init(TAB(tab, mutex), "ptimers", LOCK_PROCESS);
	for (int i = 0; i <= PTIMER_MAX; i++)
		hal_remote_sxp(TAB(tab, slot[i]), XPTR_NULL);
	if (!hal_remote_atomic_cas64(PROC_XP(owner_xp, ptimers_xp), XPTR_NULL, tab)) {
		kmem_remote_free(cxy, t); /* another thread made it first */
		tab = hal_remote_lxp(PROC_XP(owner_xp, ptimers_xp));
	}
	return tab;
}

/* The timer in slot @id with the table's mutex held (*tab), or XPTR_NULL (nothing held). */
static xptr_t timer_locked(xptr_t owner_xp, int32_t id, xptr_t *tab)
{
	xptr_t t_xp;

	if (id < 0 || id > ITIMER_SLOT)
		return XPTR_NULL;
	*tab = table_of(owner_xp, false);
	if (*tab == XPTR_NULL)
		return XPTR_NULL;
	remote_queuelock_acquire(TAB(*tab, mutex));
	t_xp = hal_remote_lxp(TAB(*tab, slot[id]));
	if (t_xp == XPTR_NULL)
		remote_queuelock_release(TAB(*tab, mutex));
	return t_xp;
}

/* The thread SIGEV_THREAD_ID names, its cluster's table lock held in *lock; XPTR_NULL if gone. */
static xptr_t target_thread(uint32_t tid, xptr_t *lock)
{
	cxy_t cxy = (cxy_t)(tid >> 16);
	thread_t *th;

	*lock = XPTR(cxy, &cluster_manager.threads_lock);
	remote_busylock_acquire(*lock);
	th = hal_remote_lpt(XPTR(cxy, &cluster_manager.threads[tid & 0xffff]));
	if (th && hal_remote_l32(XPTR(cxy, &th->trdid)) == tid)
		return XPTR(cxy, th);
	remote_busylock_release(*lock);
	*lock = XPTR_NULL;
	return XPTR_NULL;
}

/* Send the signal of one expiry (@expiries periods) of @t_xp, or count it as an overrun of the
 * signal still pending. No lock held: the timer thread (a kernel timer's expiry, owner cluster),
 * or the context of a CPU-time charge (any cluster; see ptimer_cpu_expire). */
static void notify(xptr_t t_xp, int32_t expiries)
{
	ptimer_spec_t spec;
	int32_t id = (int32_t)hal_remote_l32(PT(t_xp, id));
	pid_t pid = hal_remote_l32(PT(t_xp, pid));
	xptr_t lock = XPTR_NULL, th_xp = XPTR_NULL, pending_xp = PT(t_xp, overrun_pending);
	ksiginfo_t info;
	bool merged, whole;
	int32_t old, last = 0;

	hal_remote_memcpy(XPTR(local_cxy, &spec), PT(t_xp, spec), sizeof(spec));
	info = (ksiginfo_t){ .code = SI_TIMER, .timerid = id, .value = spec.value,
			     .overrun = expiries - 1 };
	whole = spec.signo == SIGKILL || spec.signo == SIGCONT; /* they act on the whole process */
	if (id < 0) { /* ITIMER_REAL: SIGALRM from the kernel (one pending at most, as Linux) */
		info = (ksiginfo_t){ .code = SI_KERNEL };
		signal_send_process(pid, SIGALRM, &info);
		return;
	}
	if ((spec.notify & ~UABI_SIGEV_THREAD_ID) == UABI_SIGEV_NONE)
		return;
	if (spec.notify & UABI_SIGEV_THREAD_ID) {
		th_xp = target_thread(spec.tid, &lock);
		if (th_xp == XPTR_NULL)
			return; /* the thread is gone: nobody to tell (Linux) */
	}
	merged = signal_timer_overrun(pid, th_xp, spec.signo, id, expiries);
	/* A new signal: the previous one was delivered with the overrun counted so far. Stored
	 * before the send, and the new count after it, so that timer_getoverrun (which reads the
	 * first while a signal is pending, the second once it is not) never sees the new count
	 * before the new signal is pending. The new count is an atomic adjustment, not a store: an
	 * expiry told between the send and here (a tick interrupting this, another core's charge)
	 * has merged into the new signal and added to the count, which a store would lose, leaving
	 * the delivered si_overrun one above timer_getoverrun. */
	if (!merged) {
		last = (int32_t)hal_remote_l32(pending_xp);
		hal_remote_s32(PT(t_xp, overrun_last), (uint32_t)last);
		hal_fence();
	}
	if (!merged && th_xp != XPTR_NULL && !whole)
		signal_send_thread(th_xp, spec.signo, &info);
	if (lock != XPTR_NULL)
		remote_busylock_release(lock);
	if (!merged && (th_xp == XPTR_NULL || whole))
		signal_send_process(pid, spec.signo, &info);
	if (!merged) {
		hal_fence();
		hal_remote_atomic_add32(pending_xp, (expiries - 1) - last);
		return;
	}
	do { /* two expiries of a CPU-time timer may tell at once (different cores): atomic */
		old = (int32_t)hal_remote_l32(pending_xp);
	} while (!hal_remote_atomic_cas32(pending_xp, (uint32_t)old,
					  (uint32_t)(old > INT32_MAX - expiries ? INT32_MAX : old + expiries)));
}

/* A timer's expiry, in the owner cluster's timer thread: re-arm a periodic one, then tell. */
static void fire(ktimer_t *kt)
{
	ptimer_t *t = (ptimer_t *)kt;
	uint64_t interval = __atomic_load_n(&t->interval, __ATOMIC_RELAXED), periods = 1, next;

	if (interval) {
		uint64_t skipped;

		/* A period below the tick, the timer thread's resolution, runs once a tick: due
		 * again at once, it would keep the thread running it (ptimer_rearm). */
		periods = ptimer_rearm(hal_remote_l64(XPTR(local_cxy, &kt->deadline)), interval,
				       hal_get_time_ns(), interval < CONFIG_TICK_NS ? CONFIG_TICK_NS : 0,
				       &next, &skipped) + t->carried;
		t->carried = skipped;
		ktimer_arm(XPTR(local_cxy, kt), next);
	}
	notify(XPTR(local_cxy, t), periods > INT32_MAX ? INT32_MAX : (int32_t)periods);
}

/*
 * Timers on a CPU-time clock. Their counter goes down by the CPU time charged (lock-free); arming,
 * disarming and reloading take the owner's sig_lock, as the CPU itimers' (acct.c). The owner's
 * cpu_itimers bit ACCT_CPU_PTIMERS says that some counter is armed, so that the accounting looks
 * no further otherwise.
 */
#define CPU_VALUE_MAX ((uint64_t)INT64_MAX / 4) /* ~73 years: a reload cannot overflow */

static void cpu_arm(xptr_t owner_xp, xptr_t tab, int32_t slot, uint64_t value_ns)
{
	xptr_t sig = PROC_XP(owner_xp, sig_lock);

	remote_busylock_acquire(sig);
	hal_remote_s64(TAB(tab, cpu_left[slot]), value_ns < CPU_VALUE_MAX ? value_ns : CPU_VALUE_MAX);
	hal_remote_atomic_or32(TAB(tab, cpu_armed), 1u << slot);
	hal_remote_atomic_or32(PROC_XP(owner_xp, cpu_itimers), 1u << ACCT_CPU_PTIMERS);
	remote_busylock_release(sig);
}

/* Take @slot out of the armed ones (owner's sig_lock held). */
static void cpu_unarm(xptr_t owner_xp, xptr_t tab, int32_t slot)
{
	uint32_t bit = 1u << slot;

	kassert(remote_busylock_is_held_by_me(PROC_XP(owner_xp, sig_lock)));
	if ((hal_remote_atomic_and32(TAB(tab, cpu_armed), ~bit) & ~bit) == 0)
		hal_remote_atomic_and32(PROC_XP(owner_xp, cpu_itimers), ~(1u << ACCT_CPU_PTIMERS));
}

/* Disarm @slot (the table's mutex held) and wait for the expiries still telling: then no expiry
 * uses the timer until it is armed again. */
static void cpu_disarm(xptr_t owner_xp, xptr_t tab, int32_t slot)
{
	xptr_t sig = PROC_XP(owner_xp, sig_lock);

	kassert(remote_queuelock_is_owned_by_me(TAB(tab, mutex)));
	remote_busylock_acquire(sig);
	cpu_unarm(owner_xp, tab, slot);
	remote_busylock_release(sig);
	/* an expiry counts itself under sig_lock while it finds the slot armed, and is done with
	 * the timer when it counts itself out; it never waits for us (it takes no mutex) */
	while (hal_remote_l32(TAB(tab, cpu_firing)))
		sched_yield();
}

uint32_t ptimer_cpu_charge(xptr_t owner_xp, uint32_t tid, uint64_t ns)
{
	xptr_t tab = hal_remote_lxp(PROC_XP(owner_xp, ptimers_xp));
	uint32_t armed, expired = 0;

	/* The table goes at the process's end, when no thread is left to charge it. */
	if (tab == XPTR_NULL || !ns)
		return 0;
	armed = hal_remote_l32(TAB(tab, cpu_armed));
	while (armed) {
		int32_t slot = __builtin_ctz(armed);
		uint32_t want = hal_remote_l32(TAB(tab, cpu_tid[slot]));
		int64_t before;

		armed &= armed - 1;
		if (want && want != tid)
			continue;
		before = (int64_t)hal_remote_atomic_add64(TAB(tab, cpu_left[slot]), -(int64_t)ns);
		if (before > 0 && before <= (int64_t)ns)
			expired |= 1u << slot;
	}
	return expired;
}

/* Reload @slot brought to 0 by its period, or disarm a one-shot (owner's sig_lock held); the
 * periods that passed in *@periods. False if a new setting replaced it since (left > 0). */
static bool cpu_reload(xptr_t owner_xp, xptr_t tab, int32_t slot, uint64_t interval,
		       int32_t *periods)
{
	xptr_t left_xp = TAB(tab, cpu_left[slot]);
	int64_t left, next;
	uint64_t p;

	kassert(remote_busylock_is_held_by_me(PROC_XP(owner_xp, sig_lock)));
	do { /* charges go on meanwhile (atomic subtractions): the time past 0 counts */
		left = (int64_t)hal_remote_l64(left_xp);
		if (left > 0)
			return false;
		if (!interval) {
			cpu_unarm(owner_xp, tab, slot);
			*periods = 1;
			return true;
		}
		p = 1 + (uint64_t)-left / interval; /* the overrun: periods missed (hrtimer_forward) */
		next = left + (int64_t)(p * interval);
	} while (!hal_remote_atomic_cas64(left_xp, (uint64_t)left, (uint64_t)next));
	*periods = p > INT32_MAX ? INT32_MAX : (int32_t)p;
	return true;
}

void ptimer_cpu_expire(uint32_t pid, uint32_t slots)
{
	while (slots) {
		int32_t slot = __builtin_ctz(slots), periods = 0;
		xptr_t plock, owner_xp = signal_owner_lock(pid, &plock), tab = XPTR_NULL, t_xp = XPTR_NULL;

		slots &= slots - 1;
		if (owner_xp == XPTR_NULL)
			return; /* ended meanwhile: nobody to tell */
		remote_busylock_acquire(PROC_XP(owner_xp, sig_lock));
		tab = hal_remote_lxp(PROC_XP(owner_xp, ptimers_xp));
		if (tab != XPTR_NULL && (hal_remote_l32(TAB(tab, cpu_armed)) & (1u << slot))) {
			t_xp = hal_remote_lxp(TAB(tab, slot[slot]));
			if (cpu_reload(owner_xp, tab, slot, hal_remote_l64(PT(t_xp, interval)), &periods))
				hal_remote_atomic_add32(TAB(tab, cpu_firing), 1);
			else
				t_xp = XPTR_NULL;
		}
		remote_busylock_release(PROC_XP(owner_xp, sig_lock));
		remote_busylock_release(plock);
		if (t_xp == XPTR_NULL)
			continue; /* disarmed or set again meanwhile: void, as if that came first */
		notify(t_xp, periods);
		hal_remote_atomic_add32(TAB(tab, cpu_firing), -1);
	}
}

/* A new timer object in the owner cluster, disarmed. */
static xptr_t timer_alloc(xptr_t owner_xp, int32_t id, const ptimer_spec_t *spec)
{
	cxy_t cxy = GET_CXY(owner_xp);
	ptimer_t *t = kmem_remote_alloc(cxy, sizeof(*t), KMEM_ZERO);
	xptr_t t_xp;

	if (!t)
		return XPTR_NULL;
	t_xp = XPTR(cxy, t);
	ktimer_init(PT(t_xp, kt), fire);
	hal_remote_s32(PT(t_xp, pid), hal_remote_l32(PROC_XP(owner_xp, pid)));
	hal_remote_s32(PT(t_xp, id), (uint32_t)id);
	hal_remote_memcpy(PT(t_xp, spec), XPTR(local_cxy, (void *)spec), sizeof(*spec));
	return t_xp;
}

error_t ptimer_create(xptr_t owner_xp, const ptimer_spec_t *spec, bool default_value, int32_t *id)
{
	xptr_t tab = table_of(owner_xp, true), t_xp;
	ptimer_spec_t s = *spec;
	int32_t slot = -1;

	if (tab == XPTR_NULL)
		return ENOMEM;
	remote_queuelock_acquire(TAB(tab, mutex));
	for (int32_t i = 0; i < PTIMER_MAX && slot < 0; i++)
		if (hal_remote_lxp(TAB(tab, slot[i])) == XPTR_NULL)
			slot = i;
	if (slot < 0) {
		remote_queuelock_release(TAB(tab, mutex));
		return EAGAIN;
	}
	if (default_value)
		s.value = (uint64_t)slot; /* a NULL sigevent: si_value is the timer's id */
	t_xp = timer_alloc(owner_xp, slot, &s);
	if (t_xp != XPTR_NULL) {
		hal_remote_s32(TAB(tab, cpu_tid[slot]), s.clock == PTIMER_CLOCK_THREAD_CPU ? s.clock_tid : 0);
		hal_remote_sxp(TAB(tab, slot[slot]), t_xp);
	}
	remote_queuelock_release(TAB(tab, mutex));
	if (t_xp == XPTR_NULL)
		return ENOMEM;
	*id = slot;
	return 0;
}

/* The setting of @t_xp, a timer of the table @tab, now (the table's mutex held). */
static void setting_of(xptr_t tab, xptr_t t_xp, ptimer_setting_t *cur)
{
	uint64_t deadline, now = hal_get_time_ns();

	kassert(remote_queuelock_is_owned_by_me(TAB(tab, mutex)));
	cur->interval_ns = hal_remote_l64(PT(t_xp, interval));
	cur->value_ns = 0;
	if (is_cpu_timer(t_xp)) {
		int32_t slot = (int32_t)hal_remote_l32(PT(t_xp, id));
		int64_t left = (int64_t)hal_remote_l64(TAB(tab, cpu_left[slot]));

		if (hal_remote_l32(TAB(tab, cpu_armed)) & (1u << slot)) /* due, not reloaded: 1 ns */
			cur->value_ns = left > 0 ? (uint64_t)left : 1;
		return;
	}
	if (ktimer_deadline(PT(t_xp, kt), &deadline)) /* due but not yet run: 1 ns, as Linux */
		cur->value_ns = deadline > now ? deadline - now : 1;
}

/* Stop @t_xp, a timer of @owner_xp's table @tab (the table's mutex held): once this returns, no
 * expiry of it runs until it is armed again. */
static void stop(xptr_t owner_xp, xptr_t tab, xptr_t t_xp)
{
	if (is_cpu_timer(t_xp))
		cpu_disarm(owner_xp, tab, (int32_t)hal_remote_l32(PT(t_xp, id)));
	else
		ktimer_cancel(PT(t_xp, kt));
}

/* Disarm @t_xp, a timer of @owner_xp's table @tab, and arm it again for @set as @how says
 * (PTIMER_ABSOLUTE, PTIMER_DUE) (the table's mutex held); its previous setting in *@old. */
static void reset(xptr_t owner_xp, xptr_t tab, xptr_t t_xp, const ptimer_setting_t *set,
		  uint32_t how, ptimer_setting_t *old)
{
	bool cpu = is_cpu_timer(t_xp), due = cpu && (how & PTIMER_DUE);
	uint64_t interval = set->value_ns || due ? set->interval_ns : 0;
	int32_t slot = (int32_t)hal_remote_l32(PT(t_xp, id));

	kassert(remote_queuelock_is_owned_by_me(TAB(tab, mutex)));
	if (old)
		setting_of(tab, t_xp, old);
	stop(owner_xp, tab, t_xp); /* no expiry runs after this: the fields are ours */
	hal_remote_s64(PT(t_xp, interval), cpu && interval > CPU_VALUE_MAX ? CPU_VALUE_MAX : interval);
	hal_remote_s32(PT(t_xp, overrun_pending), 0);
	hal_remote_s32(PT(t_xp, overrun_last), 0);
	hal_remote_s64(PT(t_xp, carried), 0);
	if (!set->value_ns && !due)
		return;
	if (!cpu) {
		ktimer_arm(PT(t_xp, kt), how & PTIMER_ABSOLUTE ? set->value_ns :
							  hal_get_time_ns() + set->value_ns);
		return;
	}
	cpu_arm(owner_xp, tab, slot, due ? 0 : set->value_ns);
	if (due) /* expired already: as a charge that brought it to 0 would, at once */
		ptimer_cpu_expire(hal_remote_l32(PT(t_xp, pid)), 1u << slot);
}

error_t ptimer_settime(xptr_t owner_xp, int32_t id, const ptimer_setting_t *set, uint32_t how,
		       ptimer_setting_t *old)
{
	xptr_t tab, t_xp = id < PTIMER_MAX ? timer_locked(owner_xp, id, &tab) : XPTR_NULL;

	if (t_xp == XPTR_NULL)
		return EINVAL;
	reset(owner_xp, tab, t_xp, set, how, old);
	remote_queuelock_release(TAB(tab, mutex));
	return 0;
}

error_t ptimer_clock(xptr_t owner_xp, int32_t id, uint32_t *clock, uint32_t *clock_tid)
{
	xptr_t tab, t_xp = id < PTIMER_MAX ? timer_locked(owner_xp, id, &tab) : XPTR_NULL;

	if (t_xp == XPTR_NULL)
		return EINVAL;
	*clock = hal_remote_l32(PT(t_xp, spec.clock));
	*clock_tid = hal_remote_l32(PT(t_xp, spec.clock_tid));
	remote_queuelock_release(TAB(tab, mutex));
	return 0;
}

error_t ptimer_gettime(xptr_t owner_xp, int32_t id, ptimer_setting_t *cur)
{
	xptr_t tab, t_xp = id < PTIMER_MAX ? timer_locked(owner_xp, id, &tab) : XPTR_NULL;

	if (t_xp == XPTR_NULL)
		return EINVAL;
	setting_of(tab, t_xp, cur);
	remote_queuelock_release(TAB(tab, mutex));
	return 0;
}

error_t ptimer_getoverrun(xptr_t owner_xp, int32_t id, int32_t *overrun)
{
	xptr_t tab, t_xp = id < PTIMER_MAX ? timer_locked(owner_xp, id, &tab) : XPTR_NULL;
	ptimer_spec_t spec;
	xptr_t lock = XPTR_NULL, th = XPTR_NULL;
	bool pending = false;

	if (t_xp == XPTR_NULL)
		return EINVAL;
	hal_remote_memcpy(XPTR(local_cxy, &spec), PT(t_xp, spec), sizeof(spec));
	if (spec.notify & UABI_SIGEV_THREAD_ID)
		th = target_thread(spec.tid, &lock);
	if (!(spec.notify & UABI_SIGEV_THREAD_ID) || th != XPTR_NULL) /* adds nothing: a probe */
		pending = signal_timer_overrun(hal_remote_l32(PT(t_xp, pid)), th, spec.signo, id, 0);
	if (lock != XPTR_NULL)
		remote_busylock_release(lock);
	/* delivered: its overrun is the one counted so far; still pending: the previous one's */
	*overrun = (int32_t)hal_remote_l32(pending ? PT(t_xp, overrun_last) : PT(t_xp, overrun_pending));
	remote_queuelock_release(TAB(tab, mutex));
	return 0;
}

/* Take @id out of @owner_xp's table @tab and free it (mutex held). */
static void destroy(xptr_t owner_xp, xptr_t tab, int32_t id, xptr_t t_xp)
{
	kassert(remote_queuelock_is_owned_by_me(TAB(tab, mutex)));
	stop(owner_xp, tab, t_xp);
	hal_remote_sxp(TAB(tab, slot[id]), XPTR_NULL);
	kmem_remote_free(GET_CXY(t_xp), GET_PTR(t_xp));
}

error_t ptimer_delete(xptr_t owner_xp, int32_t id)
{
	xptr_t tab, t_xp = id < PTIMER_MAX ? timer_locked(owner_xp, id, &tab) : XPTR_NULL;

	if (t_xp == XPTR_NULL)
		return EINVAL;
	destroy(owner_xp, tab, id, t_xp);
	remote_queuelock_release(TAB(tab, mutex));
	return 0;
}

error_t ptimer_itimer_set(xptr_t owner_xp, const ptimer_setting_t *set, ptimer_setting_t *old)
{
	static const ptimer_spec_t alarm = { .notify = UABI_SIGEV_SIGNAL, .signo = SIGALRM };
	xptr_t tab = table_of(owner_xp, set->value_ns != 0), t_xp;

	memset(old, 0, sizeof(*old));
	if (tab == XPTR_NULL) /* nothing armed yet, nothing to arm; or no memory */
		return set->value_ns ? ENOMEM : 0;
	remote_queuelock_acquire(TAB(tab, mutex));
	t_xp = hal_remote_lxp(TAB(tab, slot[ITIMER_SLOT]));
	if (t_xp == XPTR_NULL && set->value_ns) {
		t_xp = timer_alloc(owner_xp, -1, &alarm);
		if (t_xp == XPTR_NULL) {
			remote_queuelock_release(TAB(tab, mutex));
			return ENOMEM;
		}
		hal_remote_sxp(TAB(tab, slot[ITIMER_SLOT]), t_xp);
	}
	if (t_xp != XPTR_NULL)
		reset(owner_xp, tab, t_xp, set, 0, old);
	remote_queuelock_release(TAB(tab, mutex));
	return 0;
}

void ptimer_itimer_get(xptr_t owner_xp, ptimer_setting_t *cur)
{
	xptr_t tab, t_xp = timer_locked(owner_xp, ITIMER_SLOT, &tab);

	memset(cur, 0, sizeof(*cur));
	if (t_xp == XPTR_NULL)
		return;
	setting_of(tab, t_xp, cur);
	remote_queuelock_release(TAB(tab, mutex));
}

/* Destroy the timers of slots [0, @end) of @owner_xp's table. */
static void destroy_all(xptr_t owner_xp, int32_t end)
{
	xptr_t tab = table_of(owner_xp, false);

	if (tab == XPTR_NULL)
		return;
	remote_queuelock_acquire(TAB(tab, mutex));
	for (int32_t id = 0; id < end; id++) {
		xptr_t t_xp = hal_remote_lxp(TAB(tab, slot[id]));
		if (t_xp != XPTR_NULL)
			destroy(owner_xp, tab, id, t_xp);
	}
	remote_queuelock_release(TAB(tab, mutex));
}

void ptimer_exec(xptr_t owner_xp)
{
	destroy_all(owner_xp, PTIMER_MAX);
}

void ptimer_process_exit(xptr_t owner_xp)
{
	xptr_t tab;

	destroy_all(owner_xp, ITIMER_SLOT + 1);
	/* no thread is left to make a timer: the table goes too */
	tab = hal_remote_lxp(PROC_XP(owner_xp, ptimers_xp));
	if (tab != XPTR_NULL) {
		hal_remote_sxp(PROC_XP(owner_xp, ptimers_xp), XPTR_NULL);
		kmem_remote_free(GET_CXY(tab), GET_PTR(tab));
	}
}
