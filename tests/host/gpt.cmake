# Host tests of the Sv39 generic page table (hal/riscv/hal_gpt.c) over simulated clusters, their
# PPMs (mm_fixture.h) and fake kernel roots (gpt_fixture.h), under AddressSanitizer and UBSan: every
# test, the multi-threaded ones (tsan_*) included; gpt.tsan.cmake runs those under ThreadSanitizer.
# hal/riscv is on the include path for mmu.h only; hal_tlb.c (satp, sfence.vma) is not compiled:
# the fixture stands in for it.
set(GPT_TEST_SOURCES test_gpt.c gpt_fixture.c mm_fixture.c hal/riscv/hal_gpt.c kernel/mm/ppm.c
    kernel/mm/kcm.c kernel/mm/kmem.c kernel/libk/xlist.c kernel/libk/busylock.c)

archipel_host_test(test_gpt SOURCES ${GPT_TEST_SOURCES})
target_include_directories(test_gpt PRIVATE ${ARCHIPEL_ROOT}/hal/riscv)
target_link_libraries(test_gpt PRIVATE pthread)
