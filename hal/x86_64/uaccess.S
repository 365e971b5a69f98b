/*
 * uaccess.S - the only code that touches user memory (see hal_uspace.h and uspace.c).
 *
 * A fault inside [x86_uaccess_start, x86_uaccess_end) that the VMM cannot resolve resumes at
 * x86_uaccess_fixup, which returns -1 to the caller of the copy routine (trap.c). Where the CPU has
 * SMAP, the C callers open user pages to the kernel (stac) around these routines only.
 */
	.section .text
	.p2align 4
	.globl	x86_uaccess_start, x86_uaccess_end, x86_uaccess_fixup

x86_uaccess_start:

/* long hal_uaccess_copy(void *dst, const void *src, size_t n): 0, or -1 after a fault. */
	.globl	hal_uaccess_copy
hal_uaccess_copy:
	mov	%rdx, %rcx
	shr	$3, %rcx
	rep movsq
	mov	%rdx, %rcx
	and	$7, %rcx
	rep movsb
	xor	%eax, %eax
	ret

/* long hal_uaccess_strncpy(char *dst, const char *src, size_t max): the length copied before
 * the NUL (the NUL is copied too), max if no NUL in max bytes, -1 after a fault. */
	.globl	hal_uaccess_strncpy
hal_uaccess_strncpy:
	xor	%eax, %eax
1:	cmp	%rdx, %rax
	je	2f
	movzbl	(%rsi,%rax), %ecx
	mov	%cl, (%rdi,%rax)
	test	%cl, %cl
	jz	2f
	inc	%rax
	jmp	1b
2:	ret

x86_uaccess_end:

x86_uaccess_fixup:
	mov	$-1, %rax
	ret
