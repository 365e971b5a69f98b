/*
 * arch/context.h - RISC-V sizes of the thread context types (the contract: hal_context.h).
 */
#ifndef ARCH_RISCV_CONTEXT_H
#define ARCH_RISCV_CONTEXT_H

/* hal_user_regs_t's integer part: x1..x31 (the pc is given apart, the rest is the kernel's). */
#define HAL_USER_REGS_WORDS 31

#endif /* ARCH_RISCV_CONTEXT_H */
