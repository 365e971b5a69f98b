/*
 * arch/context.h - x86_64 sizes of the thread context types (the contract: hal_context.h).
 */
#ifndef ARCH_X86_64_CONTEXT_H
#define ARCH_X86_64_CONTEXT_H

/* hal_user_regs_t's integer part: the user trap frame (22 words: trap_frame.h), the FS base, and a
 * word of padding that keeps the FP part on 16 bytes. */
#define HAL_USER_REGS_WORDS 24

#endif /* ARCH_X86_64_CONTEXT_H */
