/*
 * fpregs.h (x86_64) - the FP registers, for test programs (user/test_fp.c); the names and their
 * meaning: user/include/arch/riscv64/fpregs.h.
 *
 * x86_64 (SSE2, the FP of the psABI): 16 registers of 128 bits, xmm0..xmm15, seen here as 32 words
 * of 64 bits (word 2i = the low half of xmm<i>, 2i + 1 its high half), and the control word MXCSR
 * (flags, bits 5:0; exception masks, 12:7, always all set here so that no value traps; rounding,
 * 14:13). The psABI keeps no xmm register across a call (FP_NSAVED 0): only MXCSR's control bits
 * are callee-saved, which fp_keep_across checks. The x87 registers are left alone: C code on x86_64
 * does its double arithmetic in SSE. Linux's ucontext points at the FXSAVE image (uc_mcontext.fpregs,
 * glibc's struct _libc_fpstate): xmm at byte 160, MXCSR at byte 24.
 *
 * The assembly functions are defined here, once: include this header in one file of a program.
 */
#ifndef ARCHIPEL_USER_FPREGS_H
#define ARCHIPEL_USER_FPREGS_H

#include <stdint.h>
#include <ucontext.h>

#define FP_NREGS  32 /* 64-bit words of the file: xmm0..xmm15 */
#define FP_NSAVED 0  /* of them, callee-saved: none            */

/* The control word a new program starts with (every exception masked, round to nearest). */
#define FP_CTRL_INITIAL 0x1f80u
/* Whether a new program's FP registers are still all zero when main starts: not on x86_64, where
 * glibc's start-up code copies the TLS image and clears memory with SSE before main. */
#define FP_REGS_ZERO_AT_MAIN 0
/* Whether glibc's own code (here its string functions, memset, memcpy...) uses FP registers: a
 * thread of integer-only C code may then still touch them, in the C library. */
#define FP_LIBC_USES_FP 1

static const int fp_saved_index[FP_NSAVED + 1] = { -1 }; /* (no entry is used) */

/* A valid control word made from @seed: every rounding mode and flag combination occurs, every
 * exception stays masked. */
static inline uint32_t fp_ctrl_make(unsigned int seed)
{
	return 0x1f80u | ((seed % 4u) << 13) | ((seed / 4u) & 0x3fu);
}

/* The interrupted code's pc, FP registers and control word in a signal handler's ucontext. */
static inline uintptr_t fp_uc_pc(ucontext_t *uc)
{
	return (uintptr_t)uc->uc_mcontext.gregs[16]; /* REG_RIP */
}

static inline uint64_t *fp_uc_regs(ucontext_t *uc)
{
	return (uint64_t *)uc->uc_mcontext.fpregs->_xmm;
}

static inline uint32_t *fp_uc_ctrl(ucontext_t *uc)
{
	return &uc->uc_mcontext.fpregs->mxcsr;
}

/* The words of the frame's FP area that must be zero: the FXSAVE image's bytes 464..511, which
 * Linux's frames use to describe XSAVE state (sw_reserved); Archipel saves no XSAVE state, so a
 * frame that claims some is refused. Linux on a CPU with XSAVE (a host running this test natively)
 * does describe its state there, starting with FP_XSTATE_MAGIC1: then no word is reserved. */
#define FP_X86_XSTATE_MAGIC1 0x46505853u
static inline uint32_t *fp_uc_reserved(ucontext_t *uc, int *count)
{
	uint32_t *sw = &uc->uc_mcontext.fpregs->__glibc_reserved1[12];

	*count = sw[0] == FP_X86_XSTATE_MAGIC1 ? 0 : 12;
	return sw;
}

#define FP_CLOBBERS                                                                               \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",  \
	"xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

#define FP_EACH ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"

/*
 * System call @nr(@a0, @a1, @a2, 0, 0, 0) with every FP register loaded from @in and the control
 * word set to @ctrl_in just before the syscall instruction, and stored into @out / *@ctrl_out just
 * after it (in the child too, for a fork-like clone). Returns the call's result (rax).
 */
static inline long fp_syscall(long nr, long a0, long a1, long a2, const uint64_t in[FP_NREGS],
			      uint32_t ctrl_in, uint64_t out[FP_NREGS], uint32_t *ctrl_out)
{
	register long r_a3 __asm__("r10") = 0;
	register long r_a4 __asm__("r8") = 0;
	register long r_a5 __asm__("r9") = 0;
	long ret = nr;
	uint32_t ctrl;

	__asm__ volatile("ldmxcsr %[ci]\n"
			 FP_EACH "movdqu (\\n * 16)(%[in]), %%xmm\\n\n.endr\n"
			 "syscall\n"
			 FP_EACH "movdqu %%xmm\\n, (\\n * 16)(%[out])\n.endr\n"
			 "stmxcsr %[co]\n"
			 : "+a"(ret), [co] "=m"(ctrl)
			 : "D"(a0), "S"(a1), "d"(a2), "r"(r_a3), "r"(r_a4), "r"(r_a5),
			   [in] "r"(in), [out] "r"(out), [ci] "m"(ctrl_in)
			 : "memory", "rcx", "r11", FP_CLOBBERS);
	*ctrl_out = ctrl;
	return ret;
}

/* Every FP register and the control word into @out / *@ctrl_out, as they are now. */
static inline void fp_read(uint64_t out[FP_NREGS], uint32_t *ctrl_out)
{
	uint32_t ctrl;

	__asm__ volatile(FP_EACH "movdqu %%xmm\\n, (\\n * 16)(%[out])\n.endr\n"
			 "stmxcsr %[co]\n"
			 : [co] "=m"(ctrl)
			 : [out] "r"(out)
			 : "memory");
	*ctrl_out = ctrl;
}

/* Every FP register and the control word from @in / @ctrl (a clobber for the compiler). */
static inline void fp_write(const uint64_t in[FP_NREGS], uint32_t ctrl)
{
	__asm__ volatile("ldmxcsr %[ci]\n"
			 FP_EACH "movdqu (\\n * 16)(%[in]), %%xmm\\n\n.endr\n"
			 :
			 : [in] "r"(in), [ci] "m"(ctrl)
			 : "memory", FP_CLOBBERS);
}

/*
 * fp_keep_across: the callee-saved registers (none) loaded from @in and the control word set to
 * @ctrl_in, then @fn(@arg) called, then the control word stored into *@ctrl_out; the caller's own
 * control word is put back before returning @fn's result.
 *
 * fp_spin: @iters times, add regs[31] to each of regs[0..30], all kept in the FP registers the
 * whole time (xmm15's high half is regs[31]: addsd changes only its low half); @ctrl is the
 * control word meanwhile and is stored back. fp_spin_end is the address after its loop.
 */
long fp_keep_across(const uint64_t *in, uint32_t ctrl_in, uint64_t *out, uint32_t *ctrl_out,
		    long (*fn)(void *), void *arg);
void fp_spin(double regs[FP_NREGS], uint32_t *ctrl, uint64_t iters);
extern const char fp_spin_end[];

__asm__(".text\n"
	".globl fp_keep_across\n"
	".type fp_keep_across, @function\n"
	"fp_keep_across:\n"          /* rdi in, esi ctrl_in, rdx out, rcx ctrl_out, r8 fn, r9 arg */
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	push %rbx\n"
	"	sub $24, %rsp\n"       /* 0: the caller's MXCSR, 4: ctrl_in; rsp 16-byte aligned */
	"	stmxcsr (%rsp)\n"
	"	mov %esi, 4(%rsp)\n"
	"	ldmxcsr 4(%rsp)\n"
	"	mov %rcx, %rbx\n"
	"	mov %r9, %rdi\n"
	"	call *%r8\n"
	"	stmxcsr (%rbx)\n"
	"	ldmxcsr (%rsp)\n"
	"	add $24, %rsp\n"
	"	pop %rbx\n"
	"	pop %rbp\n"
	"	ret\n"
	".size fp_keep_across, . - fp_keep_across\n"
	"\n"
	".globl fp_spin, fp_spin_end\n"
	".type fp_spin, @function\n"
	"fp_spin:\n"                 /* rdi regs, rsi ctrl, rdx iters; every xmm is caller-saved */
	"	sub $40, %rsp\n"       /* 0: regs[31] twice (16-byte aligned), 16: the caller's MXCSR */
	"	stmxcsr 16(%rsp)\n"
	"	ldmxcsr (%rsi)\n"
	"	mov 248(%rdi), %rax\n"
	"	mov %rax, (%rsp)\n"
	"	mov %rax, 8(%rsp)\n"
	"	" FP_EACH "	movdqu (\\n * 16)(%rdi), %xmm\\n\n	.endr\n"
	"	test %rdx, %rdx\n"
	"	jz 2f\n"
	"1:	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14\n"
	"	addpd (%rsp), %xmm\\n\n"
	"	.endr\n"
	"	addsd (%rsp), %xmm15\n"
	"	dec %rdx\n"
	"	jnz 1b\n"
	"fp_spin_end:\n"
	"2:	" FP_EACH "	movdqu %xmm\\n, (\\n * 16)(%rdi)\n	.endr\n"
	"	stmxcsr (%rsi)\n"
	"	ldmxcsr 16(%rsp)\n"
	"	add $40, %rsp\n"
	"	ret\n"
	".size fp_spin, . - fp_spin\n");

#endif /* ARCHIPEL_USER_FPREGS_H */
