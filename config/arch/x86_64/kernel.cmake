# The x86_64 kernel's own flags and linker script (included by config/kernel.cmake, named by
# KERNEL_CMAKE in config/arch/x86_64.conf; docs/porting.md, docs/hal_x86_64.md).
# -mcmodel=kernel: every symbol lives in the top 2 GiB (the image window at 0xffffffff80000000).
# -mno-red-zone: interrupts push their frame on the kernel stack below %rsp.
# -mno-omit-leaf-frame-pointer: leaf functions too keep a frame, for panic backtraces (the kernel
# keeps frame pointers: config/kernel.cmake).
# -mgeneral-regs-only: no x87, MMX, SSE or AVX register anywhere in the kernel, so neither trap
# entry nor the context switch has any FP state of the kernel's to save.
# The host compiler may default to PIE and CET: the kernel is linked at a fixed address, and
# endbr64 instructions would only grow the text.
set(KERNEL_ARCH_FLAGS -m64 -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone
    -mno-omit-leaf-frame-pointer -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 -mno-avx
    -fcf-protection=none -fno-asynchronous-unwind-tables)
set(KERNEL_ARCH_LINK_FLAGS -no-pie -Wl,-z,noexecstack)
set(KERNEL_LDS ${ARCHIPEL_ROOT}/hal/x86_64/kernel.ld)
