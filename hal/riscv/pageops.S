/*
 * pageops.S - filling and copying pages with the V extension (pageops.c, docs/memory.md "Page ops").
 *
 * The kernel is built for rv64imac and runs with sstatus.VS = Off, so these two routines are the only
 * kernel code that touches a vector register: they enable V for the assembler here only, set VS to
 * Initial for their own duration and back to Off before returning. Caller: IRQs masked (an interrupt
 * handler or a switch in between would find VS on), this core has V (pageops.c checks both).
 *
 * e8 with LMUL=8: one vse8.v stores VLEN bytes (128 at VLEN 128), the same for any fill byte. The main
 * loops move 4 register groups (4 * VLEN bytes) per turn with vl = VLMAX set once; a tail loop, with
 * vsetvli each turn, takes what is left when 4 * VLEN does not divide the size (VLEN >= 1024).
 * In:  a0 = destination, a1 = byte or source, a2 = size (bytes, > 0). Uses t0, t1 only, no stack.
 */
#define VS_INITIAL	(1 << 9)
#define VS_MASK		(3 << 9)

	.option push
	.option arch, +v
	.section .text

/* riscv_vec_set(void *dst, int byte, size_t size) */
	.globl riscv_vec_set
	.balign 4
riscv_vec_set:
	li	t1, VS_INITIAL
	csrs	sstatus, t1
	vsetvli	t0, zero, e8, m8, ta, ma	/* t0 = VLMAX bytes */
	vmv.v.x	v0, a1				/* every byte of v0..v7 */
	slli	t1, t0, 2			/* bytes per turn */
	bltu	a2, t1, 2f
1:	vse8.v	v0, (a0)
	add	a0, a0, t0
	vse8.v	v0, (a0)
	add	a0, a0, t0
	vse8.v	v0, (a0)
	add	a0, a0, t0
	vse8.v	v0, (a0)
	add	a0, a0, t0
	sub	a2, a2, t1
	bgeu	a2, t1, 1b
2:	beqz	a2, 3f
	vsetvli	t0, a2, e8, m8, ta, ma		/* vl <= VLMAX: v0's first vl bytes are set */
	vse8.v	v0, (a0)
	add	a0, a0, t0
	sub	a2, a2, t0
	j	2b
3:	li	t1, VS_MASK
	csrc	sstatus, t1
	ret

/*
 * riscv_vec_copy(void *dst, const void *src, size_t size). The registers are cleared before VS goes
 * Off: they held the page, and no one after this call is meant to find it there (docs/memory.md).
 */
	.globl riscv_vec_copy
	.balign 4
riscv_vec_copy:
	li	t1, VS_INITIAL
	csrs	sstatus, t1
	vsetvli	t0, zero, e8, m8, ta, ma
	slli	t1, t0, 2
	bltu	a2, t1, 2f
1:	vle8.v	v0, (a1)
	add	a1, a1, t0
	vle8.v	v8, (a1)
	add	a1, a1, t0
	vle8.v	v16, (a1)
	add	a1, a1, t0
	vle8.v	v24, (a1)
	add	a1, a1, t0
	vse8.v	v0, (a0)
	add	a0, a0, t0
	vse8.v	v8, (a0)
	add	a0, a0, t0
	vse8.v	v16, (a0)
	add	a0, a0, t0
	vse8.v	v24, (a0)
	add	a0, a0, t0
	sub	a2, a2, t1
	bgeu	a2, t1, 1b
2:	beqz	a2, 3f
	vsetvli	t0, a2, e8, m8, ta, ma
	vle8.v	v0, (a1)
	vse8.v	v0, (a0)
	add	a1, a1, t0
	add	a0, a0, t0
	sub	a2, a2, t0
	j	2b
3:	vsetvli	t0, zero, e8, m8, ta, ma
	vmv.v.i	v0, 0
	vmv.v.i	v8, 0
	vmv.v.i	v16, 0
	vmv.v.i	v24, 0
	li	t1, VS_MASK
	csrc	sstatus, t1
	ret

	.option pop
