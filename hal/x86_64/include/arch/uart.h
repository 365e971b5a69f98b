/*
 * arch/uart.h - x86_64's access to the console UART (hal_uart_ns16550.h says what this header must
 * provide): COM1, the 16550 at I/O port 0x3f8 of every PC. Port I/O needs no mapping, so every core
 * of every cluster may use it from phase 0 on: it is always ready.
 */
#ifndef ARCH_UART_H
#define ARCH_UART_H

#include <hal_types.h>

#define X86_COM1 0x3f8

static inline bool hal_uart_ready(void)
{
	return true;
}

static inline uint8_t hal_uart_read(unsigned reg)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)(X86_COM1 + reg)));
	return v;
}

static inline void hal_uart_write(unsigned reg, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"((uint16_t)(X86_COM1 + reg)));
}

/* Never called: COM1 is always ready. */
static inline void hal_uart_fallback_putc(char c)
{
	(void)c;
	__builtin_unreachable();
}

#endif /* ARCH_UART_H */
