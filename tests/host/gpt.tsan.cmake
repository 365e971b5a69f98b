# The GPT's multi-threaded tests (names containing "tsan": host threads as cores racing to install
# tables, to take PTE locks and to scan while others map) under ThreadSanitizer, over both PTE
# formats. Included only with ARCHIPEL_TSAN (the host-tsan preset); the ctest names are
# host.tsan.gpt and host.tsan.gpt_x86_64. Same sources as gpt.cmake, which defines the function.
include(${CMAKE_CURRENT_LIST_DIR}/gpt.cmake)
archipel_gpt_test(tsan.gpt riscv ARGS tsan)
archipel_gpt_test(tsan.gpt_x86_64 x86_64 ARGS tsan)
