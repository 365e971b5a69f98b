/*
 * trap.c - dispatch of supervisor traps on RISC-V.
 *
 * So far the kernel enables no interrupt and expects no exception: any trap is a kernel bug and
 * panics with its cause, the faulting address, the registers and a backtrace from the trapped
 * frame. Later issues dispatch interrupts, system calls and user page faults from here.
 */
#include <kern/printk.h>

#include "riscv.h"
#include "trap_frame.h"

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

void hal_trap_handler(hal_trap_frame_t *tf)
{
	panic_trap(tf, tf->sepc, tf->x[8 - 1], tf->x[1 - 1],
		   "kernel trap: %s (scause %lx) at pc %lx, address %lx",
		   cause_name(tf->scause), tf->scause, tf->sepc, tf->stval);
}
