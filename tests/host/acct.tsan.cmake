# The CPU itimers charged by host threads as cores at once (test_acct_itimer's concurrent case)
# under ThreadSanitizer. Included only with ARCHIPEL_TSAN; the ctest name is host.tsan.acct_itimer.
# libk.cmake (and its renamed libk) is not part of the TSan tree: acct.c's command-line parser
# is built here the same way.
add_library(libk_renamed_tsan OBJECT
  ${ARCHIPEL_ROOT}/kernel/libk/string.c
  ${ARCHIPEL_ROOT}/kernel/libk/cmdline.c)
target_include_directories(libk_renamed_tsan PRIVATE ${HOST_TEST_INCLUDES})
target_compile_definitions(libk_renamed_tsan PRIVATE ARCHIPEL_HOST_TEST)
target_compile_options(libk_renamed_tsan PRIVATE
  -fno-builtin -include ${CMAKE_CURRENT_LIST_DIR}/libk_rename.h)

archipel_host_test(tsan.acct_itimer
  SOURCES test_acct_itimer.c test_acct_itimer_cores.c thread_host.c kernel/kern/acct.c
          kernel/libk/busylock.c kernel/libk/lockdep.c kernel/libk/xlist.c
  ARGS concurrent
  DEFINES CONFIG_DEBUG=1 hal_get_time_ns=fake_time_ns)
target_link_libraries(tsan.acct_itimer PRIVATE libk_renamed_tsan pthread)
