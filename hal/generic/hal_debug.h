/*
 * hal_debug.h - what panic() needs from the architecture: registers and stack frames.
 */
#ifndef HAL_DEBUG_H
#define HAL_DEBUG_H

#include <hal_types.h>

/* Called for each return address found, innermost first; returns false to stop the walk. */
typedef bool (*hal_frame_fn_t)(void *arg, uintptr_t pc);

/*
 * Walk the kernel stack from frame pointer @fp, reporting @pc first. @ra is the return-address
 * register at @pc when known (a trap frame), else 0: it lets the walk step out of a leaf function,
 * whose frame holds no return address. Stops at a frame pointer outside kernel memory (never
 * faults), after @max frames, or when @fn returns false.
 */
void hal_backtrace(uintptr_t pc, uintptr_t fp, uintptr_t ra, unsigned max, hal_frame_fn_t fn,
		   void *arg);

/* Print the registers of the running core (a software panic) with printk_raw. */
void hal_print_current_regs(void);

/* Print the registers saved in a trap frame of the architecture with printk_raw. */
void hal_print_trap_regs(const void *trap_frame);

#endif /* HAL_DEBUG_H */
