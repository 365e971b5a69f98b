# Host tests of the user ABI of each architecture (hal_uabi.h: hal/<arch>/include/arch/) and of its
# conversions (kernel/syscalls/uabi.c). test_uabi is built once per architecture's headers; the
# x86_64 build also compares them with the host's own Linux x86_64 UAPI headers when the host is
# x86_64 (riscv64's are compared with the cross toolchain's by user/uabi_check.c).
# test_syscall_compat runs the calls riscv64 lacks (sys_compat.c, and poll, select and pause of
# sys_poll.c) with x86_64's headers, over stand-ins of what they call and a clock of its own.
archipel_host_test(test_uabi_riscv SOURCES test_uabi.c kernel/syscalls/uabi.c)

set(UABI_X86_SOURCES test_uabi.c kernel/syscalls/uabi.c)
set(UABI_X86_DEFINES "")
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "x86_64" AND EXISTS /usr/include/x86_64-linux-gnu/asm/unistd_64.h)
  list(APPEND UABI_X86_SOURCES uabi_linux_x86_64.c)
  list(APPEND UABI_X86_DEFINES UABI_TEST_HOST_X86_64)
else()
  message(STATUS "host tests: not an x86_64 host, test_uabi_x86_64 skips the UAPI comparison")
endif()
archipel_host_test(test_uabi_x86_64 SOURCES ${UABI_X86_SOURCES} DEFINES ${UABI_X86_DEFINES})
target_include_directories(test_uabi_x86_64 BEFORE PRIVATE ${ARCHIPEL_ROOT}/hal/x86_64/include)

archipel_host_test(test_syscall_compat
  SOURCES test_syscall_compat.c thread_host.c kernel/syscalls/sys_compat.c
          kernel/syscalls/sys_poll.c kernel/syscalls/uabi.c kernel/libk/xlist.c
  DEFINES hal_get_time_ns=fake_time_ns)
target_include_directories(test_syscall_compat BEFORE PRIVATE ${ARCHIPEL_ROOT}/hal/x86_64/include)
