/*
 * hal_signal.c - signal frames on riscv64 (see hal_signal.h), Linux's layout: struct rt_sigframe
 * { siginfo_t info; struct ucontext uc; } with uc_mcontext = { sc_regs: pc, x1..x31; sc_fpregs }.
 * sc_fpregs is Linux's union __riscv_fp_state, written as its D member (f0..f31, fcsr) as Linux
 * does, with the words after q.fcsr zero: Linux 6.1 calls them q.reserved and refuses a frame
 * where they are not zero; since 6.5 they are sc_extdesc's reserved word and an end-of-extensions
 * header (magic 0, size 0), checked the same way. rt_sigreturn loads the FP registers from there,
 * so a handler may read and change the interrupted code's FP registers through its ucontext.
 */
#include <hal_signal.h>
#include <hal_uspace.h>
#include <libk/errno.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "trap_frame.h"

#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12

/* union __riscv_fp_state, as its d and q members lay it out (asm/ptrace.h). */
struct rv_fp_state {
	uint64_t f[32];         /* d.f: f0..f31                                  */
	uint32_t fcsr;          /* d.fcsr                                        */
	uint8_t  unused[252];   /* the rest of q.f                               */
	uint32_t q_fcsr;        /* q.fcsr: not written (Linux writes d only)      */
	uint32_t reserved[3];   /* q.reserved: zero (no extension state)         */
} __attribute__((aligned(16)));

struct rv_sigcontext {
	uint64_t regs[32];          /* pc, x1..x31 (user_regs_struct) */
	struct rv_fp_state fpregs;  /* sc_fpregs                      */
};

struct rv_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	uint64_t ss_sp;      /* stack_t uc_stack */
	int32_t  ss_flags;
	int32_t  ss_pad;
	uint64_t ss_size;
	uint64_t uc_sigmask; /* sigset_t of the kernel: 64 bits */
	uint8_t  unused[1024 / 8 - 8];
	struct rv_sigcontext uc_mcontext;
};

struct rv_rt_sigframe {
	uint8_t info[128];
	struct rv_ucontext uc;
};

/* The layouts of /usr/riscv64-linux-gnu/include (sys/ucontext.h, asm/ucontext.h, asm/sigcontext.h). */
_Static_assert(__builtin_offsetof(struct rv_ucontext, ss_sp) == 16, "uc_stack");
_Static_assert(__builtin_offsetof(struct rv_ucontext, uc_sigmask) == 40, "uc_sigmask");
_Static_assert(__builtin_offsetof(struct rv_ucontext, uc_mcontext) == 176, "uc_mcontext");
_Static_assert(sizeof(struct rv_sigcontext) == 784, "mcontext_t");
_Static_assert(sizeof(struct rv_fp_state) == 528, "union __riscv_fp_state");
_Static_assert(__builtin_offsetof(struct rv_fp_state, fcsr) == 256, "__riscv_d_ext_state.fcsr");
_Static_assert(__builtin_offsetof(struct rv_fp_state, reserved) == 516, "q.reserved");
_Static_assert(sizeof(struct rv_ucontext) == 960, "ucontext_t");
_Static_assert(sizeof(struct rv_rt_sigframe) == 1088, "rt_sigframe");

/* The user frame saved at the top of the running thread's kernel stack. */
static hal_trap_frame_t *user_frame(void)
{
	hal_cpu_t *cpu = hal_cpu_self();

	return (hal_trap_frame_t *)(cpu->kstack_top - sizeof(hal_trap_frame_t));
}

uintptr_t hal_user_sp(void)
{
	return user_frame()->x[REG_SP - 1];
}

error_t hal_signal_frame_push(uintptr_t sp, const hal_sigframe_t *frame, uintptr_t handler, int sig,
			      uintptr_t restorer)
{
	hal_trap_frame_t *tf = user_frame();
	struct rv_rt_sigframe f;
	hal_fpu_t fp;
	uintptr_t at = (sp - sizeof(f)) & ~(uintptr_t)15;

	if (at >= sp) /* wrapped around: no stack there */
		return EFAULT;
	memset(&f, 0, sizeof(f));
	memcpy(f.info, frame->siginfo, sizeof(f.info));
	f.uc.ss_sp = frame->ss_sp;
	f.uc.ss_flags = (int32_t)frame->ss_flags;
	f.uc.ss_size = frame->ss_size;
	f.uc.uc_sigmask = frame->mask;
	f.uc.uc_mcontext.regs[0] = tf->sepc;
	for (int i = 1; i < 32; i++)
		f.uc.uc_mcontext.regs[i] = tf->x[i - 1];
	riscv_fpu_get(&fp); /* the handler starts with these registers too, as on Linux */
	memcpy(f.uc.uc_mcontext.fpregs.f, fp.f, sizeof(fp.f));
	f.uc.uc_mcontext.fpregs.fcsr = fp.fcsr;
	if (hal_copy_to_uspace(at, &f, sizeof(f)))
		return EFAULT;
	tf->sepc = handler;
	tf->x[REG_SP - 1] = at;
	tf->x[REG_RA - 1] = restorer;
	tf->x[REG_A0 - 1] = (uint64_t)sig;
	tf->x[REG_A1 - 1] = at + __builtin_offsetof(struct rv_rt_sigframe, info);
	tf->x[REG_A2 - 1] = at + __builtin_offsetof(struct rv_rt_sigframe, uc);
	return 0;
}

uint64_t hal_signal_frame_pop(uint64_t *mask, uintptr_t *ss_sp, uint32_t *ss_flags, size_t *ss_size,
			      error_t *error)
{
	hal_trap_frame_t *tf = user_frame();
	struct rv_rt_sigframe f;
	hal_fpu_t fp = { .in_use = 0 };

	*error = hal_copy_from_uspace(&f, tf->x[REG_SP - 1], sizeof(f));
	if (*error)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (f.uc.uc_mcontext.fpregs.reserved[i]) { /* an extension we do not have (Linux: -EINVAL) */
			*error = EINVAL;
			return 0;
		}
	}
	/* pc, x1..x31 and the FP state only: sstatus (user mode, interrupts on) stays the trap's */
	tf->sepc = f.uc.uc_mcontext.regs[0];
	for (int i = 1; i < 32; i++)
		tf->x[i - 1] = f.uc.uc_mcontext.regs[i];
	/* the FP registers: all zero is the initial state, which costs a thread nothing */
	memcpy(fp.f, f.uc.uc_mcontext.fpregs.f, sizeof(fp.f));
	fp.fcsr = f.uc.uc_mcontext.fpregs.fcsr;
	for (int i = 0; i < 32 && !fp.in_use; i++)
		fp.in_use = fp.f[i] != 0;
	fp.in_use |= (fp.fcsr & 0xffu) != 0;
	riscv_fpu_set(&fp);
	*mask = f.uc.uc_sigmask;
	*ss_sp = f.uc.ss_sp;
	*ss_flags = (uint32_t)f.uc.ss_flags;
	*ss_size = f.uc.ss_size;
	return tf->x[REG_A0 - 1];
}

void hal_user_syscall_restart(uint64_t a0)
{
	hal_trap_frame_t *tf = user_frame();

	tf->sepc -= 4; /* ecall has no compressed form */
	tf->x[REG_A0 - 1] = a0;
}

size_t hal_sigreturn_code(void *buf, size_t size)
{
	/* Linux's __vdso_rt_sigreturn: li a7, 139 (rt_sigreturn); ecall */
	static const uint32_t code[] = { 0x08b00893u, 0x00000073u };

	if (size < sizeof(code))
		return 0;
	memcpy(buf, code, sizeof(code));
	return sizeof(code);
}
