/*
 * user_fault.c - what happens when user code faults (the hal_upcalls.h entries for exceptions).
 *
 * A page fault is resolved by the VMM of the thread's process copy; a thread without a process
 * (a kernel thread, or a test's bare user thread) has nothing to resolve, so the fault is
 * unresolved. An unresolved fault or another exception kills the process (all its threads) with
 * the matching signal, as Linux's default action would (user handlers come with the process life
 * cycle).
 */
#include <hal_irqmask.h>
#include <hal_upcalls.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/thread.h>
#include <libk/errno.h>

#define SIGILL  4
#define SIGTRAP 5
#define SIGBUS  7
#define SIGSEGV 11

error_t kernel_page_fault(uintptr_t vaddr, uint32_t access)
{
	thread_t *self = thread_current();

	if (!self || self->type != THREAD_USER || !self->process)
		return EFAULT; /* a kernel thread (or a bare test thread) has no user space */
	if ((access & HAL_ACCESS_WRITE) && vmm_is_cow(&self->process->vmm, vaddr))
		return vmm_handle_cow(&self->process->vmm, vaddr);
	return vmm_handle_page_fault(&self->process->vmm, vaddr, access);
}

static int exception_signal(hal_user_exc_t kind)
{
	switch (kind) {
	case HAL_EXC_ILLEGAL:
		return SIGILL;
	case HAL_EXC_BREAKPOINT:
		return SIGTRAP;
	case HAL_EXC_MISALIGNED:
	case HAL_EXC_BUS:
		return SIGBUS;
	default:
		return SIGSEGV;
	}
}

void kernel_user_exception(hal_user_exc_t kind, uintptr_t vaddr, uint32_t access, uintptr_t pc)
{
	thread_t *self = thread_current();
	int sig = exception_signal(kind);

	pr_info("thread %x (%s): killed by signal %d: exception %d at pc %lx, address %lx, access %x",
		self->trdid, self->name, sig, kind, pc, vaddr, access);
	if (self->process) /* the default action ends the whole process */
		process_kill(self->process->ref_xp, sig, self->trdid);
	thread_user_exit(sig);
}

void kernel_user_return(void)
{
	thread_t *self = thread_current();

	if (__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE)) {
		hal_enable_irq();
		thread_user_exit(self->kill_status);
	}
}
