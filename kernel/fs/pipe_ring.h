/*
 * pipe_ring.h - the arithmetic of a pipe's ring buffer (pipe.c), kept apart so that host tests
 * check it alone (tests/host/test_pipe_ring.c).
 *
 * The ring has @size bytes, a power of two. Two 64-bit counters give its state: @rd, the bytes
 * read since the pipe was made, and @wr, the bytes written (rd <= wr <= rd + size). They never
 * wrap in practice (2^64 bytes), and the arithmetic below stays right even if they did, as long
 * as wr - rd <= size. Byte number k of the stream sits at offset k & (size - 1).
 */
#ifndef FS_PIPE_RING_H
#define FS_PIPE_RING_H

#include <hal_types.h>

/* Bytes waiting to be read. */
static inline uint64_t pipe_ring_avail(uint64_t rd, uint64_t wr)
{
	return wr - rd;
}

/* Bytes a writer may add. */
static inline uint64_t pipe_ring_room(uint64_t size, uint64_t rd, uint64_t wr)
{
	return size - (wr - rd);
}

/*
 * The piece of at most @n bytes of the stream from byte @pos on that is contiguous in the ring:
 * [out] off its offset in the ring; returns its length (up to the end of the ring).
 */
static inline uint64_t pipe_ring_piece(uint64_t size, uint64_t pos, uint64_t n, uint64_t *off)
{
	uint64_t o = pos & (size - 1);

	*off = o;
	return n < size - o ? n : size - o;
}

/*
 * The bytes one write of @count bytes (@done of them already written by this call) needs free
 * before it copies anything: all that is left for a write of at most @pipe_buf bytes, so that it is
 * atomic (never interleaved with another write), else 1.
 */
static inline uint64_t pipe_ring_need(uint64_t count, uint64_t done, uint64_t pipe_buf)
{
	return count <= pipe_buf ? count - done : 1;
}

#endif /* FS_PIPE_RING_H */
