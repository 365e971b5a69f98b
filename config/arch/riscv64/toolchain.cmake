# CMake toolchain file: Debian's GNU cross toolchain for riscv64 (package gcc-riscv64-linux-gnu).
# The kernel is freestanding; the same toolchain with glibc (libc6-dev-riscv64-cross) builds the
# user programs.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)

set(ARCHIPEL_CROSS riscv64-linux-gnu- CACHE STRING "Prefix of the cross tools")
set(CMAKE_C_COMPILER   ${ARCHIPEL_CROSS}gcc)
set(CMAKE_ASM_COMPILER ${ARCHIPEL_CROSS}gcc)
set(CMAKE_OBJCOPY      ${ARCHIPEL_CROSS}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_NM           ${ARCHIPEL_CROSS}nm CACHE FILEPATH "nm")

# Compiler checks link a static library, not an executable (there is no libc for the kernel).
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
