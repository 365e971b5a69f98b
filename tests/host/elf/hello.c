/*
 * hello.c - a tiny C program, linked with glibc (static, and dynamic for the PT_INTERP case), whose
 * executables test_elf.c parses.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from %s (%d args)\n", argc > 0 ? argv[0] : "?", argc);
	return 0;
}
