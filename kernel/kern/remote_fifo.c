/*
 * remote_fifo.c - the multi-writer single-reader FIFO (see remote_fifo.h for the protocol).
 *
 * Ordering, in the words of the protocol: a writer's item store happens before its publication
 * (fence in put); the reader's item load happens after it sees the publication (fence in get) and
 * before the slot is handed back through rd_id (fence in get); a writer reads rd_id before its
 * compare-and-swap, which is a full fence, so it touches the slot only after the reader let go.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <kern/remote_fifo.h>
#include <libk/errno.h>

#define FIFO_SLOT_MASK          (CONFIG_REMOTE_FIFO_SLOTS - 1u)
#define FIFO_FIELD(xp, field)   XPTR_FIELD(xp, remote_fifo_t, field)
#define FIFO_FULL(xp, slot)     (FIFO_FIELD(xp, full) + (slot) * sizeof(uint32_t))
#define FIFO_DATA(xp, slot)     (FIFO_FIELD(xp, data) + (slot) * sizeof(uint64_t))

void remote_fifo_init(xptr_t fifo_xp)
{
	kassert(fifo_xp != XPTR_NULL);
	hal_remote_s32(FIFO_FIELD(fifo_xp, wr_id), 0);
	hal_remote_s32(FIFO_FIELD(fifo_xp, rd_id), 0);
	for (uint32_t slot = 0; slot < CONFIG_REMOTE_FIFO_SLOTS; slot++) {
		hal_remote_s32(FIFO_FULL(fifo_xp, slot), 0);
		hal_remote_s64(FIFO_DATA(fifo_xp, slot), 0);
	}
	hal_fence(); /* an empty FIFO before anyone is told where it is */
}

/*
 * Reserve the next index of the FIFO at @fifo_xp into *@index if a slot is free. Returns 0, or
 * EAGAIN if the FIFO was full at some instant during the call. Loops only when another core made
 * progress meanwhile (a writer reserved, or the reader advanced).
 */
static error_t fifo_reserve(xptr_t fifo_xp, uint32_t *index)
{
	for (;;) {
		/* wr_id first: rd_id read afterwards can only be newer, so used never overstates. */
		uint32_t wr = hal_remote_l32(FIFO_FIELD(fifo_xp, wr_id));
		uint32_t rd = hal_remote_l32(FIFO_FIELD(fifo_xp, rd_id));
		uint32_t used = wr - rd;

		if (used > CONFIG_REMOTE_FIFO_SLOTS)
			continue; /* wr is stale: the reader went past it, so the CAS would fail */
		if (used == CONFIG_REMOTE_FIFO_SLOTS)
			return EAGAIN; /* full with rd_id as read: no ticket taken */
		if (hal_remote_atomic_cas32(FIFO_FIELD(fifo_xp, wr_id), wr, wr + 1)) {
			*index = wr;
			return 0;
		}
	}
}

error_t remote_fifo_put_item(xptr_t fifo_xp, uint64_t item)
{
	uint32_t index;
	error_t err = fifo_reserve(fifo_xp, &index);

	if (err)
		return err;

	uint32_t slot = index & FIFO_SLOT_MASK;
	kassert(hal_remote_l32(FIFO_FULL(fifo_xp, slot)) == 0); /* the reader let it go */
	hal_remote_s64(FIFO_DATA(fifo_xp, slot), item);
	hal_fence(); /* the item is in place before the reader can see the slot full */
	hal_remote_s32(FIFO_FULL(fifo_xp, slot), 1);
	return 0;
}

error_t remote_fifo_get_item(xptr_t fifo_xp, uint64_t *item)
{
	kassert(item != NULL);
	uint32_t rd = hal_remote_l32(FIFO_FIELD(fifo_xp, rd_id));
	uint32_t slot = rd & FIFO_SLOT_MASK;

	/* Only the slot of rd_id: a later slot published first waits for its predecessors. */
	if (hal_remote_l32(FIFO_FULL(fifo_xp, slot)) == 0)
		return EAGAIN;
	hal_fence(); /* the item is read after its publication was seen */

	/* A published slot was reserved: rd < wr_id <= rd + SLOTS. */
	kassert(hal_remote_l32(FIFO_FIELD(fifo_xp, wr_id)) - rd - 1u < CONFIG_REMOTE_FIFO_SLOTS);
	*item = hal_remote_l64(FIFO_DATA(fifo_xp, slot));
	hal_remote_s32(FIFO_FULL(fifo_xp, slot), 0);
	hal_fence(); /* item read and slot cleared before the slot is handed to index rd + SLOTS */
	hal_remote_s32(FIFO_FIELD(fifo_xp, rd_id), rd + 1);
	return 0;
}

bool remote_fifo_is_empty(xptr_t fifo_xp)
{
	return remote_fifo_count(fifo_xp) == 0;
}

uint32_t remote_fifo_count(xptr_t fifo_xp)
{
	/* rd_id first: wr_id read afterwards is never behind it, so the difference is not negative;
	 * the reader may have moved meanwhile, hence the bound. */
	uint32_t rd = hal_remote_l32(FIFO_FIELD(fifo_xp, rd_id));
	uint32_t wr = hal_remote_l32(FIFO_FIELD(fifo_xp, wr_id));
	uint32_t used = wr - rd;

	return used < CONFIG_REMOTE_FIFO_SLOTS ? used : CONFIG_REMOTE_FIFO_SLOTS;
}
