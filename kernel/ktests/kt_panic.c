/*
 * kt_panic.c - deliberate panics, to check that a panic reports its cause with a backtrace of named
 * functions in order, comes out whole while other cores print, and stops the machine with a failure
 * code. Every case is explicit (`ktest=SUITE`) and ends the run: one suite per QEMU test. Before
 * panicking, a case prints `# expect backtrace: f1 f2 ...`: tests/qemu/check_panic.py wants those
 * functions in that order among the frames.
 */
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/ktest.h>
#include <kern/printk.h>

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

KTEST_FLAGS(panicfault, kernel_fault_backtrace, KTEST_EXPLICIT)
{
	if (ctx->cxy == 0 && ctx->lid == 0) {
		printk_raw("# expect backtrace: ktest_panic_inner ktest_panic_outer "
			   "ktest_fn_panicfault_kernel_fault_backtrace ktest_main\n");
		ktest_fail(ctx, __FILE__, __LINE__, "survived a load from %lx: %lx",
			   UNMAPPED_KERNEL_ADDRESS, ktest_panic_outer(UNMAPPED_KERNEL_ADDRESS));
	}
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


/*
 * The other cores print until the panic stops them: the panicking core starts once each of them
 * has printed (cluster 0's counter), so their lines are on the way while it panics.
 */
static uint32_t printers_started; /* cluster 0's copy */

static void print_until_stopped(ktest_ctx_t *ctx)
{
	for (uint64_t i = 0;; i++) {
		printk("panic test: core [%x,%u] line %lu, a line long enough to take a while to print",
		       ctx->cxy, ctx->lid, i);
		if (i == 0)
			hal_remote_atomic_add32(XPTR(0, &printers_started), 1);
	}
}

static void wait_for_printers(ktest_ctx_t *ctx, uint32_t printers)
{
	(void)ctx;
	while (hal_remote_l32(XPTR(0, &printers_started)) < printers)
		hal_cpu_relax();
}

/* A chain of calls ending in a call to a noreturn function: each call is a function's last code. */
__attribute__((noinline)) static void ktest_chain_inner(int depth)
{
	if (depth > 0)
		panic("deliberate panic at depth %d", depth);
}

__attribute__((noinline)) static void ktest_chain_middle(int depth)
{
	ktest_chain_inner(depth + 1);
	printk("not reached");
}

__attribute__((noinline)) static void ktest_chain_outer(int depth)
{
	ktest_chain_middle(depth + 1);
	printk("not reached");
}

KTEST_FLAGS(panic, software_backtrace_while_others_print, KTEST_EXPLICIT)
{
	if (ctx->cxy != 0 || ctx->lid != 0)
		print_until_stopped(ctx);
	wait_for_printers(ctx, ctx->cores_nr - 1);
	printk_raw("# expect backtrace: ktest_chain_inner ktest_chain_middle ktest_chain_outer "
		   "ktest_fn_panic_software_backtrace_while_others_print ktest_main kernel_main\n");
	ktest_chain_outer(1);
	ktest_fail(ctx, __FILE__, __LINE__, "survived panic()");
}

/*
 * Two cores panic at once (the first and the last core of the machine, started together by a
 * shared flag), the others print: one panic is reported, whole; the other core stops quietly.
 */
static uint32_t panic_go; /* cluster 0's copy */

KTEST_FLAGS(panic2, two_cores_at_once, KTEST_EXPLICIT)
{
	cxy_t last_cxy = (cxy_t)(cluster_count() - 1);
	bool first = ctx->cxy == 0 && ctx->lid == 0;
	bool last = ctx->cxy == last_cxy && ctx->lid == cluster_cores_of(last_cxy) - 1;

	if (!first && !last)
		print_until_stopped(ctx);
	if (first) {
		wait_for_printers(ctx, ctx->cores_nr - 2);
		printk_raw("# expect backtrace: ktest_chain_inner ktest_chain_middle ktest_chain_outer "
			   "ktest_fn_panic2_two_cores_at_once\n");
		hal_remote_s32(XPTR(0, &panic_go), 1);
	} else {
		while (!hal_remote_l32(XPTR(0, &panic_go)))
			hal_cpu_relax();
	}
	ktest_chain_outer(1);
	ktest_fail(ctx, __FILE__, __LINE__, "survived panic()");
}

/*
 * A panic in an interrupt handler: the backtrace goes from the handler through the trap frame
 * into the code the interrupt stopped. Core (0,0) sends itself an IPI_TEST whose handler panics
 * with interrupts masked, then unmasks them: the interrupt is taken in ktest_leaf_enable_irq, a
 * leaf whose return address is only in ra (hal_enable_irq is inline), called by a loop of the
 * test's own.
 */
static void panic_in_ipi_handler(void)
{
	panic("deliberate panic in an IPI handler");
}

__attribute__((noinline)) static void ktest_leaf_enable_irq(void)
{
	hal_enable_irq();
}

__attribute__((noinline)) static void ktest_wait_for_interrupt(volatile uint64_t *spins)
{
	for (;;) {
		ktest_leaf_enable_irq();
		(*spins)++;
	}
}

KTEST_FLAGS(panicirq, in_interrupt_handler, KTEST_EXPLICIT)
{
	volatile uint64_t spins = 0;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	printk_raw("# expect backtrace: panic_in_ipi_handler kernel_ipi hal_trap_handler ktest_leaf_enable_irq "
		   "ktest_wait_for_interrupt ktest_fn_panicirq_in_interrupt_handler ktest_main\n");
	ipi_test_hook = panic_in_ipi_handler;
	hal_disable_irq();
	ipi_send(0, 0, IPI_TEST);
	ktest_wait_for_interrupt(&spins);
}
