/*
 * trampoline.S - where an application processor starts: real mode -> protected mode -> long mode.
 *
 * The bytes between trampoline_start and trampoline_end are copied to TRAMPOLINE_PA (below 1 MiB,
 * 4 KiB aligned) before the INIT-SIPI-SIPI sequence: the start-up IPI's vector is that page
 * number, and the AP begins in real mode at CS = TRAMPOLINE_PA >> 4, IP = 0. Addresses inside the
 * copy are TRAMPOLINE_PA + (label - trampoline_start), known when assembling.
 * The AP loads the trampoline's GDT (the boot GDT's selectors), enters 32-bit protected mode,
 * enables PAE, loads tramp_cr3 (a page table that identity maps the trampoline and maps the
 * image window), sets EFER from tramp_efer, enables paging, far-jumps into 64-bit mode, then
 * takes its stack and arguments from the slots the boot core wrote (smp.c: one AP at a time) and
 * jumps to tramp_entry(tramp_arg) in the image window. It never returns.
 */
#include "layout.h"

#define T(x)  (TRAMPOLINE_PA + (x) - trampoline_start)

	.section .rodata
	.p2align 12
	.globl	trampoline_start, trampoline_end
	.globl	tramp_cr3, tramp_efer, tramp_stack, tramp_entry, tramp_arg
	.code16
trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	tramp_gdt_desc - trampoline_start
	mov	%cr0, %eax
	or	$1, %eax			/* PE */
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $T(.Lprot)

	.code32
.Lprot:
	mov	$SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%cr4, %eax
	or	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	movl	T(tramp_cr3), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx		/* EFER */
	rdmsr
	orl	T(tramp_efer), %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80010001, %eax		/* PG | WP | PE */
	mov	%eax, %cr0
	ljmp	$SEL_CODE64, $T(.Llong)

	.code64
.Llong:
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	movq	T(tramp_stack), %rsp
	movq	T(tramp_arg), %rdi
	movq	T(tramp_entry), %rax
	xor	%ebp, %ebp
	jmp	*%rax

	.p2align 3
tramp_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* SEL_CODE64 */
	.quad	0x00cf92000000ffff		/* SEL_DATA   */
	.quad	0x00cf9a000000ffff		/* SEL_CODE32 */
tramp_gdt_end:
tramp_gdt_desc:
	.word	tramp_gdt_end - tramp_gdt - 1
	.long	T(tramp_gdt)
	.p2align 3
tramp_cr3:	.long	0
tramp_efer:	.long	0
tramp_stack:	.quad	0
tramp_entry:	.quad	0
tramp_arg:	.quad	0
trampoline_end:
