/*
 * hal_upcalls.h - the generic kernel functions the HAL calls. They are the only way the
 * architecture code reaches into kernel/ (besides the HAL headers' own contracts).
 */
#ifndef HAL_UPCALLS_H
#define HAL_UPCALLS_H

#include <hal_types.h>

/* Timer tick of the calling core (interrupt context, IRQs off); @from_user: it interrupted user
 * code (the tick samples where CPU time goes: kern/acct.h). */
void kernel_tick(bool from_user);

/* Inter-processor interrupt received by the calling core (interrupt context, IRQs off). */
void kernel_ipi(void);

/*
 * Last step of every interrupt, before returning to the interrupted code: may switch threads.
 * @interrupted_irq_enabled tells whether the interrupted code ran with IRQs enabled (only then may
 * it be preempted: code with IRQs off may hold busylocks). An interrupt that returns to user mode
 * may skip it: a switch it would make is work that kernel_user_work announces.
 */
void kernel_irq_exit(bool interrupted_irq_enabled);

/* Kinds of exceptions raised by user code, as far as the generic kernel cares. */
typedef enum hal_user_exc_e {
	HAL_EXC_PAGE_FAULT = 1, /* access to an unmapped or protected page (vaddr, access)   */
	HAL_EXC_ILLEGAL,        /* illegal instruction                                   */
	HAL_EXC_BREAKPOINT,     /* breakpoint instruction                                */
	HAL_EXC_MISALIGNED,     /* misaligned access the hardware does not handle        */
	HAL_EXC_BUS,            /* access fault: no memory or device at that address      */
	/* Arithmetic exceptions: the HAL tells which, as Linux's si_code of the SIGFPE does. An
	 * architecture whose arithmetic never traps never reports them: RISC-V's integer division
	 * by zero gives all ones and its FP exceptions only set fflags, so it has none of these. */
	HAL_EXC_INT_DIV,        /* integer division by zero, or its quotient's overflow (x86's #DE
	                           is both: Linux reports FPE_INTDIV for both)              */
	HAL_EXC_FP_INVALID,     /* an unmasked floating-point exception (x86's #MF, #XM), named  */
	HAL_EXC_FP_DIVZERO,     /* by the first of its raised unmasked flags in the order      */
	HAL_EXC_FP_OVERFLOW,    /* listed here: invalid, divide by zero, overflow, underflow   */
	HAL_EXC_FP_UNDERFLOW,   /* (x86's denormal-operand flag counts as underflow, as on      */
	HAL_EXC_FP_INEXACT,     /* Linux), inexact; with none raised, the HAL reports nothing   */
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
 * interrupt): the architecture's trap path calls this first, once per entry, IRQs off. With
 * acct=precise it closes the thread's user-time interval (kern/acct.h; the interval of kernel time
 * it opens is closed by kernel_user_return or by a context switch); otherwise it is one test (the
 * tick samples the split: kernel_tick's @from_user). Never blocks.
 */
void kernel_user_enter(void);

/*
 * The running thread is about to return to user mode (after a system call, an exception or an
 * interrupt that came from user mode): nonzero if the generic kernel has work to do first
 * (a switch that an interrupt asked for, signals, a kill...), then the HAL calls
 * kernel_user_return; 0: the HAL may return to user mode at once. IRQs off; a few instructions.
 */
uint32_t kernel_user_work(void);

/*
 * The work kernel_user_work announced, before the running thread returns to user mode: a switch
 * (it does what kernel_irq_exit(true) does, so that after an interrupt from user mode the HAL
 * need not call kernel_irq_exit), signal delivery, a kill (it then does not return: a thread killed
 * by exit_group of another thread)... The thread's user registers must all be in its user frame
 * (signal delivery reads and writes them). Calling it when kernel_user_work() is 0 is harmless.
 * IRQs off, and off again on return; may switch threads; may not return.
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
