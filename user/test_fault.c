/*
 * test_fault.c - a program that faults on purpose: the kernel must kill the whole process with
 * the signal's status and keep running (the harness checks QEMU's exit status, 128 + signal).
 *
 *     test_fault null      write through a NULL pointer                 SIGSEGV (139)
 *     test_fault kernel    read a kernel address                         SIGSEGV (139)
 *     test_fault code      write into its own code                       SIGSEGV (139)
 *     test_fault ill       execute an illegal instruction                SIGILL  (132)
 *     test_fault vector    execute a vector instruction (RISC-V V, x86 AVX), which the kernel
 *                          leaves off in user mode even when it uses V itself   SIGILL  (132)
 *     test_fault thread    a thread of the last cluster writes through NULL while threads of
 *                          every cluster wait or spin: all of them die   SIGSEGV (139)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <uarch.h>

#include "almos.h"

static void *volatile null_pointer; /* volatile: the compiler may not assume what happens */

static void write_null(void)
{
	*(volatile int *)null_pointer = 1;
}

static void *spin(void *arg)
{
	for (volatile unsigned long i = 0;; i++)
		;
	return arg;
}

static void *wait_forever(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void *fault_later(void *arg)
{
	usleep(20000);
	write_null();
	return arg;
}

static int thread_mode(void)
{
	unsigned int clusters, cores;
	pthread_t t;

	if (get_config(&clusters, &cores) != 0)
		return 1;
	for (unsigned int c = 0; c < clusters; c++) {
		place_next((int)c, PLACE_ANY_CORE);
		pthread_create(&t, NULL, spin, NULL);
		place_next((int)c, PLACE_ANY_CORE);
		pthread_create(&t, NULL, wait_forever, NULL);
	}
	place_next((int)clusters - 1, PLACE_ANY_CORE);
	pthread_create(&t, NULL, fault_later, NULL);
	pthread_join(t, NULL); /* never returns: the whole process is killed */
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	printf("test_fault: %s\n", mode);
	fflush(stdout);
	if (!strcmp(mode, "null"))
		write_null();
	else if (!strcmp(mode, "kernel"))
		printf("read %lx\n", *(volatile unsigned long *)UARCH_KERNEL_ADDRESS);
	else if (!strcmp(mode, "code"))
		*(volatile unsigned char *)(uintptr_t)main = 0;
	else if (!strcmp(mode, "ill"))
		uarch_illegal_instruction();
	else if (!strcmp(mode, "vector"))
		uarch_vector_instruction();
	else if (!strcmp(mode, "thread"))
		return thread_mode();
	else
		fprintf(stderr, "usage: test_fault null|kernel|code|ill|vector|thread\n");
	return 1; /* still alive: the test fails on the status */
}
