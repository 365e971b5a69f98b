/*
 * hal_context.h - thread contexts and kernel stacks.
 *
 * A thread's saved kernel context is a hal_context_t embedded in its descriptor; its layout belongs
 * to the architecture (it holds the callee-saved registers, stack pointer and return address).
 * Kernel stacks live in a kernel stack area mapped identically in every cluster (an object on a
 * thread's stack can be reached from any cluster, e.g. an RPC descriptor), each with an unmapped
 * guard page below it, so an overflow faults instead of corrupting a neighbour.
 */
#ifndef HAL_CONTEXT_H
#define HAL_CONTEXT_H

#include <hal_types.h>

#define HAL_CONTEXT_WORDS 16

typedef struct hal_context_s {
	uint64_t regs[HAL_CONTEXT_WORDS]; /* arch layout; never read by generic code */
} hal_context_t;

/*
 * Prepare @ctx so that the first hal_context_switch() to it runs @entry(@arg) on the stack whose
 * top is @stack_top (16-byte aligned), with IRQs masked. @entry must never return.
 */
void hal_context_init(hal_context_t *ctx, void *stack_top, void (*entry)(void *), void *arg);

/*
 * Save the calling thread's context in @from and resume the one saved in @to, on the calling core.
 * Returns when some core switches back to @from. Caller: IRQs masked, scheduler lock held.
 */
void hal_context_switch(hal_context_t *from, hal_context_t *to);

/* The user registers of a thread, as a system call found them (arch layout, opaque here). */
#define HAL_USER_REGS_WORDS 36
typedef struct hal_user_regs_s {
	uint64_t words[HAL_USER_REGS_WORDS];
} hal_user_regs_t;

/* The running thread's user registers at the entry of its current system call (for clone). */
void hal_user_regs_current(hal_user_regs_t *regs);

/* The stack pointer and the thread pointer (TLS) in @regs (a fork's child goes on with them). */
uintptr_t hal_user_regs_sp(const hal_user_regs_t *regs);
uintptr_t hal_user_regs_tls(const hal_user_regs_t *regs);

/*
 * Set the running user thread's thread pointer (TLS register) to @tls, from its next return to
 * user mode on (RISC-V: tp in the saved user frame; x86_64: the FS base, which the thread keeps
 * across switches). The caller keeps thread_t.user_tls in step (arch_prctl). Caller: a user
 * thread inside a system call.
 */
void hal_user_set_tls(uintptr_t tls);

/*
 * Leave the kernel for user mode in the calling thread: execution goes on at user address @pc with
 * stack pointer @sp, thread pointer @tls and first argument register @arg, interrupts enabled; the
 * other registers are those of @regs (a clone's parent, as Linux does) or zero when @regs is NULL.
 * A later trap from user mode saves its frame at the top of this thread's kernel stack. Caller: a
 * thread created with hal_context_init, whose address space (hal_gpt_activate) maps @pc and @sp.
 */
_Noreturn void hal_user_enter(const hal_user_regs_t *regs, uintptr_t pc, uintptr_t sp, uintptr_t tls,
			      uintptr_t arg);

/*
 * Make the running thread's current system call return into a new program (execve): at user
 * address @pc with stack pointer @sp, every other register zero, thread pointer included; the
 * call's result register is then written as usual, so the system call must return 0. The frame
 * is rebuilt in place, and the normal way out of the system call (trace, end of interrupt, exit of
 * a killed thread) still runs. Caller: a user thread inside a system call, whose address space
 * maps @pc and @sp (or will fault them in).
 */
void hal_user_regs_reset(uintptr_t pc, uintptr_t sp);

/* The user address the running thread resumes at when its current system call returns. */
uintptr_t hal_user_return_pc(void);

/*
 * Kernel stacks of CONFIG_KSTACK_SIZE bytes in the local cluster's part of the kernel stack area.
 * hal_kstack_alloc() returns the lowest address of the stack, or NULL when the area or the
 * cluster's memory is exhausted. Freed stacks stay mapped and are reused by the same cluster, so a
 * stack address never changes meaning under a stale TLB entry. Any core of the cluster may call
 * them; they take a busylock and never sleep.
 */
void *hal_kstack_alloc(void);
void  hal_kstack_free(void *base);
/*
 * The kernel stacks of cluster @cxy (each cluster has its own allocator): @in_use stacks handed
 * out, @cached stacks kept for reuse, and the @pages the allocator holds from the PPM (the stacks,
 * in use or cached, and the page tables of the stack area), which follow the peak number of threads.
 */
void  hal_kstack_stats(cxy_t cxy, uint32_t *in_use, uint32_t *cached, uint32_t *pages);

#endif /* HAL_CONTEXT_H */
