/*
 * test_xbarrier.c - the cross-cluster barrier (kernel/libk/xbarrier.c) on the host, host threads
 * as cores.
 *
 * The sleeping form (xbarrier_wait_sleep, the boot barrier's) is driven with a sleep that blocks
 * on a per-thread semaphore and a wake-up that posts every other thread's: a post made before the
 * sleep is kept, as an interrupt stays pending before wfi or hlt. A round that left a waiter
 * asleep with no wake-up to come would hang the test (ctest's timeout fails it). Tests named
 * tsan_* also run under ThreadSanitizer (ctest host.tsan.xbarrier, preset host-tsan).
 */
#include <libk/xbarrier.h>

#include "htest.h"

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>

#define CORES  6
#define ROUNDS 300

static xbarrier_t barrier;
#define BARRIER_XP XPTR(local_cxy, &barrier)

static sem_t pending[CORES];          /* the "interrupt pending" of each thread */
static __thread int self;             /* this thread's index */
static __thread uint32_t round_of_me; /* the round this thread is in */
static uint32_t arrived[ROUNDS];      /* threads that reached each round's barrier */
static uint32_t wakes;                /* calls of wake_all */
static uint32_t early_wakes;          /* wake_all called before every thread arrived */
static uint32_t early_leaves;         /* a thread left before every thread arrived */
static uint32_t sleeps;               /* sleeps that ended */

static void sleep_on_event(void)
{
	sem_wait(&pending[self]);
	__atomic_add_fetch(&sleeps, 1, __ATOMIC_RELAXED);
}

static void wake_others(void)
{
	if (__atomic_load_n(&arrived[round_of_me], __ATOMIC_ACQUIRE) != CORES)
		__atomic_add_fetch(&early_wakes, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&wakes, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < CORES; i++)
		if (i != self)
			sem_post(&pending[i]);
}

static void *core(void *arg)
{
	self = (int)(uintptr_t)arg;
	for (round_of_me = 0; round_of_me < ROUNDS; round_of_me++) {
		__atomic_add_fetch(&arrived[round_of_me], 1, __ATOMIC_RELEASE);
		xbarrier_wait_sleep(BARRIER_XP, CORES, sleep_on_event, wake_others);
		if (__atomic_load_n(&arrived[round_of_me], __ATOMIC_ACQUIRE) != CORES)
			__atomic_add_fetch(&early_leaves, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

HT_TEST(tsan_sleeping_waiters_leave_each_round_together)
{
	pthread_t tid[CORES];
	uint32_t left = 0;

	barrier = (xbarrier_t){ 0 };
	wakes = early_wakes = early_leaves = sleeps = 0;
	for (int i = 0; i < CORES; i++)
		HT_REQUIRE(sem_init(&pending[i], 0, 0) == 0);
	for (uintptr_t i = 0; i < CORES; i++)
		HT_REQUIRE(pthread_create(&tid[i], NULL, core, (void *)i) == 0);
	for (int i = 0; i < CORES; i++)
		pthread_join(tid[i], NULL);
	HT_CHECK(wakes == ROUNDS); /* once per round, by its last thread */
	HT_CHECK(early_wakes == 0);
	HT_CHECK(early_leaves == 0);
	for (int i = 0; i < CORES; i++) {
		int v;

		sem_getvalue(&pending[i], &v);
		left += (uint32_t)v;
		sem_destroy(&pending[i]);
	}
	/* every wake-up either ended a sleep or is still pending (a waiter that saw the new round
	 * before sleeping): none was sent twice, none invented */
	HT_CHECK(sleeps + left == ROUNDS * (CORES - 1));
	HT_CHECK(barrier.arrived == 0 && barrier.generation == ROUNDS);
}

static uint32_t sleeps_alone;

static void sleep_alone(void) { sleeps_alone++; }

static void wake_alone(void) { wakes++; }

HT_TEST(single_core_round_wakes_nobody_and_never_sleeps)
{
	xbarrier_t b = { 0 };

	wakes = 0;
	for (int i = 0; i < 3; i++)
		xbarrier_wait_sleep(XPTR(local_cxy, &b), 1, sleep_alone, wake_alone);
	HT_CHECK(sleeps_alone == 0);
	HT_CHECK(wakes == 3);
	HT_CHECK(b.arrived == 0 && b.generation == 3);
}

static void relax_yield(void) { sched_yield(); }

static void *relaxing_core(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++)
		xbarrier_wait_relax(BARRIER_XP, CORES, relax_yield);
	return NULL;
}

HT_TEST(tsan_spinning_waiters_need_no_wake_up)
{
	pthread_t tid[CORES];

	barrier = (xbarrier_t){ 0 };
	for (int i = 0; i < CORES; i++)
		HT_REQUIRE(pthread_create(&tid[i], NULL, relaxing_core, NULL) == 0);
	for (int i = 0; i < CORES; i++)
		pthread_join(tid[i], NULL);
	HT_CHECK(barrier.arrived == 0 && barrier.generation == ROUNDS);
}
