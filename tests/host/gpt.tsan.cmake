# The GPT's multi-threaded tests (names containing "tsan": host threads as cores racing to install
# tables and to take PTE locks) under ThreadSanitizer. Included only with ARCHIPEL_TSAN (the
# host-tsan preset); the ctest name is host.tsan.gpt. Same sources as gpt.cmake.
archipel_host_test(tsan.gpt ARGS tsan SOURCES test_gpt.c gpt_fixture.c mm_fixture.c
    hal/riscv/hal_gpt.c kernel/mm/ppm.c kernel/mm/kcm.c kernel/mm/kmem.c kernel/libk/xlist.c
    kernel/libk/busylock.c)
target_include_directories(tsan.gpt PRIVATE ${ARCHIPEL_ROOT}/hal/riscv)
target_link_libraries(tsan.gpt PRIVATE pthread)
