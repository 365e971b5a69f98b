# Host tests of the CPU-time interval timers (kernel/kern/acct.c as it is: ITIMER_VIRTUAL/PROF
# charged by ticks, switches, reads and precise crossings, and their expiry where the time is
# charged), over a clock the test moves and stand-ins of the process table and of the signal send;
# with the lock checker, and host threads as cores charging at once.
archipel_host_test(test_acct_itimer
  SOURCES test_acct_itimer.c test_acct_itimer_cores.c thread_host.c kernel/kern/acct.c
          kernel/libk/busylock.c kernel/libk/lockdep.c kernel/libk/xlist.c
  DEFINES CONFIG_DEBUG=1 hal_get_time_ns=fake_time_ns)
target_link_libraries(test_acct_itimer PRIVATE libk_renamed pthread)

# Host tests of the CPU time split (kernel/kern/acct.c, included by the test with a clock it sets):
# the tick's samples, acct=precise's exact split, figures that never go down.
archipel_host_test(test_acct
  SOURCES test_acct.c kernel/libk/busylock.c kernel/libk/lockdep.c
          kernel/libk/xlist.c)
target_link_libraries(test_acct PRIVATE libk_renamed pthread)
