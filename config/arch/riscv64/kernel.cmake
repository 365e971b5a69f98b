# The riscv64 kernel's own compile flags and linker script (included by config/kernel.cmake, named by
# KERNEL_CMAKE in config/arch/riscv64.conf). RV64IMAC with the lp64 ABI: the kernel is built
# without the F and D extensions.
set(KERNEL_ARCH_FLAGS -mcmodel=medany -march=rv64imac_zicsr_zifencei -mabi=lp64 -mno-relax)
set(KERNEL_LDS ${ARCHIPEL_ROOT}/hal/riscv/kernel.ld)
