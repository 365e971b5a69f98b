/*
 * hal_debug.c - registers and stack frames for panic() on RISC-V.
 *
 * Debug builds are compiled with frame pointers: in each frame, s0 (fp) is the caller's sp at
 * entry, fp[-1] the return address and fp[-2] the caller's fp. Release builds are not (and make
 * sibling calls, config/kernel.cmake): s0 is an ordinary register there, so the walk stops after
 * the return address register.
 */
#include <hal_debug.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "mmu.h"
#include "riscv.h"
#include "trap_frame.h"

extern char _kimage_start[], _etext[];

static const char *const reg_names[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

/* A frame pointer the walk may follow: aligned and inside kernel memory (image window or direct map). */
static bool fp_is_sane(uintptr_t fp)
{
	if (fp & 7)
		return false;
	if (fp - 16 - KIMAGE_VBASE < CONFIG_KIMAGE_MAX_SIZE - 16)
		return true;
	if (fp - 16 - KSTACK_BASE < ((uintptr_t)CONFIG_MAX_CLUSTERS << 30) - 16)
		return true;
	return fp - 16 - DMAP_BASE < (DMAP_MAX_GIB << 30) - 16;
}

static bool is_text(uintptr_t addr)
{
	return addr >= (uintptr_t)_kimage_start && addr < (uintptr_t)_etext;
}

/*
 * A variadic function saves its unnamed argument registers (up to 8) just below fp, and ra and the
 * caller's fp below them: look for that pair. Leaves @ret unchanged if nothing fits.
 */
static void find_saved_pair(uintptr_t fp, uintptr_t *ret, uintptr_t *prev)
{
	const uintptr_t *frame = (const uintptr_t *)fp;

	for (int k = 2; k <= 9; k++) {
		if (is_text(frame[-k]) && frame[-k - 1] > fp && fp_is_sane(frame[-k - 1])) {
			*ret = frame[-k];
			*prev = frame[-k - 1];
			return;
		}
	}
}

void hal_backtrace(uintptr_t pc, uintptr_t fp, uintptr_t ra, unsigned max, hal_frame_fn_t fn,
		   void *arg)
{
	if (!fn(arg, pc))
		return;
#ifndef CONFIG_DEBUG
	(void)fp;
	if (max > 1 && is_text(ra))
		fn(arg, ra - 4);
	return;
#endif
	for (unsigned i = 1; i < max && fp_is_sane(fp); i++) {
		uintptr_t ret = ((const uintptr_t *)fp)[-1];
		uintptr_t prev = ((const uintptr_t *)fp)[-2];

		/* A leaf function saves only the caller's fp, at fp[-1]: take ra from the trap. */
		if (i == 1 && !is_text(ret) && ret > fp && fp_is_sane(ret) && is_text(ra)) {
			prev = ret;
			ret = ra;
		} else if (!is_text(ret)) {
			find_saved_pair(fp, &ret, &prev);
		}
		if (!is_text(ret) || !fn(arg, ret - 4)) /* ret - 4: the call, in the caller */
			return;
		if (prev <= fp) /* stacks grow down: the caller's frame is above */
			return;
		fp = prev;
	}
}


void hal_print_current_regs(void)
{
	printk_raw("  sstatus %016lx sie %016lx satp %016lx\n", csr_read(sstatus), csr_read(sie),
		   csr_read(satp));
}

void hal_print_trap_regs(const void *trap_frame)
{
	const hal_trap_frame_t *tf = trap_frame;

	printk_raw("  sepc %016lx stval %016lx scause %016lx sstatus %016lx\n", tf->sepc, tf->stval,
		   tf->scause, tf->sstatus);
	for (int i = 1; i < 32; i += 4) {
		char line[160];
		int n = 0;
		for (int r = i; r < i + 4 && r < 32; r++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %4s %016lx", reg_names[r],
				      tf->x[r - 1]);
		printk_raw(" %s\n", line);
	}
}
