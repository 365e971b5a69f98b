/*
 * hello.c - the smallest user program of Archipel: one line on standard output, exit status 0.
 * The first program to run a new kernel path with (exec, the console, exit).
 */
#include <stdio.h>

int main(void)
{
	puts("hello from Archipel");
	return 0;
}
