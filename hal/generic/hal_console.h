/*
 * hal_console.h - the system console (a UART on every platform of Archipel).
 *
 * hal_console_write() writes bytes with polling, from any core and context, IRQs on or off; the
 * caller serializes whole lines (printk holds the console lock). Before the platform's UART is known
 * (early boot) the firmware's console is used.
 */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H

#include <hal_types.h>

void hal_console_write(const char *buf, size_t len);

#endif /* HAL_CONSOLE_H */
