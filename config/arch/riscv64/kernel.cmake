# The riscv64 kernel's own flags and linker script (included by config/kernel.cmake, named by
# KERNEL_CMAKE in config/arch/riscv64.conf; docs/porting.md). RV64IMAC with the lp64 ABI: the kernel is
# built without the F and D extensions. The image is linked without relaxation: the kernel runs at
# the image window's address with no gp-relative accesses to set up.
set(KERNEL_ARCH_FLAGS -mcmodel=medany -march=rv64imac_zicsr_zifencei -mabi=lp64 -mno-relax)
set(KERNEL_ARCH_LINK_FLAGS -Wl,--no-relax)
set(KERNEL_LDS ${ARCHIPEL_ROOT}/hal/riscv/kernel.ld)
