/*
 * entry.S - first instructions of Archipel on x86_64: the PVH entry and the switch to long mode, the
 * 64-bit landing of every other core (from the trampoline), and the jump of a core into its cluster.
 *
 * QEMU's -kernel loads this ELF at its physical load addresses (KIMAGE_PBASE) and, because of the
 * XEN_ELFNOTE_PHYS32_ENTRY note below, enters pvh_entry through the PVH boot ABI (Xen's
 * docs/misc/pvh.pandoc): 32-bit protected mode, paging off, flat 4 GiB code and data segments,
 * interrupts off, %ebx = physical address of the hvm_start_info (pvh.h). There is no stack.
 * pvh_entry
 *   1. saves a pristine copy of .data after the image (_pristine): replicas are made from it later,
 *      so it must be taken before any C code writes a global; then zeroes .bss (it holds the stack
 *      and the early page tables),
 *   2. checks that the CPU has long mode (CPUID 0x80000001 EDX.LM), else says so on COM1 and exits
 *      QEMU through isa-debug-exit,
 *   3. builds the early page tables: [0, 4 GiB) identity mapped and at the direct map (2 MiB pages,
 *      four page directories shared by both), the image window onto the load address,
 *   4. enables PAE, loads CR3, sets EFER.LME (and NXE when the CPU has NX), enables paging: the CPU
 *      is in long mode once the far jump through the boot GDT loads a 64-bit code segment,
 *   5. jumps to the image window and calls boot_phase0(start_info_pa) (boot.c) on the boot stack.
 * The early page tables stay in cluster 0's .bss for good: every core started later passes through
 * them (trampoline.S, then ap_entry64 below).
 */
#include "layout.h"

#define AP_MAX_HWID 1024 /* CONFIG_MAX_HWID (boot.c checks) */

#define CR0_PE          0x00000001
#define CR0_WP          0x00010000
#define CR0_PG          0x80000000
#define CR4_PAE         0x00000020
#define MSR_EFER        0xc0000080
#define EFER_LME        0x00000100
#define EFER_NXE        0x00000800
#define PTE_P           0x001
#define PTE_W           0x002
#define PTE_PS          0x080
#define PTE_TABLE       (PTE_P | PTE_W)
#define PTE_LARGE       (PTE_P | PTE_W | PTE_PS)
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* The PVH note: QEMU reads its descriptor as a 64-bit value for a 64-bit ELF (as Linux's .quad). */
	.section .note.Xen, "a", @note
	.p2align 2
	.long	4				/* namesz: "Xen\0"  */
	.long	8				/* descsz           */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.quad	PA(pvh_entry)

	.section .text.entry, "ax"
	.code32
	.globl	pvh_entry
pvh_entry:
	cli
	cld
	mov	%ebx, %esi			/* hvm_start_info, kept in %esi */

	/* 1. the pristine copy of .data, then zero .bss (a multiple of 4 KiB: see kernel.ld) */
	mov	%esi, %edx
	mov	$PA(_sdata), %esi
	mov	$PA(_pristine), %edi
	mov	$PA(_edata), %ecx
	sub	%esi, %ecx
	rep movsb
	mov	%edx, %esi
	mov	$PA(boot_stack_top), %esp
	mov	$PA(_sbss), %edi
	mov	$PA(_ebss), %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	/* 2. long mode? %ebp = EFER bits to set */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	.Lno_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	.Lno_long_mode
	mov	$EFER_LME, %ebp
	bt	$20, %edx
	jnc	1f
	or	$EFER_NXE, %ebp

	/* 3. early_pd[i] = 2 MiB page at i * 2 MiB, i < 2048: [0, 4 GiB) */
1:	mov	$PA(early_pd), %edi
	mov	$PTE_LARGE, %eax
	mov	$2048, %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b
	/* early_pdpt_id[i] = early_pdpt_dmap[i] = early_pd + i * 4 KiB, i < 4 */
	mov	$PA(early_pd) + PTE_TABLE, %eax
	xor	%ecx, %ecx
3:	mov	%eax, PA(early_pdpt_id)(,%ecx,8)
	mov	%eax, PA(early_pdpt_dmap)(,%ecx,8)
	add	$4096, %eax
	inc	%ecx
	cmp	$4, %ecx
	jne	3b
	/* early_pd_img[i] = 2 MiB page at KIMAGE_PBASE + i * 2 MiB: the 16 MiB window */
	mov	$KIMAGE_PBASE + PTE_LARGE, %eax
	xor	%ecx, %ecx
4:	mov	%eax, PA(early_pd_img)(,%ecx,8)
	add	$0x200000, %eax
	inc	%ecx
	cmp	$KIMAGE_WINDOW / 0x200000, %ecx
	jne	4b
	/* the window is the last 2 GiB: PML4[511] -> PDPT[510] -> early_pd_img */
	movl	$PA(early_pd_img) + PTE_TABLE, PA(early_pdpt_img) + 510 * 8
	movl	$PA(early_pdpt_id) + PTE_TABLE, PA(early_pml4)
	movl	$PA(early_pdpt_dmap) + PTE_TABLE, PA(early_pml4) + ((DMAP_BASE >> 39) & 511) * 8
	movl	$PA(early_pdpt_img) + PTE_TABLE, PA(early_pml4) + 511 * 8

	/* 4. long mode */
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$PA(early_pml4), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	%ebp, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG | CR0_WP | CR0_PE, %eax
	mov	%eax, %cr0
	lgdt	PA(boot_gdt_desc32)
	ljmp	$SEL_CODE64, $PA(.Lentry64)

.Lno_long_mode:
	mov	$PA(no_lm_msg), %ebx
	mov	$COM1_PORT, %dx
5:	movb	(%ebx), %al
	test	%al, %al
	jz	6f
	outb	%al, %dx
	inc	%ebx
	jmp	5b
6:	mov	$1, %eax			/* QEMU exits with status (1 << 1) | 1 = 3 */
	outl	%eax, $DEBUG_EXIT_PORT
7:	hlt
	jmp	7b

	.code64
.Lentry64:
	/* 5. still at the physical address: data segments, then the image window */
	mov	$SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	movabs	$.Lhigh, %rax
	jmp	*%rax
.Lhigh:
	movabs	$boot_stack_top, %rsp
	lgdt	boot_gdt_desc64(%rip)		/* the same GDT, at its virtual address */
	xor	%ebp, %ebp
	mov	%esi, %edi			/* zero-extends the start info's address */
	call	boot_phase0
8:	hlt
	jmp	8b

/*
 * ap_entry64: where every core but the boot core arrives from the trampoline, in long mode on the
 * early page tables (the image window maps the loaded image, cluster 0's replica), interrupts off,
 * no stack, %edi = its APIC id. It leaves the trampoline's GDT (in the low page) for the boot GDT,
 * takes its start block ap_start[APIC id] (boot.h), written by the core that starts it, checks in,
 * and moves onto its cluster's page table: the image window then maps that cluster's replica, where
 * the same code lies at the same address, so execution simply goes on. It jumps to the block's
 * entry with its argument, on its stack; a fake return address 0 ends backtraces there.
 */
	.globl	ap_entry64
ap_entry64:
	lgdt	boot_gdt_desc64(%rip)
	mov	$SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	cmp	$AP_MAX_HWID, %edi
	jae	9f
	mov	%edi, %eax
	shl	$6, %rax			/* AP_START_SIZE */
	lea	ap_start(%rip), %rbx
	add	%rax, %rbx
	mov	AP_START_SP(%rbx), %rsp
	mov	AP_START_ENTRY(%rbx), %rcx
	mov	AP_START_CR3(%rbx), %rdx
	mov	AP_START_ARG(%rbx), %rdi
	test	%rcx, %rcx
	jz	9f				/* nobody asked this core to start */
	movq	$1, AP_START_CHECKIN(%rbx)
	mov	%rdx, %cr3
	xor	%ebp, %ebp
	push	$0
	jmp	*%rcx
9:	cli
	hlt
	jmp	9b

/*
 * boot_switch(cr3, sp, entry, arg): the boot core enters its cluster as the cores started through
 * the trampoline do (ap_entry64): its page table, its stack, entry(arg). Never returns.
 */
	.globl	boot_switch
boot_switch:
	mov	%rdi, %cr3
	mov	%rsi, %rsp
	mov	%rcx, %rdi
	xor	%ebp, %ebp
	push	$0
	jmp	*%rdx

	.section .rodata
no_lm_msg:
	.asciz	"archipel: this CPU has no long mode (x86_64); stopping\r\n"

/*
 * The boot GDT: flat 64-bit code, flat data, flat 32-bit code (for the AP trampoline's passage
 * through protected mode). Access bytes: 0x9a code, 0x92 data; flags 0xa = 64-bit code, 0xc =
 * 32-bit 4 KiB granularity.
 */
	.p2align 3
	.globl	boot_gdt
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* SEL_CODE64 */
	.quad	0x00cf92000000ffff		/* SEL_DATA   */
	.quad	0x00cf9a000000ffff		/* SEL_CODE32 */
boot_gdt_end:
boot_gdt_desc32:
	.word	boot_gdt_end - boot_gdt - 1
	.long	PA(boot_gdt)
	.p2align 3
	.globl	boot_gdt_desc64
boot_gdt_desc64:
	.word	boot_gdt_end - boot_gdt - 1
	.quad	boot_gdt

	.section .bss
	.p2align 12
	.globl	early_pml4, early_pdpt_dmap
early_pml4:	.skip	4096
early_pdpt_id:	.skip	4096
early_pdpt_dmap: .skip	4096
early_pdpt_img:	.skip	4096
early_pd_img:	.skip	4096
early_pd:	.skip	4 * 4096
	.p2align 4
boot_stack:	.skip	PHASE0_STACK_SIZE
boot_stack_top:
