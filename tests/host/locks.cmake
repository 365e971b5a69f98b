# The blocking locks' state word and slow paths (kernel/kern/queuelock.c, rwlock.c) with the
# kernel's busylock and lists and thread_host.c's blocking, in release form and with the lock
# checker (CONFIG_DEBUG), as the two kernels build them.
set(LOCKS_TEST_SOURCES test_blocking_locks.c thread_host.c kernel/kern/queuelock.c
    kernel/kern/rwlock.c kernel/libk/busylock.c kernel/libk/lockdep.c kernel/libk/xlist.c)
archipel_host_test(test_blocking_locks SOURCES ${LOCKS_TEST_SOURCES})
target_link_libraries(test_blocking_locks PRIVATE pthread)
archipel_host_test(test_blocking_locks_debug SOURCES ${LOCKS_TEST_SOURCES} DEFINES CONFIG_DEBUG=1)
target_link_libraries(test_blocking_locks_debug PRIVATE pthread)
