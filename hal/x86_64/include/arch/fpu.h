/*
 * arch/fpu.h - an x86_64 thread's saved extended state (the contract: hal_context.h, "Extended
 * state"): the x87, MMX and SSE registers as FXSAVE64 stores them.
 *
 * The 512 bytes have the layout of Linux's struct _fpstate_64 (asm/sigcontext.h), which signal
 * frames carry (hal_signal.c copies them as they are): fcw, fsw, ftw (abridged), fop, rip, rdp,
 * mxcsr, mxcsr_mask, st0..st7 (16 bytes each), xmm0..xmm15 (16 bytes each), reserved. AVX's upper
 * halves need XSAVE, which the kernel does not enable (CR4.OSXSAVE clear: CPUID tells user code,
 * and glibc then keeps to SSE). FXSAVE wants the area aligned on 16 bytes. The kernel itself is
 * built without x87 and SSE (-mgeneral-regs-only) and runs with CR0.TS set but for a thread whose
 * values the registers hold (docs/hal_x86_64.md).
 */
#ifndef ARCH_X86_64_FPU_H
#define ARCH_X86_64_FPU_H

#include <stdint.h>

typedef struct hal_fpu_s {
	uint8_t  fx[512];  /* the FXSAVE64 image (Linux's struct _fpstate_64)                   */
	uint32_t in_use;   /* 0: the initial state (FNINIT's, MXCSR 0x1f80, every XMM register 0;
	                      fx[] then holds nothing of interest), untouched since it was set   */
	uint32_t pad[3];
} __attribute__((aligned(16))) hal_fpu_t;

_Static_assert(sizeof(hal_fpu_t) == 528, "hal_fpu_t: the FXSAVE area, in_use");

#define X86_FX_MXCSR      24  /* offsets in the FXSAVE image */
#define X86_FX_MXCSR_MASK 28

#endif /* ARCH_X86_64_FPU_H */
