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
