/*
 * uart.c - where RISC-V's console UART is (the driver is hal/common/uart_ns16550.c; its register
 * access, arch/uart.h).
 */
#include <hal_boot.h>
#include <hal_special.h>
#include <hal_uart_ns16550.h>

#include "hal_cpu.h"

volatile uint8_t *riscv_uart_regs;
uint32_t riscv_uart_shift;

/*
 * Map the device tree's UART (the console stays on SBI's without one). Phase 0 programs it
 * (@program_device): no interrupt until hal_console_rx_init(), FIFOs on, keeping what was typed
 * ahead; the other clusters' cores only map it.
 */
void hal_console_init(bool program_device)
{
	if (boot_info.arch.uart.base == 0)
		return;
	riscv_uart_shift = boot_info.arch.uart.reg_shift;
	riscv_uart_regs = hal_paddr_to_kva(boot_info.arch.uart.base);
	if (program_device) {
		hal_uart_write(UART_IER, 0x00);
		hal_uart_write(UART_FCR, FCR_FIFO_ENABLE);
	}
}
