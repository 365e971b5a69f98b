# libk's string functions and the command-line parser, on the host.
#
# kernel/libk/string.c defines the same names as the host C library, so it and the code that must
# call it are compiled once, as an object library, with libk_rename.h force-included (memcpy ->
# libk_memcpy, ...) and without builtins, as in the kernel. The tests compare libk_* with the C
# library's functions.
add_library(libk_renamed OBJECT
  ${ARCHIPEL_ROOT}/kernel/libk/string.c
  ${ARCHIPEL_ROOT}/kernel/libk/cmdline.c)
target_include_directories(libk_renamed PRIVATE ${HOST_TEST_INCLUDES})
target_compile_definitions(libk_renamed PRIVATE ARCHIPEL_HOST_TEST)
target_compile_options(libk_renamed PRIVATE
  -fno-builtin -include ${CMAKE_CURRENT_LIST_DIR}/libk_rename.h)

archipel_host_test(test_string SOURCES test_string.c)
target_link_libraries(test_string PRIVATE libk_renamed)

archipel_host_test(test_cmdline SOURCES test_cmdline.c)
target_link_libraries(test_cmdline PRIVATE libk_renamed)
