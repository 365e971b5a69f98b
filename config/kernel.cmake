# The kernel image: generic code (kernel/), the HAL of ARCHIPEL_ARCH (hal/<HAL>, HAL= of
# config/arch/<arch>.conf) and its early boot (boot/<HAL>). The implementation of each HAL header is
# chosen here, by file, never by #ifdef; the architecture's flags and linker script come from its
# KERNEL_CMAKE file (config/arch/<arch>/kernel.cmake).
#
# The ELF is linked twice: pass 1 without symbols, then tools/mksyms.py turns pass 1's function
# symbols into a table (section .ksyms, placed after .text so text addresses cannot move) used by
# panic() backtraces, and pass 2 links the same objects with that table.

set(ARCH ${ARCHIPEL_HAL})
find_package(Python3 REQUIRED COMPONENTS Interpreter)

# Generic code sees hal/generic and the architecture's public headers only: hal/<arch>/include holds
# headers named <arch/NAME.h> that give the types, constants and layouts the contract of hal/generic
# leaves to the architecture (as seL4's include path selects the architecture). The rest of the arch
# folder is not on generic code's include path, so an arch-internal header included from kernel/ is
# a build error, not a convention. hal/common holds implementations of HAL headers that every
# architecture shares, parameterised by its <arch/...> headers.
file(GLOB KERNEL_GENERIC_SOURCES CONFIGURE_DEPENDS ${ARCHIPEL_ROOT}/kernel/*/*.c)
file(GLOB KERNEL_ARCH_SOURCES CONFIGURE_DEPENDS
  ${ARCHIPEL_ROOT}/hal/common/*.c
  ${ARCHIPEL_ROOT}/hal/${ARCH}/*.c ${ARCHIPEL_ROOT}/hal/${ARCH}/*.S
  ${ARCHIPEL_ROOT}/boot/${ARCH}/*.c ${ARCHIPEL_ROOT}/boot/${ARCH}/*.S)

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE ARCHIPEL_GCC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)
# Debug builds keep frame pointers and every call's frame, for panic()'s backtrace; release
# builds do without both (a register more, no frame set-up in leaf paths, tail calls as jumps):
# frame pointers there cost 5 to 18 % on vmbench (docs/perf.md). Their backtrace shows the
# faulting pc and the return address register, or panic()'s caller and the return addresses a
# scan of the stack finds (hal_debug.c).
set(KERNEL_C_FLAGS
  -ffreestanding -fno-builtin -nostdinc -isystem ${ARCHIPEL_GCC_INCLUDE}
  -fno-common -fno-stack-protector -fno-pic -fno-pie
  -g)
set(KERNEL_DEBUG_C_FLAGS -Og -fno-omit-frame-pointer -fno-optimize-sibling-calls)
set(KERNEL_RELEASE_C_FLAGS -O2 -DNDEBUG -fomit-frame-pointer -foptimize-sibling-calls)
include(${ARCHIPEL_KERNEL_CMAKE})     # KERNEL_ARCH_FLAGS, KERNEL_ARCH_LINK_FLAGS, KERNEL_LDS

function(kernel_objects target)
  add_library(${target} OBJECT ${ARGN})
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${KERNEL_C_FLAGS}> ${KERNEL_ARCH_FLAGS}
    "$<$<CONFIG:Debug>:${KERNEL_DEBUG_C_FLAGS}>" "$<$<CONFIG:Release>:${KERNEL_RELEASE_C_FLAGS}>")
  target_compile_definitions(${target} PRIVATE $<$<CONFIG:Debug>:CONFIG_DEBUG=1>)
  target_include_directories(${target} PRIVATE
    ${ARCHIPEL_ROOT} ${ARCHIPEL_ROOT}/hal/generic ${ARCHIPEL_ROOT}/hal/${ARCH}/include
    ${ARCHIPEL_ROOT}/kernel
    ${ARCHIPEL_ROOT}/user/include) # the user ABI (almos.h with ALMOS_ABI_ONLY)
endfunction()

# The name of every Linux system call number of the architecture, for the ENOSYS log (syscall.c),
# from the compiler's <asm/unistd.h> (Debian's Linux UAPI headers), not written by hand.
set(KERNEL_GENERATED ${CMAKE_BINARY_DIR}/generated)
set(SYSCALL_NAMES_H ${KERNEL_GENERATED}/syscall_names.h)
file(MAKE_DIRECTORY ${KERNEL_GENERATED})
add_custom_command(OUTPUT ${SYSCALL_NAMES_H}
  COMMAND ${Python3_EXECUTABLE} ${ARCHIPEL_ROOT}/tools/mksyscallnames.py --cc ${CMAKE_C_COMPILER}
          ${SYSCALL_NAMES_H}
  DEPENDS ${ARCHIPEL_ROOT}/tools/mksyscallnames.py
  COMMENT "Generating the names of the Linux system calls")
add_custom_target(syscall_names DEPENDS ${SYSCALL_NAMES_H})

kernel_objects(kgeneric ${KERNEL_GENERIC_SOURCES})
target_include_directories(kgeneric PRIVATE ${KERNEL_GENERATED})
add_dependencies(kgeneric syscall_names)
kernel_objects(karch ${KERNEL_ARCH_SOURCES})
target_include_directories(karch PRIVATE ${ARCHIPEL_ROOT}/hal/${ARCH} ${ARCHIPEL_ROOT}/boot/${ARCH})

set(KERNEL_LINK_FLAGS -nostdlib -static ${KERNEL_ARCH_LINK_FLAGS} -Wl,-T,${KERNEL_LDS} -Wl,--build-id=none
    -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments)

# Pass 1: an empty symbol table.
add_executable(archipel_pass1 ${ARCHIPEL_ROOT}/tools/ksyms_empty.S)
target_link_libraries(archipel_pass1 PRIVATE kgeneric karch)
target_link_options(archipel_pass1 PRIVATE ${KERNEL_LINK_FLAGS})
set_target_properties(archipel_pass1 PROPERTIES LINK_DEPENDS ${KERNEL_LDS} OUTPUT_NAME archipel.pass1.elf)
target_compile_options(archipel_pass1 PRIVATE ${KERNEL_ARCH_FLAGS})

# The symbol table of pass 1.
set(KSYMS_S ${CMAKE_BINARY_DIR}/ksyms.S)
add_custom_command(OUTPUT ${KSYMS_S}
  COMMAND ${Python3_EXECUTABLE} ${ARCHIPEL_ROOT}/tools/mksyms.py --nm ${CMAKE_NM}
          $<TARGET_FILE:archipel_pass1> ${KSYMS_S}
  DEPENDS archipel_pass1 ${ARCHIPEL_ROOT}/tools/mksyms.py
  COMMENT "Generating the kernel symbol table")

# Pass 2: the kernel, with its symbol table.
add_executable(archipel ${KSYMS_S})
target_link_libraries(archipel PRIVATE kgeneric karch)
target_link_options(archipel PRIVATE ${KERNEL_LINK_FLAGS})
set_target_properties(archipel PROPERTIES LINK_DEPENDS ${KERNEL_LDS} OUTPUT_NAME archipel.elf)
target_compile_options(archipel PRIVATE ${KERNEL_ARCH_FLAGS})
# Both passes must place every function at the same address, or the table would lie.
add_custom_command(TARGET archipel POST_BUILD
  COMMAND ${Python3_EXECUTABLE} ${ARCHIPEL_ROOT}/tools/mksyms.py --nm ${CMAKE_NM} --check
          $<TARGET_FILE:archipel_pass1> $<TARGET_FILE:archipel>
  COMMENT "Checking that the symbol table matches the final image")
