# Generic code knows no architecture (tools/check-generic.py): no include of an architecture's
# folder, no #if on the architecture, no RISC-V register name, no system call by number, no number
# of an architecture's user layout, in kernel/, hal/generic/, hal/common/ and params.h. The
# self-test plants each kind of violation in a scratch tree and checks that it is found and that
# clean code passes.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME host.check_generic
  COMMAND ${Python3_EXECUTABLE} ${ARCHIPEL_ROOT}/tools/check-generic.py ${ARCHIPEL_ROOT})
add_test(NAME host.check_generic_selftest
  COMMAND ${Python3_EXECUTABLE} ${ARCHIPEL_ROOT}/tools/check-generic.py --self-test)
set_tests_properties(host.check_generic host.check_generic_selftest PROPERTIES TIMEOUT 120)
