/*
 * uart_ns16550.c - the system console on a 16550-compatible UART, one driver for every architecture
 * (see hal_console.h). The architecture reaches the UART's registers (<arch/uart.h>: RISC-V's QEMU
 * virt UART by MMIO, x86's COM1 by port I/O) and programs it at boot (its hal_console_init()).
 *
 * Output is polled: the transmitter holding register is written when the line status says it is
 * empty. While the UART is not ready (RISC-V: before hal_console_init(), or a device tree without
 * a UART) the architecture's fallback console is used (RISC-V: SBI's).
 *
 * Input is interrupt driven. The UART's interrupt goes to the controller boot_info.console names
 * (RISC-V: its device-tree interrupt-parent, which QEMU virt wires to NUMA node 0; x86_64: the
 * IOAPIC of cluster 0 that ISA IRQ 4 reaches), so it is taken by a core of cluster 0; the handler
 * drains the receive FIFO into uart_rx, a ring buffer whose cluster 0 copy is the machine's only
 * one. Any core of any cluster reads it through hal_remote_* under its lock.
 * Flow control: when the ring is full, the handler leaves the rest in the UART and turns the
 * receive interrupt off (it would stay asserted); the UART's FIFO fills, and QEMU then stops reading
 * its input (a pipe or a terminal) instead of losing it. A reader that empties the ring to half
 * turns the interrupt back on. So input typed (or piped) ahead of a slow reader is never lost.
 * Hardware facts relied on: IER bit 0 enables the "received data available" interrupt (which also
 * covers the FIFO character timeout); the interrupt stays asserted until the receive FIFO is empty
 * (an edge-triggered line, x86's, then falls, so that the next byte makes a new edge); LSR bit 0
 * says a byte is waiting in RBR; reading RBR takes it.
 *
 * Lock legend of uart_rx (cluster 0's copy; the copies of the other clusters are never used):
 *   [L] uart_rx.lock (remote busylock)   [A] single atomic load/store
 */
#include <hal_boot.h>
#include <hal_console.h>
#include <hal_interrupt.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_uart_ns16550.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/busylock.h>
#include <libk/errno.h>

#define IER_ERBFI 0x01 /* received data available interrupt (and FIFO timeout) */
#define LSR_DR   0x01 /* data ready: RBR holds a byte      */
#define LSR_THRE 0x20 /* transmitter holding register empty */

#define UART_RX_BUF_SIZE 1024 /* bytes kept until read; more wait in the UART */
_Static_assert(IS_POW2(UART_RX_BUF_SIZE), "the ring indexes wrap with a mask");

static struct {
	busylock_t lock;
	uint32_t   head;                    /* [L] next byte to read (free-running)     */
	uint32_t   tail;                    /* [L] next byte to write (free-running)    */
	uint64_t   received;                /* [L] bytes read from the UART since boot  */
	uint64_t   dropped;                 /* [L] of which lost: 0 (flow control)       */
	uint8_t    throttled;               /* [L] 1: receive interrupt off, ring full   */
	void     (*hook)(void);             /* [A] called after bytes were queued       */
	uint8_t    buf[UART_RX_BUF_SIZE];   /* [L] buf[i & (SIZE - 1)] for head <= i < tail */
} uart_rx = { .lock = BUSYLOCK_INITIALIZER("uart.rx", LOCK_DEVICE) };

#define RX_XP(field) XPTR(0, &uart_rx.field)

static void uart_putc(char c)
{
	if (!hal_uart_ready()) {
		hal_uart_fallback_putc(c);
		return;
	}
	while (!(hal_uart_read(UART_LSR) & LSR_THRE))
		hal_cpu_relax();
	hal_uart_write(UART_THR, (uint8_t)c);
}

void hal_console_write_raw(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		uart_putc(buf[i]);
}

void hal_console_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			uart_putc('\r');
		uart_putc(buf[i]);
	}
}

/*
 * Interrupt handler (a core of cluster 0, IRQs off): move the bytes of the receive FIFO into the
 * ring, then call the hook if something was queued. Emptying the FIFO deasserts the interrupt; if
 * the ring fills first, the interrupt is turned off until hal_console_getc() makes room. Answers
 * whether the UART had bytes waiting.
 */
static bool uart_rx_interrupt(void *unused)
{
	uint32_t head, tail, queued = 0;
	bool waiting = false;
	void (*hook)(void);

	(void)unused;
	kassert(local_cxy == 0);
	remote_busylock_acquire(RX_XP(lock));
	head = hal_remote_l32(RX_XP(head));
	tail = hal_remote_l32(RX_XP(tail));
	while (hal_uart_read(UART_LSR) & LSR_DR) {
		waiting = true;
		if (tail - head == UART_RX_BUF_SIZE) {
			hal_uart_write(UART_IER, 0x00); /* the rest waits in the UART */
			hal_remote_sb(RX_XP(throttled), 1);
			break;
		}
		hal_remote_sb(RX_XP(buf) + (tail & (UART_RX_BUF_SIZE - 1)), hal_uart_read(UART_RBR));
		tail++;
		queued++;
	}
	hal_remote_s32(RX_XP(tail), tail);
	hal_remote_s64(RX_XP(received), hal_remote_l64(RX_XP(received)) + queued);
	remote_busylock_release(RX_XP(lock));

	hook = hal_remote_lpt(RX_XP(hook));
	if (queued && hook)
		hook();
	return waiting;
}

/*
 * Cluster 0's lid 0, once every cluster's controller is initialised: route the UART interrupt to
 * the last core of cluster 0 (lid 0 has the most boot and test work) and turn it on. Without a UART
 * or an interrupt path to cluster 0 the console simply has no input (a warning says why).
 */
void hal_console_rx_init(void)
{
	const boot_dev_t *con = &boot_info.console;
	lid_t lid = boot_info.cluster[0].cores_nr - 1;
	error_t error = 0;

	kassert(local_cxy == 0);
	if (!hal_uart_ready()) {
		pr_warn("%s: no UART: the console has no input", __func__);
		return;
	}
	if (!con->present || con->irqc == BOOT_IRQC_NONE)
		error = ENOENT;
	else if (boot_info.irqc[con->irqc].cxy != 0)
		error = ENXIO;
	if (!error)
		error = hal_irq_register(con->irqc, con->source, lid, uart_rx_interrupt, NULL);
	if (error) {
		pr_warn("%s: UART interrupt %u of controller %d cannot reach cluster 0 (error %d): the "
			"console has no input", __func__, con->source, (int)con->irqc, error);
		return;
	}
	hal_uart_write(UART_IER, IER_ERBFI); /* bytes already waiting raise the interrupt at once */
}

/*
 * Any core, any cluster: one byte from cluster 0's ring, -1 if it is empty. Once a full ring is
 * down to half, the receive interrupt goes back on (at once if bytes wait in the UART).
 */
int hal_console_getc(void)
{
	uint32_t head, tail;
	int c = -1;

	remote_busylock_acquire(RX_XP(lock));
	head = hal_remote_l32(RX_XP(head));
	tail = hal_remote_l32(RX_XP(tail));
	if (head != tail) {
		c = hal_remote_lb(RX_XP(buf) + (head & (UART_RX_BUF_SIZE - 1)));
		hal_remote_s32(RX_XP(head), ++head);
	}
	if (hal_remote_lb(RX_XP(throttled)) && tail - head <= UART_RX_BUF_SIZE / 2) {
		hal_remote_sb(RX_XP(throttled), 0);
		hal_uart_write(UART_IER, IER_ERBFI);
	}
	remote_busylock_release(RX_XP(lock));
	return c;
}

/* Any core: the hook is called in cluster 0, where its address names the same code. */
void hal_console_set_rx_hook(void (*hook)(void))
{
	hal_remote_spt(RX_XP(hook), (void *)hook);
}

/* Any core: @received counts every byte read from the UART, @dropped those the full ring lost.
 * Either pointer may be NULL. */
void hal_console_rx_stats(uint64_t *received, uint64_t *dropped)
{
	uint64_t r, d;

	remote_busylock_acquire(RX_XP(lock));
	r = hal_remote_l64(RX_XP(received));
	d = hal_remote_l64(RX_XP(dropped));
	remote_busylock_release(RX_XP(lock));
	if (received)
		*received = r;
	if (dropped)
		*dropped = d;
}
