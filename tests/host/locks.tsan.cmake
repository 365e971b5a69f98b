# The blocking locks' concurrent tests (test names containing "concurrent") under ThreadSanitizer;
# ctest name host.tsan.locks. Sources as locks.cmake.
set(LOCKS_TSAN_SOURCES test_blocking_locks.c thread_host.c kernel/kern/queuelock.c
    kernel/kern/rwlock.c kernel/libk/busylock.c kernel/libk/lockdep.c kernel/libk/xlist.c)
archipel_host_test(tsan.locks ARGS concurrent SOURCES ${LOCKS_TSAN_SOURCES} DEFINES CONFIG_DEBUG=1)
target_link_libraries(tsan.locks PRIVATE pthread)
