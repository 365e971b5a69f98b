/*
 * trap.c - dispatch of supervisor traps on RISC-V.
 *
 * Interrupts go to their handler (software = IPI, timer = tick, external = the interrupt
 * controller); in the kernel, then to kernel_irq_exit(), which may switch threads. A trap from user
 * mode (riscv_user_trap) is a system call (kernel_syscall), a page fault (kernel_page_fault), an FP
 * instruction that found the FPU off (fpu.c: it runs again with the FPU on), another exception
 * (kernel_user_exception) or an interrupt; trap.S then asks kernel_user_return to do the work
 * kernel_user_work announces, a switch an interrupt asked for included. In the kernel, a fault
 * inside a user copy is resolved or turned into EFAULT; the illegal instruction of a CSR probe is
 * skipped; anything else is a bug and panics with its cause, the faulting address, the registers
 * and a backtrace from the trapped frame.
 */
#include <hal_gpt.h>
#include <hal_irqmask.h>
#include <hal_upcalls.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "irq.h"
#include "riscv.h"
#include "trap_frame.h"

#include <arch/syscall_table.h>

/* trap.S saves the whole frame before clone (NR_CLONE there), which copies every register into the
 * child: the table must say 220 is clone (the enumerator below exists only if it does). */
#define SYSCALL_ENUM(nr, name) riscv_syscall_##name##_is_##nr = nr,
enum { ARCH_SYSCALLS(SYSCALL_ENUM) };
#undef SYSCALL_ENUM
_Static_assert(riscv_syscall_clone_is_220 == 220, "trap.S's NR_CLONE");

#define IRQ_S_SOFT     1
#define IRQ_S_TIMER    5
#define IRQ_S_EXTERNAL 9

#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INSTRUCTION 2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

/* Registers of the Linux system call convention: a7 = number, a0..a5 = arguments, a0 = result. */
#define REG_A0 10
#define REG_A7 17

extern char riscv_uaccess_start[], riscv_uaccess_end[], riscv_uaccess_fixup[];

static const char *const exception_names[] = {
	[0] = "instruction address misaligned", [1] = "instruction access fault",
	[2] = "illegal instruction",            [3] = "breakpoint",
	[4] = "load address misaligned",        [5] = "load access fault",
	[6] = "store address misaligned",       [7] = "store access fault",
	[8] = "environment call from U-mode",   [9] = "environment call from S-mode",
	[12] = "instruction page fault",        [13] = "load page fault",
	[15] = "store page fault",
};

const char *riscv_cause_name(uint64_t scause)
{
	uint64_t code = scause & ~SCAUSE_INTERRUPT;

	if (scause & SCAUSE_INTERRUPT)
		return code == IRQ_S_SOFT ? "software interrupt" : code == IRQ_S_TIMER ? "timer interrupt"
		       : code == IRQ_S_EXTERNAL ? "external interrupt" : "unexpected interrupt";
	if (code < sizeof(exception_names) / sizeof(exception_names[0]) && exception_names[code])
		return exception_names[code];
	return "unknown exception";
}

bool riscv_probe_csr_write_stimecmp(uint64_t value)
{
	hal_cpu_t *cpu = hal_cpu_self();

	cpu->probing = 1;
	/* A 4-byte instruction: the trap handler skips it if it traps. */
	__asm__ volatile(".option push\n.option norvc\ncsrw 0x14d, %0\n.option pop" ::"r"(value)
			 : "memory");
	bool ok = cpu->probing == 1;
	cpu->probing = 0;
	return ok;
}

static void handle_interrupt(hal_trap_frame_t *tf)
{
	switch (tf->scause & ~SCAUSE_INTERRUPT) {
	case IRQ_S_SOFT:
		riscv_ipi_interrupt();
		break;
	case IRQ_S_TIMER:
		riscv_timer_interrupt(!(tf->sstatus & SSTATUS_SPP));
		break;
	case IRQ_S_EXTERNAL:
		riscv_irq_external();
		break;
	default:
		panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1], "unexpected interrupt %lx",
			   tf->scause);
	}
}

/* True if trap.S saved @tf on the emergency stack: the thread's stack had no room left. */
static bool on_emergency_stack(hal_cpu_t *cpu, hal_trap_frame_t *tf)
{
	uintptr_t top = cpu->emergency_sp, frame = (uintptr_t)tf;

	return frame < top && frame >= top - EMERGENCY_STACK_SIZE;
}

/* The access a memory exception was caused by (0 if it is not a memory exception). */
static uint32_t fault_access(uint64_t code)
{
	switch (code) {
	case EXC_INST_PAGE_FAULT:
	case EXC_INST_ACCESS:
		return HAL_ACCESS_EXEC;
	case EXC_LOAD_PAGE_FAULT:
	case EXC_LOAD_ACCESS:
		return HAL_ACCESS_READ;
	case EXC_STORE_PAGE_FAULT:
	case EXC_STORE_ACCESS:
		return HAL_ACCESS_WRITE;
	default:
		return 0;
	}
}

static hal_user_exc_t user_exception_kind(uint64_t code)
{
	switch (code) {
	case EXC_ILLEGAL_INSTRUCTION:
		return HAL_EXC_ILLEGAL;
	case EXC_BREAKPOINT:
		return HAL_EXC_BREAKPOINT;
	case EXC_INST_MISALIGNED:
	case EXC_LOAD_MISALIGNED:
	case EXC_STORE_MISALIGNED:
		return HAL_EXC_MISALIGNED;
	case EXC_INST_ACCESS:
	case EXC_LOAD_ACCESS:
	case EXC_STORE_ACCESS:
		return HAL_EXC_BUS;
	default:
		return HAL_EXC_PAGE_FAULT;
	}
}

/*
 * A trap from user mode but a system call (trap.S calls kernel_syscall itself; s0-s11 may be
 * missing from @tf): a page fault or another exception, handled with IRQs on, or an interrupt. An
 * FP instruction that found the FPU off returns at once, IRQs still off, as if nothing had
 * happened: it runs again with the FPU on. Returns with IRQs off, with kernel_user_work(): trap.S
 * calls kernel_user_return when it is not 0 (a switch an interrupt asked for, signals...).
 */
uint32_t riscv_user_trap(hal_trap_frame_t *tf)
{
	uint64_t code = tf->scause;
	uint32_t access;

	kernel_user_enter(); /* CPU time accounting: the user interval ends */
	if (code & SCAUSE_INTERRUPT) {
		handle_interrupt(tf);
		return kernel_user_work(); /* a switch the interrupt asked for is work */
	}
	access = fault_access(code);
	if (code == EXC_INST_PAGE_FAULT || code == EXC_LOAD_PAGE_FAULT ||
	    code == EXC_STORE_PAGE_FAULT) {
		hal_enable_irq();
		if (kernel_page_fault(tf->stval, access) != 0)
			kernel_user_exception(HAL_EXC_PAGE_FAULT, tf->stval, access, tf->sepc);
		/* else resolved: the instruction runs again */
	} else if (code == EXC_ILLEGAL_INSTRUCTION && riscv_fpu_trap(tf)) {
		return kernel_user_work();
	} else {
		hal_enable_irq();
		kernel_user_exception(user_exception_kind(code), tf->stval, access, tf->sepc);
	}
	hal_disable_irq();
	return kernel_user_work();
}

/*
 * A fault of the kernel inside a user copy (uaccess.S): let the VMM map the page, else make the
 * copy return its error. Returns false if the fault did not come from a user copy.
 */
static bool uaccess_fault(hal_trap_frame_t *tf)
{
	uint32_t access = fault_access(tf->scause);

	if (tf->sepc < (uintptr_t)riscv_uaccess_start || tf->sepc >= (uintptr_t)riscv_uaccess_end ||
	    access == 0 || access == HAL_ACCESS_EXEC)
		return false;
	if (tf->scause != EXC_LOAD_ACCESS && tf->scause != EXC_STORE_ACCESS &&
	    tf->stval < GPT_USER_VA_END) {
		error_t error;
		hal_enable_irq();
		error = kernel_page_fault(tf->stval, access);
		hal_disable_irq();
		if (!error)
			return true;
	}
	tf->sepc = (uintptr_t)riscv_uaccess_fixup;
	return true;
}

void hal_trap_handler(hal_trap_frame_t *tf)
{
	hal_cpu_t *cpu = hal_cpu_self();

	kassert(tf->sstatus & SSTATUS_SPP); /* a trap from the kernel (trap.S) */
	if (on_emergency_stack(cpu, tf)) {
		panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1],
			   "kernel stack overflow: %s at pc %lx with sp %lx, no room left above the "
			   "guard page", riscv_cause_name(tf->scause), tf->sepc, cpu->scratch[2]);
	}
	if (tf->scause & SCAUSE_INTERRUPT) {
		handle_interrupt(tf);
		kernel_irq_exit((tf->sstatus & SSTATUS_SPIE) != 0);
		return;
	}
	if (uaccess_fault(tf))
		return;
	if (tf->scause == EXC_ILLEGAL_INSTRUCTION && cpu->probing == 1) {
		cpu->probing = 2;
		tf->sepc += 4;
		return;
	}
	if (hal_kstack_is_guard(tf->stval)) /* a big frame jumped over the check: same verdict */
		panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1],
			   "kernel stack overflow: %s at pc %lx hit the guard page at %lx",
			   riscv_cause_name(tf->scause), tf->sepc, tf->stval);
	panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1],
		   "kernel trap: %s (scause %lx) at pc %lx, address %lx",
		   riscv_cause_name(tf->scause), tf->scause, tf->sepc, tf->stval);
}
