/*
 * riscv.h - RISC-V privileged architecture: CSR numbers, bits and accessors (HAL internal).
 *
 * Each hardware layout is declared here once; the rest of hal/riscv uses these names.
 */
#ifndef HAL_RISCV_RISCV_H
#define HAL_RISCV_RISCV_H

#include <hal_types.h>

/* sstatus */
#define SSTATUS_SIE   (1UL << 1)
#define SSTATUS_SPIE  (1UL << 5)
#define SSTATUS_SPP   (1UL << 8)
#define SSTATUS_SUM   (1UL << 18)
#define SSTATUS_FS    (3UL << 13)  /* FPU state: Off, Initial, Clean, Dirty (docs/fpu.md) */
#define SSTATUS_FS_OFF     (0UL << 13)
#define SSTATUS_FS_INITIAL (1UL << 13)
#define SSTATUS_FS_CLEAN   (2UL << 13)
#define SSTATUS_FS_DIRTY   (3UL << 13)
#define SSTATUS_VS    (3UL << 9)   /* vector state, same encoding as FS (docs/memory.md, "Page ops") */
#define SSTATUS_VS_INITIAL (1UL << 9)
#define SSTATUS_SD    (1UL << 63)  /* read-only: some extension state (FS, VS, XS) is Dirty */

/* sie / sip */
#define SIE_SSIE      (1UL << 1)
#define SIE_STIE      (1UL << 5)
#define SIE_SEIE      (1UL << 9)

/* scause */
#define SCAUSE_INTERRUPT (1UL << 63)

/* satp (Sv39) */
#define SATP_MODE_SV39 (8UL << 60)
#define SATP_PPN_MASK  ((1UL << 44) - 1)

#define csr_read(csr)                                                                               \
	({                                                                                          \
		uint64_t v_;                                                                        \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_));                                      \
		v_;                                                                                 \
	})

#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"((uint64_t)(val)) : "memory")
#define csr_set(csr, val)   __asm__ volatile("csrs " #csr ", %0" ::"rK"((uint64_t)(val)) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"((uint64_t)(val)) : "memory")

#define csr_read_clear(csr, val)                                                                    \
	({                                                                                          \
		uint64_t v_;                                                                        \
		__asm__ volatile("csrrc %0, " #csr ", %1" : "=r"(v_) : "rK"((uint64_t)(val)) : "memory"); \
		v_;                                                                                 \
	})

static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

static inline uint64_t read_fp(void)
{
	uint64_t fp;
	__asm__ volatile("mv %0, s0" : "=r"(fp));
	return fp;
}

#endif /* HAL_RISCV_RISCV_H */
