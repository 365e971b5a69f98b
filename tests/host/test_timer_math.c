/*
 * test_timer_math.c - the pure arithmetic of timers and loads: ptimer_periods (the expiries of a
 * periodic timer that ran late and its next deadline, as Linux's hrtimer_forward), loadavg_step
 * (Linux's calc_load, checked against values Linux's formula gives) and the decay of a load over
 * time.
 */
#include <kern/loadavg.h>
#include <kern/ptimer.h>

#include "htest.h"

HT_TEST(periods_on_time_and_late)
{
	uint64_t next;

	HT_CHECK(ptimer_periods(1000, 100, 1000, &next) == 1 && next == 1100);
	HT_CHECK(ptimer_periods(1000, 100, 1050, &next) == 1 && next == 1100);
	HT_CHECK(ptimer_periods(1000, 100, 1099, &next) == 1 && next == 1100);
	HT_CHECK(ptimer_periods(1000, 100, 1100, &next) == 2 && next == 1200);
	HT_CHECK(ptimer_periods(1000, 100, 1999, &next) == 10 && next == 2000);
	HT_CHECK(ptimer_periods(1000, 1, 1000000, &next) == 999001 && next == 1000001);
	/* a deadline still ahead (woken early): one period, from the deadline */
	HT_CHECK(ptimer_periods(1000, 100, 900, &next) == 1 && next == 1100);
	/* huge periods do not overflow for any uptime below 2^63 ns */
	HT_CHECK(ptimer_periods(1ULL << 40, 1ULL << 60, (1ULL << 40) + 5, &next) == 1 &&
		 next == (1ULL << 40) + (1ULL << 60));
}

HT_TEST(rearm_never_sooner_than_the_gap)
{
	uint64_t next, skipped;

	/* a period longer than the gap: ptimer_periods' figures, nothing skipped */
	HT_CHECK(ptimer_rearm(1000, 100, 1050, 10, &next, &skipped) == 1 && next == 1100 && skipped == 0);
	HT_CHECK(ptimer_rearm(1000, 100, 1090, 10, &next, &skipped) == 1 && next == 1100 && skipped == 0);
	/* due within the gap: on by whole periods, the ones skipped counted apart */
	HT_CHECK(ptimer_rearm(1000, 100, 1095, 20, &next, &skipped) == 1 && next == 1200 && skipped == 1);
	/* 1 ns periods (valid): the next deadline is the gap away, each ns of it skipped */
	HT_CHECK(ptimer_rearm(1000, 1, 1000, 10000000, &next, &skipped) == 1 &&
		 next == 1000 + 10000000 && skipped == 10000000 - 1);
	HT_CHECK(ptimer_rearm(1000, 1, 5000, 10000000, &next, &skipped) == 4001 &&
		 next == 5000 + 10000000 && skipped == 10000000 - 1);
	/* on the grid of the first deadline */
	HT_CHECK(ptimer_rearm(1000, 3, 1001, 10, &next, &skipped) == 1 && next == 1012 &&
		 (next - 1000) % 3 == 0 && skipped == 3);
}

HT_TEST(load_step_matches_linux)
{
	/* one runnable thread for one 5 s period from 0: Linux's avenrun[0] becomes 164 + 2047 >> 11 */
	HT_CHECK(loadavg_step(0, LOADAVG_EXP_1, LOADAVG_FIXED_1) == (0 * 1884 + 2048 * 164 + 2047) / 2048);
	HT_CHECK(loadavg_step(0, LOADAVG_EXP_1, LOADAVG_FIXED_1) == 164);
	HT_CHECK(loadavg_step(0, LOADAVG_EXP_5, LOADAVG_FIXED_1) == 34);
	HT_CHECK(loadavg_step(0, LOADAVG_EXP_15, LOADAVG_FIXED_1) == 11);
	/* falling: no rounding up */
	HT_CHECK(loadavg_step(2048, LOADAVG_EXP_1, 0) == 2048 * 1884 / 2048);
	/* a constant load converges to it and stays */
	uint64_t l = 0;
	for (int i = 0; i < 1000; i++)
		l = loadavg_step(l, LOADAVG_EXP_1, 3 * LOADAVG_FIXED_1);
	HT_CHECK(l == 3 * LOADAVG_FIXED_1);
	/* an idle machine decays to 0 */
	for (int i = 0; i < 1000; i++)
		l = loadavg_step(l, LOADAVG_EXP_15, 0);
	HT_CHECK(l == 0);
}
