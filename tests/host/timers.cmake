# Host tests of the timers' and loads' arithmetic (kern/ptimer.h's ptimer_periods, kern/loadavg.h's
# loadavg_step): pure functions, no kernel state.
archipel_host_test(test_timer_math SOURCES test_timer_math.c)
