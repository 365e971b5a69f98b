# Host tests of the x86_64 machine description: the PVH start info and the ACPI tables
# (boot/x86_64/acpi.c, acpi_numa.c, machine.c) -> boot_info_t and boot_x86_t.
#
# Inputs are fixtures in tests/host/acpi/<shape>.txt, captured from QEMU q35 by
# boot/x86_64/standalone/capture.sh (rerun it to refresh them: it needs qemu-system-x86) and
# checked in, so the tests need no QEMU; the tests patch, cut and mutate them (test_acpi.c,
# acpi/test_acpi_numa.c). The libFuzzer harness is fuzz/fuzz_acpi.c (fuzz/fuzz.cmake); its seeds
# are the fixtures packed into one image each by this test program (ACPI_SEED_DIR, below).

set(ACPI_TEST_SRC ${CMAKE_CURRENT_LIST_DIR}/acpi)
set(acpi_sources test_acpi.c acpi/test_acpi_numa.c acpi/acpi_testlib.c acpi/acpi_image.c
    boot/x86_64/acpi.c boot/x86_64/acpi_numa.c boot/x86_64/machine.c)
archipel_host_test(test_acpi SOURCES ${acpi_sources} DEFINES ACPI_FIXTURE_DIR="${ACPI_TEST_SRC}")

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

# The standalone early-boot image (boot/x86_64/standalone: PVH entry, long mode, ACPI, every AP
# started) booted on qemu-system-x86_64 q35, built by its own Makefile with the host gcc into
# <build>/x86_64-standalone: 1x1, 4x2 and 16x4 (64 CPUs), 16x4 under -icount with the qemu64 and
# the max CPU models too, and a machine it must refuse (9 CPUs in one node: more than
# CONFIG_MAX_CORES_PER_CLUSTER) with QEMU's failure status 3 and the reason. Skipped, with a warning, without qemu-system-x86_64 and make.
find_program(ARCHIPEL_QEMU_X86_64 qemu-system-x86_64)
find_program(ARCHIPEL_MAKE make)
if(NOT ARCHIPEL_QEMU_X86_64 OR NOT ARCHIPEL_MAKE)
  message(WARNING "x86_64 standalone boot tests skipped: qemu-system-x86_64 or make not found "
                  "(Debian: qemu-system-x86)")
  return()
endif()
set(X86_STANDALONE ${ARCHIPEL_ROOT}/boot/x86_64/standalone)
set(X86_STANDALONE_OUT ${CMAKE_CURRENT_BINARY_DIR}/x86_64-standalone)
foreach(run "1x1" "4x2" "16x4" "16x4;--icount" "16x4;--icount;--cpu;max")
  string(REPLACE ";" "" name "${run}")
  add_test(NAME host.x86_standalone.${name}
           COMMAND env O=${X86_STANDALONE_OUT} bash ${X86_STANDALONE}/run.sh ${run})
  set_tests_properties(host.x86_standalone.${name} PROPERTIES TIMEOUT 300 RESOURCE_LOCK x86_standalone)
endforeach()
add_test(NAME host.x86_standalone.refused
  COMMAND sh -c "make -s -C \"$0\" O=\"$1\" >&2 && out=$(timeout 120 qemu-system-x86_64 -machine q35 \
-smp 9 -m 512M -cpu qemu64 -display none -serial stdio -no-reboot \
-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel \"$1\"/archipel-x86.elf); rc=$?; echo \"$out\"; \
[ $rc -eq 3 ] && echo \"$out\" | grep -q 'PANIC: boot: .*CONFIG_MAX_CORES_PER_CLUSTER'"
  ${X86_STANDALONE} ${X86_STANDALONE_OUT})
set_tests_properties(host.x86_standalone.refused PROPERTIES TIMEOUT 300 RESOURCE_LOCK x86_standalone)
