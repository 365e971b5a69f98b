/*
 * test_failnth.c - the counters of fault injection (kernel/mm/failnth.c): arming, the count of a
 * call's allocations, the one failure, the reading back, an RPC server counting on its client's
 * counter, and the per-cluster count the allocators' fast path reads. Threads are host threads
 * (thread_host.c); the allocators' side is test_alloc_failnth.
 */
#include <kern/ksyms.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <mm/failnth.h>
#include <hal_debug.h>

#include "htest.h"

#include <pthread.h>

/* The trace of an injected failure (loglevel 7) walks the kernel's stack: nothing to walk here. */
const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset)
{
	(void)addr;
	*offset = 0;
	return NULL;
}

void hal_backtrace_calls(uintptr_t fp, unsigned max, hal_frame_fn_t fn, void *arg)
{
	(void)fp; (void)max; (void)fn; (void)arg;
}

/* @n allocations of the running thread: the index (1-based) of the one that failed, 0 if none. */
static unsigned allocate(unsigned n)
{
	unsigned failed = 0;

	for (unsigned i = 1; i <= n; i++)
		if (failnth_should_fail()) {
			HT_CHECK(failed == 0); /* only one */
			failed = i;
		}
	return failed;
}

HT_TEST(nothing_armed_nothing_counted)
{
	HT_CHECK(!failnth_begin());
	HT_CHECK(failnth_counting == 0 && allocate(50) == 0);
	HT_CHECK(failnth_current() == XPTR_NULL && failnth_mark() == -1);
}

HT_TEST(the_nth_allocation_of_the_armed_call_fails)
{
	HT_CHECK(failnth_arm(3) == 0 && failnth_read() == 3); /* armed, not begun: n */
	HT_REQUIRE(failnth_begin());
	HT_CHECK(failnth_counting == 1);
	HT_CHECK(allocate(10) == 3);
	failnth_end();
	HT_CHECK(failnth_counting == 0 && failnth_read() == 0); /* fired */
	HT_CHECK(!failnth_begin() && allocate(10) == 0);        /* the next call: nothing */
}

HT_TEST(a_call_short_of_n_reads_what_is_left)
{
	HT_CHECK(failnth_arm(5) == 0);
	HT_REQUIRE(failnth_begin());
	int32_t mark = failnth_mark();
	HT_CHECK(allocate(2) == 0 && !failnth_fired_since(mark));
	failnth_end();
	HT_CHECK(failnth_read() == 3);
}

HT_TEST(fired_since_a_mark)
{
	HT_CHECK(failnth_arm(2) == 0);
	HT_REQUIRE(failnth_begin());
	HT_CHECK(allocate(1) == 0);
	int32_t mark = failnth_mark();
	HT_CHECK(mark == 1 && allocate(1) == 1 && failnth_fired_since(mark));
	mark = failnth_mark();
	HT_CHECK(allocate(3) == 0 && !failnth_fired_since(mark)); /* fired before the mark */
	failnth_end();
}

HT_TEST(disarm_and_bounds)
{
	HT_CHECK(failnth_arm(4) == 0 && failnth_arm(0) == 0 && !failnth_begin());
	HT_CHECK(failnth_arm((uint64_t)INT32_MAX + 1) == EINVAL && failnth_read() != INT32_MAX);
	HT_CHECK(failnth_arm(INT32_MAX) == 0 && failnth_read() == INT32_MAX);
	HT_CHECK(failnth_arm(0) == 0);
}

/* A server (another host thread) counts on the client's counter while it serves. */
static xptr_t served_counter;
static unsigned served_failed;

static void *server(void *arg)
{
	(void)arg;
	xptr_t previous = failnth_adopt(served_counter);
	HT_CHECK(previous == XPTR_NULL && failnth_current() == served_counter);
	served_failed = allocate(4);
	failnth_restore(previous);
	HT_CHECK(failnth_current() == XPTR_NULL && allocate(4) == 0);
	return NULL;
}

HT_TEST(a_server_counts_on_its_client_counter)
{
	pthread_t t;

	HT_CHECK(failnth_arm(6) == 0);
	HT_REQUIRE(failnth_begin());
	HT_CHECK(allocate(3) == 0);               /* 3 by the client ...        */
	served_counter = failnth_current();
	HT_REQUIRE(pthread_create(&t, NULL, server, NULL) == 0 && pthread_join(t, NULL) == 0);
	HT_CHECK(served_failed == 3);             /* ... the 6th by the server   */
	HT_CHECK(failnth_counting == 1 && allocate(2) == 0);
	failnth_end();
	HT_CHECK(failnth_counting == 0 && failnth_read() == 0);
}

HT_TEST(no_server_without_a_client_counter)
{
	xptr_t previous = failnth_adopt(XPTR_NULL);

	HT_CHECK(previous == XPTR_NULL && failnth_counting == 0);
	failnth_restore(previous);
	HT_CHECK(failnth_counting == 0);
}

HT_TEST(an_exit_inside_the_armed_call_stops_counting)
{
	HT_CHECK(failnth_arm(2) == 0);
	HT_REQUIRE(failnth_begin());
	failnth_thread_exit(thread_current());
	HT_CHECK(failnth_counting == 0 && failnth_current() == XPTR_NULL && allocate(3) == 0);
}
