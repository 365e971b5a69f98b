# Host tests of the cross-cluster barrier (kernel/libk/xbarrier.c), under AddressSanitizer and
# UBSan: its sleeping form with a wake-up per round, and its spinning form (host threads as cores).
archipel_host_test(test_xbarrier SOURCES test_xbarrier.c kernel/libk/xbarrier.c)
target_link_libraries(test_xbarrier PRIVATE pthread)
