/*
 * acct.c - CPU time and resource accounting (see acct.h).
 */
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_upcalls.h>
#include <kern/acct.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/ptimer.h>
#include <kern/thread.h>
#include <libk/cmdline.h>
#include <libk/string.h>

/* acct=precise (this cluster's copy, set at boot): a clock read at every kernel entry and exit */
static bool acct_precise;

void acct_boot_options(const char *cmdline)
{
	char val[16];

	if (cmdline_get(cmdline, "acct", val, sizeof(val))) {
		if (!strcmp(val, "precise") || !strcmp(val, "tick"))
			acct_precise = !strcmp(val, "precise");
		else if (local_cxy == 0)
			pr_warn("acct=%s: expected tick or precise; keeping %s", val,
				acct_precise ? "precise" : "tick");
	}
	if (local_cxy == 0)
		pr_info("acct: CPU times split %s", acct_precise ? "at every kernel entry and exit" :
			"by the tick");
}

uint32_t acct_thread_work(void)
{
	return acct_precise ? THREAD_WORK_STICKY : 0; /* every return closes the kernel interval */
}

#define OWNER_XP(t, f) PROC_XP((t)->process->owner_xp, f)
/* A field of an acct_t reached by extended pointer. */
#define ACCT_XP(xp, f) XPTR_FIELD(xp, acct_t, f)

/*
 * Charge @ns of CPU time to the process's armed CPU itimers in @mask (ACCT_ITIMER_* bits) and to
 * its armed timers on CPU-time clocks (every charge counts for them: all CPU time). Returns the
 * itimers this charge brought to 0 (one charge does, whichever core: the subtraction is atomic),
 * and in *@slots the POSIX timers it brought to 0: the caller runs their expiry, acct_expire, in
 * its own context, since the thread charged may be on its way to a sleep that only their signal
 * would end.
 */
static uint32_t charge(thread_t *self, uint32_t mask, uint64_t ns, uint32_t *slots)
{
	uint32_t all, armed, expired = 0;

	*slots = 0;
	if (!self->process || !ns)
		return 0;
	all = hal_remote_l32(OWNER_XP(self, cpu_itimers));
	if (__builtin_expect(!all, 1))
		return 0; /* nothing armed: the common case */
	armed = all & mask;
	for (int which = ACCT_ITIMER_VIRTUAL; which <= ACCT_ITIMER_PROF; which++) {
		int64_t before;
		if (!(armed & (1u << which)))
			continue;
		before = (int64_t)hal_remote_atomic_add64(OWNER_XP(self, cpu_itimer_left[which]),
							  -(int64_t)ns);
		if (before > 0 && before <= (int64_t)ns)
			expired |= 1u << which;
	}
	if (all & (1u << ACCT_CPU_PTIMERS))
		*slots = ptimer_cpu_charge(self->process->owner_xp, self->trdid, ns);
	return expired;
}

/*
 * The itimer @which of @owner_xp was brought to 0: reload it by its interval, or disarm it
 * (caller holds the owner's sig_lock). Returns false if setitimer replaced the setting since
 * (disarmed, or left > 0): the expiry is void then, as if setitimer had come first (Linux
 * checks and sets its CPU itimers under one lock).
 */
static bool reload(xptr_t owner_xp, int which)
{
	xptr_t left_xp = PROC_XP(owner_xp, cpu_itimer_left[which]);
	uint64_t interval = hal_remote_l64(PROC_XP(owner_xp, cpu_itimer_interval[which]));
	int64_t left, next;

	kassert(remote_busylock_is_held_by_me(PROC_XP(owner_xp, sig_lock)));
	if (!(hal_remote_l32(PROC_XP(owner_xp, cpu_itimers)) & (1u << which)))
		return false;
	if (!interval) {
		if ((int64_t)hal_remote_l64(left_xp) > 0)
			return false;
		hal_remote_atomic_and32(PROC_XP(owner_xp, cpu_itimers), ~(1u << which));
		return true;
	}
	do { /* charges go on meanwhile (atomic subtractions): the time past 0 counts */
		left = (int64_t)hal_remote_l64(left_xp);
		if (left > 0)
			return false;
		/* a charge far past 0 starts a fresh period (Linux's next tick would signal again) */
		next = left + (int64_t)interval > 0 ? left + (int64_t)interval : (int64_t)interval;
	} while (!hal_remote_atomic_cas64(left_xp, (uint64_t)left, (uint64_t)next));
	return true;
}

/*
 * The expiry of the CPU itimers @expired (ACCT_ITIMER_* bits) of the process @pid, in the
 * context whose charge brought them to 0: reloaded or disarmed, then SIGVTALRM / SIGPROF sent to
 * the process. Busylocks only, no lock held by the caller: the tick's interrupt handler (the
 * interrupted thread holds no busylock and its blocking locks rank below), a kernel entry or exit,
 * a read of the figures, the end of a switch. The owner is found by its pid, under its cluster's
 * process table lock: the charging thread may be switched out already.
 */
static void itimer_expire(pid_t pid, uint32_t expired)
{
	xptr_t plock, owner_xp = signal_owner_lock(pid, &plock);
	uint32_t due = 0;

	if (owner_xp == XPTR_NULL)
		return; /* ended meanwhile: nobody to tell */
	remote_busylock_acquire(PROC_XP(owner_xp, sig_lock));
	for (int which = ACCT_ITIMER_VIRTUAL; which <= ACCT_ITIMER_PROF; which++)
		if ((expired & (1u << which)) && reload(owner_xp, which))
			due |= 1u << which;
	remote_busylock_release(PROC_XP(owner_xp, sig_lock));
	remote_busylock_release(plock);
	for (int which = ACCT_ITIMER_VIRTUAL; which <= ACCT_ITIMER_PROF; which++) {
		ksiginfo_t info = { .code = SI_KERNEL };
		if (due & (1u << which))
			signal_send_process(pid, which == ACCT_ITIMER_VIRTUAL ? SIGVTALRM : SIGPROF,
					    &info);
	}
}

/* The expiry of what a charge of process @pid brought to 0: itimers @expired, POSIX timers
 * @slots (in that order, as their charges came). Out of line: the callers' common case has none,
 * and should not pay for this one's frame. */
static __attribute__((noinline)) void acct_expire(pid_t pid, uint32_t expired, uint32_t slots)
{
	if (expired)
		itimer_expire(pid, expired);
	if (slots)
		ptimer_cpu_expire(pid, slots);
}

/* charge() and, if it brought a timer to 0, its expiry at once. */
static void charge_now(thread_t *self, uint32_t mask, uint64_t ns)
{
	uint32_t slots, expired = charge(self, mask, ns, &slots);

	if (expired || slots)
		acct_expire(self->process->pid, expired, slots);
}

/* a * b / c for a <= c without overflow: a and c lose low bits together (their ratio stays). */
static uint64_t scale(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t product;

	while (__builtin_mul_overflow(a, b, &product)) {
		a >>= 1;
		c >>= 1;
	}
	return c ? product / c : 0;
}

/*
 * @self's figures after @ns more of CPU time: user and system times always add up to all of it,
 * split in the ratio of the samples of each mode, and neither ever goes down (Linux's
 * cputime_adjust). An interval closed by a switch or a read has no mode of its own under the
 * tick's sampling: charging it to system time, as a first version did, left a thread switched
 * out more often than once a tick (RPC servers on its core, its own reads of its figures) with
 * almost no user time however long it computed.
 */
static void publish(thread_t *self, uint64_t ns)
{
	uint64_t user = self->acct_seen[0], sys = self->acct_seen[1];
	uint64_t total = self->acct.utime_ns + self->acct.stime_ns + ns, stime;

	if (acct_precise)
		stime = sys; /* every interval's mode was seen: exact */
	else if (!sys)
		stime = 0;
	else if (!user)
		stime = total;
	else
		stime = scale(sys, total, user + sys);
	if (stime < self->acct.stime_ns)
		stime = self->acct.stime_ns;
	if (total - stime < self->acct.utime_ns)
		stime = total - self->acct.utime_ns;
	self->acct.utime_ns = total - stime;
	self->acct.stime_ns = stime;
}

enum mode { MODE_USER, MODE_SYSTEM, MODE_UNSEEN };

/*
 * The interval of @self since its stamp ends, spent in @mode (MODE_UNSEEN: not known). A tick's
 * sample weighs one tick, whatever the length of the interval it closes (Linux's tick accounting
 * counts ticks too): weighing it by that length, as a previous version did, squared the ratio of
 * the two modes' mean uninterrupted stretches (a tick landing in a stretch sees on average half of
 * it), so a thread whose user code is cut short by switches (RPC servers woken on its core by
 * another cluster's poller) and whose system calls run long got a small part of its user time:
 * test_usage's spinning child on 4x2 ran for tens of seconds without counting its 50 ms.
 */
static uint64_t close_interval(thread_t *self, enum mode mode)
{
	/*
	 * With IRQs off: the tick closes the current thread's interval from its interrupt handler,
	 * and one that lands in the middle of a close from a system call (a read of the figures)
	 * had its update overwritten by the interrupted one, computed from the figures before it:
	 * the user time went down by the tick's share and the interval was counted twice (a
	 * spinning grandchild of test_usage read its utime 37 ms lower than at its start).
	 */
	irqstate_t saved = hal_disable_irq();
	uint64_t now = hal_get_time_ns(), ns = now - self->acct_stamp;

	if (mode != MODE_UNSEEN)
		self->acct_seen[mode] += acct_precise ? ns : CONFIG_TICK_NS;
	publish(self, ns);
	self->acct_stamp = now;
	hal_restore_irq(saved);
	return ns;
}

/* The interval closed by a tick (@user: it interrupted user code) or a crossing (precise). */
static void close_seen(thread_t *self, bool user)
{
	uint64_t ns = close_interval(self, user ? MODE_USER : MODE_SYSTEM);

	charge_now(self, user ? 1u << ACCT_ITIMER_VIRTUAL | 1u << ACCT_ITIMER_PROF :
				1u << ACCT_ITIMER_PROF, ns);
}

/* A switch or a read of the figures ends it: in the kernel, but since when is known only with
 * acct=precise (the entry closed the user interval). */
static uint64_t close_in_kernel(thread_t *self)
{
	return close_interval(self, acct_precise ? MODE_SYSTEM : MODE_UNSEEN);
}

void acct_user_enter(thread_t *self)
{
	if (acct_precise)
		close_seen(self, true);
}

static __attribute__((noinline)) void user_enter_precise(void)
{
	thread_t *self = thread_current();

	if (self)
		close_seen(self, true);
}

void kernel_user_enter(void)
{
	if (acct_precise) /* else the tick samples where the time goes */
		user_enter_precise();
}

void acct_user_exit(thread_t *self)
{
	if (acct_precise)
		close_seen(self, false);
}

void acct_tick(thread_t *self, bool user)
{
	if (!acct_precise && self && self->type != THREAD_IDLE)
		close_seen(self, user);
}

void acct_switch(thread_t *prev, thread_t *next, bool prev_blocked, acct_owed_t *owed)
{
	uint64_t ns = close_in_kernel(prev);

	/* ITIMER_PROF only: the mode of the interval is not known (tick accounting) or is the
	 * kernel (precise). Its expiry waits for the scheduler's lock to be released: the signal
	 * takes process and thread table locks, which rank below it. */
	owed->expired = owed->slots = 0;
	if (prev->type == THREAD_USER)
		owed->expired = charge(prev, 1u << ACCT_ITIMER_PROF, ns, &owed->slots);
	if (owed->expired || owed->slots)
		owed->pid = prev->process->pid;
	if (prev_blocked)
		prev->acct.nvcsw++;
	else
		prev->acct.nivcsw++;
	next->acct_stamp = prev->acct_stamp;
}

void acct_switch_tail(acct_owed_t *owed)
{
	uint32_t expired = owed->expired, slots = owed->slots;

	if (__builtin_expect(!expired && !slots, 1))
		return;
	owed->expired = owed->slots = 0;
	acct_expire(owed->pid, expired, slots);
}

void acct_self(thread_t *self, acct_t *out)
{
	/* up to the system call that asks; in the kernel, or not seen: ITIMER_PROF's */
	charge_now(self, 1u << ACCT_ITIMER_PROF, close_in_kernel(self));
	*out = self->acct;
}

void acct_fault(thread_t *self)
{
	self->acct.minflt++; /* the RAM file system never waits for a device: no major fault */
}

void acct_add(acct_t *a, const acct_t *b)
{
	a->utime_ns += b->utime_ns;
	a->stime_ns += b->stime_ns;
	a->minflt += b->minflt;
	a->majflt += b->majflt;
	a->nvcsw += b->nvcsw;
	a->nivcsw += b->nivcsw;
	if (b->maxrss_kb > a->maxrss_kb)
		a->maxrss_kb = b->maxrss_kb;
}

void acct_remote_add(xptr_t xp, const acct_t *b)
{
	uint64_t old;

	hal_remote_atomic_add64(ACCT_XP(xp, utime_ns), (int64_t)b->utime_ns);
	hal_remote_atomic_add64(ACCT_XP(xp, stime_ns), (int64_t)b->stime_ns);
	hal_remote_atomic_add64(ACCT_XP(xp, minflt), (int64_t)b->minflt);
	hal_remote_atomic_add64(ACCT_XP(xp, majflt), (int64_t)b->majflt);
	hal_remote_atomic_add64(ACCT_XP(xp, nvcsw), (int64_t)b->nvcsw);
	hal_remote_atomic_add64(ACCT_XP(xp, nivcsw), (int64_t)b->nivcsw);
	do
		old = hal_remote_l64(ACCT_XP(xp, maxrss_kb));
	while (b->maxrss_kb > old &&
	       !hal_remote_atomic_cas64(ACCT_XP(xp, maxrss_kb), old, b->maxrss_kb));
}

void acct_remote_read(xptr_t xp, acct_t *out)
{
	out->utime_ns = hal_remote_l64(ACCT_XP(xp, utime_ns));
	out->stime_ns = hal_remote_l64(ACCT_XP(xp, stime_ns));
	out->minflt = hal_remote_l64(ACCT_XP(xp, minflt));
	out->majflt = hal_remote_l64(ACCT_XP(xp, majflt));
	out->nvcsw = hal_remote_l64(ACCT_XP(xp, nvcsw));
	out->nivcsw = hal_remote_l64(ACCT_XP(xp, nivcsw));
	out->maxrss_kb = hal_remote_l64(ACCT_XP(xp, maxrss_kb));
}

void acct_thread_exit(thread_t *self)
{
	acct_t mine;

	if (!self->process)
		return;
	acct_self(self, &mine);
	mine.maxrss_kb = 0; /* a process figure */
	acct_remote_add(PROC_XP(self->process->owner_xp, acct_dead), &mine);
}

void acct_process_ended(xptr_t owner, acct_t *out)
{
	acct_t grand;

	acct_remote_read(PROC_XP(owner, acct_dead), out);
	acct_remote_read(PROC_XP(owner, acct_children), &grand);
	acct_add(out, &grand);
}

void acct_reap(xptr_t parent_owner, xptr_t child_owner, acct_t *child_total)
{
	acct_process_ended(child_owner, child_total);
	acct_remote_add(PROC_XP(parent_owner, acct_children), child_total);
}

/* The setting of @which of @owner_xp now (caller holds the owner's sig_lock). */
static void itimer_read(xptr_t owner_xp, int which, uint64_t *value_ns, uint64_t *interval_ns)
{
	int64_t left = (int64_t)hal_remote_l64(PROC_XP(owner_xp, cpu_itimer_left[which]));
	bool armed = hal_remote_l32(PROC_XP(owner_xp, cpu_itimers)) & (1u << which);

	kassert(remote_busylock_is_held_by_me(PROC_XP(owner_xp, sig_lock)));
	*interval_ns = armed ? hal_remote_l64(PROC_XP(owner_xp, cpu_itimer_interval[which])) : 0;
	/* brought to 0 by a charge whose expiry has not reloaded it yet: 1 ns, due */
	*value_ns = armed ? (left > 0 ? (uint64_t)left : 1) : 0;
}

void acct_itimer_set(xptr_t owner_xp, int which, uint64_t value_ns, uint64_t interval_ns,
		     uint64_t *old_value_ns, uint64_t *old_interval_ns)
{
	xptr_t lock = PROC_XP(owner_xp, sig_lock);
	xptr_t left = PROC_XP(owner_xp, cpu_itimer_left[which]);
	xptr_t interval = PROC_XP(owner_xp, cpu_itimer_interval[which]);
	xptr_t armed = PROC_XP(owner_xp, cpu_itimers);

	remote_busylock_acquire(lock); /* no expiry reloads it meanwhile */
	itimer_read(owner_xp, which, old_value_ns, old_interval_ns);
	hal_remote_atomic_and32(armed, ~(1u << which)); /* no charge while it changes */
	hal_remote_s64(interval, value_ns ? interval_ns : 0);
	hal_remote_s64(left, value_ns);
	if (value_ns)
		hal_remote_atomic_or32(armed, 1u << which);
	remote_busylock_release(lock);
}

void acct_itimer_get(xptr_t owner_xp, int which, uint64_t *value_ns, uint64_t *interval_ns)
{
	remote_busylock_acquire(PROC_XP(owner_xp, sig_lock));
	itimer_read(owner_xp, which, value_ns, interval_ns);
	remote_busylock_release(PROC_XP(owner_xp, sig_lock));
}
