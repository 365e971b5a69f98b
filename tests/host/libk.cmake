# libk's string functions and the command-line parser, on the host (libk_renamed: CMakeLists.txt).
# The tests compare libk_* with the C library's functions.

archipel_host_test(test_string SOURCES test_string.c)
target_link_libraries(test_string PRIVATE libk_renamed)

archipel_host_test(test_cmdline SOURCES test_cmdline.c)
target_link_libraries(test_cmdline PRIVATE libk_renamed)
