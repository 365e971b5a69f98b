archipel_host_test(test_busylock SOURCES test_busylock.c kernel/libk/busylock.c)
