/*
 * user_fault.c - what happens when user code faults (the hal_upcalls.h entries for exceptions).
 *
 * A page fault is resolved by the VMM of the thread's process copy; a thread without a process
 * (a kernel thread, or a test's bare user thread) has nothing to resolve, so the fault is
 * unresolved. An unresolved fault or another exception becomes the matching synchronous signal
 * (signal_fault): a handler runs, or the process ends as Linux's default action would.
 */
#include <hal_irqmask.h>
#include <hal_special.h>
#include <hal_upcalls.h>
#include <kern/acct.h>
#include <kern/cluster.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <mm/failnth.h>
#include <mm/oom.h>
#include <mm/vmm.h>
#include <mm/vmm_query.h>

/* One attempt at the fault of @self at @vaddr. */
static error_t fault_once(thread_t *self, uintptr_t vaddr, uint32_t access)
{
	error_t error;

	error = vmm_handle_page_fault(&self->process->vmm, vaddr, access); /* copy on write too */
	if (error == EFAULT && !vmm_has_vseg(&self->process->vmm, vaddr) &&
	    vmm_fault_grow_down(vaddr) == 0) /* just below a MAP_GROWSDOWN mapping: it grew */
		error = vmm_handle_page_fault(&self->process->vmm, vaddr, access);
	return error;
}

/*
 * The fault, until it is resolved or fails for another reason than memory. An allocation that
 * fault injection failed (mm/failnth.h) is not the machine out of memory: the access just faults
 * again (Linux retries such a fault too). Otherwise the OOM policy (mm/oom.h) frees memory, and
 * the fault is taken again.
 */
static error_t fault(thread_t *self, uintptr_t vaddr, uint32_t access)
{
	/* A thread that counts no allocations (every fault but a fail-nth sweep's) has no mark to
	 * take: failnth_mark() would answer -1 (a user thread's counter is only set by its own armed
	 * call, failnth_begin, before this). */
	bool counting = self->failnth_xp != XPTR_NULL;

	for (;;) {
		uint64_t released = oom_released();
		int32_t mark = counting ? failnth_mark() : -1;
		error_t error = fault_once(self, vaddr, access);

		if (error != ENOMEM)
			return error;
		if (failnth_fired_since(mark))
			return 0;
		error = oom_page_fault(released);
		if (error)
			return error;
	}
}

error_t kernel_page_fault(uintptr_t vaddr, uint32_t access)
{
	thread_t *self = thread_current();
	bool counting;
	error_t error;

	if (!self || self->type != THREAD_USER || !self->process)
		return EFAULT; /* a kernel thread (or a bare test thread) has no user space */
	counting = self->failnth_armed && failnth_begin(); /* failnth_begin's test, without a call */
	error = fault(self, vaddr, access);
	if (counting)
		failnth_end();
	self->fault_error = error; /* which signal an unresolved fault becomes (below) */
	if (!error)
		acct_fault(self);
	return error;
}

void kernel_user_exception(hal_user_exc_t kind, uintptr_t vaddr, uint32_t access, uintptr_t pc)
{
	thread_t *self = thread_current();

	pr_debug("thread %x (%s): exception %d at pc %lx, address %lx, access %x", self->trdid,
		 self->name, kind, pc, vaddr, access);
	if (__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE))
		return; /* a fault of a thread being killed (the OOM killer's victim): no signal, it
			   leaves at its return to user mode (kernel_user_return) */
	switch (kind) {
	case HAL_EXC_ILLEGAL:
		signal_fault(SIGILL, ILL_ILLOPC, pc);
		break;
	case HAL_EXC_BREAKPOINT:
		signal_fault(SIGTRAP, TRAP_BRKPT, pc);
		break;
	case HAL_EXC_MISALIGNED:
		signal_fault(SIGBUS, BUS_ADRALN, vaddr);
		break;
	case HAL_EXC_BUS:
		signal_fault(SIGBUS, BUS_ADRERR, vaddr);
		break;
	case HAL_EXC_INT_DIV:
		signal_fault(SIGFPE, FPE_INTDIV, pc);
		break;
	case HAL_EXC_FP_INVALID:
		signal_fault(SIGFPE, FPE_FLTINV, pc);
		break;
	case HAL_EXC_FP_DIVZERO:
		signal_fault(SIGFPE, FPE_FLTDIV, pc);
		break;
	case HAL_EXC_FP_OVERFLOW:
		signal_fault(SIGFPE, FPE_FLTOVF, pc);
		break;
	case HAL_EXC_FP_UNDERFLOW:
		signal_fault(SIGFPE, FPE_FLTUND, pc);
		break;
	case HAL_EXC_FP_INEXACT:
		signal_fault(SIGFPE, FPE_FLTRES, pc);
		break;
	default: /* a vseg that forbids the access, or none at all; beyond the end of a mapped file */
		if (kind == HAL_EXC_PAGE_FAULT && self->fault_error == ENXIO) {
			signal_fault(SIGBUS, BUS_ADRERR, vaddr);
			break;
		}
		signal_fault(SIGSEGV, self->process && vmm_has_vseg(&self->process->vmm, vaddr) ?
				      SEGV_ACCERR : SEGV_MAPERR, vaddr);
		break;
	}
}

uint32_t kernel_user_work(void)
{
	core_t *core = hal_get_core_ptr(); /* thread_current(), inline: every return comes here */

	return __atomic_load_n(&core->sched.current->work, __ATOMIC_RELAXED);
}

void kernel_user_return(void)
{
	thread_t *self = thread_current();
	uint32_t work;

	do {
		/* cleared before looking: work posted from now on brings us round again */
		work = __atomic_fetch_and(&self->work, THREAD_WORK_STICKY, __ATOMIC_ACQ_REL);
		if (work & THREAD_WORK_RESCHED)
			kernel_irq_exit(true); /* the end of the interrupt that asked for it */
		if (__atomic_load_n(&self->killed, __ATOMIC_ACQUIRE)) {
			hal_enable_irq();
			thread_user_exit(self->kill_status);
		}
		if (work & THREAD_WORK_MIGRATE) { /* another thread's sched_setaffinity excluded
						   * this core */
			uint32_t move_to = __atomic_exchange_n(&self->migrate_to, 0, __ATOMIC_ACQ_REL);

			if (move_to) {
				hal_enable_irq();
				sched_migrate_self(move_to - 1);
				hal_disable_irq();
			}
		}
		if (work & THREAD_WORK_SIGNAL)
			signal_deliver();
	} while (__atomic_load_n(&self->work, __ATOMIC_ACQUIRE) & ~THREAD_WORK_STICKY);
	acct_user_exit(self); /* the kernel interval ends: back to user time */
}
