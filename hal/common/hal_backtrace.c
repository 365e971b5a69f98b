/*
 * hal_backtrace.c - the bookkeeping of a backtrace, the same on every architecture (see
 * hal_debug.h): the frames left, the end of the walk, the callback. How frames are found (frame
 * chains, trap frames, stack scans) is the architecture's hal_debug.c.
 */
#include <hal_debug.h>

extern char _kimage_start[], _etext[];

bool hal_is_ktext(uintptr_t addr)
{
	return addr >= (uintptr_t)_kimage_start && addr < (uintptr_t)_etext;
}

bool hal_walk_report(hal_walk_t *w, hal_frame_kind_t kind, uintptr_t pc, const char *trap)
{
	hal_frame_t frame = { .kind = kind, .pc = pc, .trap = trap };

	/* a frame found again by the scan: the return-address register's, or the top of a trapped
	 * stack's, already reported */
	if (kind == HAL_FRAME_SCAN && pc == w->last_pc)
		return true;
	if (w->left == 0 || w->done) {
		w->done = true;
		return false;
	}
	w->left--;
	w->last_pc = pc;
	w->done = !w->fn(w->arg, &frame);
	return !w->done;
}
