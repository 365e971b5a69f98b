/*
 * hal_signal.c - signal frames on x86_64 (see hal_signal.h), Linux's layout (arch/x86/include/
 * asm/sigframe.h, uapi/asm/sigcontext.h, uapi/asm-generic/ucontext.h):
 *   struct rt_sigframe { char *pretcode; struct ucontext uc; siginfo_t info; }
 * with uc = { uc_flags, uc_link, uc_stack, uc_mcontext (struct sigcontext: r8..r15, rdi, rsi, rbp,
 * rbx, rdx, rax, rcx, rsp, rip, eflags, cs, gs, fs, ss, err, trapno, oldmask, cr2, fpstate,
 * reserved), uc_sigmask }. The handler runs with rsp at the frame, as if called: pretcode, the
 * sa_restorer, is its return address, and glibc's restorer calls rt_sigreturn with rsp just above
 * it, at uc. The frame lies below the 128-byte red zone the x86_64 ABI gives the interrupted code
 * under its stack pointer (not on an alternate stack, which has no such code).
 * The FP state goes above the frame, 64-byte aligned, as Linux's struct _fpstate_64 (the FXSAVE64
 * image: arch/fpu.h), uc_mcontext.fpstate pointing at it; the handler starts with the interrupted
 * code's FP registers, as on Linux. rt_sigreturn loads them back from there (a MXCSR with bits the
 * CPU does not have is refused: FXRSTOR would fault), or resets them when fpstate is NULL.
 */
#include <hal_signal.h>
#include <hal_uspace.h>
#include <libk/errno.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "trap_frame.h"
#include "x86.h"

struct x86_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;    /* struct _fpstate *, 0: none */
	uint64_t reserved1[8];
};

struct x86_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	uint64_t ss_sp;      /* stack_t uc_stack */
	int32_t  ss_flags;
	int32_t  ss_pad;
	uint64_t ss_size;
	struct x86_sigcontext uc_mcontext;
	uint64_t uc_sigmask; /* the kernel's sigset_t: 64 bits */
};

struct x86_rt_sigframe {
	uint64_t pretcode;
	struct x86_ucontext uc;
	uint8_t info[128];
};

/* The layouts of /usr/include/x86_64-linux-gnu/asm/sigcontext.h and asm-generic/ucontext.h. */
_Static_assert(sizeof(struct x86_sigcontext) == 256, "struct sigcontext");
_Static_assert(__builtin_offsetof(struct x86_sigcontext, eflags) == 136, "sigcontext.eflags");
_Static_assert(__builtin_offsetof(struct x86_sigcontext, fpstate) == 184, "sigcontext.fpstate");
_Static_assert(__builtin_offsetof(struct x86_ucontext, uc_mcontext) == 40, "uc_mcontext");
_Static_assert(__builtin_offsetof(struct x86_ucontext, uc_sigmask) == 296, "uc_sigmask");
_Static_assert(sizeof(struct x86_rt_sigframe) == 440, "rt_sigframe");

#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4
#define RED_ZONE             128
/* The flags a user context may set (Linux's FIX_EFLAGS: status flags, TF, DF, AC, ...). */
#define RFLAGS_RESTORABLE    0x00050dd5ULL

uintptr_t hal_user_sp(void)
{
	return x86_user_frame()->rsp;
}

static void save_regs(struct x86_sigcontext *sc, const hal_trap_frame_t *tf)
{
	sc->r8 = tf->r8;
	sc->r9 = tf->r9;
	sc->r10 = tf->r10;
	sc->r11 = tf->r11;
	sc->r12 = tf->r12;
	sc->r13 = tf->r13;
	sc->r14 = tf->r14;
	sc->r15 = tf->r15;
	sc->rdi = tf->rdi;
	sc->rsi = tf->rsi;
	sc->rbp = tf->rbp;
	sc->rbx = tf->rbx;
	sc->rdx = tf->rdx;
	sc->rax = tf->rax;
	sc->rcx = tf->rcx;
	sc->rsp = tf->rsp;
	sc->rip = tf->rip;
	sc->eflags = tf->rflags;
	sc->cs = (uint16_t)tf->cs;
	sc->ss = (uint16_t)tf->ss;
	sc->trapno = tf->vector < 32 ? tf->vector : 0;
	sc->err = tf->vector < 32 ? tf->error : 0;
}

error_t hal_signal_frame_push(uintptr_t sp, const hal_sigframe_t *frame, uintptr_t handler, int sig,
			      uintptr_t restorer)
{
	hal_trap_frame_t *tf = x86_user_frame();
	struct x86_rt_sigframe f;
	hal_fpu_t fp;
	uintptr_t at, fp_at;

	if (sp == tf->rsp)
		sp -= RED_ZONE;
	fp_at = (sp - sizeof(fp.fx)) & ~(uintptr_t)63;
	/* at + 8 is 16-byte aligned: the handler starts as right after a call */
	at = ((fp_at - sizeof(f)) & ~(uintptr_t)15) - 8;
	if (at >= sp) /* wrapped around: no stack there */
		return EFAULT;
	x86_fpu_get(&fp);
	if (hal_copy_to_uspace(fp_at, fp.fx, sizeof(fp.fx)))
		return EFAULT;
	memset(&f, 0, sizeof(f));
	f.uc.uc_mcontext.fpstate = fp_at;
	f.pretcode = restorer;
	memcpy(f.info, frame->siginfo, sizeof(f.info));
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.ss_sp = frame->ss_sp;
	f.uc.ss_flags = (int32_t)frame->ss_flags;
	f.uc.ss_size = frame->ss_size;
	f.uc.uc_sigmask = frame->mask;
	f.uc.uc_mcontext.oldmask = frame->mask;
	save_regs(&f.uc.uc_mcontext, tf);
	if (hal_copy_to_uspace(at, &f, sizeof(f)))
		return EFAULT;
	tf->rip = handler;
	tf->rsp = at;
	tf->rdi = (uint64_t)sig;
	tf->rsi = at + __builtin_offsetof(struct x86_rt_sigframe, info);
	tf->rdx = at + __builtin_offsetof(struct x86_rt_sigframe, uc);
	tf->rax = 0; /* no vector registers used by a variadic call: the ABI's %al */
	tf->rflags &= ~(uint64_t)(RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | 0x10000 /* RF */);
	return 0;
}

uint64_t hal_signal_frame_pop(uint64_t *mask, uintptr_t *ss_sp, uint32_t *ss_flags, size_t *ss_size,
			      error_t *error)
{
	hal_trap_frame_t *tf = x86_user_frame();
	struct x86_ucontext uc;
	const struct x86_sigcontext *sc = &uc.uc_mcontext;
	hal_fpu_t fp = { .in_use = 1 };
	uint32_t mxcsr;

	*error = hal_copy_from_uspace(&uc, tf->rsp, sizeof(uc));
	if (!*error && sc->fpstate)
		*error = hal_copy_from_uspace(fp.fx, sc->fpstate, sizeof(fp.fx));
	if (*error)
		return 0;
	memcpy(&mxcsr, &fp.fx[X86_FX_MXCSR], sizeof(mxcsr));
	if (sc->fpstate && (mxcsr & ~x86_fpu_mxcsr_mask())) {
		*error = EINVAL;
		return 0;
	}
	x86_fpu_set(sc->fpstate ? &fp : NULL);
	/* the general registers, rip, rsp and the user's flags only: cs and ss stay user mode's */
	tf->r8 = sc->r8;
	tf->r9 = sc->r9;
	tf->r10 = sc->r10;
	tf->r11 = sc->r11;
	tf->r12 = sc->r12;
	tf->r13 = sc->r13;
	tf->r14 = sc->r14;
	tf->r15 = sc->r15;
	tf->rdi = sc->rdi;
	tf->rsi = sc->rsi;
	tf->rbp = sc->rbp;
	tf->rbx = sc->rbx;
	tf->rdx = sc->rdx;
	tf->rax = sc->rax;
	tf->rcx = sc->rcx;
	tf->rsp = sc->rsp;
	tf->rip = sc->rip;
	tf->rflags = (tf->rflags & ~RFLAGS_RESTORABLE) | (sc->eflags & RFLAGS_RESTORABLE);
	tf->error = ~0ULL; /* not a system call any more: nothing to restart */
	*mask = uc.uc_sigmask;
	*ss_sp = uc.ss_sp;
	*ss_flags = (uint32_t)uc.ss_flags;
	*ss_size = uc.ss_size;
	return tf->rax;
}

/* The syscall instruction is 2 bytes (0f 05); its number, in rax, was overwritten by the result:
 * the entry kept it in the frame's error field. */
void hal_user_syscall_restart(uint64_t arg0)
{
	hal_trap_frame_t *tf = x86_user_frame();

	tf->rip -= 2;
	tf->rax = tf->error;
	tf->rdi = arg0;
}

size_t hal_sigreturn_code(void *buf, size_t size)
{
	/* glibc's __restore_rt: mov $15, %eax (rt_sigreturn); syscall */
	static const uint8_t code[] = { 0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 };

	if (size < sizeof(code))
		return 0;
	memcpy(buf, code, sizeof(code));
	return sizeof(code);
}
