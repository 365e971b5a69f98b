/*
 * hal_upcalls.h - the generic kernel functions the HAL calls. They are the only way the
 * architecture code reaches into kernel/ (besides the HAL headers' own contracts).
 */
#ifndef HAL_UPCALLS_H
#define HAL_UPCALLS_H

#include <hal_types.h>

/* Timer tick of the calling core (interrupt context, IRQs off). */
void kernel_tick(void);

/* Inter-processor interrupt received by the calling core (interrupt context, IRQs off). */
void kernel_ipi(void);

/*
 * Last step of every interrupt, before returning to the interrupted code: may switch threads.
 * @interrupted_irq_enabled tells whether the interrupted code ran with IRQs enabled (only then may
 * it be preempted: code with IRQs off may hold busylocks).
 */
void kernel_irq_exit(bool interrupted_irq_enabled);

/* Kinds of exceptions raised by user code, as far as the generic kernel cares. */
typedef enum hal_user_exc_e {
	HAL_EXC_PAGE_FAULT = 1, /* access to an unmapped or protected page (vaddr, access)   */
	HAL_EXC_ILLEGAL,        /* illegal instruction                                   */
	HAL_EXC_BREAKPOINT,     /* breakpoint instruction                                */
	HAL_EXC_MISALIGNED,     /* misaligned access the hardware does not handle        */
	HAL_EXC_BUS,            /* access fault: no memory or device at that address      */
	HAL_EXC_ARITH,          /* arithmetic exception: integer division by zero or overflow,
	                           an unmasked floating-point exception (x86's #DE, #MF, #XM) */
} hal_user_exc_t;

/* Access of a page fault. */
#define HAL_ACCESS_READ  0x1u
#define HAL_ACCESS_WRITE 0x2u
#define HAL_ACCESS_EXEC  0x4u

/*
 * A page fault on user address @vaddr, from user code or from a copy of hal_uspace.h: map the page
 * (demand paging, copy on write) if the address space allows @access. Returns 0 if the access can
 * be retried, EFAULT otherwise. Runs in the faulting thread with IRQs enabled; may sleep.
 */
error_t kernel_page_fault(uintptr_t vaddr, uint32_t access);

/*
 * Any other exception raised by user code, or a page fault kernel_page_fault could not resolve:
 * deliver the matching signal to the thread (@pc the faulting instruction, @vaddr the address).
 * Returns if the thread may go on (a handler), otherwise it does not return.
 */
void kernel_user_exception(hal_user_exc_t kind, uintptr_t vaddr, uint32_t access, uintptr_t pc);

/*
 * A system call of the running user thread: @nr and @args as the user passed them. Returns the
 * value for the user's result register (>= 0, or -errno). Runs with IRQs enabled; may sleep.
 */
int64_t kernel_syscall(uint64_t nr, const uint64_t args[6]);

/*
 * The running thread entered the kernel from user mode (a system call, an exception or an
 * interrupt): the architecture's trap path calls this first, once per entry, IRQs off. It closes
 * the thread's user-time interval (kern/acct.h); the interval of kernel time it opens is closed by
 * kernel_user_return or by a context switch. Never blocks.
 */
void kernel_user_enter(void);

/*
 * The running thread is about to return to user mode (after a system call, an exception or an
 * interrupt that came from user mode): the generic kernel may end it here instead (a thread killed
 * by exit_group of another thread). IRQs off; may not return.
 */
void kernel_user_return(void);

/*
 * The calling thread has found a lock of the HAL (a PTE lock) held by another thread @rounds times
 * in a row. It relaxes the core, and from time to time, when it may (interrupts enabled, so no
 * busylock held), lets the holder run: a kernel thread spinning on a lock held by a preempted user
 * thread of its own core would otherwise never let it run (kernel threads run first).
 */
void kernel_lock_wait(uint32_t rounds);

#endif /* HAL_UPCALLS_H */
