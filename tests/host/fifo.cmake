# Host tests of the RPC FIFO (kernel/kern/remote_fifo.c), under AddressSanitizer and UBSan: every
# test, the multi-threaded ones (tsan_*) included. fifo.tsan.cmake runs those under ThreadSanitizer.
archipel_host_test(test_remote_fifo SOURCES test_remote_fifo.c kernel/kern/remote_fifo.c)
target_link_libraries(test_remote_fifo PRIVATE pthread)
