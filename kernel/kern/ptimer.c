/*
 * ptimer.c - the timers of a process (see ptimer.h).
 *
 * The table and the timers are kmem objects of the owner cluster; the owner's ptimers_xp points
 * at the table (set once, by a compare-and-swap, at the first timer). The table's mutex (a
 * queuelock of class LOCK_PROCESS) serialises the calls: it protects the slots and the [M]
 * fields, and is held across ktimer_cancel, which waits for a running expiry; the expiry itself
 * (fire, in the owner cluster's timer thread) takes no lock of the table: it reads the period and
 * writes the overruns atomically ([A]), and it never runs while a call holding the mutex has
 * cancelled its timer. Slot PTIMER_MAX is ITIMER_REAL's.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktimer.h>
#include <kern/process.h>
#include <kern/queuelock.h>
#include <kern/ptimer.h>
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
	int32_t  overrun_pending; /* [A] the overrun of its signal not yet delivered       */
	int32_t  overrun_last;    /* [A] that of the last one delivered                   */
} ptimer_t;

typedef struct ptimer_table_s {
	queuelock_t mutex;
	xptr_t      slot[PTIMER_MAX + 1]; /* [M] */
} ptimer_table_t;

#define PT(xp, f)  XPTR_FIELD(xp, ptimer_t, f)
#define TAB(xp, f) XPTR_FIELD(xp, ptimer_table_t, f)

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

/* Send the signal of one expiry (@expiries periods) of @t, or count it as an overrun of the
 * signal still pending. In the timer thread, no lock held. */
static void notify(ptimer_t *t, int32_t expiries)
{
	ksiginfo_t info = { .code = SI_TIMER, .timerid = t->id, .value = t->spec.value,
			    .overrun = expiries - 1 };
	int sig = t->spec.signo;
	xptr_t lock = XPTR_NULL, t_xp = XPTR_NULL;
	bool merged, whole = sig == SIGKILL || sig == SIGCONT; /* they act on the whole process */

	if (t->id < 0) { /* ITIMER_REAL: SIGALRM from the kernel (one pending at most, as Linux) */
		info = (ksiginfo_t){ .code = SI_KERNEL };
		signal_send_process(t->pid, SIGALRM, &info);
		return;
	}
	if ((t->spec.notify & ~UABI_SIGEV_THREAD_ID) == UABI_SIGEV_NONE)
		return;
	if (t->spec.notify & UABI_SIGEV_THREAD_ID) {
		t_xp = target_thread(t->spec.tid, &lock);
		if (t_xp == XPTR_NULL)
			return; /* the thread is gone: nobody to tell (Linux) */
	}
	merged = signal_timer_overrun(t->pid, t_xp, sig, t->id, expiries);
	/* A new signal: the previous one was delivered with the overrun counted so far. Stored
	 * before the send, and the new count after it, so that timer_getoverrun (which reads the
	 * first while a signal is pending, the second once it is not) never sees the new count
	 * before the new signal is pending. */
	if (!merged)
		__atomic_store_n(&t->overrun_last, __atomic_load_n(&t->overrun_pending, __ATOMIC_RELAXED),
				 __ATOMIC_RELEASE);
	if (!merged && t_xp != XPTR_NULL && !whole)
		signal_send_thread(t_xp, sig, &info);
	if (lock != XPTR_NULL)
		remote_busylock_release(lock);
	if (!merged && (t_xp == XPTR_NULL || whole))
		signal_send_process(t->pid, sig, &info);
	if (merged) {
		int32_t old = __atomic_load_n(&t->overrun_pending, __ATOMIC_RELAXED);
		__atomic_store_n(&t->overrun_pending, old > INT32_MAX - expiries ? INT32_MAX : old + expiries,
				 __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&t->overrun_pending, expiries - 1, __ATOMIC_RELEASE);
	}
}

/* A timer's expiry, in the owner cluster's timer thread: re-arm a periodic one, then tell. */
static void fire(ktimer_t *kt)
{
	ptimer_t *t = (ptimer_t *)kt;
	uint64_t interval = __atomic_load_n(&t->interval, __ATOMIC_RELAXED), periods = 1, next;

	if (interval) {
		periods = ptimer_periods(hal_remote_l64(XPTR(local_cxy, &kt->deadline)), interval,
					 hal_get_time_ns(), &next);
		ktimer_arm(XPTR(local_cxy, kt), next);
	}
	notify(t, periods > INT32_MAX ? INT32_MAX : (int32_t)periods);
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
	if (t_xp != XPTR_NULL)
		hal_remote_sxp(TAB(tab, slot[slot]), t_xp);
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
	if (ktimer_deadline(PT(t_xp, kt), &deadline)) /* due but not yet run: 1 ns, as Linux */
		cur->value_ns = deadline > now ? deadline - now : 1;
}

/* Disarm @t_xp, a timer of the table @tab, and arm it again for @set (the table's mutex held);
 * its previous setting in *@old. */
static void reset(xptr_t tab, xptr_t t_xp, const ptimer_setting_t *set, bool absolute,
		  ptimer_setting_t *old)
{
	uint64_t now;

	kassert(remote_queuelock_is_owned_by_me(TAB(tab, mutex)));
	if (old)
		setting_of(tab, t_xp, old);
	ktimer_cancel(PT(t_xp, kt)); /* no expiry runs after this: the fields are ours */
	hal_remote_s64(PT(t_xp, interval), set->value_ns ? set->interval_ns : 0);
	hal_remote_s32(PT(t_xp, overrun_pending), 0);
	hal_remote_s32(PT(t_xp, overrun_last), 0);
	if (!set->value_ns)
		return;
	now = hal_get_time_ns();
	ktimer_arm(PT(t_xp, kt), absolute ? set->value_ns : now + set->value_ns);
}

error_t ptimer_settime(xptr_t owner_xp, int32_t id, const ptimer_setting_t *set, bool absolute,
		       ptimer_setting_t *old)
{
	xptr_t tab, t_xp = id < PTIMER_MAX ? timer_locked(owner_xp, id, &tab) : XPTR_NULL;

	if (t_xp == XPTR_NULL)
		return EINVAL;
	reset(tab, t_xp, set, absolute, old);
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

/* Take @id out of its table and free it (mutex held). */
static void destroy(xptr_t tab, int32_t id, xptr_t t_xp)
{
	kassert(remote_queuelock_is_owned_by_me(TAB(tab, mutex)));
	ktimer_cancel(PT(t_xp, kt));
	hal_remote_sxp(TAB(tab, slot[id]), XPTR_NULL);
	kmem_remote_free(GET_CXY(t_xp), GET_PTR(t_xp));
}

error_t ptimer_delete(xptr_t owner_xp, int32_t id)
{
	xptr_t tab, t_xp = id < PTIMER_MAX ? timer_locked(owner_xp, id, &tab) : XPTR_NULL;

	if (t_xp == XPTR_NULL)
		return EINVAL;
	destroy(tab, id, t_xp);
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
		reset(tab, t_xp, set, false, old);
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
			destroy(tab, id, t_xp);
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
