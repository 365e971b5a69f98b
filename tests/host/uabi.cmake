# Host tests of the user ABI of each architecture (hal_uabi.h: hal/<arch>/include/arch/) and of its
# conversions (kernel/syscalls/uabi.c). test_uabi is built once per architecture's headers.
# On an x86_64 host, user/uabi_check.c is also compiled against x86_64's headers and the host's own
# Linux UAPI headers: a layout, constant or syscall number that is not Linux's fails the build
# (riscv64's are compared with the cross toolchain's by the kernel tree's user build).
# test_syscall_compat runs the calls riscv64 lacks (sys_compat.c, and poll, select and pause of
# sys_poll.c) with x86_64's headers, over stand-ins of what they call and a clock of its own.
archipel_host_test(test_uabi_riscv SOURCES test_uabi.c kernel/syscalls/uabi.c)
archipel_host_test(test_uabi_x86_64 SOURCES test_uabi.c kernel/syscalls/uabi.c)
target_include_directories(test_uabi_x86_64 BEFORE PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include
                           ${ARCHIPEL_ROOT}/hal/x86_64/include)

if(CMAKE_SYSTEM_PROCESSOR STREQUAL "x86_64" AND EXISTS /usr/include/x86_64-linux-gnu/asm/unistd_64.h)
  add_library(uabi_check_x86_64 OBJECT ${ARCHIPEL_ROOT}/user/uabi_check.c)
  target_include_directories(uabi_check_x86_64 PRIVATE ${ARCHIPEL_ROOT}/hal/x86_64/include ${ARCHIPEL_ROOT}/kernel)
  add_dependencies(test_uabi_x86_64 uabi_check_x86_64)
else()
  message(STATUS "host tests: not an x86_64 host, x86_64's ABI headers are not compared with Linux's")
endif()

archipel_host_test(test_syscall_compat
  SOURCES test_syscall_compat.c thread_host.c kernel/syscalls/sys_compat.c
          kernel/syscalls/sys_poll.c kernel/syscalls/uabi.c kernel/libk/xlist.c
  DEFINES hal_get_time_ns=fake_time_ns)
target_include_directories(test_syscall_compat BEFORE PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include
                           ${ARCHIPEL_ROOT}/hal/x86_64/include)
