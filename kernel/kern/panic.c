/*
 * panic.c - stopping the kernel with everything a developer needs to find why (see printk.h).
 *
 * The first core to panic owns the console from then on (panic_owner in cluster 0). Before it
 * prints, it stops every other online core with IPI_STOP and waits until each has said so
 * (panic_stopped) or a bound has passed (a core spinning with interrupts masked never answers; it
 * is named, which is itself a clue). A stopped core never returns to what it was doing, and no
 * core holds the console lock any longer: the panic text comes out whole, never interleaved with
 * another core's line. A second core panicking meanwhile stops quietly in the same way. Then the
 * message, the core, its registers and a backtrace with symbol names are printed, and the machine
 * is powered off with KERNEL_EXIT_PANIC.
 */
#include <hal_debug.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/global.h>
#include <kern/ipi.h>
#include <kern/ksyms.h>
#include <kern/printk.h>
#include <libk/string.h>
#include <params.h>

#define BACKTRACE_MAX 48
/*
 * For the other cores to stop: bounds, not delays. Under QEMU without icount the time is the
 * host's, and on a loaded host a vCPU thread may wait for a processor for seconds: after the first
 * bound the wait is said on the console and goes on until no core has stopped for the second one
 * (a core spinning with interrupts masked never answers; it is then named in the report).
 */
#define PANIC_STOP_NOTE_NS  1000000000UL
#define PANIC_STOP_QUIET_NS 10000000000UL

uint32_t panic_owner;   /* cluster 0's copy: 0, or (cxy << 16 | lid) + 1 of the panicking core */
uint32_t panic_stopped; /* cluster 0's copy: other cores stopped since the panic began          */

static uint32_t my_panic_id(void)
{
	return (((uint32_t)local_cxy << 16) | hal_get_lid()) + 1;
}

bool panic_in_progress(void)
{
	return hal_remote_l32(XPTR(0, &panic_owner)) != 0;
}

bool panic_is_mine(void)
{
	return hal_remote_l32(XPTR(0, &panic_owner)) == my_panic_id();
}

_Noreturn void panic_stop_core(void)
{
	hal_disable_irq();
	hal_remote_atomic_add32(XPTR(0, &panic_stopped), 1);
	for (;;) /* the panicking core powers the machine off */
		hal_cpu_idle();
}

static bool core_online(cxy_t cxy, lid_t lid)
{
	return hal_remote_l32(XPTR(cxy, &cluster_manager.core[lid].online)) != 0;
}

/* Wait until the @asked other cores have stopped, or until none has for PANIC_STOP_QUIET_NS. */
static void wait_stopped(uint32_t asked)
{
	uint64_t start = hal_get_time_ns(), last = start;
	uint32_t seen = 0, now;
	bool said = false;

	while ((now = hal_remote_l32(XPTR(0, &panic_stopped))) < asked) {
		uint64_t t = hal_get_time_ns();

		if (now != seen) { /* progress: the bound starts again */
			seen = now;
			last = t;
		}
		if (!said && t - start >= PANIC_STOP_NOTE_NS) {
			printk_raw("panic on core [%x,%u]: still waiting for %u of the %u other cores "
				   "to stop (a loaded host?)\n", local_cxy, hal_get_lid(),
				   asked - now, asked);
			said = true;
		}
		if (t - last >= PANIC_STOP_QUIET_NS)
			return;
		hal_cpu_relax();
	}
}

/* Stop every other online core; returns how many were asked. Before the panicking core's cluster
 * is up (phase 0 of the boot), other clusters' descriptors may not exist yet and reading them
 * faults (a panic of phase 0 on 4x2 printed only "recursive panic"): nothing is stopped then. */
static uint32_t stop_other_cores(void)
{
	uint32_t asked = 0;

	if (hal_remote_l32(XPTR(local_cxy, &cluster_manager.cores_online)) == 0)
		return 0;
	for (cxy_t cxy = 0; cxy < cluster_count(); cxy++) {
		for (lid_t lid = 0; lid < cluster_cores_of(cxy); lid++) {
			if ((cxy == local_cxy && lid == hal_get_lid()) || !core_online(cxy, lid))
				continue;
			ipi_send(cxy, lid, IPI_STOP);
			asked++;
		}
	}
	wait_stopped(asked);
	return asked;
}

static bool scanned; /* a HAL_FRAME_SCAN frame was printed: the panicking core's only */

static bool print_frame(void *arg, const hal_frame_t *frame)
{
	unsigned *depth = arg;
	uintptr_t off;
	const char *name = ksyms_lookup(frame->pc, &off);

	if (frame->kind == HAL_FRAME_USER) {
		printk_raw("  -- entered from user mode at pc 0x%lx (%s)\n", frame->pc, frame->trap);
		return false;
	}
	if (frame->kind == HAL_FRAME_TRAP) {
		printk_raw("  -- %s in the kernel, at:\n", frame->trap);
		return true;
	}
	if (frame->kind == HAL_FRAME_SCAN && !scanned) {
		scanned = true; /* the reader must know the frames below may hold stale calls */
		printk_raw("  -- no frame chain: return addresses found on the stack (some may be "
			   "stale):\n");
	}
	if (name)
		printk_raw("  #%u 0x%016lx %s+0x%lx\n", *depth, frame->pc, name, off);
	else
		printk_raw("  #%u 0x%016lx ?\n", *depth, frame->pc);
	(*depth)++;
	return true;
}

/* The cores asked to stop that have not: each spins with interrupts masked, or is gone. */
static void report_unstopped(uint32_t asked)
{
	uint32_t stopped = hal_remote_l32(XPTR(0, &panic_stopped));

	if (stopped < asked)
		printk_raw("  %u of the %u other cores did not stop (interrupts masked?)\n",
			   asked - stopped, asked);
}

static __attribute__((noinline)) _Noreturn void panic_common(const void *trap_frame, uintptr_t pc,
							     uintptr_t fp, uintptr_t ra,
							     const char *fmt, va_list ap)
{
	char msg[CONFIG_PRINTK_LINE_MAX];
	unsigned depth = 0;
	uint32_t asked;

	hal_disable_irq();
	if (!hal_remote_atomic_cas32(XPTR(0, &panic_owner), 0, my_panic_id())) {
		if (!panic_is_mine())
			panic_stop_core(); /* another core is reporting its panic */
		printk_raw("PANIC: recursive panic, powering off\n");
		hal_poweroff(KERNEL_EXIT_PANIC);
	}
	asked = stop_other_cores();
	vsnprintf(msg, sizeof(msg), fmt, ap);
	printk_raw("PANIC: %s\n", msg);
	printk_raw("  on core [%x,%u] at %lu ns\n", local_cxy, hal_get_lid(), hal_get_time_ns());
	report_unstopped(asked);
	if (trap_frame)
		hal_print_trap_regs(trap_frame);
	else
		hal_print_current_regs();
	printk_raw("backtrace:\n");
	if (trap_frame)
		hal_backtrace(pc, fp, ra, BACKTRACE_MAX, print_frame, &depth);
	else
		hal_backtrace_calls(fp, BACKTRACE_MAX, print_frame, &depth);
	printk_raw("end of panic on core [%x,%u]\n", local_cxy, hal_get_lid());
	hal_poweroff(KERNEL_EXIT_PANIC);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	/* panic's own frame: the walk starts at the call that entered it, in the caller. */
	va_start(ap, fmt);
	panic_common(NULL, 0, (uintptr_t)__builtin_frame_address(0), 0, fmt, ap);
}

_Noreturn void panic_trap(const void *trap_frame, uintptr_t pc, uintptr_t fp, uintptr_t ra,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_common(trap_frame, pc, fp, ra, fmt, ap);
}
