/*
 * early_console.c - COM1 and isa-debug-exit for early boot (see early_console.h).
 */
#include <libk/string.h>

#include "early_console.h"
#include "layout.h"
#include "x86.h"

#define UART_THR 0   /* transmit holding (DLAB 0) / divisor low (DLAB 1) */
#define UART_IER 1   /* interrupt enable (DLAB 0) / divisor high (DLAB 1) */
#define UART_FCR 2   /* FIFO control                                     */
#define UART_LCR 3   /* line control                                     */
#define UART_MCR 4   /* modem control                                    */
#define UART_LSR 5   /* line status                                      */
#define LCR_DLAB 0x80
#define LCR_8N1  0x03
#define LSR_THRE 0x20

void early_console_init(void)
{
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, LCR_DLAB);
	outb(COM1_PORT + UART_THR, 1);          /* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, LCR_8N1);
	outb(COM1_PORT + UART_FCR, 0x07);       /* enable and clear both FIFOs */
	outb(COM1_PORT + UART_MCR, 0x03);       /* DTR, RTS */
}

static void putc_raw(char c)
{
	while (!(inb(COM1_PORT + UART_LSR) & LSR_THRE))
		cpu_relax();
	outb(COM1_PORT + UART_THR, (uint8_t)c);
}

void early_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_raw('\r');
		putc_raw(*s);
	}
}

void early_printf(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	early_puts(line);
}

void early_exit(unsigned code)
{
	outl(DEBUG_EXIT_PORT, code & 0x7f);
	for (;;)
		__asm__ volatile("cli; hlt");
}
