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

#include <arch/context.h>
#include <arch/fpu.h>
#include <hal_types.h>

#define HAL_CONTEXT_WORDS 16

/*
 * Extended state (FP registers; on x86_64 also the SSE/AVX state).
 *
 * Each architecture's <arch/fpu.h> defines hal_fpu_t: a user thread's saved extended registers
 * and the bookkeeping its HAL needs, of a size and alignment fixed at build time (RISC-V: f0..f31
 * and fcsr, 264 bytes; x86_64: a 512-byte FXSAVE area aligned on 16, or an XSAVE area of the
 * largest size the port supports, aligned on 64, the port enabling in XCR0 only the components
 * whose CPUID size fits). Generic code never looks inside: it only carries one by value in a
 * clone's or fork's snapshot (hal_user_regs_t below), which crosses clusters in one remote copy
 * while its creator goes on, so the state cannot be left behind a pointer to the creator's.
 *
 * Every thread has one area, which the HAL keeps with the thread's kernel stack (RISC-V: at its
 * top, above the user frame): thread descriptors do not grow, and nothing is allocated or can
 * fail for it. Its life cycle follows the thread's:
 *   created    hal_context_init(): marked unused (the initial state, exec's: every register and
 *              control word zero on RISC-V);
 *   inherited  hal_user_regs_current() snapshots it with the integer registers, the live
 *              registers saved first, and hal_user_enter(@regs) hands the snapshot to the new
 *              thread: fork and clone children start with their parent's FP registers, as on
 *              Linux (POSIX: a new thread inherits its creator's floating-point environment);
 *   reset      hal_user_regs_reset() (execve) puts the initial state back;
 *   signals    hal_signal_frame_push() saves it into the frame, rt_sigreturn's
 *              hal_signal_frame_pop() loads it back (hal_signal.h);
 *   moved      hal_context_migrate(), on the core it leaves, once it is switched out there for the
 *              last time before it runs on another core (sched_setaffinity): its values leave
 *              that core's registers for its area, and the core forgets it, so that only the
 *              thread's current core ever takes it for the owner of its registers;
 *   freed      hal_context_destroy(), on the thread's core, once it is switched out for good.
 * Saving and loading: a core's registers hold the values of the last user thread that used them.
 * hal_context_switch() saves the values of the thread it leaves only if that thread changed them
 * since they were loaded (RISC-V: sstatus.FS = Dirty). A thread's values are loaded again only if
 * another thread's took their place meanwhile: by the switch if the thread changed them in its last
 * time slice, otherwise at its next FP instruction, which finds the FPU off and traps. So a thread
 * that does not touch the FPU in a time slice saves and loads nothing in it. The kernel itself uses
 * no extended register: it is built without them and runs with the FPU off, so that a use by
 * mistake traps (docs/fpu.md, which also gives the policies measured).
 */
typedef struct hal_context_s {
	uint64_t regs[HAL_CONTEXT_WORDS]; /* arch layout; never read by generic code */
} hal_context_t;

/*
 * Prepare @ctx so that the first hal_context_switch() to it runs @entry(@arg) on the stack whose
 * top is @stack_top (16-byte aligned), with IRQs masked. @entry must never return. Its extended
 * state is the initial one, unused. Any core may call it.
 */
void hal_context_init(hal_context_t *ctx, void *stack_top, void (*entry)(void *), void *arg);

/*
 * The thread of @ctx is gone for good (it was switched out for the last time): its core forgets
 * that its registers may hold that thread's extended state, so that a thread given the same
 * kernel stack later is not taken for it. Caller: the thread's core, IRQs in any state.
 */
void hal_context_destroy(hal_context_t *ctx);

/*
 * The thread of @ctx, switched out on the calling core, runs on another core from now on: its
 * extended state is saved into its area if this core's registers hold newer values, this core
 * forgets it, and its next core loads the area (at the switch-in or at its first FP instruction).
 * Without it the core left keeps taking the thread for the owner of its registers: the thread
 * brought back there runs with values it has changed since, and the core, when another thread
 * takes its registers, writes into the area of a thread that may have ended meanwhile.
 * Caller: the core left, IRQs masked, before another core can switch the thread in.
 */
void hal_context_migrate(hal_context_t *ctx);

/*
 * Save the calling thread's context in @from and resume the one saved in @to, on the calling core.
 * Returns when some core switches back to @from. The extended state of @from is saved only if it
 * changed since it was loaded; @to's is loaded later, if @to needs it (above). Caller: IRQs masked,
 * scheduler lock held.
 */
void hal_context_switch(hal_context_t *from, hal_context_t *to);

/*
 * The user registers of a thread, as a system call found them (arch layout, opaque here): a clone's
 * or fork's snapshot, copied by value. <arch/context.h> gives HAL_USER_REGS_WORDS, the number of
 * 64-bit words of its integer part.
 */
typedef struct hal_user_regs_s {
	uint64_t  words[HAL_USER_REGS_WORDS]; /* integer registers */
	hal_fpu_t fpu;                        /* extended state    */
} hal_user_regs_t;

/*
 * The running thread's user registers at the entry of its current system call, its extended state
 * included (for clone and fork). Caller: a user thread in a system call, IRQs in any state.
 */
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
 * other registers, the extended state included, are those of @regs (a clone's parent, as Linux
 * does) or zero (the initial state) when @regs is NULL.
 * A later trap from user mode saves its frame at the top of this thread's kernel stack. Caller: a
 * thread created with hal_context_init, whose address space (hal_gpt_activate) maps @pc and @sp.
 */
_Noreturn void hal_user_enter(const hal_user_regs_t *regs, uintptr_t pc, uintptr_t sp, uintptr_t tls,
			      uintptr_t arg);

/*
 * Make the running thread's current system call return into a new program (execve): at user
 * address @pc with stack pointer @sp, every other register zero, thread pointer included, and the
 * extended state back to its initial state (RISC-V: f0..f31 and fcsr zero); the
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
/* True if @addr lies in the guard pages below a kernel stack, of any cluster: an overflow. */
bool  hal_kstack_is_guard(uintptr_t addr);

/*
 * The allocator above is hal/common/hal_kstack.c's, over the layout of <arch/kmem.h>
 * (KMEM_KSTACK_BASE, KMEM_KSTACK_AREA_SHIFT, KMEM_KSTACK_SLOT_SIZE). What the architecture
 * provides: map CONFIG_KSTACK_SIZE bytes of fresh frames at @stack, the stack part of a slot of
 * the local cluster that was never mapped, readable and writable by the kernel, global, at the
 * same address in every cluster; page tables it allocates on the way are added to *@table_pages.
 * Called with the allocator's busylock held (which serialises the mappings of a cluster). False
 * when memory runs out (a table allocated before then stays, counted).
 */
bool  hal_kstack_map(uintptr_t stack, uint32_t *table_pages);

/*
 * What the extended state cost core @lid of cluster @cxy since boot: @saves of a thread's registers
 * into its area, @restores of an area into the registers, and @traps, first uses of the FPU by a
 * thread whose FPU was off. A thread that never touches the FPU adds to none of them. A snapshot
 * (remote reads, no lock).
 */
typedef struct hal_fpu_stats_s {
	uint64_t saves;
	uint64_t restores;
	uint64_t traps;
} hal_fpu_stats_t;

void  hal_fpu_stats(cxy_t cxy, lid_t lid, hal_fpu_stats_t *stats);

#endif /* HAL_CONTEXT_H */
