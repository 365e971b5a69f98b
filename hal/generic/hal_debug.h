/*
 * hal_debug.h - what panic() needs from the architecture: registers and stack frames.
 *
 * A backtrace is a list of frames, innermost first. A frame is an exact pc (where a trap or a
 * saved context stopped), the call instruction of an active call (not the return address: after
 * a call to a noreturn function the return address is already in the next function of the image),
 * or a trap crossed on the way: the walk goes through the trap frame into the interrupted context,
 * and ends at a trap from user mode. Where the architecture's build keeps no frame chain, the
 * frames past the ones known for certain are found by scanning the stack (HAL_FRAME_SCAN).
 */
#ifndef HAL_DEBUG_H
#define HAL_DEBUG_H

#include <hal_context.h>
#include <hal_types.h>

typedef enum {
	HAL_FRAME_PC,   /* @pc is the exact pc of a trapped or saved context                       */
	HAL_FRAME_CALL, /* @pc is the call instruction of an active call (return address - its size) */
	HAL_FRAME_TRAP, /* a kernel trap frame: @trap stopped @pc, reported next as HAL_FRAME_PC    */
	HAL_FRAME_USER, /* the stack began with a trap from user mode at @pc (@trap): the walk ends  */
	HAL_FRAME_SCAN, /* @pc is the call instruction before a return address found by scanning the
	                   stack (a build without frame pointers): an active call, or a stale value
	                   left by one that returned; the active ones come in order               */
} hal_frame_kind_t;

typedef struct hal_frame_s {
	hal_frame_kind_t kind;
	uintptr_t pc;
	const char *trap; /* TRAP and USER: the trap's cause ("timer interrupt", "load page fault") */
} hal_frame_t;

/* Called for each frame found, innermost first; returns false to stop the walk. */
typedef bool (*hal_frame_fn_t)(void *arg, const hal_frame_t *frame);

/*
 * Walk the kernel stack of a trapped or saved context: @pc (reported first, as HAL_FRAME_PC), its
 * frame pointer register @fp and its return-address register @ra (0 if unknown). @ra lets the walk
 * step out of a function that has no frame yet or keeps its return address in the register (a
 * leaf, a prologue, an epilogue). Stops at a frame pointer outside kernel memory (never faults),
 * after @max frames, or when @fn returns false.
 */
void hal_backtrace(uintptr_t pc, uintptr_t fp, uintptr_t ra, unsigned max, hal_frame_fn_t fn,
		   void *arg);

/*
 * Walk the active calls of the running stack from @fp, the frame address of a function still
 * active (its __builtin_frame_address(0)): the first frame reported is the call that entered that
 * function (HAL_FRAME_CALL), then its caller's, through kernel trap frames. Same limits.
 */
void hal_backtrace_calls(uintptr_t fp, unsigned max, hal_frame_fn_t fn, void *arg);

/*
 * Walk the kernel stack of a thread switched out with @ctx (a copy of its hal_context_t): the first
 * frame is the call that switched it out (the scheduler's), then its callers'. The thread must
 * stay switched out and its stack mapped meanwhile (the caller holds its scheduler's lock), else
 * the frames may be garbage; the walk still never faults. Same limits. For thread dumps.
 */
void hal_backtrace_saved(const hal_context_t *ctx, unsigned max, hal_frame_fn_t fn, void *arg);

/*
 * For the architecture's walkers (hal/<arch>/hal_debug.c), which find the frames: the walk's
 * bookkeeping, the same everywhere (hal/common/hal_backtrace.c). A walk starts as
 * HAL_WALK_INIT(max, fn, arg); hal_walk_report() hands a frame to the callback and returns false
 * once the walk must end (the callback refused, or @max frames were reported). A HAL_FRAME_SCAN
 * frame at the pc just reported is skipped (the scan found again what was known).
 */
typedef struct hal_walk_s {
	unsigned left;     /* frames still allowed */
	bool done;         /* a report was refused: the walk ends */
	uintptr_t last_pc; /* of the last frame reported */
	hal_frame_fn_t fn;
	void *arg;
} hal_walk_t;
#define HAL_WALK_INIT(max, f, a) { .left = (max), .fn = (f), .arg = (a) }
bool hal_walk_report(hal_walk_t *w, hal_frame_kind_t kind, uintptr_t pc, const char *trap);
/* True if @addr lies in the kernel image's text. */
bool hal_is_ktext(uintptr_t addr);

/*
 * The scan of a stack that keeps no frame chain (release builds), from @from up: reports,
 * innermost first, every word that is a return address (HAL_FRAME_SCAN: the active calls' are
 * among them, in order, and maybe stale ones that calls which returned left behind), and crosses
 * each kernel trap frame it meets into the interrupted context. It reads at most
 * HAL_SCAN_MAX_WORDS words: a boot stack has no known top. Shared (hal/common/hal_backtrace.c);
 * the architecture's hal_debug.c provides its three hooks:
 *   hal_walk_readable(a)     whether the word at @a may be read (false past a stack's top);
 *   hal_walk_call_site(v)    the address of the call instruction if @v is a return address into
 *                            the kernel's text, else 0;
 *   hal_walk_scan_trap(w, a, v, stop)  if @v, the word at @a, is the trap entry's return address
 *                            from its handler, reports the trap frame next to it: returns the
 *                            interrupted sp to scan on from, or 0 to go on above @a (not a frame
 *                            that makes sense, or not that word); sets *@stop when the walk ends
 *                            (a trap from user mode, or a report refused).
 */
#define HAL_SCAN_MAX_WORDS 2048
void hal_walk_scan(hal_walk_t *w, uintptr_t from);
bool hal_walk_readable(uintptr_t addr);
uintptr_t hal_walk_call_site(uintptr_t v);
uintptr_t hal_walk_scan_trap(hal_walk_t *w, uintptr_t addr, uintptr_t v, bool *stop);

/* Print the registers of the running core (a software panic) with printk_raw. */
void hal_print_current_regs(void);

/* Print the registers saved in a trap frame of the architecture with printk_raw. */
void hal_print_trap_regs(const void *trap_frame);

#endif /* HAL_DEBUG_H */
