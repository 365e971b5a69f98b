/*
 * uarch_fuzz.h - what the system call fuzzer (user/sysfuzz) needs of the machine: x86_64 (the
 * names and their meaning: user/include/arch/riscv64/uarch_fuzz.h).
 *
 * The user half ends at 2^47: past it an address is non-canonical, and an access there raises a
 * general protection fault (#GP) rather than a page fault, so a kernel's user copy that runs past
 * the end is caught by another path than on riscv64.
 */
#ifndef USER_UARCH_FUZZ_H
#define USER_UARCH_FUZZ_H

#include <sys/syscall.h>

#define UARCH_USER_VA_END    0x800000000000UL
#define UARCH_CLONE_TLS_ARG  4 /* clone(flags, newsp, parent_tid, child_tid, tls) */
#define UARCH_CLONE_CTID_ARG 3
#define UARCH_SA_MASK_WORD   3 /* { handler, flags, restorer, mask } */
#define UARCH_SA_RESTORER    0x04000000L

/* syscall: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; rcx and r11 are clobbered. */
static inline long uarch_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long uarch_clone_raw(const long a[5])
{
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%edi, %%edi\n\t"
			 "mov %[exit_group], %%eax\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8),
			   [exit_group] "i"(SYS_exit_group)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif /* USER_UARCH_FUZZ_H */
