/*
 * test_acct.c - the split of a thread's CPU time into user and system time (kernel/kern/acct.c,
 * included here with a clock the test sets): tick samples weigh one tick each whatever the
 * interval they close, the split of acct=precise is exact, and neither figure ever goes down.
 *
 * The regression case (docs/sched.md, "Accounting"): a thread whose user stretches are short (cut
 * by switches) and whose system stretches are long; weighing each tick's sample by the length of
 * the interval it closed gave it about (u/k)^2 of its time as user time instead of u/(u+k), and
 * test_usage's spinning child on 4x2 then ran for tens of seconds without counting 50 ms.
 */
#define hal_get_time_ns test_clock_ns
#include "kernel/kern/acct.c"
#undef hal_get_time_ns

#include "htest.h"

#include <string.h>

#define US 1000ull
#define MS 1000000ull

static uint64_t now_ns;

/* A tick that lands during the next clock read (the middle of a close), or once IRQs are on. */
static bool tick_in_read, tick_pending;
static thread_t thread;

uint64_t test_clock_ns(void)
{
	if (tick_in_read) {
		tick_in_read = false;
		if (hal_irq_enabled()) {
			now_ns += 1 * MS; /* the tick's own clock read comes later */
			acct_tick(&thread, true);
			now_ns -= 1 * MS;
		} else {
			tick_pending = true;
		}
	}
	return now_ns;
}

/* What acct.c calls besides the clock; the threads here have no process, so none is reached. */
xptr_t signal_owner_lock(uint32_t pid, xptr_t *lock_xp)
{
	(void)pid;
	(void)lock_xp;
	HT_CHECK(!"no itimer is armed");
	return XPTR_NULL;
}

thread_t *thread_current(void)
{
	return NULL;
}

error_t signal_send_process(uint32_t pid, int sig, const ksiginfo_t *info)
{
	(void)pid;
	(void)sig;
	(void)info;
	HT_CHECK(!"no itimer is armed");
	return 0;
}

#include "ptimer_cpu_stubs.h"


static void reset(bool precise)
{
	memset(&thread, 0, sizeof(thread));
	thread.type = THREAD_USER;
	acct_precise = precise;
	now_ns = 1 * MS;
	thread.acct_stamp = now_ns;
}

/* Its figures now, checked never to go down from @last (updated). */
static acct_t read_checked(acct_t *last)
{
	acct_t a;

	acct_self(&thread, &a);
	HT_CHECK(a.utime_ns >= last->utime_ns && a.stime_ns >= last->stime_ns);
	HT_CHECK(a.utime_ns + a.stime_ns == now_ns - 1 * MS);
	*last = a;
	return a;
}

/*
 * Cycles of @user_ns in user mode then @sys_ns in the kernel, each stretch opened by a switch or a
 * read (an interval closed unseen), for @cycles cycles; a tick every CONFIG_TICK_NS from @phase_ns.
 * Returns the user time counted.
 */
static uint64_t run_cycles(uint64_t user_ns, uint64_t sys_ns, uint32_t cycles, uint64_t phase_ns)
{
	uint64_t start = now_ns, tick = start + phase_ns, period = user_ns + sys_ns;
	acct_t last = { 0 };

	for (uint32_t c = 0; c < cycles; c++) {
		uint64_t cycle = start + c * period, edges[2] = { cycle, cycle + user_ns };

		for (int e = 0; e < 2; e++) {
			uint64_t end = e ? cycle + period : edges[1];

			now_ns = edges[e];
			read_checked(&last);
			for (; tick < end; tick += CONFIG_TICK_NS) {
				now_ns = tick;
				acct_tick(&thread, e == 0);
			}
		}
	}
	now_ns = start + cycles * period;
	return read_checked(&last).utime_ns;
}

HT_TEST(short_user_stretches_get_their_share)
{
	/* 0.5 ms of user code, 5 ms in the kernel: 1/11 of 11 s is user time. The ticks' phase in
	 * the 5.5 ms cycle moves by 1 ms a tick: each of 11 phases, one of them in user mode. */
	reset(false);
	uint64_t user = run_cycles(500 * US, 5000 * US, 2000, 250 * US);
	uint64_t expected = 2000 * 500 * US;

	printf("# user %llu ns of %llu expected\n", (unsigned long long)user,
	       (unsigned long long)expected);
	HT_CHECK(user >= expected * 8 / 10 && user <= expected * 12 / 10);
}

HT_TEST(long_user_stretches_get_their_share)
{
	/* the mirror case: 5 ms of user code, 0.5 ms in the kernel */
	reset(false);
	uint64_t user = run_cycles(5000 * US, 500 * US, 2000, 250 * US);
	uint64_t expected = 2000 * 5000 * US;

	HT_CHECK(user >= expected * 9 / 10 && user <= expected * 11 / 10);
}

HT_TEST(no_tick_in_user_mode_counts_no_user_time)
{
	/* Every tick lands 5 ms into a cycle, in the kernel. Before the first sample a split has
	 * nothing to follow: the first millisecond went to user time (Linux's cputime_adjust gives
	 * all to user time while no tick sampled the system), and stays there. */
	reset(false);
	HT_CHECK(run_cycles(1 * MS, 9 * MS, 10, 5 * MS) == 1 * MS);
	HT_CHECK(thread.acct.stime_ns == 99 * MS);
}

HT_TEST(tick_during_a_read_loses_nothing)
{
	/*
	 * The tick's handler closes the current thread's interval; one landing while a read of the
	 * figures was closing it (between its clock read and its update) saw the old stamp, and the
	 * interrupted close then wrote figures computed before the tick: user time went down and the
	 * interval counted twice. The close runs with IRQs off: the tick comes after it.
	 */
	acct_t last = { 0 };

	reset(false);
	for (int i = 0; i < 100; i++) {
		now_ns += 3 * MS;
		acct_tick(&thread, true); /* some user time seen */
		now_ns += 2 * MS;
		tick_in_read = true;
		read_checked(&last);
		HT_CHECK(!tick_in_read);
		if (tick_pending) { /* delivered when the close gave the IRQs back */
			tick_pending = false;
			now_ns += 1 * MS;
			acct_tick(&thread, true);
			read_checked(&last);
		}
	}
}

HT_TEST(precise_split_is_exact)
{
	acct_t a, last = { 0 };

	reset(true);
	for (int i = 0; i < 100; i++) {
		now_ns += 3 * MS + (uint64_t)i * US;   /* in the kernel */
		acct_user_exit(&thread);
		now_ns += 7 * MS;                      /* in user mode */
		acct_user_enter(&thread);
		if (i % 10 == 0)
			read_checked(&last);
	}
	a = read_checked(&last);
	HT_CHECK(a.utime_ns == 100 * 7 * MS);
	HT_CHECK(a.stime_ns == 100 * 3 * MS + 4950 * US);
}

HT_TEST(figures_never_go_down_when_the_ratio_turns)
{
	acct_t last = { 0 };

	reset(false);
	/* first all system, then all user: the system time keeps what it had */
	for (int i = 0; i < 20; i++) {
		now_ns += CONFIG_TICK_NS;
		acct_tick(&thread, i >= 10);
		read_checked(&last);
	}
	HT_CHECK(last.stime_ns == 10 * CONFIG_TICK_NS);
	HT_CHECK(last.utime_ns == 10 * CONFIG_TICK_NS);
}
