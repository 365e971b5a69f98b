/*
 * test_acct_itimer.c - ITIMER_VIRTUAL / ITIMER_PROF (kernel/kern/acct.c, as it is) over a clock
 * the test moves and stand-ins of the process table and of the signal send: the expiry happens
 * in the step that charges the time (a tick, a kernel entry or exit, a read, the end of a switch,
 * never under the scheduler's lock), reloads with the time past 0 kept or disarms, and a
 * setitimer between the charge and the expiry voids it. With the lock checker (CONFIG_DEBUG): the
 * expiry's locks in the kernel's order. Host threads as cores charge one one-shot at once: one
 * signal.
 */
#include "htest.h"

#include <kern/acct.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/busylock.h>
#include <libk/errno.h>

#include <string.h>

/* test_acct_itimer_cores.c: @fn(1..@n) on @n host threads, joined (pthread.h's pid_t is not the
 * kernel's, so the threads are made there). */
void host_run_cores(void *(*fn)(void *), int n);

extern __thread lid_t host_lid; /* hal_host.c: per host thread */

/* ---- the clock: each read advances it by `step` ---- */

static uint64_t now_ns = 1000000;
static uint64_t step;

uint64_t fake_time_ns(void)
{
	return __atomic_add_fetch(&now_ns, step, __ATOMIC_RELAXED);
}

static void advance(uint64_t ns)
{
	__atomic_add_fetch(&now_ns, ns, __ATOMIC_RELAXED);
}

/* ---- one process in a process table; the signals sent to it ---- */

#define PID 0x10002u
#define OWNER XPTR(local_cxy, &proc)

static process_t proc;
static busylock_t table_lock;
static bool proc_gone;
static bool under_sched_lock; /* between acct_switch and acct_switch_tail */
static int sent[SIGNAL_NSIG + 1];
static int bad_sends;

xptr_t signal_owner_lock(uint32_t pid, xptr_t *lock_xp)
{
	*lock_xp = XPTR(local_cxy, &table_lock);
	remote_busylock_acquire(*lock_xp);
	if (!proc_gone && pid == proc.pid)
		return OWNER;
	remote_busylock_release(*lock_xp);
	return XPTR_NULL;
}

error_t signal_send_process(uint32_t pid, int sig, const ksiginfo_t *info)
{
	/* as the kernel's: no scheduler lock, no process table or signal lock held by the sender */
	if (__atomic_load_n(&under_sched_lock, __ATOMIC_RELAXED) || pid != PID || !info ||
	    info->code != SI_KERNEL || busylock_is_held_by_me(&table_lock) ||
	    busylock_is_held_by_me(&proc.sig_lock) || sig < 1 || sig > SIGNAL_NSIG) {
		__atomic_add_fetch(&bad_sends, 1, __ATOMIC_RELAXED);
		return EINVAL;
	}
	__atomic_add_fetch(&sent[sig], 1, __ATOMIC_RELAXED);
	return 0;
}

#include "ptimer_cpu_stubs.h"

static thread_t th;

static void init_thread(thread_t *t)
{
	memset(t, 0, sizeof(*t));
	t->type = THREAD_USER;
	t->process = &proc;
	t->acct_stamp = __atomic_load_n(&now_ns, __ATOMIC_RELAXED);
}

static void setup(void)
{
	memset(&proc, 0, sizeof(proc));
	proc.pid = PID;
	proc.owner_xp = OWNER;
	busylock_init(&proc.sig_lock, "process.sig", LOCK_SIGNAL);
	busylock_init(&table_lock, "cluster.processes", LOCK_PROCESS_STATE);
	proc_gone = false;
	under_sched_lock = false;
	memset(sent, 0, sizeof(sent));
	bad_sends = 0;
	step = 0;
	printk_loglevel = LOG_WARN; /* not acct_boot_options's line at every test */
	acct_boot_options("acct=tick");
	init_thread(&th);
}

static void set(int which, uint64_t value_ns, uint64_t interval_ns)
{
	uint64_t old_value, old_interval;

	acct_itimer_set(OWNER, which, value_ns, interval_ns, &old_value, &old_interval);
}

static uint64_t left(int which, uint64_t *interval_ns)
{
	uint64_t value, interval;

	acct_itimer_get(OWNER, which, &value, &interval);
	if (interval_ns)
		*interval_ns = interval;
	return value;
}

/* @ns of CPU time, closed by a tick that interrupted user code if @user. */
static void tick(uint64_t ns, bool user)
{
	advance(ns);
	acct_tick(&th, user);
}

/* @ns of CPU time closed by a switch away from th (it blocks), the expiry at the switch's end. */
static void switch_out(uint64_t ns, acct_owed_t *owed, bool tail)
{
	thread_t next;

	init_thread(&next);
	advance(ns);
	under_sched_lock = true;
	acct_switch(&th, &next, true, owed);
	under_sched_lock = false;
	if (tail)
		acct_switch_tail(owed);
}

HT_TEST(one_shot_prof_expires_at_the_tick_that_reaches_zero_and_disarms)
{
	uint64_t interval = 1;

	setup();
	set(ACCT_ITIMER_PROF, 100, 0);
	tick(60, false);
	HT_CHECK(sent[SIGPROF] == 0 && left(ACCT_ITIMER_PROF, NULL) == 40);
	tick(40, false);
	HT_CHECK(sent[SIGPROF] == 1 && sent[SIGVTALRM] == 0);
	HT_CHECK(left(ACCT_ITIMER_PROF, &interval) == 0 && interval == 0);
	tick(1000, true);
	HT_CHECK(sent[SIGPROF] == 1 && bad_sends == 0);
}

HT_TEST(virtual_counts_the_ticks_that_interrupted_user_code)
{
	setup();
	set(ACCT_ITIMER_VIRTUAL, 100, 0);
	tick(500, false);
	HT_CHECK(sent[SIGVTALRM] == 0 && left(ACCT_ITIMER_VIRTUAL, NULL) == 100);
	tick(100, true);
	HT_CHECK(sent[SIGVTALRM] == 1 && sent[SIGPROF] == 0 && left(ACCT_ITIMER_VIRTUAL, NULL) == 0);
	HT_CHECK(bad_sends == 0);
}

HT_TEST(periodic_reload_keeps_the_time_past_zero_or_starts_afresh_far_past_it)
{
	uint64_t interval = 0;

	setup();
	set(ACCT_ITIMER_PROF, 100, 100);
	tick(130, true);
	HT_CHECK(sent[SIGPROF] == 1 && left(ACCT_ITIMER_PROF, &interval) == 70 && interval == 100);
	tick(70, false);
	HT_CHECK(sent[SIGPROF] == 2 && left(ACCT_ITIMER_PROF, NULL) == 100);
	tick(350, true); /* 2.5 periods in one charge: one signal (they would merge), a fresh period */
	HT_CHECK(sent[SIGPROF] == 3 && left(ACCT_ITIMER_PROF, NULL) == 100);
	HT_CHECK(bad_sends == 0);
}

HT_TEST(switch_expires_at_its_end_not_under_the_scheduler_lock)
{
	acct_owed_t owed = { 0, 0, 0 };

	setup();
	set(ACCT_ITIMER_PROF, 100, 0);
	set(ACCT_ITIMER_VIRTUAL, 50, 0);
	switch_out(150, &owed, false);
	HT_CHECK(sent[SIGPROF] == 0 && owed.expired == 1u << ACCT_ITIMER_PROF && owed.pid == PID);
	acct_switch_tail(&owed);
	HT_CHECK(sent[SIGPROF] == 1 && owed.expired == 0 && left(ACCT_ITIMER_PROF, NULL) == 0);
	acct_switch_tail(&owed); /* nothing owed twice */
	HT_CHECK(sent[SIGPROF] == 1);
	/* a switch's interval has no mode seen: ITIMER_VIRTUAL is not charged */
	HT_CHECK(sent[SIGVTALRM] == 0 && left(ACCT_ITIMER_VIRTUAL, NULL) == 50);
	HT_CHECK(th.acct.nvcsw == 1 && bad_sends == 0);
}

HT_TEST(a_kernel_thread_switch_owes_nothing)
{
	acct_owed_t owed = { 7, 0, 0 };

	setup();
	set(ACCT_ITIMER_PROF, 100, 0);
	th.type = THREAD_KERNEL;
	switch_out(500, &owed, true);
	HT_CHECK(owed.expired == 0 && sent[SIGPROF] == 0 && left(ACCT_ITIMER_PROF, NULL) == 100);
}

HT_TEST(a_read_of_the_figures_charges_prof)
{
	acct_t a;

	setup();
	set(ACCT_ITIMER_PROF, 100, 0);
	advance(100);
	acct_self(&th, &a);
	HT_CHECK(a.utime_ns + a.stime_ns == 100);
	HT_CHECK(sent[SIGPROF] == 1 && left(ACCT_ITIMER_PROF, NULL) == 0 && bad_sends == 0);
}

HT_TEST(setitimer_between_the_charge_and_the_expiry_voids_it)
{
	acct_owed_t owed = { 0, 0, 0 };
	uint64_t interval = 0;

	setup();
	set(ACCT_ITIMER_PROF, 100, 0);
	switch_out(150, &owed, false);
	set(ACCT_ITIMER_PROF, 500, 20);
	acct_switch_tail(&owed);
	HT_CHECK(sent[SIGPROF] == 0 && left(ACCT_ITIMER_PROF, &interval) == 500 && interval == 20);
	switch_out(600, &owed, false);
	set(ACCT_ITIMER_PROF, 0, 0); /* disarmed meanwhile */
	acct_switch_tail(&owed);
	HT_CHECK(sent[SIGPROF] == 0 && left(ACCT_ITIMER_PROF, NULL) == 0 && bad_sends == 0);
}

HT_TEST(an_expired_one_reads_as_due_until_its_expiry_runs)
{
	acct_owed_t owed = { 0, 0, 0 };

	setup();
	set(ACCT_ITIMER_PROF, 100, 100);
	switch_out(130, &owed, false);
	HT_CHECK(left(ACCT_ITIMER_PROF, NULL) == 1); /* at or past 0, not reloaded yet */
	acct_switch_tail(&owed);
	HT_CHECK(sent[SIGPROF] == 1 && left(ACCT_ITIMER_PROF, NULL) == 70);
}

HT_TEST(the_expiry_of_an_ended_process_sends_nothing)
{
	acct_owed_t owed = { 0, 0, 0 };

	setup();
	set(ACCT_ITIMER_PROF, 100, 0);
	switch_out(150, &owed, false);
	proc_gone = true;
	acct_switch_tail(&owed);
	HT_CHECK(sent[SIGPROF] == 0 && owed.expired == 0 && bad_sends == 0);
}

HT_TEST(precise_accounting_expires_at_kernel_entries_and_exits)
{
	setup();
	acct_boot_options("acct=precise");
	set(ACCT_ITIMER_VIRTUAL, 100, 0);
	set(ACCT_ITIMER_PROF, 150, 0);
	tick(1000, true); /* precise: the tick charges nothing */
	HT_CHECK(sent[SIGVTALRM] == 0 && sent[SIGPROF] == 0);
	acct_user_enter(&th); /* the 1000 ns since were user time: both */
	HT_CHECK(sent[SIGVTALRM] == 1 && sent[SIGPROF] == 1);
	set(ACCT_ITIMER_VIRTUAL, 100, 0);
	set(ACCT_ITIMER_PROF, 100, 0);
	advance(100);
	acct_user_exit(&th); /* system time: ITIMER_PROF only */
	HT_CHECK(sent[SIGVTALRM] == 1 && sent[SIGPROF] == 2 && left(ACCT_ITIMER_VIRTUAL, NULL) == 100);
	HT_CHECK(bad_sends == 0);
	acct_boot_options("acct=tick");
}

/* ---- host threads as cores ---- */

#define CORES  4
#define CHARGES 20000

static void *charger(void *arg)
{
	thread_t mine;

	host_lid = (lid_t)(uintptr_t)arg;
	init_thread(&mine);
	for (int i = 0; i < CHARGES; i++)
		acct_tick(&mine, i & 1);
	return NULL;
}

HT_TEST(concurrent_charges_expire_a_one_shot_once)
{
	setup();
	step = 1; /* every clock read moves it: each tick charges what passed since the thread's last */
	set(ACCT_ITIMER_PROF, CORES * CHARGES / 2, 0);
	set(ACCT_ITIMER_VIRTUAL, CORES * CHARGES / 8, 0);
	host_run_cores(charger, CORES);
	step = 0;
	HT_CHECK(sent[SIGPROF] == 1 && sent[SIGVTALRM] == 1 && bad_sends == 0);
	HT_CHECK(left(ACCT_ITIMER_PROF, NULL) == 0 && left(ACCT_ITIMER_VIRTUAL, NULL) == 0);
}
