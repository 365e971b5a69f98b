# Host tests of vsegs, the VSL tree and the user virtual-space allocators (kernel/mm/vseg.c, vsl.c,
# vspace.c). vseg_alloc uses kmem, so the vseg test runs over the mm fixture's simulated clusters.
# test_vsl is built twice: the ANON placement under the default policy (first touch) and under the
# creator policy (CONFIG_VMM_ANON_FIRST_TOUCH=0, as ALMOS-MKH).
set(VSL_TEST_SOURCES kernel/mm/vseg.c kernel/mm/vsl.c mm_fixture.c kernel/libk/xlist.c
    kernel/libk/busylock.c kernel/mm/ppm.c kernel/mm/ppm_pcp.c kernel/mm/kcm.c kernel/mm/kmem.c)

archipel_host_test(test_vsl SOURCES test_vsl.c ${VSL_TEST_SOURCES})
archipel_host_test(test_vsl_creator SOURCES test_vsl.c ${VSL_TEST_SOURCES}
  DEFINES CONFIG_VMM_ANON_FIRST_TOUCH=0)
archipel_host_test(test_vspace SOURCES test_vspace.c kernel/mm/vspace.c ${VSL_TEST_SOURCES})
