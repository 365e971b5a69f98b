/*
 * test_pipe_ring.c - the arithmetic of a pipe's ring (kernel/fs/pipe_ring.h): a writer and a reader
 * moving a byte stream through rings of 1, 2 and 16 pages in random pieces, checked byte by byte,
 * with the counters started just below 2^64 so that they wrap during the run; room, availability
 * and the PIPE_BUF rule at their limits.
 */
#include <fs/pipe_ring.h>

#include "htest.h"

#include <stdlib.h>
#include <string.h>

#define PIPE_BUF 4096

static uint8_t stream_byte(uint64_t k)
{
	return (uint8_t)(k * 131 + (k >> 9));
}

/* Copy @n bytes of the stream from @pos between @ring and the stream model, in pieces. */
static uint64_t ring_write(uint8_t *ring, uint64_t size, uint64_t pos, uint64_t n, uint64_t k0)
{
	uint64_t done = 0;

	while (done < n) {
		uint64_t off, piece = pipe_ring_piece(size, pos + done, n - done, &off);

		if (piece == 0 || off + piece > size)
			return done; /* the check below fails */
		for (uint64_t i = 0; i < piece; i++)
			ring[off + i] = stream_byte(k0 + done + i);
		done += piece;
	}
	return done;
}

static bool ring_read(const uint8_t *ring, uint64_t size, uint64_t pos, uint64_t n, uint64_t k0)
{
	uint64_t done = 0;

	while (done < n) {
		uint64_t off, piece = pipe_ring_piece(size, pos + done, n - done, &off);

		if (piece == 0 || off + piece > size)
			return false;
		for (uint64_t i = 0; i < piece; i++)
			if (ring[off + i] != stream_byte(k0 + done + i))
				return false;
		done += piece;
	}
	return true;
}

static void run_stream(uint64_t size, unsigned int seed)
{
	uint8_t *ring = malloc(size);
	uint64_t start = UINT64_MAX - 3 * size - 17; /* the counters wrap after a few rings */
	uint64_t rd = start, wr = start, written = 0, read = 0;

	HT_REQUIRE(ring);
	srand(seed);
	for (int step = 0; step < 20000; step++) {
		uint64_t room = pipe_ring_room(size, rd, wr), avail = pipe_ring_avail(rd, wr);

		HT_REQUIRE(room + avail == size && avail == written - read);
		if (rand() & 1) {
			uint64_t count = (uint64_t)rand() % (2 * PIPE_BUF) + 1;
			uint64_t need = pipe_ring_need(count, 0, PIPE_BUF);
			uint64_t n = room < count ? room : count;

			if (room < need || n == 0)
				continue;  /* a writer would wait */
			HT_CHECK(count > PIPE_BUF || n == count); /* atomic: all of it at once */
			HT_REQUIRE(ring_write(ring, size, wr, n, written) == n);
			wr += n;
			written += n;
		} else {
			uint64_t count = (uint64_t)rand() % (3 * PIPE_BUF) + 1;
			uint64_t n = avail < count ? avail : count;

			HT_REQUIRE(ring_read(ring, size, rd, n, read));
			rd += n;
			read += n;
		}
	}
	HT_CHECK(wr < start); /* the counters wrapped */
	HT_CHECK(written > 4 * size);
	free(ring);
}

HT_TEST(stream_one_page) { run_stream(4096, 1); }
HT_TEST(stream_two_pages) { run_stream(8192, 2); }
HT_TEST(stream_sixteen_pages) { run_stream(65536, 3); }

HT_TEST(limits)
{
	uint64_t off;

	HT_CHECK(pipe_ring_room(65536, 10, 10) == 65536);
	HT_CHECK(pipe_ring_room(65536, 10, 10 + 65536) == 0);
	HT_CHECK(pipe_ring_avail(UINT64_MAX, 5) == 6);        /* wr wrapped past rd */
	HT_CHECK(pipe_ring_room(4096, UINT64_MAX - 1, 2) == 4092);
	HT_CHECK(pipe_ring_piece(4096, 4095, 10, &off) == 1 && off == 4095);
	HT_CHECK(pipe_ring_piece(4096, 4096, 10, &off) == 10 && off == 0);
	HT_CHECK(pipe_ring_piece(65536, UINT64_MAX, 10, &off) == 1 && off == 65535);
	HT_CHECK(pipe_ring_piece(65536, 3, 0, &off) == 0);
	/* PIPE_BUF: a write of at most PIPE_BUF needs all its bytes, a larger one one byte */
	HT_CHECK(pipe_ring_need(PIPE_BUF, 0, PIPE_BUF) == PIPE_BUF);
	HT_CHECK(pipe_ring_need(1, 0, PIPE_BUF) == 1);
	HT_CHECK(pipe_ring_need(PIPE_BUF + 1, 0, PIPE_BUF) == 1);
	HT_CHECK(pipe_ring_need(100000, 50000, PIPE_BUF) == 1);
}
