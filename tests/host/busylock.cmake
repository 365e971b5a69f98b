archipel_host_test(test_busylock SOURCES test_busylock.c kernel/libk/busylock.c)
target_link_libraries(test_busylock PRIVATE pthread)
