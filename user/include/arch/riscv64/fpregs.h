/*
 * fpregs.h (riscv64) - the FP registers, for test programs (user/test_fp.c): fill them, read them,
 * keep them across a system call, across a C call, or while a busy loop keeps changing them. One
 * such header per architecture, user/include/arch/<arch>/, which user/CMakeLists.txt puts on the
 * include path; the test itself names no register.
 *
 * RISC-V (D extension): 32 registers of 64 bits, f0..f31, and the control word fcsr (frm, bits 7:5,
 * the rounding mode, valid 0..4; fflags, bits 4:0, the accrued exceptions). The callee-saved ones
 * are fs0..fs11 = f8, f9, f18..f27. Linux's ucontext keeps them in uc_mcontext.__fpregs.__d.
 *
 * The assembly functions are defined here, once: include this header in one file of a program.
 */
#ifndef ARCHIPEL_USER_FPREGS_H
#define ARCHIPEL_USER_FPREGS_H

#include <stdint.h>
#include <ucontext.h>

#define FP_NREGS  32 /* registers of the file                     */
#define FP_NSAVED 12 /* of them, callee-saved (kept across calls) */

/* Index in the file of the i-th callee-saved register. */
static const int fp_saved_index[FP_NSAVED] = { 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27 };

/* A valid control word made from @seed: every rounding mode and flag combination occurs. */
static inline uint32_t fp_ctrl_make(unsigned int seed)
{
	return ((seed % 5u) << 5) | ((seed / 5u) & 0x1fu);
}

/* The interrupted code's pc, FP registers and control word in a signal handler's ucontext. */
static inline uintptr_t fp_uc_pc(ucontext_t *uc)
{
	return uc->uc_mcontext.__gregs[REG_PC];
}

static inline uint64_t *fp_uc_regs(ucontext_t *uc)
{
	return (uint64_t *)uc->uc_mcontext.__fpregs.__d.__f;
}

static inline uint32_t *fp_uc_ctrl(ucontext_t *uc)
{
	return &uc->uc_mcontext.__fpregs.__d.__fcsr;
}

/* The words of the frame's FP area that must be zero (no other extension state; Linux refuses a
 * frame where they are not: q.reserved, since 6.5 sc_extdesc's reserved word and end header). */
static inline uint32_t *fp_uc_reserved(ucontext_t *uc, int *count)
{
	*count = 3;
	return uc->uc_mcontext.__fpregs.__q.__glibc_reserved;
}

#define FP_CLOBBERS                                                                                \
	"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", "f14", \
	"f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25", "f26", "f27",   \
	"f28", "f29", "f30", "f31"

#define FP_EACH ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"

/*
 * System call @nr(@a0, @a1, @a2, 0, 0, 0) with every FP register loaded from @in and the control
 * word set to @ctrl_in just before the ecall, and stored into @out / *@ctrl_out just after it (in
 * the child too, for a fork-like clone). Returns the call's result (a0).
 */
static inline long fp_syscall(long nr, long a0, long a1, long a2, const uint64_t in[FP_NREGS],
			      uint32_t ctrl_in, uint64_t out[FP_NREGS], uint32_t *ctrl_out)
{
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a3 __asm__("a3") = 0;
	register long r_a4 __asm__("a4") = 0;
	register long r_a5 __asm__("a5") = 0;
	register long r_a7 __asm__("a7") = nr;
	uint64_t ctrl;

	__asm__ volatile("fscsr %[ci]\n"
			 FP_EACH "fld f\\n, (\\n * 8)(%[in])\n.endr\n"
			 "ecall\n"
			 FP_EACH "fsd f\\n, (\\n * 8)(%[out])\n.endr\n"
			 "frcsr %[co]\n"
			 : "+r"(r_a0), [co] "=&r"(ctrl)
			 : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a7),
			   [in] "r"(in), [out] "r"(out),
			   [ci] "r"((uint64_t)ctrl_in)
			 : "memory", FP_CLOBBERS);
	*ctrl_out = (uint32_t)ctrl;
	return r_a0;
}

/* Every FP register and the control word into @out / *@ctrl_out, as they are now. */
static inline void fp_read(uint64_t out[FP_NREGS], uint32_t *ctrl_out)
{
	uint64_t ctrl;

	__asm__ volatile(FP_EACH "fsd f\\n, (\\n * 8)(%[out])\n.endr\n"
			 "frcsr %[co]\n"
			 : [co] "=r"(ctrl)
			 : [out] "r"(out)
			 : "memory");
	*ctrl_out = (uint32_t)ctrl;
}

/* Every FP register and the control word from @in / @ctrl (a clobber for the compiler). */
static inline void fp_write(const uint64_t in[FP_NREGS], uint32_t ctrl)
{
	__asm__ volatile("fscsr %[ci]\n"
			 FP_EACH "fld f\\n, (\\n * 8)(%[in])\n.endr\n"
			 :
			 : [in] "r"(in), [ci] "r"((uint64_t)ctrl)
			 : "memory", FP_CLOBBERS);
}

/*
 * fp_keep_across: the callee-saved registers loaded from @in and the control word set to @ctrl_in,
 * then @fn(@arg) called (ordinary C code, which keeps callee-saved registers as the ABI says), then
 * those registers stored into @out and the control word into *@ctrl_out; the caller's own
 * registers and control word are put back before returning @fn's result.
 *
 * fp_spin: @iters times, add regs[31] to each of regs[0..30], all kept in the FP registers the
 * whole time (values that are exact in a double stay exact); @ctrl is the control word meanwhile
 * and is stored back. fp_spin_end is the address after its loop, for handlers that want to know
 * whether they interrupted it.
 */
long fp_keep_across(const uint64_t in[FP_NSAVED], uint32_t ctrl_in, uint64_t out[FP_NSAVED],
		    uint32_t *ctrl_out, long (*fn)(void *), void *arg);
void fp_spin(double regs[FP_NREGS], uint32_t *ctrl, uint64_t iters);
extern const char fp_spin_end[];

__asm__(".text\n"
	".globl fp_keep_across\n"
	".type fp_keep_across, @function\n"
	"fp_keep_across:\n"          /* a0 in, a1 ctrl_in, a2 out, a3 ctrl_out, a4 fn, a5 arg */
	"	addi sp, sp, -144\n"
	"	sd ra, 0(sp)\n"
	"	sd s0, 8(sp)\n"
	"	sd s1, 16(sp)\n"
	"	frcsr t0\n"
	"	sd t0, 24(sp)\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11\n"
	"	fsd fs\\i, (32 + \\i * 8)(sp)\n"
	"	fld fs\\i, (\\i * 8)(a0)\n"
	"	.endr\n"
	"	fscsr a1\n"
	"	mv s0, a2\n"
	"	mv s1, a3\n"
	"	mv a0, a5\n"
	"	jalr a4\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11\n"
	"	fsd fs\\i, (\\i * 8)(s0)\n"
	"	fld fs\\i, (32 + \\i * 8)(sp)\n"
	"	.endr\n"
	"	frcsr t0\n"
	"	sw t0, 0(s1)\n"
	"	ld t0, 24(sp)\n"
	"	fscsr t0\n"
	"	ld ra, 0(sp)\n"
	"	ld s0, 8(sp)\n"
	"	ld s1, 16(sp)\n"
	"	addi sp, sp, 144\n"
	"	ret\n"
	".size fp_keep_across, . - fp_keep_across\n"
	"\n"
	".globl fp_spin, fp_spin_end\n"
	".type fp_spin, @function\n"
	"fp_spin:\n"                 /* a0 regs, a1 ctrl, a2 iters; f0..f31 are caller-saved but */
	"	addi sp, sp, -96\n"  /* fs0..fs11 are not: keep the caller's */
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11\n"
	"	fsd fs\\i, (\\i * 8)(sp)\n"
	"	.endr\n"
	"	lw t0, 0(a1)\n"
	"	fscsr t1, t0\n"
	"	" FP_EACH "	fld f\\n, (\\n * 8)(a0)\n	.endr\n"
	"	beqz a2, 2f\n"
	"1:	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n"
	"	fadd.d f\\n, f\\n, f31\n"
	"	.endr\n"
	"	addi a2, a2, -1\n"
	"	bnez a2, 1b\n"
	"fp_spin_end:\n"
	"2:	" FP_EACH "	fsd f\\n, (\\n * 8)(a0)\n	.endr\n"
	"	frcsr t0\n"
	"	sw t0, 0(a1)\n"
	"	fscsr t1\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11\n"
	"	fld fs\\i, (\\i * 8)(sp)\n"
	"	.endr\n"
	"	addi sp, sp, 96\n"
	"	ret\n"
	".size fp_spin, . - fp_spin\n");

#endif /* ARCHIPEL_USER_FPREGS_H */
