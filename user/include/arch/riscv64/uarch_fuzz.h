/*
 * uarch_fuzz.h - what the system call fuzzer (user/sysfuzz) needs of the machine: riscv64.
 *
 * Each architecture provides the same names in user/include/arch/<its name>/uarch_fuzz.h:
 *   UARCH_USER_VA_END       the end of the user half: a pointer running past it leaves user space
 *                           (Sv39: 256 GiB; x86_64: a non-canonical address, a #GP, not a #PF);
 *   UARCH_CLONE_TLS_ARG, UARCH_CLONE_CTID_ARG   the argument indices of clone's tls and child tid
 *                           (Linux's order differs: CONFIG_CLONE_BACKWARDS or not);
 *   UARCH_SA_MASK_WORD      the index of sa_mask among the 64-bit words of rt_sigaction's struct;
 *   UARCH_SA_RESTORER       the flag that makes sa_restorer the handler's return address (0 where
 *                           the ABI has none): the fuzzer never sets it, its restorer is garbage;
 *   uarch_syscall6(nr, a0..a5)   a raw system call: the result, >= 0 or -errno;
 *   uarch_clone_raw(a)      clone with the arguments a[0..4] in the order of this ABI; a child
 *                           runs no C code and touches no memory (its stack may be anything): it
 *                           calls exit_group(0) at once. Returns the child's tid or -errno.
 */
#ifndef USER_UARCH_FUZZ_H
#define USER_UARCH_FUZZ_H

#include <sys/syscall.h>

#define UARCH_USER_VA_END    0x4000000000UL
#define UARCH_CLONE_TLS_ARG  3 /* clone(flags, newsp, parent_tid, tls, child_tid) */
#define UARCH_CLONE_CTID_ARG 4
#define UARCH_SA_MASK_WORD   2 /* { handler, flags, mask } */
#define UARCH_SA_RESTORER    0L

static inline long uarch_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r3 __asm__("a3") = a3;
	register long r4 __asm__("a4") = a4;
	register long r5 __asm__("a5") = a5;
	register long r7 __asm__("a7") = nr;

	__asm__ volatile("ecall"
			 : "+r"(r0)
			 : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
			 : "memory");
	return r0;
}

static inline long uarch_clone_raw(const long a[5])
{
	register long r0 __asm__("a0") = a[0];
	register long r1 __asm__("a1") = a[1];
	register long r2 __asm__("a2") = a[2];
	register long r3 __asm__("a3") = a[3];
	register long r4 __asm__("a4") = a[4];
	register long r7 __asm__("a7") = SYS_clone;

	__asm__ volatile("ecall\n\t"
			 "bnez a0, 1f\n\t"
			 "li a0, 0\n\t"
			 "li a7, %[exit_group]\n\t"
			 "ecall\n"
			 "1:"
			 : "+r"(r0)
			 : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r7), [exit_group] "i"(SYS_exit_group)
			 : "memory");
	return r0;
}

#endif /* USER_UARCH_FUZZ_H */
