/*
 * hal_debug.c - registers and stack frames for panic() on RISC-V.
 *
 * Debug builds are compiled with frame pointers: in each frame, s0 (fp) is the caller's sp at
 * entry, fp[-1] the return address and fp[-2] the caller's fp. The walk crosses trap frames (trap.S)
 * into the interrupted context, so a panic in an interrupt handler shows the code it interrupted.
 * Release builds are not (and make sibling calls, config/kernel.cmake): s0 is an ordinary register
 * there, so the walk shows the pc and the return address register only.
 */
#include <hal_debug.h>
#include <kern/ksyms.h>
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

/*
 * A frame pointer the walk may follow: aligned, and the two words below it inside kernel memory
 * (image window, direct map, or the mapped stack part of a kernel stack slot, not its guard).
 */
static bool fp_is_sane(uintptr_t fp)
{
	if (fp & 7)
		return false;
	if (fp - 16 - KIMAGE_VBASE < CONFIG_KIMAGE_MAX_SIZE - 16)
		return true;
	if (fp - 16 - KSTACK_BASE < ((uintptr_t)CONFIG_MAX_CLUSTERS << 30) - 16) {
		uintptr_t low = (fp - 16 - KSTACK_BASE) % KSTACK_SLOT_SIZE;
		return low >= KSTACK_SLOT_SIZE - CONFIG_KSTACK_SIZE && low <= KSTACK_SLOT_SIZE - 16;
	}
	return fp - 16 - DMAP_BASE < (DMAP_MAX_GIB << 30) - 16;
}

static bool is_text(uintptr_t addr)
{
	return addr >= (uintptr_t)_kimage_start && addr < (uintptr_t)_etext;
}

/*
 * The call instruction before return address @ret: `jal ra` and `jalr ra` are 4 bytes, `c.jalr`
 * 2 (auipc + jalr, a far call, returns after the jalr). Naming @ret itself would name the next
 * function after a call to a noreturn function, which the compiler leaves at the function's end.
 */
static uintptr_t call_site(uintptr_t ret)
{
	const uint16_t *h = (const uint16_t *)ret;
	uint32_t word = (uint32_t)h[-2] | (uint32_t)h[-1] << 16;
	bool to_ra = ((word >> 7) & 0x1f) == 1;

	if (!is_text(ret - 4))
		return ret - 2;
	if (((word & 0x7f) == 0x6f || (word & 0x707f) == 0x67) && to_ra)
		return ret - 4;
	if ((h[-1] & 0xf07f) == 0x9002 && (h[-1] & 0x0f80)) /* c.jalr rs1, rs1 != 0 */
		return ret - 2;
	return ret - 4;
}

/* True if @a and @b are known to be in different functions. */
static bool other_function(uintptr_t a, uintptr_t b)
{
	uintptr_t off_a, off_b;

	if (!ksyms_lookup(a, &off_a) || !ksyms_lookup(b, &off_b))
		return true;
	return a - off_a != b - off_b;
}

/*
 * A variadic function saves its unnamed argument registers (up to 8) just below fp, and ra and the
 * caller's fp below them: look for that pair. Leaves @ret unchanged if nothing fits.
 */
static void find_saved_pair(uintptr_t fp, uintptr_t *ret, uintptr_t *prev)
{
	const uintptr_t *frame = (const uintptr_t *)fp;

	if (!fp_is_sane(fp - 64))
		return;
	for (int k = 2; k <= 9; k++) {
		if (is_text(frame[-k]) && frame[-k - 1] > fp && fp_is_sane(frame[-k - 1])) {
			*ret = frame[-k];
			*prev = frame[-k - 1];
			return;
		}
	}
}

/* Whether s0 holds a frame chain: debug builds only (see the top). */
#ifdef CONFIG_DEBUG
#define FRAME_POINTERS 1
#else
#define FRAME_POINTERS 0
#endif

typedef struct walk_s {
	unsigned left; /* frames still allowed */
	hal_frame_fn_t fn;
	void *arg;
} walk_t;

static bool report(walk_t *w, hal_frame_kind_t kind, uintptr_t pc, const char *trap)
{
	hal_frame_t frame = { .kind = kind, .pc = pc, .trap = trap };

	if (w->left == 0)
		return false;
	w->left--;
	return w->fn(w->arg, &frame);
}

static void walk_context(walk_t *w, uintptr_t pc, uintptr_t fp, uintptr_t ra);

/*
 * Follow the frame chain from @fp: in each frame, fp[-1] is the return address and fp[-2] the
 * caller's fp. hal_trap_handler's frame is the trap frame itself (trap.S calls it with sp at the
 * frame) and returns to hal_trap_return: there the walk goes on in the interrupted context.
 */
static void walk_frames(walk_t *w, uintptr_t fp)
{
	if (!FRAME_POINTERS)
		return;
	while (fp_is_sane(fp)) {
		uintptr_t ret = ((const uintptr_t *)fp)[-1];
		uintptr_t prev = ((const uintptr_t *)fp)[-2];

		if (!is_text(ret))
			find_saved_pair(fp, &ret, &prev);
		if (!is_text(ret))
			return;
		if (ret == (uintptr_t)hal_trap_return) {
			const hal_trap_frame_t *tf = (const hal_trap_frame_t *)fp;
			const char *cause = riscv_cause_name(tf->scause);

			if (!(tf->sstatus & SSTATUS_SPP)) {
				report(w, HAL_FRAME_USER, tf->sepc, cause);
				return;
			}
			if (report(w, HAL_FRAME_TRAP, tf->sepc, cause))
				walk_context(w, tf->sepc, tf->x[8 - 1], tf->x[1 - 1]);
			return;
		}
		if (!report(w, HAL_FRAME_CALL, call_site(ret), NULL))
			return;
		if (prev <= fp) /* stacks grow down: the caller's frame is above */
			return;
		fp = prev;
	}
}

/*
 * A context stopped at @pc: if its function has no frame of its own yet (or no longer, or never:
 * a leaf), @ra holds the return address into its caller, which @fp's frame does not show. That is
 * the case when @ra is not the return address saved at fp[-1] and lies in another function.
 */
static void walk_context(walk_t *w, uintptr_t pc, uintptr_t fp, uintptr_t ra)
{
	if (!report(w, HAL_FRAME_PC, pc, NULL))
		return;
	if (is_text(ra) && (!fp_is_sane(fp) || ((const uintptr_t *)fp)[-1] != ra) &&
	    other_function(pc, call_site(ra))) {
		if (!report(w, HAL_FRAME_CALL, call_site(ra), NULL))
			return;
		/* A leaf with a frame saves only the caller's fp, at fp[-1]: go to the caller's. */
		if (fp_is_sane(fp)) {
			uintptr_t saved = ((const uintptr_t *)fp)[-1];
			if (!is_text(saved) && saved > fp && fp_is_sane(saved))
				fp = saved;
		}
	}
	walk_frames(w, fp);
}

void hal_backtrace(uintptr_t pc, uintptr_t fp, uintptr_t ra, unsigned max, hal_frame_fn_t fn,
		   void *arg)
{
	walk_t w = { .left = max, .fn = fn, .arg = arg };

	walk_context(&w, pc, fp, ra);
}

void hal_backtrace_calls(uintptr_t fp, unsigned max, hal_frame_fn_t fn, void *arg)
{
	walk_t w = { .left = max, .fn = fn, .arg = arg };

	walk_frames(&w, fp);
}

void hal_backtrace_saved(const hal_context_t *ctx, unsigned max, hal_frame_fn_t fn, void *arg)
{
	walk_t w = { .left = max, .fn = fn, .arg = arg };
	uintptr_t ra = ctx->regs[0], fp = ctx->regs[2]; /* context.S: ra, sp, s0... */

	/* hal_context_switch keeps no frame: ra is the return into its caller, s0 that caller's fp */
	if (is_text(ra) && report(&w, HAL_FRAME_CALL, call_site(ra), NULL))
		walk_frames(&w, fp);
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
