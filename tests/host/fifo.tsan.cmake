# The RPC FIFO's multi-threaded tests (names containing "tsan": host threads as producers) under
# ThreadSanitizer. Included only with ARCHIPEL_TSAN (the host-tsan preset); the ctest name is
# host.tsan.remote_fifo.
archipel_host_test(tsan.remote_fifo SOURCES test_remote_fifo.c kernel/kern/remote_fifo.c ARGS tsan)
target_link_libraries(tsan.remote_fifo PRIVATE pthread)
