/*
 * sbi.c - SBI calls (see sbi.h).
 */
#include "sbi.h"

struct sbiret sbi_call(long ext, long fid, unsigned long a0, unsigned long a1, unsigned long a2)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register long r6 __asm__("a6") = fid;
	register long r7 __asm__("a7") = ext;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ .error = (long)r0, .value = (long)r1 };
}

void sbi_console_putchar(int c)
{
	sbi_call(0x01, 0, (unsigned long)c, 0, 0); /* legacy extension 0x01: console putchar */
}

long sbi_hart_start(hwid_t hartid, paddr_t start_pa, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, hartid, start_pa, opaque).error;
}

_Noreturn void sbi_hart_stop(void)
{
	sbi_call(SBI_EXT_HSM, 1, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

long sbi_hart_status(hwid_t hartid)
{
	struct sbiret r = sbi_call(SBI_EXT_HSM, 2, hartid, 0, 0);
	return r.error ? r.error : r.value;
}

_Noreturn void sbi_shutdown(bool failure)
{
	/* SRST: type 0 = shutdown; reason 1 = system failure. */
	sbi_call(SBI_EXT_SRST, 0, 0, failure ? 1 : 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}
