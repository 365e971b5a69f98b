/*
 * hal_console.h - the system console (a UART on every platform of Archipel).
 *
 * hal_console_write() writes bytes with polling, from any core and context, IRQs on or off; the
 * caller serializes whole lines (printk holds the console lock). It turns NL into CR NL. Before the platform's UART is known
 * (early boot) the firmware's console is used.
 */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H

#include <hal_types.h>

void hal_console_write(const char *buf, size_t len);

/* The same, but every byte goes out as it is (hal_console_write turns NL into CR NL): for the
 * terminal's output, which does its own output processing (OPOST, kernel/fs/tty.h). */
void hal_console_write_raw(const char *buf, size_t len);

/*
 * Console input. hal_console_rx_init() (cluster 0's lid 0, after hal_irq_cluster_init) routes the
 * UART receive interrupt to a core of cluster 0; received bytes are kept in a ring buffer (when it
 * is full, further bytes wait in the device, which stops taking input, until a reader makes room:
 * none is lost). hal_console_getc() takes one byte from the buffer, from any core of any cluster
 * (the buffer lives in cluster 0), or returns -1 if it is empty.
 * hal_console_set_rx_hook() names a function called (interrupt context) after bytes were queued,
 * so that a reader can be woken up.
 */
void hal_console_rx_init(void);
int  hal_console_getc(void);
void hal_console_set_rx_hook(void (*hook)(void));
/* Bytes received and bytes lost since boot (lost: 0 where the device has flow control). */
void hal_console_rx_stats(uint64_t *received, uint64_t *dropped);

#endif /* HAL_CONSOLE_H */
