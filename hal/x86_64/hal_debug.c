/*
 * hal_debug.c - registers and stack frames for panic() on x86_64.
 *
 * Debug builds keep frame pointers in every function (-fno-omit-frame-pointer and
 * -mno-omit-leaf-frame-pointer): rbp points at the caller's saved rbp, with the return address
 * just above it. trap.S calls the handlers with rbp at the trap frame, so a handler's saved rbp is
 * the frame's address and its return address trap.S's label after the call: there the walk goes on
 * in the interrupted context; a function stopped where it has no frame (a leaf that needs no stack,
 * a prologue, an epilogue) has its return address on top of the stack, which the walk checks
 * against the call instruction there. Release builds keep no frame pointers (config/kernel.cmake:
 * they would cost 5 to 18 % on vmbench): a trapped context shows its pc and that return address
 * when there is one, a panic() the one certain frame (its own return address: the function that
 * takes __builtin_frame_address(0) keeps a frame); then come the return addresses a scan of the
 * stack finds (hal_walk_scan: in order, maybe with stale ones between, marked as such).
 */
#include <hal_debug.h>
#include <kern/ksyms.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "mmu.h"
#include "trap_frame.h"
#include "x86.h"

/* Whether rbp holds a frame chain: debug builds only (see the top). */
#ifdef CONFIG_DEBUG
#define FRAME_POINTERS 1
#else
#define FRAME_POINTERS 0
#endif

#define CALL_SIZE 5 /* call rel32; indirect calls (FF /2) take 2 to 8 bytes: call_size */

/* A pointer to @n bytes the walk may read: inside kernel memory (image window, direct map, or the
 * mapped part of a kernel stack slot, not its guard), aligned on 8. */
static bool readable(uintptr_t p, size_t n)
{
	if (p & 7)
		return false;
	if (p - KIMAGE_VBASE < CONFIG_KIMAGE_MAX_SIZE - n)
		return true;
	if (p - KSTACK_BASE < ((uintptr_t)CONFIG_MAX_CLUSTERS << KSTACK_AREA_SHIFT) - n)
		return !hal_kstack_is_guard(p) && !hal_kstack_is_guard(p + n - 1);
	return p - DMAP_BASE < DMAP_MAX - n;
}

/* The length of an indirect call (FF /2: `call *%reg`, `call *disp(%reg)`, ...) starting at @p,
 * without prefix; 0 if @p starts no such instruction. */
static unsigned indirect_call_len(const uint8_t *p)
{
	unsigned mod = p[1] >> 6, rm = p[1] & 7, len = 2;

	if (p[0] != 0xff || ((p[1] >> 3) & 7) != 2)
		return 0;
	if (mod == 3)
		return len;
	if (rm == 4) /* a SIB byte; base 101 with mod 00 means a disp32 */
		len += 1 + (mod == 0 && (p[2] & 7) == 5 ? 4 : 0);
	if (mod == 0 && rm == 5)
		len += 4; /* rip-relative */
	return len + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/* The size of the call instruction that returns to @ret (call rel32, or an indirect call with or
 * without a REX prefix); 0 if the bytes before @ret end no call. */
static unsigned call_size(uintptr_t ret)
{
	const uint8_t *r = (const uint8_t *)ret;

	if (hal_is_ktext(ret - CALL_SIZE) && r[-CALL_SIZE] == 0xe8)
		return CALL_SIZE;
	for (unsigned k = 2; k <= 8; k++) {
		const uint8_t *p = r - k;

		if (!hal_is_ktext(ret - k))
			break;
		if (indirect_call_len(p) == k ||
		    ((p[0] & 0xf0) == 0x40 && k > 2 && indirect_call_len(p + 1) == k - 1))
			return k;
	}
	return 0;
}

/* The call instruction before return address @ret (naming @ret itself would name the next function
 * after a call to a noreturn function, which the compiler leaves at the function's end). */
static uintptr_t call_site(uintptr_t ret)
{
	unsigned size = call_size(ret);

	return ret - (size ? size : 1);
}

static void walk_context(hal_walk_t *w, uintptr_t pc, uintptr_t fp, uintptr_t sp);

/* Follow the frame chain from @fp, crossing trap frames (see the top). */
static void walk_frames(hal_walk_t *w, uintptr_t fp)
{
	if (!FRAME_POINTERS)
		return;
	while (readable(fp, 16)) {
		uintptr_t prev = ((const uintptr_t *)fp)[0];
		uintptr_t ret = ((const uintptr_t *)fp)[1];

		if (ret == (uintptr_t)x86_trap_called || ret == (uintptr_t)x86_syscall_called) {
			const hal_trap_frame_t *tf = (const hal_trap_frame_t *)prev;

			if (!readable(prev, sizeof(*tf)))
				return;
			if (tf->cs & 3) {
				hal_walk_report(w, HAL_FRAME_USER, tf->rip, x86_trap_name(tf->vector, tf->error));
				return;
			}
			if (hal_walk_report(w, HAL_FRAME_TRAP, tf->rip, x86_trap_name(tf->vector, tf->error)))
				walk_context(w, tf->rip, tf->rbp, tf->rsp);
			return;
		}
		if (!hal_is_ktext(ret) || !hal_walk_report(w, HAL_FRAME_CALL, call_site(ret), NULL))
			return;
		if (prev <= fp) /* stacks grow down: the caller's frame is above */
			return;
		fp = prev;
	}
}

/* The first instruction of the function holding @pc, 0 if unknown. */
static uintptr_t function_of(uintptr_t pc)
{
	uintptr_t off;

	return ksyms_lookup(pc, &off) ? pc - off : 0;
}

/* The target of the direct call (call rel32) that returns to @ret, 0 for another kind of call. */
static uintptr_t call_target(uintptr_t ret)
{
	const uint8_t *r = (const uint8_t *)ret;
	int32_t rel;

	if (!hal_is_ktext(ret - CALL_SIZE) || r[-CALL_SIZE] != 0xe8)
		return 0;
	memcpy(&rel, r - 4, sizeof(rel));
	return ret + (uintptr_t)(intptr_t)rel;
}

/* True if @ret may be the return address of a call of the function starting at @fn: a direct
 * call of it, or an indirect call from another function. */
static bool returns_from(uintptr_t ret, uintptr_t fn)
{
	uintptr_t target;

	if (!hal_is_ktext(ret))
		return false;
	target = call_target(ret);
	return target ? target == fn : function_of(call_site(ret)) != fn;
}

/*
 * The return address of a context stopped at @pc with stack pointer @sp whose frame pointer @fp is
 * not its function's own: a leaf that needs no stack keeps no frame at all (gcc omits it even with
 * -fno-omit-frame-pointer), and any function is without one in its prologue and epilogue and
 * before a shrink-wrapped prologue. The return address is then on top of the stack (or under the
 * saved rbp, just after `push %rbp`). 0 when @fp is the function's own frame or nothing fits.
 */
static uintptr_t frameless_return(uintptr_t pc, uintptr_t fp, uintptr_t sp)
{
	uintptr_t fn = function_of(pc);

	if (!fn || !readable(sp, 16))
		return 0;
	if (readable(fp, 16) && call_target(((const uintptr_t *)fp)[1]) == fn)
		return 0; /* fp is the function's frame: the chain says the rest */
	for (int k = 0; k < 2; k++) {
		uintptr_t ret = ((const uintptr_t *)sp)[k];
		if (returns_from(ret, fn))
			return ret;
	}
	return 0;
}

/* A context stopped at @pc with frame pointer @fp and stack pointer @sp. */
static void walk_context(hal_walk_t *w, uintptr_t pc, uintptr_t fp, uintptr_t sp)
{
	uintptr_t ret = frameless_return(pc, fp, sp);

	if (!hal_walk_report(w, HAL_FRAME_PC, pc, NULL))
		return;
	if (ret && !hal_walk_report(w, HAL_FRAME_CALL, call_site(ret), NULL))
		return;
	walk_frames(w, fp);
}

/* hal_walk_scan's hooks (hal_debug.h). A return address: in the text, after a call instruction. */
bool hal_walk_readable(uintptr_t addr)
{
	return readable(addr, 8);
}

uintptr_t hal_walk_call_site(uintptr_t v)
{
	return hal_is_ktext(v) && call_size(v) != 0 ? call_site(v) : 0;
}

/*
 * A trap frame at @tf_addr, if trap.S's return address from the handler was found just below it:
 * report it as walk_frames does. Returns the interrupted rsp to scan on from, 0 to stop (a trap
 * from user mode) or to go on above (no frame that makes sense: a stale word), with *@stop.
 */
static uintptr_t scan_trap_frame(hal_walk_t *w, uintptr_t tf_addr, bool *stop)
{
	const hal_trap_frame_t *tf = (const hal_trap_frame_t *)tf_addr;
	const char *cause;

	*stop = false;
	if (!readable(tf_addr, sizeof(*tf)))
		return 0;
	cause = x86_trap_name(tf->vector, tf->error);
	if (tf->cs & 3) {
		*stop = true;
		hal_walk_report(w, HAL_FRAME_USER, tf->rip, cause);
		return 0;
	}
	if (!hal_is_ktext(tf->rip) || tf->rsp < tf_addr + sizeof(*tf) || !readable(tf->rsp, 8))
		return 0;
	*stop = !hal_walk_report(w, HAL_FRAME_TRAP, tf->rip, cause) ||
		!hal_walk_report(w, HAL_FRAME_PC, tf->rip, NULL);
	return tf->rsp;
}

/* trap.S's return address from the handler lies just below the trap frame. */
uintptr_t hal_walk_scan_trap(hal_walk_t *w, uintptr_t addr, uintptr_t v, bool *stop)
{
	*stop = false;
	if (v != (uintptr_t)x86_trap_called && v != (uintptr_t)x86_syscall_called)
		return 0;
	return scan_trap_frame(w, addr + 8, stop);
}

/* @ra: x86 has no return-address register; the top of the trapped stack stands for it (it is the
 * frame's rsp: hal_trap_frame_t). */
void hal_backtrace(uintptr_t pc, uintptr_t fp, uintptr_t ra, unsigned max, hal_frame_fn_t fn,
		   void *arg)
{
	hal_walk_t w = HAL_WALK_INIT(max, fn, arg);

	walk_context(&w, pc, fp, ra);
	if (!FRAME_POINTERS && !w.done)
		hal_walk_scan(&w, ra);
}

void hal_backtrace_calls(uintptr_t fp, unsigned max, hal_frame_fn_t fn, void *arg)
{
	hal_walk_t w = HAL_WALK_INIT(max, fn, arg);

	if (FRAME_POINTERS) {
		walk_frames(&w, fp);
		return;
	}
	/* @fp's function made its frame (__builtin_frame_address forces one): fp[1] is its own
	 * return address, an active call for certain; the rest of the stack is scanned */
	if (!readable(fp, 16) || !hal_is_ktext(((const uintptr_t *)fp)[1]))
		return;
	if (hal_walk_report(&w, HAL_FRAME_CALL, call_site(((const uintptr_t *)fp)[1]), NULL))
		hal_walk_scan(&w, fp + 16);
}

void hal_backtrace_saved(const hal_context_t *ctx, unsigned max, hal_frame_fn_t fn, void *arg)
{
	hal_walk_t w = HAL_WALK_INIT(max, fn, arg);
	uintptr_t sp = ctx->regs[0], fp = ctx->regs[2]; /* context.S: rsp, rbx, rbp... */

	/* hal_context_switch keeps no frame: the return into its caller is on top of the stack, rbp
	 * is that caller's frame */
	if (readable(sp, 8) && hal_is_ktext(((const uintptr_t *)sp)[0]) &&
	    hal_walk_report(&w, HAL_FRAME_CALL, call_site(((const uintptr_t *)sp)[0]), NULL))
		walk_frames(&w, fp);
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
