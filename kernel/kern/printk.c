/*
 * printk.c - formatted console output, one whole line at a time (see printk.h).
 *
 * The console is one device for the whole machine, so its lock is cluster 0's console_lock, reached
 * from every cluster through an extended pointer. A line is formatted on the caller's stack first,
 * so the lock is held only while the bytes go out.
 */
#include <hal_console.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/global.h>
#include <kern/printk.h>
#include <libk/busylock.h>
#include <libk/bits.h>
#include <libk/string.h>
#include <params.h>

busylock_t console_lock = BUSYLOCK_INITIALIZER("console", LOCK_CONSOLE);
int printk_loglevel = CONFIG_LOGLEVEL_DEFAULT;

/* Write one formatted line (@raw: bytes as they are); during a panic only the panicking core
 * writes, without the lock. */
static void console_emit(const char *buf, size_t len, bool raw)
{
	xptr_t lock_xp = XPTR(0, &console_lock);
	void (*write)(const char *, size_t) = raw ? hal_console_write_raw : hal_console_write;

	if (panic_in_progress()) {
		if (panic_is_mine())
			write(buf, len);
		return;
	}
	remote_busylock_acquire(lock_xp);
	write(buf, len);
	remote_busylock_release(lock_xp);
}

void console_write(const char *buf, size_t len)
{
	console_emit(buf, len, false);
}

void console_write_bytes(const char *buf, size_t len)
{
	console_emit(buf, len, true);
}

static size_t format_prefix(char *buf, size_t size)
{
	uint64_t ns = hal_get_time_ns();
	lid_t lid = hal_get_lid();

	if (lid == 0xffff) /* phase 0 of the boot: no core identity yet */
		return (size_t)snprintf(buf, size, "[%5lu.%06lu][boot] ", ns / 1000000000UL,
					(ns / 1000UL) % 1000000UL);
	return (size_t)snprintf(buf, size, "[%5lu.%06lu][%x,%u] ", ns / 1000000000UL,
				(ns / 1000UL) % 1000000UL, local_cxy, lid);
}

/* Format into @line (prefix, message, newline), cutting what does not fit. */
static size_t format_line(char *line, bool prefix, const char *fmt, va_list ap)
{
	size_t n = prefix ? format_prefix(line, CONFIG_PRINTK_LINE_MAX) : 0;
	int m = vsnprintf(line + n, CONFIG_PRINTK_LINE_MAX - n - 1, fmt, ap);

	if (m > 0)
		n += MIN((size_t)m, CONFIG_PRINTK_LINE_MAX - n - 2);
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	line[n] = 0;
	return n;
}

void vprintk_level(int level, const char *fmt, va_list ap)
{
	char line[CONFIG_PRINTK_LINE_MAX + 1];

	if (level > printk_loglevel)
		return;
	console_emit(line, format_line(line, true, fmt, ap), false);
}

void printk_level(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk_level(level, fmt, ap);
	va_end(ap);
}

void printk_raw(const char *fmt, ...)
{
	char line[CONFIG_PRINTK_LINE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	console_emit(line, format_line(line, false, fmt, ap), false);
	va_end(ap);
}
