/*
 * nostart.c - a riscv64 program without C library (-nostdlib) and with its own entry point, with
 * initialised data and a bss, so that its image has a text and a data segment with memsz > filesz.
 */
volatile long counter = 41;
char scratch[8192];

void archipel_start(void)
{
	scratch[counter] = 1;
	counter++;
	register long a0 __asm__("a0") = 0;        /* exit(0) */
	register long a7 __asm__("a7") = 93;
	__asm__ volatile("ecall" : : "r"(a0), "r"(a7));
	for (;;)
		;
}
