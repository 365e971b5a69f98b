# The barrier's multi-threaded tests (tsan_*) under ThreadSanitizer. Included only with
# ARCHIPEL_TSAN (the host-tsan preset); the ctest name is host.tsan.xbarrier.
archipel_host_test(tsan.xbarrier SOURCES test_xbarrier.c kernel/libk/xbarrier.c ARGS tsan)
target_link_libraries(tsan.xbarrier PRIVATE pthread)
