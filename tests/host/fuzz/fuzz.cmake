# libFuzzer harnesses of the exec-format parsers (fuzz_elf.c, fuzz_cpio.c) and a bounded run of each
# in ctest: host.fuzz_elf and host.fuzz_cpio, FUZZ_RUNS inputs or FUZZ_SECONDS, whichever ends first,
# from a fixed seed, starting from a seed corpus made at build time from the test inputs of
# elf.cmake (which includes this file). Each run starts from a fresh working corpus; a crash leaves
# its input in <build>/tests/host/fuzz/<harness>-crash-*.
#
# The host-tests preset compiles with gcc, which has no libFuzzer: the harnesses are built by clang
# through custom commands, with ASan and UBSan. They are skipped, with a warning, when clang cannot
# link a libFuzzer program (on Debian, libFuzzer comes with package libclang-rt-<version>-dev).

set(FUZZ_RUNS 1000000 CACHE STRING "Inputs of each bounded libFuzzer run in ctest")
set(FUZZ_SECONDS 20 CACHE STRING "Time limit of each bounded libFuzzer run in ctest, seconds")
set(FUZZ_MAX_LEN 16384)
set(FUZZ_DIR ${CMAKE_CURRENT_BINARY_DIR}/fuzz)
set(FUZZ_SRC ${CMAKE_CURRENT_LIST_DIR})
file(MAKE_DIRECTORY ${FUZZ_DIR})

find_program(ARCHIPEL_CLANG NAMES clang clang-16 clang-15 clang-14)
set(fuzz_links FALSE)
if(ARCHIPEL_CLANG)
  file(WRITE ${FUZZ_DIR}/probe.c
       "int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n"
       "int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return d && n; }\n")
  execute_process(COMMAND ${ARCHIPEL_CLANG} -fsanitize=fuzzer,address,undefined ${FUZZ_DIR}/probe.c
                          -o ${FUZZ_DIR}/probe
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  file(REMOVE ${FUZZ_DIR}/probe ${FUZZ_DIR}/probe.c)
  if(rc EQUAL 0)
    set(fuzz_links TRUE)
  endif()
endif()
if(NOT fuzz_links)
  message(WARNING "fuzz tests skipped: clang cannot link -fsanitize=fuzzer "
                  "(Debian: install clang and libclang-rt-<version>-dev)")
  return()
endif()

set(FUZZ_CFLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
    -g -O1 -std=gnu11 -Wall -Wextra -Werror -DARCHIPEL_HOST_TEST)
set(FUZZ_INCLUDES -I${ARCHIPEL_ROOT} -I${ARCHIPEL_ROOT}/hal/generic -I${ARCHIPEL_ROOT}/hal/riscv/include
    -I${ARCHIPEL_ROOT}/kernel -I${FUZZ_SRC})
set(FUZZ_HEADERS ${ARCHIPEL_ROOT}/params.h ${ARCHIPEL_ROOT}/hal/generic/hal_types.h
    ${ARCHIPEL_ROOT}/kernel/libk/elf.h ${ARCHIPEL_ROOT}/kernel/fs/cpio.h ${FUZZ_SRC}/invariants.h)

# fuzz_harness(<name> <parser source> SEEDS <files>... DEPENDS <targets>...): build <name> from
# <name>.c and the parser, its seed corpus from the files, and register its bounded run.
function(fuzz_harness name parser)
  cmake_parse_arguments(F "" "" "SEEDS;DEPENDS" ${ARGN})
  set(exe ${FUZZ_DIR}/${name})
  set(seeds ${FUZZ_DIR}/${name}-seeds)
  add_custom_command(OUTPUT ${exe}
    COMMAND ${ARCHIPEL_CLANG} ${FUZZ_CFLAGS} ${FUZZ_INCLUDES} -o ${exe} ${FUZZ_SRC}/${name}.c
            ${ARCHIPEL_ROOT}/${parser}
    DEPENDS ${FUZZ_SRC}/${name}.c ${ARCHIPEL_ROOT}/${parser} ${FUZZ_HEADERS}
    COMMENT "libFuzzer harness ${name} (clang)" VERBATIM)
  add_custom_command(OUTPUT ${seeds}/.made
    COMMAND bash ${FUZZ_SRC}/mkseeds.sh ${seeds} ${FUZZ_MAX_LEN} ${F_SEEDS}
    COMMAND ${CMAKE_COMMAND} -E touch ${seeds}/.made
    DEPENDS ${FUZZ_SRC}/mkseeds.sh ${F_SEEDS} COMMENT "seed corpus of ${name}" VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${exe} ${seeds}/.made)
  if(F_DEPENDS)
    add_dependencies(${name} ${F_DEPENDS})
  endif()
  # sh -c 'script' work exe seeds: a fresh working corpus for every run, so the seeds stay as made.
  add_test(NAME host.${name}
    COMMAND sh -c "rm -rf \"$0\" && mkdir -p \"$0\" && exec \"$1\" -seed=1 -runs=${FUZZ_RUNS} \
-max_total_time=${FUZZ_SECONDS} -max_len=${FUZZ_MAX_LEN} -timeout=10 -print_final_stats=1 \
-artifact_prefix=\"$0\"/../${name}- \"$0\" \"$2\""
            ${FUZZ_DIR}/${name}-work ${exe} ${seeds})
  set_tests_properties(host.${name} PROPERTIES TIMEOUT 120)
endfunction()

set(elf_seeds "")
set(elf_deps "")
if(TARGET elf_test_inputs)
  set(elf_seeds ${ELF_TEST_BINARIES})
  set(elf_deps elf_test_inputs)
endif()
fuzz_harness(fuzz_elf kernel/libk/elf.c SEEDS ${elf_seeds} DEPENDS ${elf_deps})

set(cpio_seeds "")
set(cpio_deps "")
if(TARGET cpio_test_inputs)
  set(cpio_seeds ${CPIO_TEST_DIR}/tree.cpio ${CPIO_TEST_DIR}/empty.cpio)
  set(cpio_deps cpio_test_inputs)
endif()
fuzz_harness(fuzz_cpio kernel/fs/cpio.c SEEDS ${cpio_seeds} DEPENDS ${cpio_deps})

# x86_64 boot data (PVH start info, ACPI): seeds packed from tests/host/acpi/*.txt by acpi.cmake.
if(TARGET acpi_test_inputs)
  file(GLOB fuzz_acpi_deps ${ARCHIPEL_ROOT}/boot/x86_64/*.[ch] ${ARCHIPEL_ROOT}/tests/host/acpi/*.h)
  list(APPEND FUZZ_HEADERS ${fuzz_acpi_deps})
  # x86_64's <arch/boot.h> before RISC-V's
  set(FUZZ_INCLUDES -I${ARCHIPEL_ROOT}/hal/x86_64/include ${FUZZ_INCLUDES})
  fuzz_harness(fuzz_acpi boot/x86_64/acpi.c SEEDS ${ACPI_SEEDS} DEPENDS acpi_test_inputs)
endif()
