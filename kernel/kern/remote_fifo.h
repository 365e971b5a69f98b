/*
 * remote_fifo.h - a bounded multi-writer single-reader FIFO of 64-bit items, for any cluster.
 *
 * The FIFO lives in one cluster (the RPC layer puts one per core in each cluster); cores of any
 * cluster put items into it through an extended pointer, and one reader (the server of that core)
 * takes them out. Every access goes through hal_remote_*, so the same code serves local and remote
 * callers. The FIFO never blocks, never spins waiting for another core and never drops an item:
 * when it is full, put returns EAGAIN at once and the caller decides how to wait (block, yield,
 * poll) before retrying.
 *
 * Protocol (indices are free-running 32-bit counters; index i uses slot i % SLOTS, where SLOTS is
 * CONFIG_REMOTE_FIFO_SLOTS):
 *  - a writer reserves index wr_id with a compare-and-swap wr_id -> wr_id + 1, attempted only while
 *    wr_id - rd_id < SLOTS: a slot that is not free is never reserved (full FIFO: no ticket);
 *  - it stores the item in data[slot], then (fence) sets full[slot] to 1: the slot is published;
 *  - the reader looks at the slot of rd_id only: if it is not published yet (empty, or reserved by
 *    a writer still storing) it returns EAGAIN; otherwise it (fence) loads the item, clears
 *    full[slot], then (fence) advances rd_id, which frees the slot for index rd_id + SLOTS.
 *  Slots published out of order by concurrent writers are therefore consumed in reservation order.
 *
 * Lock legend (no lock: each field has one writer discipline):
 *   [W]  compare-and-swap by writers only
 *   [R]  written by the reader only, read by everyone
 *   [S]  the writer that reserved the slot's index sets it; the reader clears it
 *   [O]  written by the writer that reserved the slot's index, read by the reader once published
 */
#ifndef KERN_REMOTE_FIFO_H
#define KERN_REMOTE_FIFO_H

#include <hal_types.h>
#include <params.h>

_Static_assert(CONFIG_REMOTE_FIFO_SLOTS > 0 &&
	       (CONFIG_REMOTE_FIFO_SLOTS & (CONFIG_REMOTE_FIFO_SLOTS - 1)) == 0,
	       "CONFIG_REMOTE_FIFO_SLOTS must be a power of two (indices wrap at 2^32)");
_Static_assert(CONFIG_REMOTE_FIFO_SLOTS <= (1u << 31),
	       "CONFIG_REMOTE_FIFO_SLOTS must fit the signed distance of two 32-bit indices");

typedef struct remote_fifo_s {
	uint32_t wr_id;                           /* [W] next index to reserve              */
	uint32_t rd_id;                           /* [R] next index to read                 */
	uint32_t full[CONFIG_REMOTE_FIFO_SLOTS];  /* [S] 1 once the slot's item is stored   */
	uint64_t data[CONFIG_REMOTE_FIFO_SLOTS];  /* [O] the items                          */
} remote_fifo_t;

/*
 * Make the FIFO at @fifo_xp empty. Called once, by its owner, before any other core can reach it
 * (no concurrent access allowed). Cannot fail.
 */
void remote_fifo_init(xptr_t fifo_xp);

/*
 * Append @item to the FIFO at @fifo_xp. Any core of any cluster, any context, concurrently with
 * other writers and the reader; never sleeps, never waits for another core. Returns 0 when the item
 * is published (the reader will get it), EAGAIN if the FIFO was full (nothing stored: retry later).
 * A reserved slot holds up the reader until it is published: call it with IRQs masked, so that
 * the writer cannot be preempted in between (rpc.c's post does).
 */
error_t remote_fifo_put_item(xptr_t fifo_xp, uint64_t item);

/*
 * Take the oldest item (in reservation order) of the FIFO at @fifo_xp into *@item. The single
 * reader of this FIFO only (one core at a time: the server), concurrently with writers. Returns 0,
 * or EAGAIN if the FIFO is empty or its next item is reserved but not yet published (*@item is
 * then unchanged).
 */
error_t remote_fifo_get_item(xptr_t fifo_xp, uint64_t *item);

/*
 * True if no item is stored or being stored in the FIFO at @fifo_xp. Anyone; a snapshot, exact
 * only if writers and reader are quiet. A false result may still be followed by EAGAIN from get.
 */
bool remote_fifo_is_empty(xptr_t fifo_xp);

/*
 * Number of reserved slots (published or being stored) of the FIFO at @fifo_xp, at most
 * CONFIG_REMOTE_FIFO_SLOTS. Anyone; a snapshot, exact only if writers and reader are quiet.
 */
uint32_t remote_fifo_count(xptr_t fifo_xp);

#endif /* KERN_REMOTE_FIFO_H */
