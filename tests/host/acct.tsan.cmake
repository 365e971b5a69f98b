# The CPU itimers charged by host threads as cores at once (test_acct_itimer's concurrent case)
# under ThreadSanitizer. Included only with ARCHIPEL_TSAN; the ctest name is host.tsan.acct_itimer.

archipel_host_test(tsan.acct_itimer
  SOURCES test_acct_itimer.c test_acct_itimer_cores.c thread_host.c kernel/kern/acct.c
          kernel/libk/busylock.c kernel/libk/lockdep.c kernel/libk/xlist.c
  ARGS concurrent
  DEFINES CONFIG_DEBUG=1 hal_get_time_ns=fake_time_ns)
target_link_libraries(tsan.acct_itimer PRIVATE libk_renamed pthread)
