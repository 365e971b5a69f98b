/*
 * test_remote_fifo.c - the RPC FIFO (kernel/kern/remote_fifo.c) on the host.
 *
 * Single-threaded: order, fullness at exactly CONFIG_REMOTE_FIFO_SLOTS, indices wrapping at 2^32,
 * in-order consumption when a later slot is published before an earlier one. Multi-threaded: host
 * threads are producers on different "cores" (host_lid is per thread) and one thread is the reader.
 * Tests named tsan_* are also run under ThreadSanitizer (ctest host.tsan.remote_fifo, preset
 * host-tsan), which must report nothing.
 */
#include <kern/remote_fifo.h>
#include <libk/errno.h>

#include "htest.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>

extern __thread lid_t host_lid; /* hal_host.c: per host thread */

#define SLOTS     CONFIG_REMOTE_FIFO_SLOTS
#define PRODUCERS 4

static remote_fifo_t fifo;
#define FIFO_XP XPTR(local_cxy, &fifo)

/* An item of the multi-threaded tests: its producer and its rank among that producer's items. */
static uint64_t item_of(uint32_t producer, uint32_t seq) { return (uint64_t)producer << 32 | seq; }
static uint32_t item_producer(uint64_t item) { return (uint32_t)(item >> 32); }
static uint32_t item_seq(uint64_t item) { return (uint32_t)item; }

HT_TEST(empty_fifo_returns_eagain)
{
	uint64_t item = 42;

	remote_fifo_init(FIFO_XP);
	HT_CHECK(remote_fifo_is_empty(FIFO_XP));
	HT_CHECK(remote_fifo_count(FIFO_XP) == 0);
	HT_CHECK(remote_fifo_get_item(FIFO_XP, &item) == EAGAIN);
	HT_CHECK(item == 42);
	HT_CHECK(remote_fifo_get_item(FIFO_XP, &item) == EAGAIN);
}

HT_TEST(items_come_out_in_order)
{
	uint64_t item;

	remote_fifo_init(FIFO_XP);
	for (uint64_t i = 0; i < SLOTS / 2; i++)
		HT_REQUIRE(remote_fifo_put_item(FIFO_XP, 1000 + i) == 0);
	HT_CHECK(remote_fifo_count(FIFO_XP) == SLOTS / 2);
	HT_CHECK(!remote_fifo_is_empty(FIFO_XP));
	for (uint64_t i = 0; i < SLOTS / 2; i++) {
		HT_REQUIRE(remote_fifo_get_item(FIFO_XP, &item) == 0);
		HT_CHECK(item == 1000 + i);
		HT_CHECK(remote_fifo_count(FIFO_XP) == SLOTS / 2 - 1 - i);
	}
	HT_CHECK(remote_fifo_is_empty(FIFO_XP));
	HT_CHECK(remote_fifo_get_item(FIFO_XP, &item) == EAGAIN);
}

HT_TEST(full_at_exactly_slots)
{
	uint64_t item;

	remote_fifo_init(FIFO_XP);
	for (uint64_t i = 0; i < SLOTS; i++) {
		HT_REQUIRE(remote_fifo_put_item(FIFO_XP, i) == 0);
		HT_CHECK(remote_fifo_count(FIFO_XP) == i + 1);
	}
	for (int i = 0; i < 3; i++)
		HT_CHECK(remote_fifo_put_item(FIFO_XP, 999) == EAGAIN);
	HT_CHECK(remote_fifo_count(FIFO_XP) == SLOTS);
	HT_CHECK(fifo.wr_id == SLOTS); /* a refused put takes no ticket */

	/* One out, one in: the freed slot is reused, nothing is lost or overwritten. */
	HT_REQUIRE(remote_fifo_get_item(FIFO_XP, &item) == 0);
	HT_CHECK(item == 0);
	HT_CHECK(remote_fifo_put_item(FIFO_XP, SLOTS) == 0);
	HT_CHECK(remote_fifo_put_item(FIFO_XP, 999) == EAGAIN);
	for (uint64_t i = 1; i <= SLOTS; i++) {
		HT_REQUIRE(remote_fifo_get_item(FIFO_XP, &item) == 0);
		HT_CHECK(item == i);
	}
	HT_CHECK(remote_fifo_get_item(FIFO_XP, &item) == EAGAIN);
	HT_CHECK(remote_fifo_count(FIFO_XP) == 0);
}

/* Move the indices of an empty, initialised FIFO to @index (as if that many items had passed). */
static void fifo_set_indices(uint32_t index)
{
	fifo.wr_id = index;
	fifo.rd_id = index;
}

HT_TEST(full_and_drained_across_index_wrap)
{
	uint64_t item;

	remote_fifo_init(FIFO_XP);
	fifo_set_indices(UINT32_MAX - SLOTS / 2); /* the SLOTS indices below straddle 2^32 */
	for (uint64_t i = 0; i < SLOTS; i++)
		HT_REQUIRE(remote_fifo_put_item(FIFO_XP, i) == 0);
	HT_CHECK(fifo.wr_id < SLOTS); /* wrapped */
	HT_CHECK(remote_fifo_count(FIFO_XP) == SLOTS);
	HT_CHECK(remote_fifo_put_item(FIFO_XP, 999) == EAGAIN);
	for (uint64_t i = 0; i < SLOTS; i++) {
		HT_REQUIRE(remote_fifo_get_item(FIFO_XP, &item) == 0);
		HT_CHECK(item == i);
	}
	HT_CHECK(remote_fifo_is_empty(FIFO_XP));
	HT_CHECK(remote_fifo_get_item(FIFO_XP, &item) == EAGAIN);
}

HT_TEST(many_rounds_wrap_around)
{
	uint64_t next_in = 0, next_out = 0, item;

	remote_fifo_init(FIFO_XP);
	fifo_set_indices(UINT32_MAX - 20 * SLOTS);
	/* Batches of every size from 1 to SLOTS, many times: the indices cross 2^32 on the way. */
	for (uint32_t round = 0; round < 4 * SLOTS; round++) {
		uint32_t batch = round % SLOTS + 1;

		for (uint32_t i = 0; i < batch; i++)
			HT_REQUIRE(remote_fifo_put_item(FIFO_XP, next_in++) == 0);
		HT_CHECK(remote_fifo_count(FIFO_XP) == batch);
		for (uint32_t i = 0; i < batch; i++) {
			HT_REQUIRE(remote_fifo_get_item(FIFO_XP, &item) == 0);
			HT_REQUIRE(item == next_out);
			next_out++;
		}
		HT_REQUIRE(remote_fifo_get_item(FIFO_XP, &item) == EAGAIN);
	}
	HT_CHECK(fifo.rd_id == (uint32_t)(UINT32_MAX - 20 * SLOTS + next_out));
	HT_CHECK(fifo.rd_id < UINT32_MAX - 20 * SLOTS); /* crossed 2^32 */
}

HT_TEST(reader_waits_for_the_slot_reserved_first)
{
	uint64_t item;

	/* Writer A reserved index 0 and is still storing; writer B reserved index 1 and published. */
	remote_fifo_init(FIFO_XP);
	fifo.wr_id = 2;
	fifo.data[1] = 0xb;
	fifo.full[1] = 1;
	HT_CHECK(remote_fifo_count(FIFO_XP) == 2);
	HT_CHECK(!remote_fifo_is_empty(FIFO_XP));
	HT_CHECK(remote_fifo_get_item(FIFO_XP, &item) == EAGAIN); /* never skips A's slot */
	HT_CHECK(fifo.rd_id == 0);

	fifo.data[0] = 0xa; /* A publishes */
	fifo.full[0] = 1;
	HT_REQUIRE(remote_fifo_get_item(FIFO_XP, &item) == 0);
	HT_CHECK(item == 0xa);
	HT_REQUIRE(remote_fifo_get_item(FIFO_XP, &item) == 0);
	HT_CHECK(item == 0xb);
	HT_CHECK(remote_fifo_get_item(FIFO_XP, &item) == EAGAIN);
	HT_CHECK(fifo.full[0] == 0 && fifo.full[1] == 0);
}

/* ---- several host threads ---- */

/* Take every item out of the FIFO (single-threaded) and check each producer's items arrive in
 * order with no gap or duplicate; next[p] is the rank expected next from producer p. Returns the
 * number of items taken. */
static uint32_t drain_and_check(uint32_t next[PRODUCERS])
{
	uint32_t taken = 0;
	uint64_t item;

	while (remote_fifo_get_item(FIFO_XP, &item) == 0) {
		uint32_t p = item_producer(item);

		HT_CHECK(p < PRODUCERS);
		if (p < PRODUCERS) {
			HT_CHECK(item_seq(item) == next[p]);
			next[p] = item_seq(item) + 1;
		}
		taken++;
	}
	return taken;
}

typedef struct fill_arg_s {
	uint32_t producer;
	pthread_barrier_t *start;
	uint32_t accepted; /* items the FIFO took from this producer */
} fill_arg_t;

/* Try SLOTS puts without retrying; count those accepted. */
static void *fill_producer(void *p)
{
	fill_arg_t *arg = p;

	host_lid = arg->producer + 1;
	pthread_barrier_wait(arg->start);
	for (uint32_t i = 0; i < SLOTS; i++)
		if (remote_fifo_put_item(FIFO_XP, item_of(arg->producer, arg->accepted)) == 0)
			arg->accepted++;
	return NULL;
}

HT_TEST(tsan_concurrent_fill_stops_at_slots)
{
	pthread_t tid[PRODUCERS];
	fill_arg_t arg[PRODUCERS];
	pthread_barrier_t start;
	uint32_t accepted = 0, next[PRODUCERS] = { 0 };

	remote_fifo_init(FIFO_XP);
	pthread_barrier_init(&start, NULL, PRODUCERS);
	for (uint32_t p = 0; p < PRODUCERS; p++) {
		arg[p] = (fill_arg_t){ .producer = p, .start = &start };
		HT_REQUIRE(pthread_create(&tid[p], NULL, fill_producer, &arg[p]) == 0);
	}
	for (uint32_t p = 0; p < PRODUCERS; p++) {
		pthread_join(tid[p], NULL);
		accepted += arg[p].accepted;
	}
	pthread_barrier_destroy(&start);

	/* PRODUCERS * SLOTS attempts on SLOTS free slots: exactly SLOTS accepted, no ticket wasted. */
	HT_CHECK(accepted == SLOTS);
	HT_CHECK(remote_fifo_count(FIFO_XP) == SLOTS);
	HT_CHECK(fifo.wr_id == SLOTS);
	HT_CHECK(drain_and_check(next) == SLOTS);
	for (uint32_t p = 0; p < PRODUCERS; p++)
		HT_CHECK(next[p] == arg[p].accepted);
	HT_CHECK(remote_fifo_is_empty(FIFO_XP));
}

#define STREAM_ITEMS     200000u
#define STREAM_PER_PROD  (STREAM_ITEMS / PRODUCERS)

static uint32_t producers_done;   /* atomic: producers that put all their items */

typedef struct stream_arg_s {
	uint32_t producer;
	uint64_t full_retries; /* EAGAIN answers this producer got */
} stream_arg_t;

/* Put STREAM_PER_PROD items (producer, 0..), yielding and retrying while the FIFO is full. */
static void *stream_producer(void *p)
{
	stream_arg_t *arg = p;

	host_lid = arg->producer + 1;
	for (uint32_t seq = 0; seq < STREAM_PER_PROD; seq++) {
		while (remote_fifo_put_item(FIFO_XP, item_of(arg->producer, seq)) == EAGAIN) {
			arg->full_retries++;
			sched_yield();
		}
	}
	__atomic_add_fetch(&producers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

typedef struct stream_result_s {
	uint32_t received;
	uint32_t out_of_order;      /* items whose rank was not the one expected from their producer */
	uint32_t bad_producer;
	uint32_t next[PRODUCERS];
} stream_result_t;

/* The single reader: take items until every producer is done and the FIFO is empty. */
static void *stream_consumer(void *p)
{
	stream_result_t *res = p;
	uint64_t item;

	host_lid = 0;
	for (;;) {
		if (remote_fifo_get_item(FIFO_XP, &item) == EAGAIN) {
			if (__atomic_load_n(&producers_done, __ATOMIC_ACQUIRE) == PRODUCERS &&
			    remote_fifo_is_empty(FIFO_XP))
				return NULL;
			sched_yield();
			continue;
		}
		uint32_t prod = item_producer(item);
		res->received++;
		if (prod >= PRODUCERS) {
			res->bad_producer++;
			continue;
		}
		if (item_seq(item) != res->next[prod])
			res->out_of_order++;
		res->next[prod] = item_seq(item) + 1;
	}
}

HT_TEST(tsan_four_producers_one_consumer)
{
	pthread_t prod_tid[PRODUCERS], cons_tid;
	stream_arg_t arg[PRODUCERS];
	stream_result_t res = { 0 };
	uint64_t retries = 0;

	remote_fifo_init(FIFO_XP);
	__atomic_store_n(&producers_done, 0, __ATOMIC_RELEASE);
	HT_REQUIRE(pthread_create(&cons_tid, NULL, stream_consumer, &res) == 0);
	for (uint32_t p = 0; p < PRODUCERS; p++) {
		arg[p] = (stream_arg_t){ .producer = p };
		HT_REQUIRE(pthread_create(&prod_tid[p], NULL, stream_producer, &arg[p]) == 0);
	}
	for (uint32_t p = 0; p < PRODUCERS; p++) {
		pthread_join(prod_tid[p], NULL);
		retries += arg[p].full_retries;
	}
	pthread_join(cons_tid, NULL);

	printf("# %u items from %d producers, %llu puts refused (full) and retried\n", res.received,
	       PRODUCERS, (unsigned long long)retries);
	HT_CHECK(res.received == STREAM_ITEMS);   /* none lost, none duplicated ... */
	HT_CHECK(res.out_of_order == 0);          /* ... and each producer's items in order */
	HT_CHECK(res.bad_producer == 0);
	for (uint32_t p = 0; p < PRODUCERS; p++)
		HT_CHECK(res.next[p] == STREAM_PER_PROD);
	HT_CHECK(remote_fifo_is_empty(FIFO_XP));
	HT_CHECK(fifo.wr_id == STREAM_ITEMS && fifo.rd_id == STREAM_ITEMS);
}
