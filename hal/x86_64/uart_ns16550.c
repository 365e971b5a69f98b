/*
 * uart_ns16550.c - the system console on COM1, the 16550 UART at I/O port 0x3f8 of every PC.
 *
 * Output is polled: the transmitter holding register is written when the line status says it is
 * empty; port I/O needs no mapping, so every core of every cluster writes from phase 0 on.
 *
 * Input is interrupt driven. COM1's interrupt is ISA IRQ 4, which the MADT routes to a GSI of an
 * IOAPIC (q35: GSI 4, edge, active high); boot_info.console names that controller and its source.
 * The IOAPIC belongs to cluster 0 (phase 0), so the interrupt is taken by a core of cluster 0; the
 * handler drains the receive FIFO into uart_rx, a ring buffer whose cluster 0 copy is the
 * machine's only one. Any core of any cluster reads it through hal_remote_* under its lock.
 * Flow control: when the ring is full, the handler leaves the rest in the UART and turns the
 * receive interrupt off; the UART's FIFO fills, and QEMU then stops reading its input (a pipe or a
 * terminal) instead of losing it. A reader that empties the ring to half turns the interrupt back
 * on. Hardware facts relied on: IER bit 0 enables the "received data available" interrupt (which
 * also covers the FIFO character timeout); the interrupt line stays high until the receive FIFO is
 * empty, so draining it all lets the next byte make a new edge; MCR's OUT2 gates the line to the
 * interrupt controller on PC hardware; LSR bit 0 says a byte is waiting in RBR; reading RBR takes
 * it.
 *
 * Lock legend of uart_rx (cluster 0's copy; the copies of the other clusters are never used):
 *   [L] uart_rx.lock (remote busylock)   [A] single atomic load/store
 */
#include <hal_boot.h>
#include <hal_console.h>
#include <hal_interrupt.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/busylock.h>
#include <libk/errno.h>

#include "hal_cpu.h"
#include "x86.h"

#define COM1     0x3f8
#define UART_RBR 0 /* receive buffer register (read)                        */
#define UART_THR 0 /* transmit holding register (write); divisor low (DLAB)  */
#define UART_IER 1 /* interrupt enable; divisor high (DLAB)                  */
#define UART_FCR 2 /* FIFO control (write)                                   */
#define UART_LCR 3 /* line control                                           */
#define UART_MCR 4 /* modem control                                          */
#define UART_LSR 5 /* line status                                            */
#define IER_ERBFI 0x01 /* received data available interrupt (and FIFO timeout) */
#define LCR_DLAB 0x80
#define LCR_8N1  0x03
#define MCR_DTR_RTS_OUT2 0x0b
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

/* Phase 0, once for the machine: 115200 baud 8N1, FIFOs on (what was typed ahead is kept), no
 * interrupt until hal_console_rx_init(). */
void hal_console_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_THR, 1);          /* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x01);
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void uart_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
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
 * ring, then call the hook if something was queued. Emptying the FIFO lowers the line; if the ring
 * fills first, the interrupt is turned off until hal_console_getc() makes room.
 */
static void uart_rx_interrupt(void *unused)
{
	uint32_t head, tail, queued = 0;
	void (*hook)(void);

	(void)unused;
	kassert(local_cxy == 0);
	remote_busylock_acquire(RX_XP(lock));
	head = hal_remote_l32(RX_XP(head));
	tail = hal_remote_l32(RX_XP(tail));
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		if (tail - head == UART_RX_BUF_SIZE) {
			outb(COM1 + UART_IER, 0); /* the rest waits in the UART */
			hal_remote_sb(RX_XP(throttled), 1);
			break;
		}
		hal_remote_sb(RX_XP(buf) + (tail & (UART_RX_BUF_SIZE - 1)), inb(COM1 + UART_RBR));
		tail++;
		queued++;
	}
	hal_remote_s32(RX_XP(tail), tail);
	hal_remote_s64(RX_XP(received), hal_remote_l64(RX_XP(received)) + queued);
	remote_busylock_release(RX_XP(lock));

	hook = hal_remote_lpt(RX_XP(hook));
	if (queued && hook)
		hook();
}

/*
 * Cluster 0's lid 0, once every cluster's controller is initialised: route COM1's interrupt to the
 * last core of cluster 0 (lid 0 has the most boot and test work) and turn it on. Without a route to
 * cluster 0 the console simply has no input (a warning says why).
 */
void hal_console_rx_init(void)
{
	const boot_dev_t *con = &boot_info.console;
	lid_t lid = boot_info.cluster[0].cores_nr - 1;
	error_t error = 0;

	kassert(local_cxy == 0);
	if (!con->present || con->irqc == BOOT_IRQC_NONE)
		error = ENOENT;
	else if (boot_info.irqc[con->irqc].cxy != 0)
		error = ENXIO;
	if (!error)
		error = hal_irq_register(con->irqc, con->source, lid, uart_rx_interrupt, NULL);
	if (error) {
		pr_warn("%s: COM1's interrupt (GSI %u) cannot reach cluster 0 (error %d): the console "
			"has no input", __func__, boot_info.arch.com1.gsi, error);
		return;
	}
	outb(COM1 + UART_IER, IER_ERBFI); /* bytes already waiting raise the interrupt at once */
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
		outb(COM1 + UART_IER, IER_ERBFI);
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
