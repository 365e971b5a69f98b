/*
 * pageops.S - filling and copying pages with the V extension (pageops.c, docs/memory.md "Page ops").
 *
 * The kernel is built for rv64imac and runs with sstatus.VS = Off, so these two routines are the
 * only kernel code that touches a vector register: they enable V for the assembler here only. Each
 * masks IRQs, reads this core's vlenb (hal_cpu_t.vec_vlenb, 0: no V), and either sets VS to Initial
 * for its own work and back to Off, or goes to libk's memset/memcpy (the word loop). IRQs are given
 * back as they were before returning: no interrupt handler, context switch or trap frame ever sees
 * VS on, and the thread cannot move to another core between the check and the use.
 *
 * SEW=64 with LMUL=8: one vse64.v stores VLEN bytes (128 at VLEN 128); the fill byte is splat at
 * e8 first (the register bits are the same at e64). 64-bit elements rather than bytes: the same
 * instructions, but QEMU's helpers move a vector element by element, 8 times fewer at e64. The
 * main loops move 4 register groups (4 * VLEN bytes) per turn with vl = VLMAX set once; a tail loop,
 * with vsetvli each turn, takes what is left when 4 * VLEN does not divide the size (VLEN >= 1024).
 * In: a0 = destination, a1 = byte or source, a2 = size (bytes, a multiple of 8, > 0, at most
 * HAL_PAGES_CHUNK: the caller cuts longer ranges). Uses t0-t2 and a3 only, no stack.
 */
#include "trap_frame.h"

#define SIE_BIT		2
#define VS_INITIAL	(1 << 9)
#define VS_MASK		(3 << 9)

	.option push
	.option arch, +v
	.section .text

/* riscv_vec_set(void *dst, int byte, size_t size) */
	.globl riscv_vec_set
	.balign 4
riscv_vec_set:
	csrrci	t2, sstatus, SIE_BIT
	lw	t0, HAL_CPU_VEC_VLENB(tp)
	andi	t2, t2, SIE_BIT			/* the caller's IRQ state */
	beqz	t0, 9f
	li	t1, VS_INITIAL
	csrs	sstatus, t1
	vsetvli	t0, zero, e8, m8, ta, ma
	vmv.v.x	v0, a1				/* every byte of v0..v7: the same bits at e64 */
	vsetvli	t0, zero, e64, m8, ta, ma	/* t0 = VLMAX words */
	slli	t0, t0, 3			/* bytes per store */
	slli	t1, t0, 2			/* bytes per turn */
	bltu	a2, t1, 2f
1:	vse64.v	v0, (a0)
	add	a0, a0, t0
	vse64.v	v0, (a0)
	add	a0, a0, t0
	vse64.v	v0, (a0)
	add	a0, a0, t0
	vse64.v	v0, (a0)
	add	a0, a0, t0
	sub	a2, a2, t1
	bgeu	a2, t1, 1b
2:	beqz	a2, 3f
	srli	a3, a2, 3
	vsetvli	t0, a3, e64, m8, ta, ma		/* vl <= VLMAX: v0's first vl words are set */
	vse64.v	v0, (a0)
	slli	t0, t0, 3
	add	a0, a0, t0
	sub	a2, a2, t0
	j	2b
3:	li	t1, VS_MASK
	csrc	sstatus, t1
	csrs	sstatus, t2
	ret
9:	csrs	sstatus, t2			/* no V on this core: the word loop */
	tail	memset

/*
 * riscv_vec_copy(void *dst, const void *src, size_t size). The registers are cleared before VS goes
 * Off: they held the page, and no one after this call is meant to find it there (docs/memory.md).
 */
	.globl riscv_vec_copy
	.balign 4
riscv_vec_copy:
	csrrci	t2, sstatus, SIE_BIT
	lw	t0, HAL_CPU_VEC_VLENB(tp)
	andi	t2, t2, SIE_BIT
	beqz	t0, 9f
	li	t1, VS_INITIAL
	csrs	sstatus, t1
	vsetvli	t0, zero, e64, m8, ta, ma
	slli	t0, t0, 3
	slli	t1, t0, 2
	bltu	a2, t1, 2f
1:	vle64.v	v0, (a1)
	add	a1, a1, t0
	vle64.v	v8, (a1)
	add	a1, a1, t0
	vle64.v	v16, (a1)
	add	a1, a1, t0
	vle64.v	v24, (a1)
	add	a1, a1, t0
	vse64.v	v0, (a0)
	add	a0, a0, t0
	vse64.v	v8, (a0)
	add	a0, a0, t0
	vse64.v	v16, (a0)
	add	a0, a0, t0
	vse64.v	v24, (a0)
	add	a0, a0, t0
	sub	a2, a2, t1
	bgeu	a2, t1, 1b
2:	beqz	a2, 3f
	srli	a3, a2, 3
	vsetvli	t0, a3, e64, m8, ta, ma
	vle64.v	v0, (a1)
	vse64.v	v0, (a0)
	slli	t0, t0, 3
	add	a1, a1, t0
	add	a0, a0, t0
	sub	a2, a2, t0
	j	2b
3:	vsetvli	t0, zero, e64, m8, ta, ma
	vmv.v.i	v0, 0
	vmv.v.i	v8, 0
	vmv.v.i	v16, 0
	vmv.v.i	v24, 0
	li	t1, VS_MASK
	csrc	sstatus, t1
	csrs	sstatus, t2
	ret
9:	csrs	sstatus, t2
	tail	memcpy

	.option pop
