# Host tests of the kernel lists and memory allocators (PPM, KCM, kmem) over simulated clusters.
set(MM_TEST_SOURCES mm_fixture.c kernel/libk/xlist.c kernel/libk/busylock.c kernel/mm/ppm.c
    kernel/mm/kcm.c kernel/mm/kmem.c)

archipel_host_test(test_list SOURCES test_list.c)
archipel_host_test(test_xlist SOURCES test_xlist.c kernel/libk/xlist.c)
archipel_host_test(test_ppm SOURCES test_ppm.c ${MM_TEST_SOURCES})
archipel_host_test(test_kcm SOURCES test_kcm.c ${MM_TEST_SOURCES})
