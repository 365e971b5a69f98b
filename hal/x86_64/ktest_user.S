/*
 * ktest_user.S - user-mode code for the in-kernel tests (see hal_ktest.h), position independent.
 * Linux x86_64 system call numbers: write 1, sched_yield 24, exit 60, gettid 186; the syscall
 * instruction takes rax = number, rdi, rsi, rdx = arguments, and returns in rax (rcx, r11 lost).
 */
	.section .rodata.ktest_user, "a"

	.globl	hal_ktest_user_hello, hal_ktest_user_hello_end
hal_ktest_user_hello:
	mov	$1, %eax
	mov	$1, %edi
	lea	2f(%rip), %rsi
	mov	$21, %edx
	syscall
	cmp	$21, %rax
	jne	1f
	mov	$1, %eax			/* write from a kernel address: -EFAULT */
	mov	$1, %edi
	mov	$-4096, %rsi
	mov	$4, %edx
	syscall
	cmp	$-14, %rax
	jne	1f
	mov	$186, %eax			/* gettid */
	syscall
	test	%rax, %rax
	js	1f
	mov	$60, %eax
	mov	$42, %edi
	syscall
1:	mov	$60, %eax
	mov	$1, %edi
	syscall
2:	.ascii	"hello from user mode\n"
hal_ktest_user_hello_end:

	.globl	hal_ktest_user_fault, hal_ktest_user_fault_end
hal_ktest_user_fault:
	movabs	$0xffffffff80000000, %rax	/* the kernel image */
	mov	(%rax), %rax
	mov	$60, %eax
	mov	$1, %edi
	syscall
hal_ktest_user_fault_end:

	.globl	hal_ktest_user_illegal, hal_ktest_user_illegal_end
hal_ktest_user_illegal:
	ud2					/* defined as an invalid opcode */
	mov	$60, %eax
	mov	$1, %edi
	syscall
hal_ktest_user_illegal_end:

/* hal_ktest_user_touch(rdi = &{base, pages, go, done}): write one byte in each page, add 1 to
 * *done, then sched_yield() until *go is non-zero, then exit(0). */
	.globl	hal_ktest_user_touch, hal_ktest_user_touch_end
hal_ktest_user_touch:
	mov	0(%rdi), %rsi
	mov	8(%rdi), %rdx
	mov	16(%rdi), %r8
	mov	24(%rdi), %r9
1:	test	%rdx, %rdx
	jz	2f
	movb	$0, (%rsi)
	add	$4096, %rsi
	dec	%rdx
	jmp	1b
2:	lock incq (%r9)
3:	cmpq	$0, (%r8)
	jne	4f
	mov	$24, %eax
	syscall
	jmp	3b
4:	mov	$60, %eax
	xor	%edi, %edi
	syscall
hal_ktest_user_touch_end:
