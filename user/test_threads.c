/*
 * test_threads.c - POSIX threads of one process spread over the clusters (KTAP).
 *
 * Threads are placed with place_next() (user/include/almos.h) on every cluster; they report where
 * they run, share counters under pthread mutexes, hand a token back and forth through a condition
 * variable, write through a pointer to the main thread's stack, and touch a large heap buffer.
 * Run under Archipel: `./archipel run -- /bin/test_threads`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"

#define COUNTER_ROUNDS 2000
#define HANDOFFS       10000
#define BIG            (64UL << 20)

static unsigned int clusters, cores;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

struct where {
	unsigned int cxy, lid;
};

static void *report_core(void *arg)
{
	struct where *w = arg;

	get_core_id(&w->cxy, &w->lid);
	return NULL;
}

/* Start @fn(@arg) on cluster @cxy (any core); 0 or an errno. */
static int start_on(pthread_t *t, unsigned int cxy, void *(*fn)(void *), void *arg)
{
	if (place_next((int)cxy, PLACE_ANY_CORE) != 0)
		return errno;
	return pthread_create(t, NULL, fn, arg);
}

static bool placement(void)
{
	bool ok = true;

	for (unsigned int c = 0; c < clusters; c++) {
		struct where w = { 99, 99 };
		pthread_t t;
		if (start_on(&t, c, report_core, &w) != 0 || pthread_join(t, NULL) != 0)
			return false;
		ktap_diag("thread placed on cluster %u ran on core [%u,%u]", c, w.cxy, w.lid);
		ok = ok && w.cxy == c && w.lid < cores;
	}
	return ok;
}

static void *add(void *arg)
{
	(void)arg;
	for (int i = 0; i < COUNTER_ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static bool mutex_counters(void)
{
	pthread_t t[8];

	counter = 0;
	for (int i = 0; i < 8; i++)
		if (start_on(&t[i], (unsigned int)i % clusters, add, NULL) != 0)
			return false;
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	ktap_diag("counter %ld, expected %d", counter, 8 * COUNTER_ROUNDS);
	return counter == 8 * COUNTER_ROUNDS;
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn, handoffs;

/* Wait for our turn @me, pass it to the other side, HANDOFFS times in all. */
static void *ping_pong(void *arg)
{
	int me = (int)(intptr_t)arg;

	pthread_mutex_lock(&lock);
	while (handoffs < HANDOFFS) {
		while (turn != me && handoffs < HANDOFFS)
			pthread_cond_wait(&cond, &lock);
		if (handoffs < HANDOFFS) {
			handoffs++;
			turn = 1 - me;
			pthread_cond_broadcast(&cond);
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static bool condvar_handoffs(void)
{
	pthread_t a, b;

	turn = 0;
	handoffs = 0;
	if (start_on(&a, 0, ping_pong, (void *)0) != 0 ||
	    start_on(&b, clusters - 1, ping_pong, (void *)1) != 0)
		return false;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return handoffs == HANDOFFS;
}

static void *write_there(void *arg)
{
	*(volatile long *)arg = 0x5eed;
	return NULL;
}

static bool stack_pointer_shared(void)
{
	volatile long on_my_stack = 0;
	pthread_t t;

	if (start_on(&t, clusters - 1, write_there, (void *)&on_my_stack) != 0)
		return false;
	pthread_join(t, NULL);
	return on_my_stack == 0x5eed;
}

static char *big;

static void *touch_half(void *arg)
{
	size_t half = (size_t)(intptr_t)arg;

	for (size_t off = half * (BIG / 2); off < (half + 1) * (BIG / 2); off += 4096)
		big[off] = (char)(off >> 12);
	return NULL;
}

static bool big_heap(void)
{
	pthread_t t;
	bool ok = true;

	big = malloc(BIG);
	if (!big)
		return false;
	if (start_on(&t, clusters - 1, touch_half, (void *)1) != 0)
		return false;
	touch_half((void *)0);
	pthread_join(t, NULL);
	for (size_t off = 0; off < BIG; off += 4096)
		ok = ok && big[off] == (char)(off >> 12);
	free(big);
	return ok;
}

int main(void)
{
	ktap_plan(6);
	ktap_ok(get_config(&clusters, &cores) == 0, "get_config");
	ktap_ok(placement(), "threads_run_where_placed");
	ktap_ok(mutex_counters(), "mutex_counters_exact_8_threads");
	ktap_ok(condvar_handoffs(), "condvar_10000_handoffs_across_clusters");
	ktap_ok(stack_pointer_shared(), "remote_thread_writes_main_stack");
	ktap_ok(big_heap(), "malloc_touch_64MiB_from_two_clusters");
	return ktap_exit();
}
