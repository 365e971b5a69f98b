# Host tests of the generic page table (hal/common/hal_gpt.c) over simulated clusters, their PPMs
# (mm_fixture.h) and fake kernel roots (gpt_fixture.h), under AddressSanitizer and UBSan: every test,
# the multi-threaded ones (tsan_*) included; gpt.tsan.cmake runs those under ThreadSanitizer.
# The same tests run over each architecture's PTE format: test_gpt with hal/riscv/include first on
# the include path (Sv39, 3 levels), test_gpt_x86_64 with hal/x86_64/include first (4-level
# paging), after the host's stand-ins (tests/host/include); both with the switch of root,
# hal/common/hal_gpt_root.c, whose hal_mmu_switch_root the fixture stands in for.
set(GPT_TEST_COMMON test_gpt.c test_gpt_walks.c gpt_fixture.c mm_fixture.c hal/common/hal_gpt.c
    hal/common/hal_gpt_root.c
    kernel/mm/ppm.c kernel/mm/ppm_pcp.c kernel/mm/kcm.c kernel/mm/kmem.c kernel/libk/xlist.c kernel/libk/busylock.c)

function(archipel_gpt_test name arch)
  if(arch STREQUAL "riscv")
    archipel_host_test(${name} ${ARGN} SOURCES ${GPT_TEST_COMMON} gpt_fixture_sv39.c)
  else()
    archipel_host_test(${name} ${ARGN} SOURCES ${GPT_TEST_COMMON} gpt_fixture_x86_64.c)
    target_include_directories(${name} BEFORE PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include
                           ${ARCHIPEL_ROOT}/hal/x86_64/include)
  endif()
  target_link_libraries(${name} PRIVATE pthread)
endfunction()

if(NOT ARCHIPEL_TSAN) # gpt.tsan.cmake includes this file for the function above
  archipel_gpt_test(test_gpt riscv)
  archipel_gpt_test(test_gpt_x86_64 x86_64)
endif()
