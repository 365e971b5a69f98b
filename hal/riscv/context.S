/*
 * context.S - switching kernel threads on RISC-V.
 *
 * hal_context_t layout (hal_context.c checks it): regs[0] = ra, regs[1] = sp, regs[2..13] = s0..s11,
 * regs[14] = top of the thread's kernel stack below its FP area (0 for an idle thread), which the
 * switch publishes in the core's hal_cpu_t: a trap from user mode saves its frame below it;
 * regs[15] = sstatus, so that a thread switched out in the middle of a user copy (SUM set) does
 * not lend SUM to the next one.
 * Only callee-saved registers are kept: hal_context_switch is an ordinary call for the compiler.
 * A new context starts in hal_context_start with s0 = entry, s1 = arg.
 *
 * The user FP state (docs/fpu.md, fpu.c): the thread left has FP registers newer than its area
 * if the sstatus of its user frame (at the top of its kernel stack) says FS = Dirty (then SD, bit
 * 63, is set: one test when it is not); they are then saved into its area (above the frame), the frame says
 * Clean, and the area says "recent". A kernel thread's frame slot says Off (hal_context_init); the
 * idle thread has neither. The registers keep their values; the thread switched in has its own
 * loaded now (riscv_fpu_switch_in) only if it is "recent" and they are not there already, else at
 * its first FP instruction, if it makes one.
 */
#include "trap_frame.h"

	.section .text
	.globl hal_context_switch
	.balign 4
hal_context_switch:			/* a0 = from, a1 = to */
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	csrr	t0, sstatus
	sd	t0, 120(a0)
	ld	t0, CTX_KSTACK_TOP(a0)
	beqz	t0, 1f				/* an idle thread: no user frame */
	ld	t1, TF_SSTATUS - TF_SIZE(t0)
	sw	zero, FPU_RECENT(t0)		/* FP registers unchanged in the slice that ends, */
	bgez	t1, 1f				/* SD clear: FS != Dirty, nothing to save */
	srli	t2, t1, 13
	andi	t2, t2, 3
	li	t3, 3
	bne	t2, t3, 1f			/* SD for another extension's state (VS, XS) */
	mv	s0, a0				/* saved above: free until the loads below */
	mv	s1, a1
	mv	s2, t0
	mv	a0, t0				/* its FP area, above the frame */
	call	riscv_fpu_save			/* uses a0 and t0 only */
	li	t1, 1
	sw	t1, FPU_RECENT(s2)		/* or changed */
	ld	t1, TF_SSTATUS - TF_SIZE(s2)
	slli	t1, t1, 1			/* SD off ... */
	srli	t1, t1, 1
	li	t2, 1 << 13
	xor	t1, t1, t2			/* ... and FS Dirty (3) -> Clean (2) */
	sd	t1, TF_SSTATUS - TF_SIZE(s2)
	ld	t2, HAL_CPU_FPU_SAVES(tp)
	addi	t2, t2, 1
	sd	t2, HAL_CPU_FPU_SAVES(tp)
	mv	a0, s0
	mv	a1, s1
1:	ld	t0, CTX_KSTACK_TOP(a1)
	beqz	t0, 2f				/* an idle thread: no FP area */
	lw	t1, FPU_RECENT(t0)
	beqz	t1, 2f				/* loaded at its first FP instruction, if any */
	ld	t1, HAL_CPU_FPU_OWNER(tp)
	beq	t1, t0, 2f			/* its values are in the registers already */
	mv	s1, a1
	mv	a0, t0
	call	riscv_fpu_switch_in
	mv	a1, s1
2:
	ld	ra, 0(a1)
	ld	sp, 8(a1)
	ld	s0, 16(a1)
	ld	s1, 24(a1)
	ld	s2, 32(a1)
	ld	s3, 40(a1)
	ld	s4, 48(a1)
	ld	s5, 56(a1)
	ld	s6, 64(a1)
	ld	s7, 72(a1)
	ld	s8, 80(a1)
	ld	s9, 88(a1)
	ld	s10, 96(a1)
	ld	s11, 104(a1)
	ld	t0, CTX_KSTACK_TOP(a1)
	sd	t0, HAL_CPU_KSTACK_TOP(tp)
	ld	t0, 120(a1)
	csrw	sstatus, t0
	ret

	.globl hal_context_start
	.balign 4
hal_context_start:
	mv	a0, s1
	mv	t0, s0
	li	s0, 0			/* the backtrace of a new thread ends here */
	li	ra, 0
	jr	t0
