# CMake toolchain file: the host's own gcc (Debian amd64). The kernel is freestanding
# (config/arch/x86_64/kernel.cmake); the same compiler with the host's glibc (libc6-dev) builds the
# user programs, static.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER   gcc)
set(CMAKE_ASM_COMPILER gcc)
set(CMAKE_OBJCOPY      objcopy CACHE FILEPATH "objcopy")
set(CMAKE_NM           nm CACHE FILEPATH "nm")

# Compiler checks link a static library, not an executable (there is no libc for the kernel).
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
