# Host tests of the kernel lists and memory allocators (PPM, KCM, kmem) over simulated clusters.
set(MM_TEST_SOURCES mm_fixture.c kernel/libk/xlist.c kernel/libk/busylock.c kernel/mm/ppm.c kernel/mm/ppm_pcp.c
    kernel/mm/kcm.c kernel/mm/kmem.c)

archipel_host_test(test_list SOURCES test_list.c)
archipel_host_test(test_xlist SOURCES test_xlist.c kernel/libk/xlist.c)
archipel_host_test(test_ppm SOURCES test_ppm.c ${MM_TEST_SOURCES})
archipel_host_test(test_kcm SOURCES test_kcm.c ${MM_TEST_SOURCES})
# The fault-injection points of the allocators (mm/failnth.h), with the fixture's counter.
archipel_host_test(test_alloc_failnth SOURCES test_alloc_failnth.c ${MM_TEST_SOURCES})
# The counters of fault injection (kernel/mm/failnth.c) over host threads.
archipel_host_test(test_failnth SOURCES test_failnth.c kernel/mm/failnth.c thread_host.c
  kernel/libk/xlist.c)
target_link_libraries(test_failnth PRIVATE pthread)
