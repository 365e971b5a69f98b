/*
 * entry.S - first instructions of Archipel on RISC-V.
 *
 * _start: OpenSBI jumps here on one hart (the boot hart), MMU off, a0 = hart id, a1 = DTB physical
 * address, running at the load address (KIMAGE_PBASE). It
 *   1. saves a pristine copy of .data (replicas of the image are made from it: see kernel.ld),
 *   2. zeroes .bss,
 *   3. builds the early page table: the direct map (1 GiB leaves) and the image window (2 MiB leaves
 *      onto the load address),
 *   4. turns the MMU on and continues at the virtual address of boot_phase0(hartid, dtb, load_pa).
 * Turning the MMU on uses the usual trick: stvec holds the virtual address of the next instruction;
 * the fetch after the satp write faults (the low half is unmapped) and the trap lands there.
 *
 * _secondary_start: entry of every other core, started by SBI HSM with a1 = physical address of a
 * core_start_t {satp, sp, entry, arg} (boot/riscv/boot.h). It loads that cluster's page table and
 * stack, and calls entry(arg) at its virtual address, never to return.
 */
#define PTE_DMAP_FLAGS  0xe7   /* V R W . . G A D */
#define PTE_IMAGE_FLAGS 0xef   /* V R W X . G A D */
#define DMAP_MAX_GIB    128
#define EARLY_IMAGE_MB2 8      /* 8 x 2 MiB = CONFIG_KIMAGE_MAX_SIZE */
#define EARLY_MAX_HWID  1024   /* CONFIG_MAX_HWID */

	.section .text.entry, "ax"
	.globl _start
_start:
	csrw	sie, zero
	/*
	 * Only the first hart may run phase 0. OpenSBI 1.1 can let a hart that we start with SBI
	 * HSM run before it stored the start address we gave, so the hart arrives here, at the
	 * cold-boot address, instead of _secondary_start: such a hart waits for the physical address
	 * of its start block, which whoever starts a core publishes in early_start_pa[hart] (in the
	 * loaded image) before asking SBI, and goes on as if SBI had done its job.
	 */
	lla	t0, boot_claimed
	li	t1, 1
	amoswap.w t1, t1, (t0)
	bnez	t1, .Lraced
	mv	s0, a0			/* hart id */
	mv	s1, a1			/* DTB physical address */
	lla	s2, _kimage_start	/* load physical address */

	/* 1. pristine copy of .data */
	lla	t0, _sdata
	lla	t1, _edata
	lla	t2, _pristine
1:	bgeu	t0, t1, 2f
	ld	t3, 0(t0)
	sd	t3, 0(t2)
	addi	t0, t0, 8
	addi	t2, t2, 8
	j	1b

	/* 2. zero .bss */
2:	lla	t0, _sbss
	lla	t1, _ebss
3:	bgeu	t0, t1, 4f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	3b

	/* 3. early page table: root[256 + i] = 1 GiB leaf at i GiB */
4:	lla	t0, early_root
	li	t1, 256 * 8
	add	t1, t0, t1
	li	t2, 0
	li	t3, DMAP_MAX_GIB
	li	t6, 1 << 30
5:	srli	t5, t2, 2
	ori	t5, t5, PTE_DMAP_FLAGS
	sd	t5, 0(t1)
	addi	t1, t1, 8
	add	t2, t2, t6
	addi	t3, t3, -1
	bnez	t3, 5b

	/* root[510] -> early_l1; early_l1[i] = 2 MiB leaf at load address + i * 2 MiB */
	lla	t1, early_l1
	srli	t5, t1, 2
	ori	t5, t5, 1
	li	t6, 510 * 8
	add	t6, t0, t6
	sd	t5, 0(t6)
	mv	t2, s2
	li	t3, EARLY_IMAGE_MB2
	li	t6, 1 << 21
6:	srli	t5, t2, 2
	ori	t5, t5, PTE_IMAGE_FLAGS
	sd	t5, 0(t1)
	addi	t1, t1, 8
	add	t2, t2, t6
	addi	t3, t3, -1
	bnez	t3, 6b

	/* 4. MMU on; continue at the virtual address of 7f */
	lla	t1, .Lphase0_virt
	ld	t1, 0(t1)
	csrw	stvec, t1
	srli	t0, t0, 12
	li	t2, 8
	slli	t2, t2, 60
	or	t0, t0, t2
	sfence.vma
	csrw	satp, t0
	.balign 4
7:	sfence.vma
	lla	sp, phase0_stack_top
	li	ra, 0
	mv	a0, s0
	mv	a1, s1
	mv	a2, s2
	li	s0, 0			/* frame pointer: the backtrace ends here */
	call	boot_phase0
8:	wfi
	j	8b

.Lraced:
	li	t0, EARLY_MAX_HWID
	bgeu	a0, t0, .Lpark
	lla	t0, early_start_pa
	slli	t1, a0, 3
	add	t0, t0, t1
10:	ld	a1, 0(t0)
	beqz	a1, 10b
	fence	r, rw
	j	_secondary_start
.Lpark:	wfi
	j	.Lpark

	.globl _secondary_start
_secondary_start:
	csrw	sie, zero
	ld	t0, 0(a1)		/* satp */
	ld	sp, 8(a1)		/* stack (virtual) */
	ld	t2, 16(a1)		/* entry (virtual) */
	ld	a0, 24(a1)		/* argument */
	lla	t1, .Lsecondary_virt
	ld	t1, 0(t1)
	csrw	stvec, t1
	sfence.vma
	csrw	satp, t0
	.balign 4
9:	sfence.vma
	li	s0, 0
	li	ra, 0
	jr	t2

	.balign 8
.Lphase0_virt:
	.dword	7b
.Lsecondary_virt:
	.dword	9b

	.section .data.boot, "aw"
	.balign 4
boot_claimed:				/* 1 once a hart entered _start (never reset) */
	.word	0

	.section .bss.boot, "aw", @nobits
	.balign 4096
	.globl early_root
early_root:
	.skip	4096
early_l1:
	.skip	4096
	.balign 16
phase0_stack:
	.skip	16384
	.globl phase0_stack_top
phase0_stack_top:

/*
 * boot_switch(cs): move the running core onto another page table and stack at once and call
 * cs->entry(cs->arg). Used by the boot hart to enter its own cluster: the image window then maps
 * that cluster's replica, whose text is identical, so execution goes on at the same addresses.
 */
	.section .text
	.globl boot_switch
	.balign 4
boot_switch:
	ld	t0, 0(a0)
	ld	t1, 8(a0)
	ld	t2, 16(a0)
	ld	a0, 24(a0)
	sfence.vma
	csrw	satp, t0
	sfence.vma
	mv	sp, t1
	li	s0, 0
	li	ra, 0
	jr	t2
