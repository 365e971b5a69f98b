# Host tests of the x86_64 machine description: the PVH start info and the ACPI tables
# (boot/x86_64/acpi.c, acpi_numa.c, machine.c) -> boot_info_t and boot_x86_t.
#
# Inputs are fixtures in tests/host/acpi/<shape>.txt, captured from QEMU q35 by
# boot/x86_64/capture.sh (rerun it to refresh them: it needs qemu-system-x86 and the x86_64 kernel) and
# checked in, so the tests need no QEMU; the tests patch, cut and mutate them (test_acpi.c,
# acpi/test_acpi_numa.c). The libFuzzer harness is fuzz/fuzz_acpi.c (fuzz/fuzz.cmake); its seeds
# are the fixtures packed into one image each by this test program (ACPI_SEED_DIR, below).

set(ACPI_TEST_SRC ${CMAKE_CURRENT_LIST_DIR}/acpi)
set(acpi_sources test_acpi.c acpi/test_acpi_numa.c acpi/acpi_testlib.c acpi/acpi_image.c
    boot/x86_64/acpi.c boot/x86_64/acpi_numa.c boot/x86_64/machine.c)
archipel_host_test(test_acpi SOURCES ${acpi_sources} DEFINES ACPI_FIXTURE_DIR="${ACPI_TEST_SRC}")
# x86_64's <arch/boot.h> (boot_x86_t, the arch part of boot_info_t) before RISC-V's, after the
# host's stand-ins (tests/host/include: irqmask, remote, special), which no arch's may replace.
target_include_directories(test_acpi BEFORE PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include
                           ${ARCHIPEL_ROOT}/hal/x86_64/include)

# Seeds of fuzz_acpi: test_acpi's test "write_seeds" packs each fixture when ACPI_SEED_DIR is set.
set(ACPI_SEED_DIR ${CMAKE_CURRENT_BINARY_DIR}/acpi-seeds)
file(GLOB acpi_fixtures CONFIGURE_DEPENDS ${ACPI_TEST_SRC}/*.txt)
set(ACPI_SEEDS "")
foreach(f ${acpi_fixtures})
  get_filename_component(shape ${f} NAME_WE)
  list(APPEND ACPI_SEEDS ${ACPI_SEED_DIR}/${shape}.bin)
endforeach()
add_custom_command(OUTPUT ${ACPI_SEEDS}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ACPI_SEED_DIR}
  COMMAND ${CMAKE_COMMAND} -E env ACPI_SEED_DIR=${ACPI_SEED_DIR} $<TARGET_FILE:test_acpi> write_seeds
  DEPENDS test_acpi ${acpi_fixtures} COMMENT "fuzz_acpi seeds from the ACPI fixtures" VERBATIM)
add_custom_target(acpi_test_inputs ALL DEPENDS ${ACPI_SEEDS})

# The boot of the x86_64 kernel itself (PVH entry, long mode, ACPI, the start of every core, up to
# 16x4) is tested by the x86_64 tree's QEMU tests (qemu.ktest.*: tests/qemu/CMakeLists.txt).
