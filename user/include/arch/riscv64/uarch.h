/*
 * uarch.h - what the test programs need to know of the machine they run on: riscv64.
 *
 * user/CMakeLists.txt puts user/include/arch/<arch> on the include path of every program, so a
 * program includes <uarch.h> and gets its architecture's. Another architecture provides the same
 * names in user/include/arch/<its name>/uarch.h:
 *   UARCH_KERNEL_ADDRESS    the first address of the kernel half (no user access may touch it);
 *   UARCH_KERNEL_IMAGE      an address inside the kernel's image;
 *   UARCH_MMAP_ZONE_GIB     GiB of the kernel's mmap zone (hal/<arch>/include/arch/user_layout.h):
 *                           mmap without a hint beyond it is ENOMEM;
 *   uarch_stack_pointer()   the caller's stack pointer;
 *   uarch_store_zero(p)     a 4-byte store of 0 at p, one instruction of UARCH_FAULT_INSN_SIZE
 *                           bytes, so that a handler can step over it (uarch_ucontext_skip);
 *   uarch_illegal_instruction()  executes an illegal instruction (SIGILL, ILL_ILLOPC) of
 *                           UARCH_FAULT_INSN_SIZE bytes and returns its address;
 *   uarch_vector_instruction()   executes an instruction of the vector extension that the kernel
 *                           keeps off in user mode (SIGILL, ILL_ILLOPC), even on a CPU that has it;
 *   uarch_misaligned_atomic(p)   an atomic access to p, misaligned, that raises SIGBUS
 *                           (BUS_ADRALN), of UARCH_FAULT_INSN_SIZE bytes;
 *   UARCH_ALIGNMENT_CHECK_OPTIONAL  1 if that access may also simply succeed (a CPU that checks
 *                           no alignment in user mode);
 *   uarch_ucontext_skip(uc) moves the pc of a signal handler's ucontext past such an instruction;
 *   uarch_sigreturn_bad_stack()  calls rt_sigreturn with a stack pointer where no frame can be;
 *   uarch_hwcap_sane(v)     true if AT_HWCAP's value @v looks like this architecture's;
 *   uarch_auxv_libc_own(t)  true if glibc's getauxval(@t) gives its own value rather than the
 *                           kernel's (x86_64's AT_HWCAP);
 *   uarch_clone_exit(f, s)  clone(@f, no new stack) by a raw system call, whose child exits at once
 *                           with status @s without running any C code (it may share the parent's
 *                           memory and stack: CLONE_VM, CLONE_VFORK); returns the child's tid or
 *                           -errno in the parent.
 */
#ifndef USER_UARCH_H
#define USER_UARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#define UARCH_KERNEL_ADDRESS 0xffffffc000000000UL /* Sv39: the kernel half starts here */
#define UARCH_KERNEL_IMAGE   0xffffffff80000000UL /* the kernel image (hal/riscv/kernel.ld) */
#define UARCH_MMAP_ZONE_GIB  64UL                 /* [128 GiB, 192 GiB)                */
#define UARCH_FAULT_INSN_SIZE 4                   /* uncompressed instructions (norvc)  */

static inline uintptr_t uarch_stack_pointer(void)
{
	uintptr_t sp;

	__asm__ volatile("mv %0, sp" : "=r"(sp));
	return sp;
}

static inline void uarch_store_zero(volatile void *p)
{
	__asm__ volatile(".option push\n.option norvc\nsw zero, 0(%0)\n.option pop" ::"r"(p) : "memory");
}

static inline uintptr_t uarch_illegal_instruction(void)
{
	uintptr_t where;

	/* an all-zero word is an illegal instruction on RISC-V */
	__asm__ volatile(".option push\n.option norvc\nlla %0, 1f\n1: .4byte 0\n.option pop"
			 : "=r"(where)::"memory");
	return where;
}

/* V's vsetvli: sstatus.VS is Off in user mode, so it traps even where QEMU's CPU has V. */
static inline void uarch_vector_instruction(void)
{
	__asm__ volatile(".option push\n.option arch, +v\nvsetvli t0, zero, e8, m8, ta, ma\n.option pop"
			 ::: "t0", "memory");
}

#define UARCH_ALIGNMENT_CHECK_OPTIONAL 0 /* Archipel emulates no misaligned atomic */
static inline void uarch_misaligned_atomic(volatile void *p)
{
	__asm__ volatile(".option push\n.option norvc\namoadd.w zero, zero, (%0)\n.option pop"
			 ::"r"(p) : "memory");
}

static inline void uarch_ucontext_skip(ucontext_t *uc)
{
	uc->uc_mcontext.__gregs[REG_PC] += UARCH_FAULT_INSN_SIZE;
}

static inline void uarch_sigreturn_bad_stack(void)
{
	/* rt_sigreturn is 139 in the asm-generic table; a frame at address 16 cannot be read */
	__asm__ volatile("li sp, 16\nli a7, 139\necall" ::: "memory");
}

/* Linux riscv: one bit per single-letter extension, bit (letter - 'a'); the base ISA is there. */
static inline bool uarch_hwcap_sane(unsigned long v)
{
	return (v & (1ul << ('i' - 'a'))) != 0 && (v >> 26) == 0;
}

static inline long uarch_clone_exit(unsigned long flags, long status)
{
	register long a0 __asm__("a0") = (long)flags;
	register long a1 __asm__("a1") = 0;
	register long a6 __asm__("a6") = status;
	register long a7 __asm__("a7") = 220; /* clone */

	__asm__ volatile("ecall\n\t"
			 "bnez a0, 1f\n\t"
			 "mv a0, a6\n\t"
			 "li a7, 93\n\t" /* exit */
			 "ecall\n"
			 "1:"
			 : "+r"(a0)
			 : "r"(a1), "r"(a6), "r"(a7)
			 : "memory");
	return a0;
}

/* glibc's getauxval() gives the kernel's value of every entry on riscv64. */
static inline bool uarch_auxv_libc_own(unsigned long type)
{
	(void)type;
	return false;
}

#endif /* USER_UARCH_H */
