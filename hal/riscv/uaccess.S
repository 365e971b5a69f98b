/*
 * uaccess.S - the only code that touches user memory (see hal_uspace.h and uspace.c).
 *
 * A fault inside [riscv_uaccess_start, riscv_uaccess_end) that the VMM cannot resolve resumes at
 * riscv_uaccess_fixup, which returns -1 to the caller of the copy routine. The routines run with
 * sstatus.SUM set by their C callers.
 */
	.section .text
	.balign 4
	.globl riscv_uaccess_start, riscv_uaccess_end, riscv_uaccess_fixup

riscv_uaccess_start:

/* long hal_uaccess_copy(void *dst, const void *src, size_t n): 0, or -1 after a fault. */
	.globl hal_uaccess_copy
hal_uaccess_copy:
	or	t1, a0, a1
	andi	t1, t1, 7
	bnez	t1, 2f			/* not both 8-byte aligned: byte copy */
1:	li	t1, 8
	bltu	a2, t1, 2f
	ld	t0, 0(a1)
	sd	t0, 0(a0)
	addi	a0, a0, 8
	addi	a1, a1, 8
	addi	a2, a2, -8
	j	1b
2:	beqz	a2, 3f
	lbu	t0, 0(a1)
	sb	t0, 0(a0)
	addi	a0, a0, 1
	addi	a1, a1, 1
	addi	a2, a2, -1
	j	2b
3:	li	a0, 0
	ret

/* long hal_uaccess_strncpy(char *dst, const char *src, size_t max): the length copied before
 * the NUL (the NUL is copied too), max if no NUL in max bytes, -1 after a fault. */
	.globl hal_uaccess_strncpy
hal_uaccess_strncpy:
	li	t2, 0
4:	beq	t2, a2, 5f
	lbu	t0, 0(a1)
	sb	t0, 0(a0)
	beqz	t0, 5f
	addi	a0, a0, 1
	addi	a1, a1, 1
	addi	t2, t2, 1
	j	4b
5:	mv	a0, t2
	ret

riscv_uaccess_end:

riscv_uaccess_fixup:
	li	a0, -1
	ret
