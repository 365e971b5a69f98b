/*
 * arch/uaccess.h - RISC-V's part of the user copies (hal_uspace.h says what this header must
 * provide): the kernel may touch user pages only while sstatus.SUM is set, which a copy sets for its
 * own duration.
 */
#ifndef ARCH_UACCESS_H
#define ARCH_UACCESS_H

#include <hal_types.h>

#define RISCV_SSTATUS_SUM (1UL << 18)

static inline void hal_uaccess_begin(void)
{
	__asm__ volatile("csrs sstatus, %0" ::"r"(RISCV_SSTATUS_SUM) : "memory");
}

static inline void hal_uaccess_end(void)
{
	__asm__ volatile("csrc sstatus, %0" ::"r"(RISCV_SSTATUS_SUM) : "memory");
}

#endif /* ARCH_UACCESS_H */
