/*
 * panic.c - stopping the kernel with everything a developer needs to find why (see printk.h).
 *
 * The first core to panic owns the console from then on (panic_owner in cluster 0); a second
 * panicking core only waits for the end. The message, the core, its registers and a backtrace
 * with symbol names are printed, then the machine is powered off with KERNEL_EXIT_PANIC. The
 * other cores are not stopped one by one: powering off ends them all.
 */
#include <hal_debug.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/global.h>
#include <kern/ksyms.h>
#include <kern/printk.h>
#include <libk/string.h>
#include <params.h>

#define BACKTRACE_MAX 32

uint32_t panic_owner; /* cluster 0's copy: 0, or (cxy << 16 | lid) + 1 of the panicking core */

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

static bool print_frame(void *arg, uintptr_t pc)
{
	unsigned *depth = arg;
	uintptr_t off;
	const char *name = ksyms_lookup(pc, &off);

	if (name)
		printk_raw("  #%u 0x%016lx %s+0x%lx\n", *depth, pc, name, off);
	else
		printk_raw("  #%u 0x%016lx ?\n", *depth, pc);
	(*depth)++;
	return true;
}

static _Noreturn void panic_common(const void *trap_frame, uintptr_t pc, uintptr_t fp, uintptr_t ra,
				   const char *fmt, va_list ap)
{
	char msg[CONFIG_PRINTK_LINE_MAX];
	unsigned depth = 0;

	hal_disable_irq();
	if (!hal_remote_atomic_cas32(XPTR(0, &panic_owner), 0, my_panic_id())) {
		if (!panic_is_mine())
			for (;;) /* another core is reporting its panic and will power off */
				hal_cpu_idle();
		printk_raw("PANIC: recursive panic, powering off\n");
		hal_poweroff(KERNEL_EXIT_PANIC);
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	printk_raw("PANIC: %s\n", msg);
	printk_raw("  on core [%x,%u] at %lu ns\n", local_cxy, hal_get_lid(), hal_get_time_ns());
	if (trap_frame)
		hal_print_trap_regs(trap_frame);
	else
		hal_print_current_regs();
	printk_raw("backtrace:\n");
	hal_backtrace(pc, fp, ra, BACKTRACE_MAX, print_frame, &depth);
	printk_raw("end of panic on core [%x,%u]\n", local_cxy, hal_get_lid());
	hal_poweroff(KERNEL_EXIT_PANIC);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wframe-address"
_Noreturn void panic(const char *fmt, ...)
{
	/* The backtrace starts at panic's caller; the compiler knows where it saved that frame. */
	uintptr_t pc = (uintptr_t)__builtin_return_address(0);
	uintptr_t fp = (uintptr_t)__builtin_frame_address(1);
	va_list ap;

	va_start(ap, fmt);
	panic_common(NULL, pc, fp, 0, fmt, ap);
}
#pragma GCC diagnostic pop

_Noreturn void panic_trap(const void *trap_frame, uintptr_t pc, uintptr_t fp, uintptr_t ra,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_common(trap_frame, pc, fp, ra, fmt, ap);
}
