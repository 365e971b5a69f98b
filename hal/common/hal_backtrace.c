/*
 * hal_backtrace.c - the bookkeeping of a backtrace, the same on every architecture (see
 * hal_debug.h): the frames left, the end of the walk, the callback, and the scan of a stack without
 * frame chain. How frames are found (frame chains, trap frames, what a return address is) is the
 * architecture's hal_debug.c.
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

void hal_walk_scan(hal_walk_t *w, uintptr_t from)
{
	uintptr_t a = from & ~(uintptr_t)(sizeof(uintptr_t) - 1);

	for (unsigned n = 0; n < HAL_SCAN_MAX_WORDS && hal_walk_readable(a);
	     n++, a += sizeof(uintptr_t)) {
		uintptr_t v = *(const uintptr_t *)a, site, sp;
		bool stop = false;

		sp = hal_walk_scan_trap(w, a, v, &stop);
		if (stop)
			return;
		if (sp) {
			a = sp - sizeof(uintptr_t);
			continue;
		}
		site = hal_walk_call_site(v);
		if (site && !hal_walk_report(w, HAL_FRAME_SCAN, site, NULL))
			return;
	}
}
