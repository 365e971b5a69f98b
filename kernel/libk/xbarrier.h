/*
 * xbarrier.h - a barrier for cores of any clusters, on an object reached by extended pointer.
 *
 * xbarrier_wait(b, n) returns once n cores have called it on the same barrier; the barrier is then
 * ready for the next round (a generation number tells rounds apart, so a fast core cannot run
 * through the next round while slow ones are still leaving this one). Waiters spin (or sleep, with
 * xbarrier_wait_sleep): use it only where nothing can be scheduled instead (boot, tests).
 */
#ifndef LIBK_XBARRIER_H
#define LIBK_XBARRIER_H

#include <hal_types.h>

typedef struct xbarrier_s {
	uint32_t arrived;    /* cores arrived in the current round (atomic)  */
	uint32_t generation; /* rounds completed (written by the last core)   */
} xbarrier_t;

void xbarrier_wait(xptr_t barrier_xp, uint32_t count);

/* The same, calling @relax() between two looks at the barrier (e.g. to yield the core). */
void xbarrier_wait_relax(xptr_t barrier_xp, uint32_t count, void (*relax)(void));

/*
 * The same where waiters sleep: each calls @sleep() between two looks (it may return spuriously),
 * and the last core to arrive calls @wake_all() once the round is over, which must end every
 * waiter's @sleep() (an IPI to each; one sent before a waiter sleeps must still end its sleep).
 */
void xbarrier_wait_sleep(xptr_t barrier_xp, uint32_t count, void (*sleep)(void),
			 void (*wake_all)(void));

#endif /* LIBK_XBARRIER_H */
