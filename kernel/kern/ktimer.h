/*
 * ktimer.h - kernel timers: a function to run in a cluster at a given time (docs/timers.md).
 *
 * Each cluster keeps its armed timers in one list ordered by deadline, under a busylock (class
 * LOCK_KTIMER), and runs their functions in its own kernel thread, "ktimer", which sleeps until the
 * first deadline with the kernel's timed wait (waitq_wait_timeout: the scheduler tick ends it, so
 * the resolution is the tick, CONFIG_TICK_NS). Arming a timer that becomes the first wakes that
 * thread so it sleeps again with the new deadline. A timer lives in the memory of the cluster
 * whose list holds it; any cluster may arm or cancel it through its extended pointer.
 *
 * A function runs in thread context (it may block, take locks, send signals), with no lock held,
 * once per expiry; it may re-arm its own timer (periodic timers do). ktimer_cancel() returns only
 * once the function no longer runs, so the timer may be freed after it.
 *
 * Lock legend of ktimer_t: [I] set by ktimer_init; [L] the lock of its cluster's list.
 */
#ifndef KERN_KTIMER_H
#define KERN_KTIMER_H

#include <hal_types.h>
#include <libk/xlist.h>

struct ktimer_s;
typedef void (*ktimer_fn_t)(struct ktimer_s *timer);

typedef struct ktimer_s {
	xlist_entry_t link;     /* [L] in its cluster's list, by deadline         */
	uint64_t      deadline; /* [L] ns since boot                              */
	uint32_t      armed;    /* [L] 1 while in the list                        */
	ktimer_fn_t   fn;       /* [I] run at expiry in the timer's cluster       */
} ktimer_t;

/* Each cluster's lid 0 at boot: the list and its "ktimer" thread. Panics without memory. */
void ktimer_cluster_init(void);

/* Prepare the timer @timer_xp (any cluster: the list of the cluster holding it will). */
void ktimer_init(xptr_t timer_xp, ktimer_fn_t fn);

/* Arm (or re-arm) the timer @timer_xp to expire at @deadline_ns (a past one: at once). Any
 * cluster, any thread context; no lock of rank LOCK_KTIMER or above held. */
void ktimer_arm(xptr_t timer_xp, uint64_t deadline_ns);

/* Disarm the timer @timer_xp; returns true if it was armed. Waits while its function runs (not
 * from that function itself): afterwards it neither is armed nor runs. May block. */
bool ktimer_cancel(xptr_t timer_xp);

/* Whether @timer_xp is armed, and its deadline (a snapshot). */
bool ktimer_deadline(xptr_t timer_xp, uint64_t *deadline_ns);

/* Timers armed in cluster @cxy (leak checks, displays). */
uint32_t ktimer_count(cxy_t cxy);

#endif /* KERN_KTIMER_H */
