/*
 * sbi.h - calls to the Supervisor Binary Interface (OpenSBI), HAL internal.
 * Extensions used: legacy console putchar (early console), HSM (start/stop harts), SRST (reset),
 * IPI and TIME. Each call returns the SBI error code (0 = success).
 */
#ifndef HAL_RISCV_SBI_H
#define HAL_RISCV_SBI_H

#include <hal_types.h>

#define SBI_EXT_HSM   0x48534d
#define SBI_EXT_SRST  0x53525354
#define SBI_EXT_IPI   0x735049
#define SBI_EXT_TIME  0x54494d45

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(long ext, long fid, unsigned long a0, unsigned long a1, unsigned long a2);
void sbi_console_putchar(int c);
long sbi_hart_start(hwid_t hartid, paddr_t start_pa, unsigned long opaque);
_Noreturn void sbi_hart_stop(void);
long sbi_hart_status(hwid_t hartid);
_Noreturn void sbi_shutdown(bool failure);

#endif /* HAL_RISCV_SBI_H */
