/*
 * com1.c - the programming of x86's console UART, COM1 (the driver is hal/common/uart_ns16550.c;
 * its register access, arch/uart.h). Hardware facts relied on: with LCR's DLAB set, registers 0 and
 * 1 are the baud divisor; MCR's OUT2 gates the interrupt line to the interrupt controller on PC
 * hardware.
 */
#include <hal_uart_ns16550.h>

#include "hal_cpu.h"

#define LCR_DLAB         0x80
#define LCR_8N1          0x03
#define MCR_DTR_RTS_OUT2 0x0b

/* Phase 0, once for the machine: 115200 baud 8N1, FIFOs on (what was typed ahead is kept), no
 * interrupt until hal_console_rx_init(). */
void hal_console_init(void)
{
	hal_uart_write(UART_IER, 0);
	hal_uart_write(UART_LCR, LCR_DLAB);
	hal_uart_write(UART_THR, 1);          /* 115200 = 1.8432 MHz / 16 / 1 */
	hal_uart_write(UART_IER, 0);
	hal_uart_write(UART_LCR, LCR_8N1);
	hal_uart_write(UART_FCR, FCR_FIFO_ENABLE);
	hal_uart_write(UART_MCR, MCR_DTR_RTS_OUT2);
}
