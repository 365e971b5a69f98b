/*
 * early_console.h - output of early boot on x86_64: the 16550 UART COM1 (port 0x3f8), and the
 * exit of QEMU through isa-debug-exit (port 0xf4).
 *
 * Polled, no interrupt, no lock: early boot prints from the boot core only, before other cores run
 * (the APs' check-in is reported by the boot core).
 */
#ifndef BOOT_X86_64_EARLY_CONSOLE_H
#define BOOT_X86_64_EARLY_CONSOLE_H

#include <stdarg.h>

/* Program COM1: 115200 baud, 8N1, FIFOs on, interrupts off. */
void early_console_init(void);

/* Print on COM1 ("\n" becomes "\r\n"); lines longer than 256 bytes are cut. */
void early_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void early_puts(const char *s);

/*
 * Stop the machine: with QEMU's isa-debug-exit device, QEMU exits with status (code << 1) | 1,
 * so 1 means success (code 0) and 3 failure (code 1); codes are taken modulo 128 (the shell keeps
 * 8 bits of the status). Without the device, the core halts forever with interrupts off.
 */
void early_exit(unsigned code) __attribute__((noreturn));

#endif /* BOOT_X86_64_EARLY_CONSOLE_H */
