/*
 * trap.S - interrupt, exception and system call entry and exit on x86_64.
 *
 * Every vector of the IDT enters through its stub in x86_trap_stubs (16 bytes each: the IDT is
 * built from x86_trap_stubs + 16 * vector): the stub pushes 0 for the vectors whose exception has
 * no error code, then the vector number, and jumps to x86_trap_common, which saves the 15 general
 * registers below what the processor pushed (trap_frame.h) and calls hal_trap_handler(frame). The
 * syscall instruction enters at x86_syscall_entry (MSR_LSTAR), which builds the same frame at the
 * top of the thread's kernel stack and calls x86_syscall_handler(frame). Both leave through
 * x86_trap_return: the registers come back from the frame and iretq resumes the interrupted code,
 * except a system call whose frame is still what the syscall instruction left (trap.c says when),
 * which returns by sysret, cheaper than iretq under QEMU as on hardware.
 *
 * GS. In the kernel the GS base is the core's hal_cpu_t; in user mode, the user's. An entry from
 * user mode (the saved CS has RPL 3) and every syscall execute swapgs first; a return to user mode
 * executes swapgs last, with interrupts off (the handlers return with them off).
 *
 * Frames are 16-byte aligned (the processor aligns the stack before pushing in 64-bit mode, and
 * the frame is 176 bytes), so the handlers are called with the stack as the ABI wants it.
 */
#include "hal_cpu.h"
#include "trap_frame.h"
#include "x86.h"

.macro PUSH_GPRS
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm

/* The reverse of PUSH_GPRS. */
.macro POP_GPRS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
.endm

/*
 * Call \handler(frame at %rsp), with %rbp at the frame: the handler's saved rbp is the trap frame's
 * address, and its return address the label \ret, which is how a backtrace finds the frame and
 * goes on into the interrupted code (hal_debug.c).
 */
.macro CALL_WITH_FRAME handler, ret
	cld
	testb	$1, x86_smap(%rip)		/* no user access allowed by an inherited AC */
	jz	1f
	clac
1:	mov	%rsp, %rdi
	mov	%rsp, %rbp
	call	\handler
	.globl	\ret
\ret:
.endm

	.section .text
	.p2align 4
	.globl	x86_trap_stubs
x86_trap_stubs:
	.set	vec, 0
	.rept	256
	.p2align 4
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) \
	    || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0				/* no error code */
	.endif
	pushq	$vec
	jmp	x86_trap_common
	.set	vec, vec + 1
	.endr
	.p2align 4
	.globl	x86_trap_stubs_end
x86_trap_stubs_end:

x86_trap_common:
	testb	$3, 24(%rsp)			/* the saved CS: from user mode? */
	jz	1f
	swapgs
1:	PUSH_GPRS
	CALL_WITH_FRAME hal_trap_handler, x86_trap_called

/* x86_trap_return: resume the context of the frame at %rsp (IRQs off). */
	.globl	x86_trap_return
x86_trap_return:
	POP_GPRS
	add	$16, %rsp			/* vector, error code */
	testb	$3, 8(%rsp)			/* back to user mode? */
	jz	2f
	swapgs
2:	iretq

/*
 * syscall: rip in %rcx, rflags in %r11, MSR_FMASK cleared IF, DF, TF and AC; nothing is on the
 * kernel stack and %rsp is still the user's.
 */
	.p2align 4
	.globl	x86_syscall_entry
x86_syscall_entry:
	swapgs
	mov	%rsp, %gs:HAL_CPU_SCRATCH
	mov	%gs:HAL_CPU_KSTACK_TOP, %rsp
	pushq	$SEL_UDATA			/* ss */
	pushq	%gs:HAL_CPU_SCRATCH		/* rsp */
	pushq	%r11				/* rflags */
	pushq	$SEL_UCODE			/* cs */
	pushq	%rcx				/* rip */
	pushq	$0				/* error code */
	pushq	$VEC_SYSCALL
	PUSH_GPRS
	CALL_WITH_FRAME x86_syscall_handler, x86_syscall_called
	testb	%al, %al			/* may it return by sysret? (trap.c) */
	jz	x86_trap_return
	POP_GPRS				/* %r11 = the user's rflags, %rcx its rip */
	mov	40(%rsp), %rsp			/* vector, error, rip, cs, rflags: then the frame's rsp */
	swapgs
	sysretq

/* x86_resume_frame(frame): resume the context saved in @frame (never returns; IRQs off). */
	.globl	x86_resume_frame
x86_resume_frame:
	mov	%rdi, %rsp
	jmp	x86_trap_return
