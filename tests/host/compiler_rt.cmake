archipel_host_test(test_compiler_rt SOURCES test_compiler_rt.c kernel/libk/compiler_rt.c)
