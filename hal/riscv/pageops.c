/*
 * pageops.c - whole pages filled and copied with the V extension where the core has it (see
 * hal_pageops.h; docs/memory.md, "Page ops").
 *
 * Each core probes V once at boot (riscv_pageops_core_init): with sstatus.VS set, reading the vlenb
 * CSR works on a hart with V and raises an illegal instruction on one without, which the trap
 * handler skips while the core is probing (the same guard as the Sstc probe). The result is per
 * core, in its hal_cpu_t; pageops.S reads it with IRQs masked, together with the operation, so a
 * thread never runs the vector code on a core other than the one that was checked.
 *
 * VS is on only inside pageops.S's routines and IRQs are masked there: no interrupt handler,
 * context switch or trap frame ever sees VS on, so neither the trap exit nor a switch can carry it
 * to user mode or to another thread (user programs are rv64gc and always run with VS = Off).
 */
#include <hal_pageops.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "riscv.h"

#define CSR_VLENB 0xc22

void riscv_pageops_core_init(void)
{
	hal_cpu_t *cpu = hal_cpu_self();
	uint64_t vlenb = 0;

	csr_set(sstatus, SSTATUS_VS_INITIAL); /* WARL: stays 0 on a hart without V */
	cpu->probing = 1;
	/* A 4-byte instruction: the trap handler skips it if it traps; vlenb then stays 0. */
	__asm__ volatile(".option push\n.option norvc\ncsrr %0, %1\n.option pop"
			 : "+r"(vlenb) : "i"(CSR_VLENB) : "memory");
	if (cpu->probing != 1)
		vlenb = 0;
	cpu->probing = 0;
	csr_clear(sstatus, SSTATUS_VS);
	/* V 1.0 wants VLEN >= 128; a power of two by the spec. Anything else: the word loop. */
	cpu->vec_vlenb = (vlenb >= 16 && (vlenb & (vlenb - 1)) == 0) ? (uint32_t)vlenb : 0;
}

bool hal_pageops_wide(void)
{
	return hal_cpu_self()->vec_vlenb != 0;
}

const char *hal_pageops_name(char *buf, size_t size)
{
	uint32_t vlenb = hal_cpu_self()->vec_vlenb;

	if (vlenb)
		snprintf(buf, size, "vector, vlen %u", vlenb * 8);
	else
		snprintf(buf, size, "word loop");
	return buf;
}

/* pageops.S: one chunk (at most HAL_PAGES_CHUNK bytes), IRQs masked inside, the word loop if this
 * core has no V. */
void riscv_vec_set(void *dst, int byte, size_t size);
void riscv_vec_copy(void *dst, const void *src, size_t size);

/* Longer ranges, chunk by chunk, IRQs open between chunks: apart, so that the common call (a
 * page) is a compare and a tail call, without this loop's saved registers. */
static __attribute__((noinline)) void set_chunks(uint8_t *d, int byte, size_t size)
{
	for (; size > HAL_PAGES_CHUNK; size -= HAL_PAGES_CHUNK, d += HAL_PAGES_CHUNK)
		riscv_vec_set(d, byte, HAL_PAGES_CHUNK);
	riscv_vec_set(d, byte, size);
}

static __attribute__((noinline)) void copy_chunks(uint8_t *d, const uint8_t *s, size_t size)
{
	for (; size > HAL_PAGES_CHUNK; size -= HAL_PAGES_CHUNK, d += HAL_PAGES_CHUNK, s += HAL_PAGES_CHUNK)
		riscv_vec_copy(d, s, HAL_PAGES_CHUNK);
	riscv_vec_copy(d, s, size);
}

/*
 * A core without V goes to the word loop at once: the flag read here, IRQs on, is only a hint
 * (the word loop is right on any core); pageops.S reads it again with IRQs masked before it uses V.
 */
void hal_pages_set(void *dst, int byte, size_t size)
{
	hal_pages_check(dst, NULL, size);
	if (hal_cpu_self()->vec_vlenb == 0)
		memset(dst, byte, size);
	else if (size > HAL_PAGES_CHUNK)
		set_chunks(dst, byte, size);
	else
		riscv_vec_set(dst, byte, size);
}

void hal_pages_copy(void *dst, const void *src, size_t size)
{
	hal_pages_check(dst, src, size);
	if (hal_cpu_self()->vec_vlenb == 0)
		memcpy(dst, src, size);
	else if (size > HAL_PAGES_CHUNK)
		copy_chunks(dst, src, size);
	else
		riscv_vec_copy(dst, src, size);
}
