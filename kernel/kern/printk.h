/*
 * printk.h - kernel console output, levelled logging, panic and assertions.
 *
 * Every line goes out whole: printk formats into a buffer on the caller's stack, then writes the line
 * under the console lock (a remote busylock in cluster 0), so lines from different cores never
 * interleave. Each line starts with "[seconds.micro][cxy,lid] ". May be called from any core, with
 * IRQs on or off; never sleeps. Lines longer than CONFIG_PRINTK_LINE_MAX are cut.
 */
#ifndef KERN_PRINTK_H
#define KERN_PRINTK_H

#include <hal_types.h>
#include <stdarg.h>

enum log_level {
	LOG_EMERG  = 0,
	LOG_ERR    = 3,
	LOG_WARN   = 4,
	LOG_NOTICE = 5,
	LOG_INFO   = 6,
	LOG_DEBUG  = 7,
};

/* Messages whose level is above this are dropped (kernel command line: loglevel=N). */
extern int printk_loglevel;

void printk_level(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vprintk_level(int level, const char *fmt, va_list ap);

#define printk(...)   printk_level(LOG_INFO, __VA_ARGS__)
#define pr_err(...)   printk_level(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  printk_level(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  printk_level(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk_level(LOG_DEBUG, __VA_ARGS__)

/* Write raw bytes (user output) to the console under the console lock: never torn by a log line. */
void console_write(const char *buf, size_t len);

/* The same without turning NL into CR NL: for the terminal, whose output processing (OPOST,
 * kernel/fs/tty.h) already did what its termios asks. */
void console_write_bytes(const char *buf, size_t len);

/* Print without the line prefix (continuation of a table, KTAP lines): still one atomic write. */
void printk_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Stop the kernel: stop the other cores (IPI_STOP), then print "PANIC: <message>" with the core,
 * its registers and a backtrace with symbol names from the call of panic() outwards, and power off
 * with KERNEL_EXIT_PANIC. Never returns.
 */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The same for a trap the kernel cannot handle: registers from @trap_frame (the HAL's), backtrace
 * from the trapped @pc, frame pointer @fp and return-address register @ra. Called by the HAL.
 */
_Noreturn void panic_trap(const void *trap_frame, uintptr_t pc, uintptr_t fp, uintptr_t ra,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Exit codes of the machine (hal_poweroff) when the kernel stops on its own. */
#define KERNEL_EXIT_KTEST_FAILED 1   /* a ktest failed                      */
#define KERNEL_EXIT_PANIC        255 /* panic()                             */

/* True once some core has panicked (printk of other cores then drops its output). */
bool panic_in_progress(void);

/*
 * Stop the calling core for good, counted as stopped by the panic in progress: what IPI_STOP does
 * (ipi.h), and what a core that panics while another core's panic is under way does.
 */
_Noreturn void panic_stop_core(void);

/*
 * kassert(cond): an invariant; checked in debug builds (NDEBUG unset), panics with its location.
 * @cond is not evaluated in release builds: it must have no side effect.
 */
#ifndef NDEBUG
#define kassert(cond)                                                                               \
	do {                                                                                        \
		if (__builtin_expect(!(cond), 0))                                                   \
			panic("%s: assertion '%s' failed at %s:%d", __func__, #cond, __FILE__,      \
			      __LINE__);                                                            \
	} while (0)
#else
#define kassert(cond) ((void)sizeof(cond))
#endif

#endif /* KERN_PRINTK_H */
