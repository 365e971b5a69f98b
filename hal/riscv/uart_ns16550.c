/*
 * uart_ns16550.c - the system console on an ns16550-compatible UART (QEMU virt: 0x10000000).
 *
 * Output only, polled, for now: the transmitter holding register is written when the line status
 * says it is empty. Before hal_console_init() the SBI console is used (early boot, bad device tree).
 */
#include <hal_boot.h>
#include <hal_console.h>
#include <hal_special.h>

#include "hal_cpu.h"
#include "sbi.h"

#define UART_THR 0 /* transmit holding register (write)  */
#define UART_IER 1 /* interrupt enable                   */
#define UART_FCR 2 /* FIFO control (write)               */
#define UART_LCR 3 /* line control                       */
#define UART_LSR 5 /* line status                        */
#define LSR_THRE 0x20 /* transmitter holding register empty */

static volatile uint8_t *uart_regs; /* NULL until hal_console_init() */
static uint32_t uart_shift;

static inline void uart_write_reg(unsigned reg, uint8_t v)
{
	uart_regs[reg << uart_shift] = v;
}

static inline uint8_t uart_read_reg(unsigned reg)
{
	return uart_regs[reg << uart_shift];
}

void hal_console_init(bool program_device)
{
	if (boot_info.uart.base == 0)
		return; /* no UART: stay on the SBI console */
	uart_shift = boot_info.uart.reg_shift;
	uart_regs = hal_paddr_to_kva(boot_info.uart.base);
	if (program_device) {
		uart_write_reg(UART_IER, 0x00); /* polled until the interrupt path exists */
		uart_write_reg(UART_FCR, 0x07); /* enable and clear the FIFOs */
	}
}

static void uart_putc(char c)
{
	while (!(uart_read_reg(UART_LSR) & LSR_THRE))
		hal_cpu_relax();
	uart_write_reg(UART_THR, (uint8_t)c);
}

void hal_console_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (uart_regs)
				uart_putc('\r');
			else
				sbi_console_putchar('\r');
		}
		if (uart_regs)
			uart_putc(buf[i]);
		else
			sbi_console_putchar(buf[i]);
	}
}
