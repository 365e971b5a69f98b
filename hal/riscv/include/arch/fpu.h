/*
 * arch/fpu.h - a RISC-V thread's saved floating-point state (the contract: hal_context.h,
 * "Extended state").
 *
 * RV64 with the D extension: f0..f31, 64 bits each, and fcsr (frm and fflags). The first 260
 * bytes have the layout of Linux's struct __riscv_d_ext_state, which signal frames carry
 * (hal_signal.c copies them as they are). The kernel itself is built without F and D and runs with
 * sstatus.FS = Off (docs/fpu.md).
 */
#ifndef ARCH_RISCV_FPU_H
#define ARCH_RISCV_FPU_H

#include <stdint.h>

typedef struct hal_fpu_s {
	uint64_t f[32];  /* f0..f31                                                          */
	uint32_t fcsr;   /* frm (bits 7:5) and fflags (bits 4:0)                              */
	uint32_t in_use; /* 0: the initial state (every register and fcsr 0, f[] and fcsr hold
	                    zeros), which the thread has not touched since it was set          */
} hal_fpu_t;

_Static_assert(sizeof(hal_fpu_t) == 264, "hal_fpu_t: f[32], fcsr, in_use");
_Static_assert(__builtin_offsetof(hal_fpu_t, fcsr) == 256, "__riscv_d_ext_state layout");

#endif /* ARCH_RISCV_FPU_H */
