/*
 * arch/uart.h - RISC-V's access to the console UART (hal_uart_ns16550.h says what this header must
 * provide): memory-mapped registers, 1 << reg_shift bytes apart, at the address the device tree
 * gives, reached through the direct map once hal_console_init() has set riscv_uart_regs; before
 * that, or without a UART, the SBI console.
 */
#ifndef ARCH_UART_H
#define ARCH_UART_H

#include <hal_types.h>

extern volatile uint8_t *riscv_uart_regs; /* NULL until hal_console_init() (hal/riscv/uart.c) */
extern uint32_t riscv_uart_shift;
void sbi_console_putchar(int c);           /* hal/riscv/sbi.c */

static inline bool hal_uart_ready(void)
{
	return riscv_uart_regs != NULL;
}

static inline uint8_t hal_uart_read(unsigned reg)
{
	return riscv_uart_regs[reg << riscv_uart_shift];
}

static inline void hal_uart_write(unsigned reg, uint8_t v)
{
	riscv_uart_regs[reg << riscv_uart_shift] = v;
}

static inline void hal_uart_fallback_putc(char c)
{
	sbi_console_putchar(c);
}

#endif /* ARCH_UART_H */
