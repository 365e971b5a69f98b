/*
 * trap.c - dispatch of supervisor traps on RISC-V.
 *
 * Interrupts go to their handler (software = IPI, timer = tick, external = the interrupt
 * controller), then to kernel_irq_exit(), which may switch threads. A kernel exception is a bug
 * and panics with its cause, the faulting address, the registers and a backtrace from the trapped
 * frame; the one exception expected is the illegal instruction of a CSR probe.
 */
#include <hal_upcalls.h>
#include <kern/printk.h>

#include "hal_cpu.h"
#include "irq.h"
#include "riscv.h"
#include "trap_frame.h"

#define IRQ_S_SOFT     1
#define IRQ_S_TIMER    5
#define IRQ_S_EXTERNAL 9
#define EXC_ILLEGAL_INSTRUCTION 2

static const char *const exception_names[] = {
	[0] = "instruction address misaligned", [1] = "instruction access fault",
	[2] = "illegal instruction",            [3] = "breakpoint",
	[4] = "load address misaligned",        [5] = "load access fault",
	[6] = "store address misaligned",       [7] = "store access fault",
	[8] = "environment call from U-mode",   [9] = "environment call from S-mode",
	[12] = "instruction page fault",        [13] = "load page fault",
	[15] = "store page fault",
};

static const char *cause_name(uint64_t scause)
{
	uint64_t code = scause & ~SCAUSE_INTERRUPT;

	if (scause & SCAUSE_INTERRUPT)
		return "unexpected interrupt";
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
		riscv_timer_interrupt();
		break;
	case IRQ_S_EXTERNAL:
		riscv_irq_external();
		break;
	default:
		panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1], "unexpected interrupt %lx",
			   tf->scause);
	}
	kernel_irq_exit((tf->sstatus & SSTATUS_SPIE) != 0);
}

/* True if trap.S saved @tf on the emergency stack: the thread's stack had no room left. */
static bool on_emergency_stack(hal_cpu_t *cpu, hal_trap_frame_t *tf)
{
	uintptr_t top = cpu->emergency_sp, frame = (uintptr_t)tf;

	return frame < top && frame >= top - EMERGENCY_STACK_SIZE;
}

void hal_trap_handler(hal_trap_frame_t *tf)
{
	hal_cpu_t *cpu = hal_cpu_self();

	if (on_emergency_stack(cpu, tf)) {
		tf->x[2 - 1] = cpu->scratch[2]; /* the overflowed sp, for the report */
		panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1],
			   "kernel stack overflow: %s at pc %lx with sp %lx, no room left above the "
			   "guard page", cause_name(tf->scause), tf->sepc, cpu->scratch[2]);
	}
	if (tf->scause & SCAUSE_INTERRUPT) {
		handle_interrupt(tf);
		return;
	}
	if (tf->scause == EXC_ILLEGAL_INSTRUCTION && cpu->probing == 1) {
		cpu->probing = 2;
		tf->sepc += 4;
		return;
	}
	if (riscv_kstack_is_guard(tf->stval)) /* a big frame jumped over the check: same verdict */
		panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1],
			   "kernel stack overflow: %s at pc %lx hit the guard page at %lx",
			   cause_name(tf->scause), tf->sepc, tf->stval);
	panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1],
		   "kernel trap: %s (scause %lx) at pc %lx, address %lx", cause_name(tf->scause),
		   tf->scause, tf->sepc, tf->stval);
}
