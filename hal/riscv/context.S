/*
 * context.S - switching kernel threads on RISC-V.
 *
 * hal_context_t layout (hal_context.c checks it): regs[0] = ra, regs[1] = sp, regs[2..13] = s0..s11,
 * regs[14] = top of the thread's kernel stack (0 for an idle thread), which the switch publishes in
 * the core's hal_cpu_t: a trap from user mode saves its frame there; regs[15] = sstatus, so that
 * a thread switched out in the middle of a user copy (SUM set) does not lend SUM to the next one.
 * Only callee-saved registers are kept: hal_context_switch is an ordinary call for the compiler.
 * A new context starts in hal_context_start with s0 = entry, s1 = arg.
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
	ld	t0, 112(a1)
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
