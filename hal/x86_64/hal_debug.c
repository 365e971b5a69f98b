/*
 * hal_debug.c - registers and stack frames for panic() on x86_64.
 *
 * The kernel is compiled with frame pointers: in each frame, rbp points at the caller's saved rbp,
 * and the return address is just above it. Trap entry (trap.S) pushes such a record for the
 * interrupted code too (its rip + 1, as a return address), so a walk from a handler goes on into
 * the code the trap interrupted.
 */
#include <hal_debug.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "mmu.h"
#include "trap_frame.h"
#include "x86.h"

extern char _kimage_start[], _etext[];

/* A frame pointer the walk may follow: aligned and inside kernel memory (image window, stack area,
 * direct map), with its two words too. */
static bool fp_is_sane(uintptr_t fp)
{
	if (fp & 7)
		return false;
	if (fp - KIMAGE_VBASE < CONFIG_KIMAGE_MAX_SIZE - 16)
		return true;
	if (fp - KSTACK_BASE < ((uintptr_t)CONFIG_MAX_CLUSTERS << KSTACK_AREA_SHIFT) - 16)
		return !x86_kstack_is_guard(fp) && !x86_kstack_is_guard(fp + 15);
	return fp - DMAP_BASE < DMAP_MAX - 16;
}

static bool is_text(uintptr_t addr)
{
	return addr >= (uintptr_t)_kimage_start && addr < (uintptr_t)_etext;
}

void hal_backtrace(uintptr_t pc, uintptr_t fp, uintptr_t ra, unsigned max, hal_frame_fn_t fn,
		   void *arg)
{
	(void)ra; /* x86 has no return-address register: a call leaves it on the stack */
	if (!fn(arg, pc))
		return;
	for (unsigned i = 1; i < max && fp_is_sane(fp); i++) {
		uintptr_t ret = ((const uintptr_t *)fp)[1];
		uintptr_t prev = ((const uintptr_t *)fp)[0];

		if (!is_text(ret) || !fn(arg, ret - 1)) /* ret - 1: inside the call, in the caller */
			return;
		if (prev <= fp) /* stacks grow down: the caller's frame is above */
			return;
		fp = prev;
	}
}

void hal_print_current_regs(void)
{
	printk_raw("  cr0 %016lx cr3 %016lx cr4 %016lx rflags %016lx efer %016lx\n", read_cr0(),
		   read_cr3(), read_cr4(), read_rflags(), rdmsr(MSR_EFER));
}

void hal_print_trap_regs(const void *trap_frame)
{
	const hal_trap_frame_t *tf = trap_frame;

	printk_raw("  rip %016lx rsp %016lx rflags %016lx cs %lx ss %lx vector %lu error %lx\n",
		   tf->rip, tf->rsp, tf->rflags, tf->cs, tf->ss, tf->vector, tf->error);
	printk_raw("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx,
		   tf->rdx);
	printk_raw("  rsi %016lx rdi %016lx rbp %016lx  r8 %016lx\n", tf->rsi, tf->rdi, tf->rbp,
		   tf->r8);
	printk_raw("   r9 %016lx r10 %016lx r11 %016lx r12 %016lx\n", tf->r9, tf->r10, tf->r11,
		   tf->r12);
	printk_raw("  r13 %016lx r14 %016lx r15 %016lx cr2 %016lx\n", tf->r13, tf->r14, tf->r15,
		   read_cr2());
	printk_raw("  cr3 %016lx gs.base %016lx\n", read_cr3(), rdmsr(MSR_GS_BASE));
}
