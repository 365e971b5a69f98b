/*
 * ktest_user.S - user-mode code for the in-kernel tests (see hal_ktest.h). Linux riscv64 system
 * call numbers: write 64, exit 93, gettid 178.
 */
	.section .rodata.ktest_user, "a"
	.balign 4

	.globl hal_ktest_user_hello, hal_ktest_user_hello_end
hal_ktest_user_hello:
	li	a7, 64
	li	a0, 1
	lla	a1, 2f
	li	a2, 21
	ecall
	li	t0, 21
	bne	a0, t0, 1f
	li	a7, 64			/* write from a kernel address: -EFAULT */
	li	a0, 1
	li	a1, -4096
	li	a2, 4
	ecall
	li	t0, -14
	bne	a0, t0, 1f
	li	a7, 178			/* gettid */
	ecall
	bltz	a0, 1f
	li	a7, 93
	li	a0, 42
	ecall
1:	li	a7, 93
	li	a0, 1
	ecall
2:	.ascii	"hello from user mode\n"
	.balign 4
hal_ktest_user_hello_end:

	.globl hal_ktest_user_fault, hal_ktest_user_fault_end
hal_ktest_user_fault:
	li	t0, -1
	slli	t0, t0, 31		/* 0xffffffff80000000: the kernel image */
	ld	t1, 0(t0)
	li	a7, 93
	li	a0, 1
	ecall
hal_ktest_user_fault_end:

	.globl hal_ktest_user_illegal, hal_ktest_user_illegal_end
hal_ktest_user_illegal:
	.word	0			/* an all-zero instruction is defined as illegal */
	li	a7, 93
	li	a0, 1
	ecall
hal_ktest_user_illegal_end:
