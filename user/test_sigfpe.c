/*
 * test_sigfpe.c - x86_64's arithmetic exceptions become SIGFPE with Linux's si_code and si_addr
 * (kern/user_fault.c, hal/x86_64/trap.c and fpu.c; docs/signals.md), as a KTAP suite:
 *
 *   #DE   idiv by zero, and idiv's overflow (INT64_MIN / -1): FPE_INTDIV both, as on Linux;
 *   #XM   an SSE instruction that raises an exception unmasked in MXCSR: invalid FPE_FLTINV,
 *         divide by zero FPE_FLTDIV, overflow FPE_FLTOVF, underflow FPE_FLTUND, inexact
 *         FPE_FLTRES; a denormal operand FPE_FLTUND (Linux counts it as underflow);
 *   #MF   the same six exceptions of an x87 instruction, unmasked in its control word, with the
 *         same codes, reported at the next waiting x87 instruction (fwait), whose address
 *         si_addr gives. QEMU's TCG raises #MF but no #XM: there the SSE cases are skipped (the
 *         kernel decodes both the same way, from the flags and the masks: fpu.c).
 *
 * si_addr is the address of the instruction that trapped. The handler makes the interrupted code
 * go on: it steps over the idiv (rip set to the next instruction), or masks every FP exception
 * and clears the flags in the ucontext's fpstate, so that the instruction runs again and completes
 * (which also checks that rt_sigreturn loads MXCSR and the x87 words from the frame). x86_64 only;
 * it runs on Linux too (user.test_sigfpe, on the host), where it must pass as on Archipel.
 */
#define _GNU_SOURCE
#include <float.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include "ktap.h"

#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_FLAGS   0x3fu
#define MXCSR_IM      0x080u /* the masks: MXCSR bits 7-12, x87 control word bits 0-5 */
#define MXCSR_DM      0x100u
#define MXCSR_ZM      0x200u
#define MXCSR_OM      0x400u
#define MXCSR_UM      0x800u
#define MXCSR_PM      0x1000u
#define X87_CW_DEFAULT 0x37fu
#define X87_IM         0x01u /* the x87 control word's masks, in MXCSR's flag order */
#define X87_DM         0x02u
#define X87_ZM         0x04u
#define X87_OM         0x08u
#define X87_UM         0x10u
#define X87_PM         0x20u
#define X87_SW_CLEAR   0x80ffu /* the exception flags, ES and B: what fnclex clears */

static volatile uintptr_t fault_addr;   /* the instruction expected to trap  */
static volatile uintptr_t resume_addr;  /* where an idiv's handler resumes   */
static volatile int got_signo, got_code, got_count;
static volatile uintptr_t got_addr;

static void on_sigfpe(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;

	got_signo = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	got_count++;
	if (si->si_code == FPE_INTDIV) {
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)resume_addr;
		return;
	}
	if (fp) { /* mask everything, clear the flags: the instruction runs again and completes */
		fp->mxcsr = (fp->mxcsr | MXCSR_DEFAULT) & ~MXCSR_FLAGS;
		fp->cwd |= 0x3f;
		fp->swd &= (uint16_t)~X87_SW_CLEAR;
	}
}

static void reset(void)
{
	got_signo = got_code = got_count = 0;
	got_addr = 0;
}

static long idiv(long n, long d)
{
	__asm__ volatile("lea 1f(%%rip), %%rcx\n\tmov %%rcx, %[fa]\n\t"
			 "lea 2f(%%rip), %%rcx\n\tmov %%rcx, %[ra]\n\t"
			 "cqo\n1:\tidivq %[d]\n2:"
			 : "+a"(n), [fa] "=m"(fault_addr), [ra] "=m"(resume_addr)
			 : [d] "r"(d)
			 : "rcx", "rdx", "cc", "memory");
	return n;
}

static bool check_int(const char *what, long n, long d)
{
	reset();
	idiv(n, d);
	return ktap_ok(got_count == 1 && got_signo == SIGFPE && got_code == FPE_INTDIV &&
			       got_addr == fault_addr,
		       "%s: SIGFPE %d times, si_code %d (FPE_INTDIV %d), si_addr %s", what, got_count,
		       got_code, FPE_INTDIV, got_addr == fault_addr ? "the idiv" : "wrong");
}

enum sse_op { SSE_DIV, SSE_MUL };

/* @op on @a and @b with MXCSR = the default less @unmask, flags clear; MXCSR back to the default.
 * *@flags: MXCSR's flags just after the instruction (as the handler left them, if it ran). */
static double sse(enum sse_op op, double a, double b, uint32_t unmask, uint32_t *flags)
{
	uint32_t csr = MXCSR_DEFAULT & ~unmask, after;

	__asm__ volatile("ldmxcsr %0" ::"m"(csr));
	if (op == SSE_DIV)
		__asm__ volatile("lea 1f(%%rip), %%rcx\n\tmov %%rcx, %[fa]\n1:\tdivsd %[b], %[a]\n\t"
				 "stmxcsr %[after]"
				 : [a] "+x"(a), [fa] "=m"(fault_addr), [after] "=m"(after)
				 : [b] "x"(b)
				 : "rcx", "memory");
	else
		__asm__ volatile("lea 1f(%%rip), %%rcx\n\tmov %%rcx, %[fa]\n1:\tmulsd %[b], %[a]\n\t"
				 "stmxcsr %[after]"
				 : [a] "+x"(a), [fa] "=m"(fault_addr), [after] "=m"(after)
				 : [b] "x"(b)
				 : "rcx", "memory");
	csr = MXCSR_DEFAULT;
	__asm__ volatile("ldmxcsr %0" ::"m"(csr));
	*flags = after & MXCSR_FLAGS;
	return a;
}

/*
 * #XM. QEMU's TCG does not emulate it (an unmasked SSE exception only sets its flag; OSv's
 * tst-feexcept saw the same), nor the denormal-operand flag: when no signal came, the case is
 * skipped, saying which. The same codes come from #MF, which TCG raises.
 */
static void check_sse(const char *what, enum sse_op op, double a, double b, uint32_t unmask,
		      int code)
{
	uint32_t flags;
	double r;

	reset();
	r = sse(op, a, b, unmask, &flags);
	if (got_count == 0) {
		ktap_skip(what, flags & (unmask >> 7) ?
					"the CPU raised the flag without #XM (QEMU's TCG emulates no #XM)" :
					"the CPU did not raise the flag (QEMU's TCG sees no denormal operand)");
		return;
	}
	ktap_ok(got_count == 1 && got_signo == SIGFPE && got_code == code && got_addr == fault_addr,
		"%s: SIGFPE %d times, si_code %d (want %d), si_addr %s, result %g", what, got_count,
		got_code, code, got_addr == fault_addr ? "the instruction" : "wrong", r);
}

/*
 * x87: st(1) OP st(0) with @a in st(1), @b in st(0), @unmask cleared in the control word; the
 * exception stays pending until the fwait, which traps (#MF, CR0.NE). AT&T's fdivrp is Intel's
 * fdivp: st(1) = st(1) / st(0).
 */
#define X87_RUN(insn)                                                                              \
	__asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\tfldt %[b]\n\t" insn "\n\t"           \
			 "lea 1f(%%rip), %%rcx\n\tmov %%rcx, %[fa]\n1:\tfwait\n\t"                   \
			 "fnstsw %[sw]\n\tfninit\n\tfldcw %[cwd]"                                   \
			 : [fa] "=m"(fault_addr), [sw] "=m"(sw)                                    \
			 : [cw] "m"(cw), [cwd] "m"(cw_default), [a] "m"(a), [b] "m"(b)             \
			 : "rcx", "st", "st(1)", "memory")

enum x87_op { X87_DIV, X87_MUL };

/* Returns the status word's flags after the fwait (as the handler left them, if it ran). */
static uint16_t x87(enum x87_op op, long double a, long double b, uint16_t unmask)
{
	uint16_t cw = X87_CW_DEFAULT & ~unmask, cw_default = X87_CW_DEFAULT, sw;

	if (op == X87_DIV)
		X87_RUN("fdivrp");
	else
		X87_RUN("fmulp");
	return sw & 0x3f;
}

static void check_x87(const char *what, enum x87_op op, long double a, long double b,
		      uint16_t unmask, int code)
{
	reset();
	if (!(x87(op, a, b, unmask) & unmask) && got_count == 0) {
		ktap_skip(what, "the CPU did not raise the flag (QEMU's TCG sees no denormal operand)");
		return;
	}
	ktap_ok(got_count == 1 && got_signo == SIGFPE && got_code == code && got_addr == fault_addr,
		"%s: SIGFPE %d times, si_code %d (want %d), si_addr %s", what, got_count, got_code,
		code, got_addr == fault_addr ? "the fwait" : "wrong");
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigfpe, .sa_flags = SA_SIGINFO };
	uint32_t flags;
	double r;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGFPE, &sa, NULL) != 0)
		return 1;
	ktap_plan(16);
	check_int("idiv by zero", 7, 0);
	check_int("idiv overflow (INT64_MIN / -1)", INT64_MIN, -1);
	check_x87("x87 0/0, invalid unmasked", X87_DIV, 0.0L, 0.0L, X87_IM, FPE_FLTINV);
	check_x87("x87 1/0, divide-by-zero unmasked", X87_DIV, 1.0L, 0.0L, X87_ZM, FPE_FLTDIV);
	check_x87("x87 LDBL_MAX^2, overflow unmasked", X87_MUL, LDBL_MAX, LDBL_MAX, X87_OM,
		  FPE_FLTOVF);
	check_x87("x87 LDBL_MIN^2, underflow unmasked", X87_MUL, LDBL_MIN, LDBL_MIN, X87_UM,
		  FPE_FLTUND);
	check_x87("x87 1/3, precision unmasked", X87_DIV, 1.0L, 3.0L, X87_PM, FPE_FLTRES);
	check_x87("x87 denormal*1, denormal unmasked", X87_MUL, LDBL_TRUE_MIN, 1.0L, X87_DM,
		  FPE_FLTUND);
	check_sse("divsd 0/0, invalid unmasked", SSE_DIV, 0.0, 0.0, MXCSR_IM, FPE_FLTINV);
	check_sse("divsd 1/0, divide-by-zero unmasked", SSE_DIV, 1.0, 0.0, MXCSR_ZM, FPE_FLTDIV);
	check_sse("mulsd DBL_MAX*4, overflow unmasked", SSE_MUL, DBL_MAX, 4.0, MXCSR_OM, FPE_FLTOVF);
	check_sse("mulsd DBL_MIN*DBL_MIN, underflow unmasked", SSE_MUL, DBL_MIN, DBL_MIN, MXCSR_UM,
		  FPE_FLTUND);
	check_sse("divsd 1/3, precision unmasked", SSE_DIV, 1.0, 3.0, MXCSR_PM, FPE_FLTRES);
	check_sse("mulsd denormal*1, denormal unmasked", SSE_MUL, DBL_TRUE_MIN, 1.0, MXCSR_DM,
		  FPE_FLTUND);
	/* masked (the default): no signal, the IEEE results */
	reset();
	r = sse(SSE_DIV, 1.0, 0.0, 0, &flags);
	ktap_ok(got_count == 0 && r > DBL_MAX && (flags & 0x04),
		"divsd 1/0 masked: no signal (%d), result %g, ZE flag %s", got_count, r,
		flags & 0x04 ? "set" : "clear");
	reset();
	x87(X87_DIV, 1.0L, 0.0L, 0);
	ktap_ok(got_count == 0, "x87 1/0 masked: no signal (%d)", got_count);
	return ktap_exit();
}
