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

/* hal_ktest_user_touch(a0 = &{base, pages, go, done}): write one byte in each page, add 1 to
 * *done, then sched_yield() until *go is non-zero, then exit(0). */
	.globl hal_ktest_user_touch, hal_ktest_user_touch_end
hal_ktest_user_touch:
	ld	a1, 8(a0)
	ld	a2, 16(a0)
	ld	a3, 24(a0)
	ld	a0, 0(a0)
	li	t2, 4096
1:	beqz	a1, 2f
	sb	zero, 0(a0)
	add	a0, a0, t2
	addi	a1, a1, -1
	j	1b
2:	li	t1, 1
	amoadd.d zero, t1, (a3)
3:	ld	t1, 0(a2)
	bnez	t1, 4f
	li	a7, 124
	ecall
	j	3b
4:	li	a7, 93
	li	a0, 0
	ecall
hal_ktest_user_touch_end:
