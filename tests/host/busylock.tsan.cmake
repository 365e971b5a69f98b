# The busylock's contended test (host threads as cores) under ThreadSanitizer. Included only with
# ARCHIPEL_TSAN (the host-tsan preset); the ctest name is host.tsan.busylock.
archipel_host_test(tsan.busylock SOURCES test_busylock.c kernel/libk/busylock.c ARGS tsan)
target_link_libraries(tsan.busylock PRIVATE pthread)
