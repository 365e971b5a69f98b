/*
 * process_notify.c - the parent's side of a child's job-control event (process.h). Until fork
 * and wait4 bring parents, the event is only logged; that change replaces this file.
 */
#include <kern/printk.h>
#include <kern/process.h>

void process_child_event(xptr_t owner_xp)
{
	pr_debug("process %lx: job control event", (unsigned long)owner_xp);
}
