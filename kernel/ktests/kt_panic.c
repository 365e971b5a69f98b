/*
 * kt_panic.c - a deliberate kernel fault, to check that a panic reports its cause with a backtrace
 * of named functions and stops the machine with a failure code. Explicit: `ktest=panic` only.
 */
#include <kern/ktest.h>

/* An address of the kernel half that nothing maps: 64 GiB into the direct map, past all memory. */
#define UNMAPPED_KERNEL_ADDRESS 0xffffffd000000000UL

__attribute__((noinline)) static uint64_t ktest_panic_inner(volatile uint64_t *p)
{
	return *p;
}

__attribute__((noinline)) static uint64_t ktest_panic_outer(uint64_t addr)
{
	return ktest_panic_inner((volatile uint64_t *)addr) + 1;
}

KTEST_FLAGS(panic, kernel_fault_backtrace, KTEST_EXPLICIT)
{
	if (ctx->cxy == 0 && ctx->lid == 0)
		ktest_fail(ctx, __FILE__, __LINE__, "survived a load from %lx: %lx",
			   UNMAPPED_KERNEL_ADDRESS, ktest_panic_outer(UNMAPPED_KERNEL_ADDRESS));
}

/* A runaway recursion must end on the guard page below the thread's stack, with a clear panic. */
static volatile uint64_t recursion_limit = ~0UL; /* never reached; hides the recursion's end */

__attribute__((noinline)) static uint64_t ktest_recurse(volatile uint64_t *prev, uint64_t depth)
{
	volatile uint64_t frame[64];

	frame[0] = prev ? prev[0] + 1 : depth;
	frame[63] = depth;
	if (depth == recursion_limit)
		return frame[0];
	return ktest_recurse(frame, depth + 1) + frame[63];
}

KTEST_FLAGS(stack, overflow_hits_guard, KTEST_EXPLICIT)
{
	if (ctx->cxy == 0 && ctx->lid == 0)
		ktest_fail(ctx, __FILE__, __LINE__, "survived infinite recursion: %lu",
			   ktest_recurse(NULL, 0));
}
