/*
 * uarch.h - what the test programs need to know of the machine they run on: x86_64 (the names and
 * their meaning: user/include/arch/riscv64/uarch.h).
 *
 * Every faulting instruction below is UARCH_FAULT_INSN_SIZE (7) bytes, written out byte by byte,
 * so that uarch_ucontext_skip steps over any of them.
 */
#ifndef USER_UARCH_H
#define USER_UARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#define UARCH_KERNEL_ADDRESS 0xffff800000000000UL /* 4-level paging: the kernel half */
#define UARCH_KERNEL_IMAGE   0xffffffff80000000UL /* the kernel image (hal/x86_64/kernel.ld) */
#define UARCH_MMAP_ZONE_GIB  65536UL              /* [32 TiB, 96 TiB)                 */
#define UARCH_FAULT_INSN_SIZE 7

static inline uintptr_t uarch_stack_pointer(void)
{
	uintptr_t sp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	return sp;
}

static inline void uarch_store_zero(volatile void *p)
{
	/* movl $0, 0x0(%rax): c7 40 00 00 00 00 00 */
	__asm__ volatile(".byte 0xc7, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00" ::"a"(p) : "memory");
}

static inline uintptr_t uarch_illegal_instruction(void)
{
	uintptr_t where;

	/* ud2 (0f 0b), padded to 7 bytes by a 5-byte nop (0f 1f 44 00 00) */
	__asm__ volatile("lea 1f(%%rip), %0\n1: .byte 0x0f, 0x0b, 0x0f, 0x1f, 0x44, 0x00, 0x00"
			 : "=r"(where)::"memory");
	return where;
}

/* AVX's vzeroupper (VEX-encoded): the kernel enables no XSAVE state beyond SSE (CR4.OSXSAVE off). */
static inline void uarch_vector_instruction(void)
{
	__asm__ volatile(".byte 0xc5, 0xf8, 0x77" ::: "memory");
}

/*
 * A misaligned locked add with RFLAGS.AC set: with CR0.AM (Linux sets it) the CPU raises an
 * alignment check in user mode, SIGBUS with BUS_ADRALN. AC is cleared again afterwards (the
 * handler's return restores the flags of the interrupted code, AC included).
 */
#define UARCH_ALIGNMENT_CHECK_OPTIONAL 1 /* QEMU's TCG does not emulate #AC: no fault at all */
static inline void uarch_misaligned_atomic(volatile void *p)
{
	/* lock addw $0, 0x0(%rax): f0 66 81 40 00 00 00 (a 2-byte access: 81 /0 with the operand-size
	 * prefix takes a 16-bit immediate, so the instruction is 7 bytes) */
	/* pushfq below the 128-byte red zone the compiler may be using */
	__asm__ volatile("lea -128(%%rsp), %%rsp\npushfq\norl $0x40000, (%%rsp)\npopfq\n"
			 ".byte 0xf0, 0x66, 0x81, 0x40, 0x00, 0x00, 0x00\n"
			 "pushfq\nandl $~0x40000, (%%rsp)\npopfq\nlea 128(%%rsp), %%rsp"
			 ::"a"(p) : "memory", "cc");
}

/* gregs[16] is rip (glibc names it REG_RIP under _GNU_SOURCE only) */
#define UARCH_GREG_RIP 16

static inline void uarch_ucontext_skip(ucontext_t *uc)
{
	uc->uc_mcontext.gregs[UARCH_GREG_RIP] += UARCH_FAULT_INSN_SIZE;
}

static inline void uarch_sigreturn_bad_stack(void)
{
	/* rt_sigreturn is 15 on x86_64; a frame at address 16 cannot be read */
	__asm__ volatile("mov $16, %%rsp\nmov $15, %%eax\nsyscall" ::: "memory");
}

/* Linux x86_64: AT_HWCAP is CPUID.1:EDX; every x86_64 CPU has an FPU (bit 0) and a TSC (bit 4). */
static inline bool uarch_hwcap_sane(unsigned long v)
{
	return (v & 1) && (v & (1ul << 4)) && (v >> 32) == 0;
}

/* clone(flags, 0, 0, 0, 0) is system call 56; the child, which may share the parent's stack,
 * runs no C code and touches no memory: exit (60) with @status at once. */
static inline long uarch_clone_exit(unsigned long flags, long status)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	register long r9 __asm__("r9") = status; /* kept by the syscall instruction */
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov %%r9, %%rdi\n\t"
			 "mov $60, %%eax\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(56L), "D"(flags), "S"(0L), "d"(0L), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* glibc x86_64 answers getauxval(AT_HWCAP) with its own dl_hwcap (HWCAP_X86_64 and friends:
 * sysdeps/x86/dl-hwcap.h), not the kernel's CPUID.1:EDX. */
static inline bool uarch_auxv_libc_own(unsigned long type)
{
	return type == 16; /* AT_HWCAP */
}

#endif /* USER_UARCH_H */
