/*
 * hal_debug.c - registers and stack frames for panic() on RISC-V.
 *
 * Debug builds are compiled with frame pointers: in each frame, s0 (fp) is the caller's sp at
 * entry, fp[-1] the return address and fp[-2] the caller's fp. The walk crosses trap frames (trap.S)
 * into the interrupted context, so a panic in an interrupt handler shows the code it interrupted.
 * Release builds are not (and make sibling calls, config/kernel.cmake): s0 is an ordinary register
 * there. A trapped context then shows its pc and its return address register; the calls that
 * led to a panic() show the one certain frame (panic's own return address: the function that
 * takes __builtin_frame_address(0) keeps a frame) and then the return addresses a scan of the
 * stack finds (hal_walk_scan: in order, maybe with stale ones between, marked as such). Keeping
 * frame pointers in release would cost 5 to 18 % on vmbench (docs/perf.md).
 */
#include <hal_debug.h>
#include <kern/ksyms.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "mmu.h"
#include "riscv.h"
#include "trap_frame.h"

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

/* The size of the call instruction that returns to @ret: 4 (`jal ra`, `jalr ra`; auipc + jalr, a
 * far call, returns after the jalr), 2 (`c.jalr`), 0 if the instruction before @ret is no call. */
static unsigned call_size(uintptr_t ret)
{
	const uint16_t *h = (const uint16_t *)ret;

	if (hal_is_ktext(ret - 4)) {
		uint32_t word = (uint32_t)h[-2] | (uint32_t)h[-1] << 16;

		if (((word & 0x7f) == 0x6f || (word & 0x707f) == 0x67) && ((word >> 7) & 0x1f) == 1)
			return 4;
	}
	if (hal_is_ktext(ret - 2) && (h[-1] & 0xf07f) == 0x9002 && (h[-1] & 0x0f80)) /* c.jalr rs1 != 0 */
		return 2;
	return 0;
}

/*
 * The call instruction before return address @ret. Naming @ret itself would name the next
 * function after a call to a noreturn function, which the compiler leaves at the function's end.
 */
static uintptr_t call_site(uintptr_t ret)
{
	unsigned size = call_size(ret);

	if (size)
		return ret - size;
	return hal_is_ktext(ret - 4) ? ret - 4 : ret - 2;
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
		if (hal_is_ktext(frame[-k]) && frame[-k - 1] > fp && fp_is_sane(frame[-k - 1])) {
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

static void walk_context(hal_walk_t *w, uintptr_t pc, uintptr_t fp, uintptr_t ra);

/*
 * Follow the frame chain from @fp: in each frame, fp[-1] is the return address and fp[-2] the
 * caller's fp. hal_trap_handler's frame is the trap frame itself (trap.S calls it with sp at the
 * frame) and returns to hal_trap_return: there the walk goes on in the interrupted context.
 */
static void walk_frames(hal_walk_t *w, uintptr_t fp)
{
	if (!FRAME_POINTERS)
		return;
	while (fp_is_sane(fp)) {
		uintptr_t ret = ((const uintptr_t *)fp)[-1];
		uintptr_t prev = ((const uintptr_t *)fp)[-2];

		if (!hal_is_ktext(ret))
			find_saved_pair(fp, &ret, &prev);
		if (!hal_is_ktext(ret))
			return;
		if (ret >= (uintptr_t)hal_trap_entry && ret < (uintptr_t)hal_trap_text_end) {
			const hal_trap_frame_t *tf = (const hal_trap_frame_t *)fp;
			const char *cause = riscv_cause_name(tf->scause);

			if (!(tf->sstatus & SSTATUS_SPP)) {
				hal_walk_report(w, HAL_FRAME_USER, tf->sepc, cause);
				return;
			}
			if (hal_walk_report(w, HAL_FRAME_TRAP, tf->sepc, cause))
				walk_context(w, tf->sepc, tf->x[8 - 1], tf->x[1 - 1]);
			return;
		}
		if (!hal_walk_report(w, HAL_FRAME_CALL, call_site(ret), NULL))
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
static void walk_context(hal_walk_t *w, uintptr_t pc, uintptr_t fp, uintptr_t ra)
{
	if (!hal_walk_report(w, HAL_FRAME_PC, pc, NULL))
		return;
	if (hal_is_ktext(ra) && (!fp_is_sane(fp) || ((const uintptr_t *)fp)[-1] != ra) &&
	    other_function(pc, call_site(ra))) {
		if (!hal_walk_report(w, HAL_FRAME_CALL, call_site(ra), NULL))
			return;
		/* A leaf with a frame saves only the caller's fp, at fp[-1]: go to the caller's. */
		if (fp_is_sane(fp)) {
			uintptr_t saved = ((const uintptr_t *)fp)[-1];
			if (!hal_is_ktext(saved) && saved > fp && fp_is_sane(saved))
				fp = saved;
		}
	}
	walk_frames(w, fp);
}

/* The word at @addr may be read (fp_is_sane's windows); false past the top of a stack slot. */
bool hal_walk_readable(uintptr_t addr)
{
	return fp_is_sane(addr + 8) && fp_is_sane(addr + 16);
}

/*
 * A trap frame at @tf, if hal_trap_handler's saved return address hal_trap_return was found just
 * below it: report it as walk_frames does. Returns the interrupted sp to scan on from, 0 to stop
 * (a trap from user mode, the end of the walk, or no frame that makes sense: a stale word).
 */
static uintptr_t scan_trap_frame(hal_walk_t *w, uintptr_t tf_addr, bool *stop)
{
	const hal_trap_frame_t *tf = (const hal_trap_frame_t *)tf_addr;
	uintptr_t ra, sp;

	*stop = false;
	if (!hal_walk_readable(tf_addr + TF_SIZE - 8))
		return 0;
	if (!(tf->sstatus & SSTATUS_SPP)) {
		*stop = true;
		hal_walk_report(w, HAL_FRAME_USER, tf->sepc, riscv_cause_name(tf->scause));
		return 0;
	}
	ra = tf->x[1 - 1];
	sp = tf->x[2 - 1];
	if (!hal_is_ktext(tf->sepc) || sp < tf_addr + TF_SIZE || !hal_walk_readable(sp))
		return 0;
	*stop = !hal_walk_report(w, HAL_FRAME_TRAP, tf->sepc, riscv_cause_name(tf->scause)) ||
		!hal_walk_report(w, HAL_FRAME_PC, tf->sepc, NULL);
	/* ra: the interrupted function's caller if it had not saved ra yet, else maybe stale */
	if (!*stop && hal_is_ktext(ra) && call_size(ra) && other_function(tf->sepc, call_site(ra)))
		*stop = !hal_walk_report(w, HAL_FRAME_SCAN, call_site(ra), NULL);
	return sp;
}

/* hal_walk_scan's hooks (hal_debug.h): a return address is a text address after a call
 * instruction; hal_trap_handler's return address hal_trap_return lies just below its trap frame. */
uintptr_t hal_walk_call_site(uintptr_t v)
{
	return hal_is_ktext(v) && call_size(v) ? call_site(v) : 0;
}

uintptr_t hal_walk_scan_trap(hal_walk_t *w, uintptr_t addr, uintptr_t v, bool *stop)
{
	*stop = false;
	return v == (uintptr_t)hal_trap_return ? scan_trap_frame(w, addr + 8, stop) : 0;
}

/*
 * The sp of the context that trapped at @pc with @fp and @ra, read from its trap frame: the code
 * that reports the trap runs on the same stack, below that frame. 0 if no frame matches.
 */
static __attribute__((noinline)) uintptr_t trapped_sp(uintptr_t pc, uintptr_t fp, uintptr_t ra)
{
	uintptr_t a = (uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)7;

	for (unsigned n = 0; n < HAL_SCAN_MAX_WORDS && hal_walk_readable(a); n++, a += 8) {
		const hal_trap_frame_t *tf = (const hal_trap_frame_t *)(a + 8);

		if (*(const uintptr_t *)a == (uintptr_t)hal_trap_return &&
		    hal_walk_readable(a + TF_SIZE) && tf->sepc == pc && tf->x[8 - 1] == fp &&
		    tf->x[1 - 1] == ra)
			return tf->x[2 - 1];
	}
	return 0;
}

void hal_backtrace(uintptr_t pc, uintptr_t fp, uintptr_t ra, unsigned max, hal_frame_fn_t fn,
		   void *arg)
{
	hal_walk_t w = HAL_WALK_INIT(max, fn, arg);
	uintptr_t sp;

	walk_context(&w, pc, fp, ra);
	if (!FRAME_POINTERS && !w.done && (sp = trapped_sp(pc, fp, ra)) != 0)
		hal_walk_scan(&w, sp);
}

void hal_backtrace_calls(uintptr_t fp, unsigned max, hal_frame_fn_t fn, void *arg)
{
	hal_walk_t w = HAL_WALK_INIT(max, fn, arg);

	if (FRAME_POINTERS) {
		walk_frames(&w, fp);
		return;
	}
	/* @fp's function made its frame (__builtin_frame_address forces one): fp[-1] is its own
	 * return address, an active call for certain; the rest of the stack is scanned */
	if (!fp_is_sane(fp) || !hal_is_ktext(((const uintptr_t *)fp)[-1]))
		return;
	if (hal_walk_report(&w, HAL_FRAME_CALL, call_site(((const uintptr_t *)fp)[-1]), NULL))
		hal_walk_scan(&w, fp);
}

void hal_backtrace_saved(const hal_context_t *ctx, unsigned max, hal_frame_fn_t fn, void *arg)
{
	hal_walk_t w = HAL_WALK_INIT(max, fn, arg);
	uintptr_t ra = ctx->regs[0], fp = ctx->regs[2]; /* context.S: ra, sp, s0... */

	/* hal_context_switch keeps no frame: ra is the return into its caller, s0 that caller's fp */
	if (hal_is_ktext(ra) && hal_walk_report(&w, HAL_FRAME_CALL, call_site(ra), NULL))
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
