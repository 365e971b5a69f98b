/*
 * context.S - switching kernel threads on x86_64.
 *
 * hal_context_t layout (hal_context.c checks it): regs[0] = rsp, regs[1..6] = rbx, rbp, r12..r15,
 * regs[7] = rflags (IF, and AC: a thread switched out in the middle of a user copy under SMAP does
 * not lend AC to the next one), regs[8] = top of the thread's kernel stack below its FP area (0 for
 * an idle thread),
 * which the switch publishes in the core's hal_cpu_t and in its TSS's RSP0: a trap from user mode
 * lands there; regs[9] = the thread's FS base (its user TLS pointer; hal_user_set_tls), written to
 * MSR_FS_BASE when it differs from the value there (hal_cpu_t.fs_base). Only callee-saved
 * registers are kept: hal_context_switch is an ordinary call for the compiler, and its return
 * address is on the thread's own stack. A new context starts in hal_context_start with rbx =
 * entry, r12 = arg. The FP registers are not touched here: CR0.TS is set unless the thread
 * switched in owns them (fpu.c), and whoever needs them next saves them.
 */
#include "hal_cpu.h"
#include "x86.h"

#define CTX_RSP    0
#define CTX_RBX    8
#define CTX_RBP    16
#define CTX_R12    24
#define CTX_R13    32
#define CTX_R14    40
#define CTX_R15    48
#define CTX_RFLAGS 56
#define CTX_KSTACK 64
#define CTX_FSBASE 72

	.section .text
	.globl	hal_context_switch
	.p2align 4
hal_context_switch:			/* rdi = from, rsi = to */
	pushfq
	popq	CTX_RFLAGS(%rdi)
	mov	%rsp, CTX_RSP(%rdi)
	mov	%rbx, CTX_RBX(%rdi)
	mov	%rbp, CTX_RBP(%rdi)
	mov	%r12, CTX_R12(%rdi)
	mov	%r13, CTX_R13(%rdi)
	mov	%r14, CTX_R14(%rdi)
	mov	%r15, CTX_R15(%rdi)
	mov	%rsi, %rbx			/* saved above: free until the loads below */
	mov	CTX_KSTACK(%rsi), %rdi
	sub	$8, %rsp			/* the call below with the stack as the ABI wants it */
	call	x86_fpu_switch_in		/* CR0.TS for the thread switched in (fpu.c) */
	add	$8, %rsp
	mov	%rbx, %rsi
	mov	CTX_RSP(%rsi), %rsp
	mov	CTX_RBX(%rsi), %rbx
	mov	CTX_RBP(%rsi), %rbp
	mov	CTX_R12(%rsi), %r12
	mov	CTX_R13(%rsi), %r13
	mov	CTX_R14(%rsi), %r14
	mov	CTX_R15(%rsi), %r15
	mov	CTX_KSTACK(%rsi), %rax
	mov	%rax, %gs:HAL_CPU_KSTACK_TOP
	mov	%rax, %gs:HAL_CPU_TSS_RSP0
	mov	%rsi, %gs:HAL_CPU_CUR_CTX
	mov	CTX_FSBASE(%rsi), %rax
	cmp	%gs:HAL_CPU_FS_BASE, %rax
	je	1f
	mov	%rax, %gs:HAL_CPU_FS_BASE
	mov	%rax, %rdx
	shr	$32, %rdx
	mov	$MSR_FS_BASE, %ecx
	wrmsr
1:	pushq	CTX_RFLAGS(%rsi)
	popfq
	ret

	.globl	hal_context_start
	.p2align 4
hal_context_start:
	mov	%r12, %rdi
	xor	%ebp, %ebp			/* the backtrace of a new thread ends here */
	pushq	$0
	jmp	*%rbx
