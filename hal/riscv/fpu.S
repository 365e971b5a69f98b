/*
 * fpu.S - moving a thread's FP registers between the FPU and its hal_fpu_t (docs/fpu.md).
 *
 * The kernel is built without F and D (-march=rv64imac) and runs with sstatus.FS = Off, so these
 * two routines are the only kernel code that touches an FP register: they enable the D extension
 * for the assembler here only, turn the FPU on for their own duration and off again before
 * returning. They use a0 and t0 only and no stack, so that hal_context_switch can call them with
 * its own registers live. Caller: IRQs masked (a trap in between would find the FPU on).
 */
#include "trap_frame.h"

#define FS_INITIAL	(1 << 13)
#define FS_MASK		(3 << 13)

	.option push
	.option arch, +d
	.section .text

/* riscv_fpu_save(hal_fpu_t *fpu): f0..f31 and fcsr into @fpu. */
	.globl riscv_fpu_save
	.balign 4
riscv_fpu_save:
	li	t0, FS_INITIAL
	csrs	sstatus, t0
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fsd	f\n, (\n * 8)(a0)
	.endr
	frcsr	t0
	sw	t0, FPU_FCSR(a0)
	li	t0, FS_MASK
	csrc	sstatus, t0
	ret

/* riscv_fpu_load(const hal_fpu_t *fpu): f0..f31 and fcsr from @fpu. */
	.globl riscv_fpu_load
	.balign 4
riscv_fpu_load:
	li	t0, FS_INITIAL
	csrs	sstatus, t0
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fld	f\n, (\n * 8)(a0)
	.endr
	lw	t0, FPU_FCSR(a0)
	fscsr	t0
	li	t0, FS_MASK
	csrc	sstatus, t0
	ret

	.option pop
