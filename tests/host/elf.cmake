# Host tests of the exec-format parsers: ELF64 executables (kernel/libk/elf.c, test_elf.c) and newc
# cpio archives (kernel/fs/cpio.c, test_cpio.c), and a bounded libFuzzer run of each (fuzz/fuzz.cmake).
#
# Their inputs are made at build time:
#  - in <build>/tests/host/elf/: executables of elf/hello.c and elf/nostart.c. For riscv64, by Debian's
#    cross compiler: static glibc (rv-static), static-pie glibc (rv-static-pie, only if it links:
#    Debian's riscv64 cross libc has no rcrt1.o), -nostdlib with its own entry point (rv-nostdlib),
#    the same as a static-pie without interpreter (rv-nostdlib-pie) and a dynamic one (rv-dynamic,
#    PT_INTERP). For x86_64 (EM_X86_64), by the host compiler if it links them: static and
#    static-pie glibc. elf_expect.h holds what `readelf -hlW` says of each (elf/mkexpect.py);
#  - in <build>/tests/host/cpio/: a small tree, its archive tree.cpio and the empty archive
#    empty.cpio (cpio/mkarchive.sh).
# A missing tool skips the tests that need it, with a warning.

set(ELF_TEST_DIR ${CMAKE_CURRENT_BINARY_DIR}/elf)
set(ELF_TEST_SRC ${CMAKE_CURRENT_LIST_DIR}/elf)
set(CPIO_TEST_DIR ${CMAKE_CURRENT_BINARY_DIR}/cpio)
file(MAKE_DIRECTORY ${ELF_TEST_DIR} ${CPIO_TEST_DIR})

find_program(ARCHIPEL_RV_GCC riscv64-linux-gnu-gcc)
find_program(ARCHIPEL_RV_READELF riscv64-linux-gnu-readelf)
find_program(ARCHIPEL_CPIO cpio)
find_package(Python3 COMPONENTS Interpreter)

# elf_test_links(<var> <compiler> <flags>...): <var> is TRUE if the compiler links hello.c so.
function(elf_test_links var compiler)
  execute_process(COMMAND ${compiler} ${ARGN} -o ${ELF_TEST_DIR}/probe ${ELF_TEST_SRC}/hello.c
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  file(REMOVE ${ELF_TEST_DIR}/probe)
  if(rc EQUAL 0)
    set(${var} TRUE PARENT_SCOPE)
  else()
    set(${var} FALSE PARENT_SCOPE)
  endif()
endfunction()

# elf_test_binary(<name> <machine> <compiler> <source> <flags>...): build <name> and list it in
# elf_expect.h as an executable for e_machine <machine>.
set(ELF_TEST_BINARIES "")
set(ELF_TEST_EXPECT_ARGS "")
macro(elf_test_binary name machine compiler source)
  add_custom_command(OUTPUT ${ELF_TEST_DIR}/${name}
    COMMAND ${compiler} ${ARGN} -o ${ELF_TEST_DIR}/${name} ${ELF_TEST_SRC}/${source}
    DEPENDS ${ELF_TEST_SRC}/${source} COMMENT "test executable ${name}" VERBATIM)
  list(APPEND ELF_TEST_BINARIES ${ELF_TEST_DIR}/${name})
  list(APPEND ELF_TEST_EXPECT_ARGS ${name}=${machine}=${ELF_TEST_DIR}/${name})
endmacro()

if(ARCHIPEL_RV_GCC AND ARCHIPEL_RV_READELF AND Python3_Interpreter_FOUND)
  set(rv_entry -Wl,-e,archipel_start)
  elf_test_binary(rv-static 243 ${ARCHIPEL_RV_GCC} hello.c -static -O2)
  elf_test_binary(rv-dynamic 243 ${ARCHIPEL_RV_GCC} hello.c -O2)
  elf_test_binary(rv-nostdlib 243 ${ARCHIPEL_RV_GCC} nostart.c -static -nostdlib -O2 ${rv_entry})
  elf_test_binary(rv-nostdlib-pie 243 ${ARCHIPEL_RV_GCC} nostart.c -static-pie -nostdlib -fPIE -O2
                  -Wl,--no-dynamic-linker ${rv_entry})
  elf_test_links(rv_static_pie ${ARCHIPEL_RV_GCC} -static-pie -O2)
  if(rv_static_pie)
    elf_test_binary(rv-static-pie 243 ${ARCHIPEL_RV_GCC} hello.c -static-pie -O2)
  else()
    message(STATUS "elf host tests: ${ARCHIPEL_RV_GCC} -static-pie does not link, rv-static-pie left out")
  endif()
  if(CMAKE_HOST_SYSTEM_PROCESSOR STREQUAL "x86_64")
    foreach(kind static static-pie)
      elf_test_links(x86_links ${CMAKE_C_COMPILER} -${kind} -O2)
      if(x86_links)
        elf_test_binary(x86-${kind} 62 ${CMAKE_C_COMPILER} hello.c -${kind} -O2)
      endif()
    endforeach()
  endif()

  add_custom_command(OUTPUT ${ELF_TEST_DIR}/elf_expect.h
    COMMAND ${Python3_EXECUTABLE} ${ELF_TEST_SRC}/mkexpect.py ${ARCHIPEL_RV_READELF}
            ${ELF_TEST_DIR}/elf_expect.h ${ELF_TEST_EXPECT_ARGS}
    DEPENDS ${ELF_TEST_BINARIES} ${ELF_TEST_SRC}/mkexpect.py
    COMMENT "expected ELF values (readelf -hlW)" VERBATIM)
  add_custom_target(elf_test_inputs ALL DEPENDS ${ELF_TEST_DIR}/elf_expect.h)

  archipel_host_test(test_elf SOURCES test_elf.c kernel/libk/elf.c)
  target_include_directories(test_elf PRIVATE ${ELF_TEST_DIR})
  add_dependencies(test_elf elf_test_inputs)
else()
  message(WARNING "elf host tests skipped: riscv64-linux-gnu-gcc, riscv64-linux-gnu-readelf or python3 "
                  "not found")
endif()

if(ARCHIPEL_CPIO)
  add_custom_command(OUTPUT ${CPIO_TEST_DIR}/tree.cpio ${CPIO_TEST_DIR}/empty.cpio
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cpio/mkarchive.sh ${CPIO_TEST_DIR}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/cpio/mkarchive.sh COMMENT "test cpio archive" VERBATIM)
  add_custom_target(cpio_test_inputs ALL DEPENDS ${CPIO_TEST_DIR}/tree.cpio)
  archipel_host_test(test_cpio SOURCES test_cpio.c kernel/fs/cpio.c
                     DEFINES CPIO_TEST_DIR="${CPIO_TEST_DIR}")
  add_dependencies(test_cpio cpio_test_inputs)
else()
  message(WARNING "cpio host tests skipped: cpio not found")
endif()

include(${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz.cmake)
