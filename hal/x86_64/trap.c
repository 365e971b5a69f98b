/*
 * trap.c - dispatch of interrupts, exceptions and system calls on x86_64.
 *
 * Interrupts go to their handler (the LAPIC timer = tick, VEC_IPI = IPI, the IOAPIC's vectors =
 * devices), each acknowledged before the way out. An interrupt of the kernel ends with
 * kernel_irq_exit(), which may switch threads. Every entry from user mode (an interrupt, a trap or
 * a syscall) calls kernel_user_enter first and leaves through user_exit(): IRQs off, and
 * kernel_user_return only when kernel_user_work() says there is work (a switch an interrupt asked
 * for is such work: kernel_user_return does it), as RISC-V's (docs/traps.md, "The work word");
 * a trap from user mode is a page fault (kernel_page_fault) or another exception
 * (kernel_user_exception); a syscall instruction comes through x86_syscall_handler. In the
 * kernel, a page fault inside a user copy is resolved or turned into EFAULT; anything else is a bug
 * and panics with its cause, the faulting address, the registers and a backtrace from the trapped
 * frame. A kernel stack overflow ends in a
 * double fault (the page fault cannot push its frame on the guard page), taken on its own stack
 * (IST), which says so.
 */
#include <arch/user_layout.h>
#include <hal_gpt.h>
#include <hal_irqmask.h>
#include <hal_upcalls.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "trap_frame.h"
#include "x86.h"

#define EXC_DE  0   /* divide error          */
#define EXC_NMI 2
#define EXC_BP  3   /* breakpoint (int3)     */
#define EXC_OF  4
#define EXC_UD  6   /* invalid opcode        */
#define EXC_NM  7   /* device not available  */
#define EXC_DF  8   /* double fault          */
#define EXC_NP  11
#define EXC_SS  12
#define EXC_GP  13  /* general protection    */
#define EXC_PF  14  /* page fault            */
#define EXC_MF  16  /* x87 FP error          */
#define EXC_AC  17  /* alignment check       */
#define EXC_MC  18  /* machine check         */
#define EXC_XM  19  /* SIMD FP exception     */

#define PF_PRESENT 0x01  /* page-fault error code: a protection violation, not a missing page */
#define PF_WRITE   0x02
#define PF_USER    0x04
#define PF_INSN    0x10

extern char x86_uaccess_start[], x86_uaccess_end[], x86_uaccess_fixup[];

static const char *const exception_names[32] = {
	[0] = "divide error",          [1] = "debug",               [2] = "NMI",
	[3] = "breakpoint",            [4] = "overflow",            [5] = "bound range exceeded",
	[6] = "invalid opcode",        [7] = "device not available", [8] = "double fault",
	[10] = "invalid TSS",          [11] = "segment not present", [12] = "stack-segment fault",
	[13] = "general protection",   [14] = "page fault",         [16] = "x87 floating-point error",
	[17] = "alignment check",      [18] = "machine check",      [19] = "SIMD floating-point exception",
	[20] = "virtualization exception", [21] = "control protection",
};

/* A page fault is named by its access (the error code's W and I/D bits), as RISC-V's causes are. */
static const char *exception_name(uint64_t vector, uint64_t error)
{
	if (vector == 14)
		return (error & 0x10) ? "instruction page fault" : (error & 0x2) ? "store page fault"
		       : "load page fault";
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return "reserved exception";
}

const char *x86_trap_name(uint64_t vector, uint64_t error)
{
	if (vector < 32)
		return exception_name(vector, error);
	if (vector == VEC_TIMER)
		return "timer interrupt";
	if (vector == VEC_IPI)
		return "inter-processor interrupt";
	if (vector >= VEC_IRQ_BASE && vector <= VEC_IRQ_LAST)
		return "device interrupt";
	if (vector == VEC_SYSCALL)
		return "system call";
	return "unexpected interrupt";
}

static bool from_user(const hal_trap_frame_t *tf)
{
	return (tf->cs & 3) != 0;
}

/* The access of a page fault, from its error code. */
static uint32_t pf_access(uint64_t error)
{
	if (error & PF_INSN)
		return HAL_ACCESS_EXEC;
	return (error & PF_WRITE) ? HAL_ACCESS_WRITE : HAL_ACCESS_READ;
}

/* The way back to user mode of every entry from it: the generic work only when some is posted
 * (the frame is always complete on x86_64, as kernel_user_return wants). IRQs off on return. */
static inline void user_exit(void)
{
	hal_disable_irq();
	if (kernel_user_work())
		kernel_user_return();
}

static void handle_interrupt(hal_trap_frame_t *tf)
{
	uint64_t v = tf->vector;

	if (v == VEC_TIMER) {
		x86_timer_interrupt(from_user(tf));
	} else if (v == VEC_IPI) {
		x86_ipi_interrupt();
	} else if (v >= VEC_IRQ_BASE && v <= VEC_IRQ_LAST) {
		x86_irq_interrupt((uint32_t)v);
	} else if (v == VEC_SPURIOUS || (v >= VEC_PIC_BASE && v < VEC_PIC_BASE + 16)) {
		return; /* spurious (LAPIC, or the masked 8259 pair): no acknowledgement, nothing to do */
	} else {
		panic_trap(tf, tf->rip, tf->rbp, tf->rsp, "unexpected interrupt: vector %lu", v);
	}
	if (from_user(tf))
		user_exit(); /* a switch the interrupt asked for is posted work (THREAD_WORK_RESCHED) */
	else
		kernel_irq_exit((tf->rflags & RFLAGS_IF) != 0);
}

/* The kind of an exception raised by user code, as the generic kernel sees it; 0 for a spurious
 * FP exception (no unmasked flag raised: the instruction runs again, as on Linux). */
static hal_user_exc_t user_exception_kind(uint64_t vector)
{
	switch (vector) {
	case EXC_UD:
		return HAL_EXC_ILLEGAL;
	case EXC_BP:
		return HAL_EXC_BREAKPOINT;
	case EXC_AC:
		return HAL_EXC_MISALIGNED;
	case EXC_DE: /* division by zero and idiv's overflow alike */
		return HAL_EXC_INT_DIV;
	case EXC_MF:
	case EXC_XM:
		return x86_fpu_exception_kind(vector == EXC_XM);
	default: /* a page fault, #GP (a privileged instruction, a non-canonical address), ... */
		return HAL_EXC_PAGE_FAULT;
	}
}

/* A trap from user mode other than an interrupt. IRQs are on meanwhile. */
static void user_trap(hal_trap_frame_t *tf, uint64_t cr2)
{
	uint32_t access = tf->vector == EXC_PF ? pf_access(tf->error) : 0;
	uintptr_t vaddr = tf->vector == EXC_PF ? cr2 : 0;
	hal_user_exc_t kind = tf->vector == EXC_PF ? HAL_EXC_PAGE_FAULT :
			      user_exception_kind(tf->vector); /* IRQs off: the FP state is this core's */

	hal_enable_irq();
	if (tf->vector == EXC_PF && kernel_page_fault(cr2, access) == 0) {
		/* resolved: the instruction runs again */
	} else if (kind) {
		kernel_user_exception(kind, vaddr, access, tf->rip);
	}
	user_exit();
}

/*
 * A fault of the kernel inside a user copy (uaccess.S): let the VMM map the page, else make the
 * copy return its error. Returns false if the fault did not come from a user copy.
 */
static bool uaccess_fault(hal_trap_frame_t *tf, uint64_t cr2)
{
	if (tf->rip < (uintptr_t)x86_uaccess_start || tf->rip >= (uintptr_t)x86_uaccess_end)
		return false;
	if (tf->vector == EXC_PF && cr2 < GPT_USER_VA_END && !(tf->error & PF_INSN)) {
		error_t error;
		hal_enable_irq();
		error = kernel_page_fault(cr2, pf_access(tf->error));
		hal_disable_irq();
		if (!error)
			return true;
	}
	tf->rip = (uintptr_t)x86_uaccess_fixup;
	return true;
}

/* A double fault: fatal, on its own stack. A kernel stack overflow ends here. */
static _Noreturn void double_fault(hal_trap_frame_t *tf, uint64_t cr2)
{
	if (hal_kstack_is_guard(cr2) || hal_kstack_is_guard(tf->rsp))
		panic_trap(tf, tf->rip, tf->rbp, tf->rsp,
			   "kernel stack overflow: double fault at pc %lx with sp %lx, the page fault "
			   "at %lx hit the guard page", tf->rip, tf->rsp, cr2);
	panic_trap(tf, tf->rip, tf->rbp, tf->rsp, "kernel trap: double fault at pc %lx (cr2 %lx)",
		   tf->rip, cr2);
}

void hal_trap_handler(hal_trap_frame_t *tf)
{
	uint64_t cr2 = tf->vector == EXC_PF || tf->vector == EXC_DF ? read_cr2() : 0;

	if (from_user(tf) && tf->vector != EXC_NMI && tf->vector != EXC_MC)
		kernel_user_enter(); /* CPU time accounting: the user interval ends */
	if (tf->vector >= 32) {
		handle_interrupt(tf);
		return;
	}
	if (tf->vector == EXC_DF)
		double_fault(tf, cr2);
	if (tf->vector == EXC_NM && from_user(tf)) { /* CR0.TS: its FP registers are not loaded */
		x86_fpu_trap();
		user_exit(); /* IRQs stayed off: only what acct=precise asks (its sticky work bit) */
		return;
	}
	if (from_user(tf) && tf->vector != EXC_NMI && tf->vector != EXC_MC) {
		user_trap(tf, cr2);
		return;
	}
	if (uaccess_fault(tf, cr2))
		return;
	if (tf->vector == EXC_PF && hal_kstack_is_guard(cr2)) /* a big frame jumped over the rest */
		panic_trap(tf, tf->rip, tf->rbp, tf->rsp,
			   "kernel stack overflow: page fault at pc %lx hit the guard page at %lx",
			   tf->rip, cr2);
	panic_trap(tf, tf->rip, tf->rbp, tf->rsp,
		   "kernel trap: %s (vector %lu, error %lx) at pc %lx, address %lx",
		   exception_name(tf->vector, tf->error), tf->vector, tf->error, tf->rip, cr2);
}

/*
 * A syscall instruction: rax = number, rdi, rsi, rdx, r10, r8, r9 = arguments, rax = result (Linux
 * x86_64). The number is kept in the frame's error field (Linux's orig_rax): a restart
 * (hal_user_syscall_restart) needs it back in rax.
 *
 * Returns true if trap.S may return by sysret, which loads rip from rcx and rflags from r11 (and
 * the user selectors of STAR): only when the frame still holds what the syscall instruction left
 * (rcx = rip, r11 = rflags: no signal frame, rt_sigreturn or exec changed them, Linux's test too),
 * when rip is below the last user page (sysret with a non-canonical rcx faults in kernel mode on
 * Intel CPUs, with the user's rsp: the user's last page is never mapped, so that a syscall there
 * cannot return to the first non-canonical address), and when neither RF nor TF is set (sysret
 * cannot restore RF, and a TF set by ptrace-like changes wants iretq's exact return). Else iretq.
 */
bool x86_syscall_handler(hal_trap_frame_t *tf)
{
	uint64_t args[6] = { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 };

	kernel_user_enter();
	tf->error = tf->rax;
	hal_enable_irq();
	tf->rax = (uint64_t)kernel_syscall(tf->error, args);
	user_exit();
	return tf->rcx == tf->rip && tf->r11 == tf->rflags && tf->cs == SEL_UCODE &&
	       tf->ss == SEL_UDATA && tf->rip < CONFIG_VMM_USER_END &&
	       !(tf->rflags & (RFLAGS_RF | RFLAGS_TF));
}
