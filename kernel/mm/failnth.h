/*
 * failnth.h - fault injection in the allocators, Linux's fail-nth as the model (docs/memory.md).
 *
 * A thread arms it with the ALMOS-MKH call fail_nth(FAIL_NTH_SET, n) (user/include/almos.h): the
 * thread's *next* system call or page fault then has its n-th allocation fail, whichever
 * allocator makes it (a frame or a block of the PPM, a kernel object of a KCM cache or of kmem, a
 * page table, a kernel stack), and whichever cluster or thread makes it on the call's behalf: the
 * RPC descriptors carry the client's counter, and a server counts on it while it serves the
 * request. Only that one allocation fails (Linux's fail-nth too); fail_nth(FAIL_NTH_GET) then
 * tells whether it fired (0), or how many allocations short the call stopped (> 0), so that a
 * sweep over n stops once the call made fewer than n allocations.
 *
 * The injection points are the entries of the two allocators everything else is built on:
 * ppm_remote_alloc_pages() and kcm_remote_alloc() (kmem is a front end over both; a KCM's own
 * slab page is taken without a second count). Each calls failnth_should_fail() first: when no
 * thread of the cluster is counting, that is one load and one branch that is not taken.
 *
 * Lock legend of the thread_t fields (kern/thread.h): failnth_armed and failnth_xp [O] (the thread
 * itself); failnth_left [A] (remote atomics: a server of another cluster counts on it).
 */
#ifndef MM_FAILNTH_H
#define MM_FAILNTH_H

#include <hal_types.h>

struct thread_s;

/* Threads of this cluster counting allocations now (armed calls, servers serving one). [A] */
extern uint32_t failnth_counting;

/* The slow path of failnth_should_fail: does the running thread's counter say this one fails? */
bool failnth_hit(void);

/*
 * The injection point, first thing in an allocator's entry: true if this allocation must fail
 * (the allocator then returns its failure as if memory were exhausted). Any context.
 */
static inline bool failnth_should_fail(void)
{
	if (__builtin_expect(__atomic_load_n(&failnth_counting, __ATOMIC_RELAXED) == 0, 1))
		return false;
	return failnth_hit();
}

/*
 * The start of a system call or a page fault of the calling user thread: if the thread armed
 * fail-nth, its allocations count from now on (true is returned, and failnth_end() must follow at
 * the end of that call or fault). A page fault taken inside an armed system call (a copy to user
 * space) finds nothing armed any more: its allocations count as the call's.
 */
bool failnth_begin(void);
void failnth_end(void);

/* The calling thread's counter now (to mark a point), and whether the failure fired since @mark. */
int32_t failnth_mark(void);
bool    failnth_fired_since(int32_t mark);

/*
 * RPC: the counter the calling thread's allocations count on (XPTR_NULL: none), for the
 * descriptors it sends; a server adopts its client's counter around the service
 * (failnth_adopt returns what failnth_restore must be given back).
 */
xptr_t failnth_current(void);
xptr_t failnth_adopt(xptr_t counter_xp);
void   failnth_restore(xptr_t previous);

/*
 * fail_nth(2): arm the calling thread's next call with @n (1..INT32_MAX), or disarm it (@n 0).
 * EINVAL for a bigger @n.
 */
error_t failnth_arm(uint64_t n);

/*
 * fail_nth(2)'s reading: the @n armed if the call has not come yet; otherwise what is left of the
 * last armed call's counter: 0 if its failure fired (or if nothing was ever armed, as Linux), the
 * number of allocations it was short of @n if not.
 */
int64_t failnth_read(void);

/* The exiting thread @thread (the caller) stops counting (an exit inside an armed call). */
void failnth_thread_exit(struct thread_s *thread);

#endif /* MM_FAILNTH_H */
