/*
 * hal_signal.h - the architecture's part of signal delivery: the user context a handler gets (the
 * frame on the user stack, Linux's layout for the architecture), its restoration by rt_sigreturn,
 * the restart of an interrupted system call, and the return trampoline's instructions.
 *
 * Every function works on the running thread's user registers, as saved at the top of its kernel
 * stack by its last entry from user mode (system call, exception or interrupt).
 */
#ifndef HAL_SIGNAL_H
#define HAL_SIGNAL_H

#include <hal_types.h>

/* What a signal frame holds besides the registers. */
typedef struct hal_sigframe_s {
	const void *siginfo;   /* Linux's siginfo_t, 128 bytes (generic layout)              */
	uint64_t    mask;      /* uc_sigmask: the mask rt_sigreturn restores                */
	uintptr_t   ss_sp;     /* uc_stack: the alternate stack when the signal came        */
	uint32_t    ss_flags;
	size_t      ss_size;
} hal_sigframe_t;

/* The user stack pointer of the running thread's saved user context. */
uintptr_t hal_user_sp(void);

/*
 * Push a frame below @sp (16-byte aligned, Linux's struct rt_sigframe of the architecture) saving
 * the user context, its extended (FP) state included, then make the return to user mode call
 * @handler(@sig, &info, &ucontext) on the frame, returning to @restorer; the handler starts with
 * the interrupted FP registers, as on Linux. EFAULT (the stack cannot take it): nothing changed
 * then. Caller: IRQs may be on; the user pages may fault in.
 */
error_t hal_signal_frame_push(uintptr_t sp, const hal_sigframe_t *frame, uintptr_t handler, int sig,
			      uintptr_t restorer);

/*
 * rt_sigreturn: restore the user context from the frame at the user stack pointer: registers
 * (only pc, the general registers and the extended state come from the user; the privilege state
 * stays the kernel's), *@mask, the alternate stack (*@ss_sp, *@ss_flags, *@ss_size). Returns the
 * user's first result register (the system call returns it), or in *@error EFAULT for an
 * unreadable frame, EINVAL for one that names extended state the kernel does not know (Linux's
 * answers; the process is then killed): nothing changed then.
 */
uint64_t hal_signal_frame_pop(uint64_t *mask, uintptr_t *ss_sp, uint32_t *ss_flags, size_t *ss_size,
			      error_t *error);

/* Make the system call being returned from run again: back to its instruction, first argument
 * register = @arg0 (restart of a call a signal interrupted: the register that held the first
 * argument may hold the result by now). */
void hal_user_syscall_restart(uint64_t arg0);

/* The instructions of the return trampoline (rt_sigreturn), into @buf; returns their size, or 0 if
 * @size is too small. */
size_t hal_sigreturn_code(void *buf, size_t size);

#endif /* HAL_SIGNAL_H */
