# Host tests of the device-tree reader (boot/riscv/fdt.c) and of boot_info_t construction
# (boot/riscv/boot_fdt.c).
#
# Their inputs are made at build time in <build>/tests/host/fdt/:
#  - for every topology of config/topologies/ that riscv64 boots, the device trees QEMU builds for it
#    on the machine config/arch/riscv64.conf chooses (tools/qemu_args.py, through
#    tests/host/fdt/dumpdtb.sh): <t>.dtb, <t>-bootargs.dtb (-append) and <t>-initrd.dtb (-append and
#    -initrd), each with its <name>.machine. QEMU takes -append and -initrd only with -kernel, so a
#    dummy raw kernel image is given; QEMU exits once the tree is dumped, before running anything;
#  - <name>.dtb for every tests/host/fdt/<name>.dts, compiled by dtc.
# The tests find them in FDT_TEST_DIR: htest's runner takes its first argument as a test-name filter,
# so the paths cannot be passed as ARGS.

# Script mode (cmake -P, run by the rule of the dummy files below): write them.
if(CMAKE_SCRIPT_MODE_FILE)
  math(EXPR repeats "${INITRD_SIZE} / 8")
  string(REPEAT "archipel" ${repeats} content)
  file(WRITE ${INITRD} "${content}")
  file(WRITE ${KERNEL} "dummy kernel image: QEMU loads it, dumps its DTB, exits\n")
  return()
endif()

find_package(Python3 REQUIRED COMPONENTS Interpreter)
archipel_arch_value(riscv64 QEMU fdt_qemu)
find_program(ARCHIPEL_QEMU_RISCV64 ${fdt_qemu})
find_program(ARCHIPEL_DTC dtc)
if(NOT ARCHIPEL_QEMU_RISCV64 OR NOT ARCHIPEL_DTC)
  message(WARNING "fdt host tests skipped: ${fdt_qemu} or dtc not found")
  return()
endif()
# The topologies riscv64 boots (a topology of another architecture's size is not one of them).
execute_process(COMMAND ${Python3_EXECUTABLE} ${ARCHIPEL_ROOT}/tools/qemu_args.py topologies --arch riscv64
                OUTPUT_VARIABLE fdt_topologies RESULT_VARIABLE fdt_status OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT fdt_status EQUAL 0)
  message(FATAL_ERROR "tools/qemu_args.py topologies --arch riscv64 failed")
endif()
string(REPLACE "\n" ";" fdt_topologies "${fdt_topologies}")
file(GLOB fdt_topology_files CONFIGURE_DEPENDS ${ARCHIPEL_ROOT}/config/topologies/*.conf)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${fdt_topology_files}
             ${ARCHIPEL_ROOT}/tools/qemu_args.py)

set(FDT_TEST_DIR ${CMAKE_CURRENT_BINARY_DIR}/fdt)
set(FDT_TEST_SRC ${CMAKE_CURRENT_LIST_DIR}/fdt)
set(FDT_TEST_BOOTARGS "ktest=all loglevel=7")
set(FDT_TEST_KERNEL ${FDT_TEST_DIR}/dummy-kernel.bin)
set(FDT_TEST_INITRD ${FDT_TEST_DIR}/dummy-initrd.img)
set(FDT_TEST_INITRD_SIZE 8192)   # a multiple of 8 (see the script mode above)

add_custom_command(OUTPUT ${FDT_TEST_KERNEL} ${FDT_TEST_INITRD}
  COMMAND ${CMAKE_COMMAND} -DKERNEL=${FDT_TEST_KERNEL} -DINITRD=${FDT_TEST_INITRD}
          -DINITRD_SIZE=${FDT_TEST_INITRD_SIZE} -P ${CMAKE_CURRENT_LIST_FILE}
  DEPENDS ${CMAKE_CURRENT_LIST_FILE} COMMENT "dummy kernel image and initrd for QEMU" VERBATIM)

set(fdt_inputs "")
foreach(topo ${fdt_topologies})
  set(dump bash ${FDT_TEST_SRC}/dumpdtb.sh ${topo})
  set(deps ${ARCHIPEL_ROOT}/config/topologies/${topo}.conf ${ARCHIPEL_ROOT}/config/arch/riscv64.conf
           ${ARCHIPEL_ROOT}/tools/qemu_args.py ${FDT_TEST_SRC}/dumpdtb.sh)
  add_custom_command(OUTPUT ${FDT_TEST_DIR}/${topo}.dtb
    COMMAND ${dump} ${FDT_TEST_DIR}/${topo}.dtb
    DEPENDS ${deps} COMMENT "QEMU device tree of topology ${topo}" VERBATIM)
  add_custom_command(OUTPUT ${FDT_TEST_DIR}/${topo}-bootargs.dtb
    COMMAND ${dump} ${FDT_TEST_DIR}/${topo}-bootargs.dtb
            -kernel ${FDT_TEST_KERNEL} -append ${FDT_TEST_BOOTARGS}
    DEPENDS ${deps} ${FDT_TEST_KERNEL} COMMENT "QEMU device tree of topology ${topo}, bootargs" VERBATIM)
  add_custom_command(OUTPUT ${FDT_TEST_DIR}/${topo}-initrd.dtb
    COMMAND ${dump} ${FDT_TEST_DIR}/${topo}-initrd.dtb
            -kernel ${FDT_TEST_KERNEL} -append ${FDT_TEST_BOOTARGS} -initrd ${FDT_TEST_INITRD}
    DEPENDS ${deps} ${FDT_TEST_KERNEL} ${FDT_TEST_INITRD}
    COMMENT "QEMU device tree of topology ${topo}, bootargs and initrd" VERBATIM)
  list(APPEND fdt_inputs ${FDT_TEST_DIR}/${topo}.dtb ${FDT_TEST_DIR}/${topo}-bootargs.dtb
                         ${FDT_TEST_DIR}/${topo}-initrd.dtb)
endforeach()

file(GLOB fdt_sources CONFIGURE_DEPENDS ${FDT_TEST_SRC}/*.dts)
foreach(dts ${fdt_sources})
  get_filename_component(name ${dts} NAME_WE)
  add_custom_command(OUTPUT ${FDT_TEST_DIR}/${name}.dtb
    COMMAND ${CMAKE_COMMAND} -E make_directory ${FDT_TEST_DIR}
    COMMAND ${ARCHIPEL_DTC} -q -I dts -O dtb -o ${FDT_TEST_DIR}/${name}.dtb ${dts}
    DEPENDS ${dts} COMMENT "dtc ${name}.dts" VERBATIM)
  list(APPEND fdt_inputs ${FDT_TEST_DIR}/${name}.dtb)
endforeach()
add_custom_target(fdt_test_inputs ALL DEPENDS ${fdt_inputs})

string(REPLACE ";" " " fdt_topologies_words "${fdt_topologies}")
set(fdt_defines
  FDT_TEST_DIR="${FDT_TEST_DIR}"
  FDT_TOPOLOGY_DIR="${ARCHIPEL_ROOT}/config/topologies"
  FDT_TOPOLOGIES="${fdt_topologies_words}"
  FDT_TEST_BOOTARGS="${FDT_TEST_BOOTARGS}"
  FDT_TEST_INITRD_SIZE=${FDT_TEST_INITRD_SIZE})
archipel_host_test(test_fdt SOURCES test_fdt.c fdt/fdt_writer.c boot/riscv/fdt.c
                   DEFINES ${fdt_defines})
archipel_host_test(test_boot_fdt SOURCES test_boot_fdt.c fdt/fdt_writer.c fdt/fdt_machine.c boot/riscv/fdt.c
                   boot/riscv/boot_fdt.c boot/riscv/boot_fdt_dev.c DEFINES ${fdt_defines})
add_dependencies(test_fdt fdt_test_inputs)
add_dependencies(test_boot_fdt fdt_test_inputs)
