/*
 * trampoline.S - where an application processor starts: real mode -> protected mode -> long mode.
 *
 * The bytes between trampoline_start and trampoline_end are copied once, by phase 0, to
 * TRAMPOLINE_PA (below 1 MiB, 4 KiB aligned): the start-up IPI's vector is that page number, and the
 * AP begins in real mode at CS = TRAMPOLINE_PA >> 4, IP = 0. Addresses inside the copy are
 * TRAMPOLINE_PA + (label - trampoline_start), known when assembling.
 *
 * The copy is never written again, so any number of cores may run it at once (each cluster starts
 * its own cores in parallel): nothing in it depends on which core starts. The AP loads the
 * trampoline's GDT (the boot GDT's selectors), enters 32-bit protected mode, enables PAE, loads the
 * early page tables of entry.S (in the loaded image, below 4 GiB: a 32-bit CR3 can hold them; they
 * map the trampoline at its identity address and the image window onto the loaded image), sets
 * EFER.LME (and NXE when CPUID says NX), enables paging, far-jumps into 64-bit mode, reads its own
 * APIC id with CPUID (leaf 0xB when the CPU has it, else leaf 1) and jumps to ap_entry64 (entry.S)
 * in the image window, which finds its start block by that id. It never returns.
 */
#include "layout.h"

#define T(x)  (TRAMPOLINE_PA + (x) - trampoline_start)

	.section .rodata
	.p2align 12
	.globl	trampoline_start, trampoline_end
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
	mov	$PA(early_pml4), %eax
	mov	%eax, %cr3
	mov	$0x80000001, %eax		/* EFER: LME, and NXE if the CPU has NX */
	cpuid
	mov	$0x100, %ebx
	bt	$20, %edx
	jnc	1f
	or	$0x800, %ebx
1:	mov	$0xc0000080, %ecx
	rdmsr
	or	%ebx, %eax
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
	cpuid					/* leaf 0: the highest basic leaf */
	cmp	$0xb, %eax
	jb	2f
	mov	$0xb, %eax
	xor	%ecx, %ecx
	cpuid
	test	%ebx, %ebx
	jz	2f
	mov	%edx, %edi			/* x2APIC id */
	jmp	3f
2:	mov	$1, %eax
	cpuid
	shr	$24, %ebx
	mov	%ebx, %edi			/* initial APIC id */
3:	xor	%ebp, %ebp
	movabs	$ap_entry64, %rax
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
trampoline_end:
