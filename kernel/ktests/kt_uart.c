/*
 * kt_uart.c - console input through the UART receive interrupt and the console's line discipline.
 *
 * Explicit suite (ktest=uart): somebody must type. The QEMU harness waits for the diagnostic line
 * "# uart: waiting for input" and types "archipel-uart-test" and a newline (tests/qemu); by hand,
 * type the same line and Enter. The line is read from /dev/console by the last core of the last
 * cluster, so on a multi-cluster machine the bytes cross from cluster 0 (the UART ring, then the
 * tty thread's line discipline) through remote accesses. Only the UART interrupt handler fills the
 * ring, so a received line plus the increase of cluster 0's interrupt count and of the receive
 * counters show that the bytes came through the interrupt path.
 */
#include <fs/vfs.h>
#include <hal_console.h>
#include <hal_interrupt.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/printk.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>

#define UART_TEST_LINE    "archipel-uart-test"
#define UART_TEST_WAIT_NS (20ULL * 1000000000ULL)
#define UART_LINE_MAX     64

static uint64_t irq_count_before; /* cluster 0's copy: its interrupt count before the test */

static bool is_reader(const ktest_ctx_t *ctx)
{
	cxy_t last = (cxy_t)(cluster_count() - 1);

	return ctx->cxy == last && ctx->lid == cluster_cores_of(last) - 1;
}

/*
 * Read one line from /dev/console (canonical mode) into @line (NUL-terminated, newline removed);
 * empty lines are skipped. The file is non-blocking so that a deadline can end the wait. Returns
 * false if no full line came before @deadline (hal_get_time_ns), if it did not fit, or if the
 * console cannot be opened.
 */
static bool read_line(char *line, size_t size, uint64_t deadline)
{
	xptr_t file_xp;
	bool complete = false;

	line[0] = '\0';
	if (vfs_open(local_cxy, XPTR_NULL, "/dev/console", O_RDONLY | O_NONBLOCK | O_NOCTTY, 0,
		     &file_xp))
		return false;
	while (!complete && hal_get_time_ns() < deadline) {
		int64_t n = vfs_kread(file_xp, line, size - 1);

		if (n == -EAGAIN) {
			thread_sleep_ns(10 * 1000 * 1000);
			continue;
		}
		if (n <= 0 || line[n - 1] != '\n') {
			line[n > 0 ? n : 0] = '\0';
			break; /* an error, or a line longer than the buffer */
		}
		line[n - 1] = '\0';
		complete = n > 1;
	}
	vfs_close(file_xp);
	return complete;
}

/* The reader: wait for the typed line and check it, and that the receive path counted it. */
static void receive_and_check(ktest_ctx_t *ctx)
{
	char line[UART_LINE_MAX];
	uint64_t received0, dropped0, received1, dropped1;
	bool complete;

	hal_console_rx_stats(&received0, &dropped0);
	printk_raw("# uart: waiting for input\n");
	complete = read_line(line, sizeof(line), hal_get_time_ns() + UART_TEST_WAIT_NS);
	hal_console_rx_stats(&received1, &dropped1);
	if (!complete)
		ktest_fail(ctx, __FILE__, __LINE__, "no full line within %llu s (got '%s')",
			   UART_TEST_WAIT_NS / 1000000000ULL, line);
	else if (strcmp(line, UART_TEST_LINE) != 0)
		ktest_fail(ctx, __FILE__, __LINE__, "got '%s', expected '%s'", line, UART_TEST_LINE);
	KT_EXPECT(ctx, received1 - received0 >= sizeof(UART_TEST_LINE)); /* the line and its end */
	KT_EXPECT_EQ(ctx, dropped1, dropped0);
}

KTEST_FLAGS(uart, line_through_interrupt, KTEST_EXPLICIT)
{
	if (ctx->cxy == 0 && ctx->lid == 0)
		irq_count_before = hal_irq_count();
	ktest_barrier(ctx);
	if (is_reader(ctx))
		receive_and_check(ctx);
	ktest_barrier(ctx);
	if (ctx->cxy == 0 && ctx->lid == 0)
		KT_EXPECT(ctx, hal_irq_count() > irq_count_before);
}
