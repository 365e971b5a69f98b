/*
 * hal_uart_ns16550.h - the 16550 UART behind the system console (hal_console.h), as
 * hal/common/uart_ns16550.c drives it on every architecture: its registers, and what the
 * architecture provides to reach them.
 *
 * What the architecture provides, in <arch/uart.h> (all static inline, callable from any core and
 * context, IRQs on or off):
 *   bool    hal_uart_ready(void)                     the registers may be accessed (RISC-V: false
 *                                                    before hal_console_init() has mapped the UART,
 *                                                    or when the device tree has none; x86_64's COM1,
 *                                                    reached by port I/O, is always ready);
 *   uint8_t hal_uart_read(unsigned reg)              read register @reg (UART_* below), only while
 *   void    hal_uart_write(unsigned reg, uint8_t v)  ready: the architecture spaces the registers
 *                                                    (RISC-V: the device tree's reg-shift);
 *   void    hal_uart_fallback_putc(char c)           the console's output while the UART is not
 *                                                    ready (RISC-V: the SBI console); an architecture
 *                                                    whose UART is always ready never calls it.
 * The architecture also programs the UART before input is turned on (its hal_console_init(), called
 * by its early boot): FIFOs on, no interrupt enabled; hal_console_rx_init() then enables the
 * receive interrupt.
 */
#ifndef HAL_UART_NS16550_H
#define HAL_UART_NS16550_H

#define UART_RBR 0 /* receive buffer register (read)                        */
#define UART_THR 0 /* transmit holding register (write); divisor low (DLAB)  */
#define UART_IER 1 /* interrupt enable; divisor high (DLAB)                  */
#define UART_FCR 2 /* FIFO control (write)                                   */
#define UART_LCR 3 /* line control                                           */
#define UART_MCR 4 /* modem control                                          */
#define UART_LSR 5 /* line status                                            */

#define FCR_FIFO_ENABLE 0x01 /* enable the FIFOs, keeping what they hold  */

#include <arch/uart.h>

#endif /* HAL_UART_NS16550_H */
