/*
 * pipe.c - anonymous pipes (pipe2): an inode of type VFS_FIFO and its ring buffer (vfs_private.h,
 * docs/pipes.md).
 *
 * Where things live: the inode, the pipe_t and the ring (PIPE_RING_SIZE bytes, one block of
 * contiguous pages; one page if the cluster has no such block) are in the cluster of the thread
 * that made the pipe; the two open files in the cluster of its process's fd table. Readers and
 * writers of every cluster reach the pipe through extended pointers and hal_remote_* only, and
 * wait in its two wait queues.
 *
 * Locking: pipe_t.lock (a busylock of class LOCK_PIPE) guards the counters and is the guard of
 * the waits. Bytes are never copied under it (a user copy may fault): a reader or a writer first
 * takes the *turn* of its side (rd_busy / wr_busy) under the lock, copies with the lock released,
 * then publishes the new counter and gives the turn back under the lock. One reader and one writer
 * copy at a time, into disjoint parts of the ring ([rd, wr) for the reader, [wr, rd + size) for the
 * writer). A writer holds its turn only while copying, never while it waits for room, so a write
 * larger than PIPE_BUF may be interleaved with other writes between its pieces (as Linux allows);
 * a write of at most PIPE_BUF bytes waits until it fits entirely and is copied in one turn, so it
 * never is.
 *
 * Lifetime: a pipe file counts as one reader or one writer from its creation to the release of its
 * last reference (vfs_close: dup, fork and fd_get only add references to the same file), so a
 * held file keeps its end open. The inode holds the pipe; both files hold the inode; the last
 * vfs_close of the second file frees the inode, which frees the ring and the pipe_t, from whichever
 * cluster it runs in.
 *
 * Poll: pipe_poll reads the counters under the lock; every read, write and release that changes
 * them announces it (vfs_poll_notify, vfs_poll.c) with the lock held.
 *
 * Lock legend of pipe_t: [I] set before the pipe is published; [L] lock.
 */
#include <fs/pipe_ring.h>
#include <fs/vfs_private.h>
#include <kern/printk.h>
#include <kern/waitq.h>
#include <libk/errno.h>
#include <mm/kmem.h>

#define PIPE_RING_SIZE (16 * CONFIG_PAGE_SIZE) /* Linux's default: 16 pages */

typedef struct pipe_s {
	busylock_t lock;     /* LOCK_PIPE: see the legend                                    */
	uint64_t   rd;       /* [L] bytes read since creation                                */
	uint64_t   wr;       /* [L] bytes written since creation                             */
	uint32_t   readers;  /* [L] read ends open (files, not descriptors)                  */
	uint32_t   writers;  /* [L] write ends open                                          */
	uint32_t   rd_busy;  /* [L] a reader is copying out of the ring                      */
	uint32_t   wr_busy;  /* [L] a writer is copying into the ring                        */
	uint64_t   size;     /* [I] bytes of the ring (a power of two)                       */
	xptr_t     ring_xp;  /* [I] the ring (kmem of the pipe's cluster)                    */
	waitq_t    rd_wq;    /* readers waiting for data or for their turn                   */
	waitq_t    wr_wq;    /* writers waiting for room or for their turn                   */
} pipe_t;

_Static_assert((PIPE_RING_SIZE & (PIPE_RING_SIZE - 1)) == 0, "the ring is a power of two");
_Static_assert(PIPE_RING_SIZE >= PIPE_BUF && CONFIG_PAGE_SIZE >= PIPE_BUF,
	       "an atomic write fits in the ring, even a one-page one");

#define PF(pxp, f)   XPTR_FIELD(pxp, pipe_t, f)
#define PLOCK(pxp)   PF(pxp, lock)

static uint32_t pl32(xptr_t pxp, size_t off) { return hal_remote_l32(pxp + off); }
static void ps32(xptr_t pxp, size_t off, uint32_t v) { hal_remote_s32(pxp + off, v); }
#define GET32(pxp, f)    pl32(pxp, offsetof(pipe_t, f))
#define SET32(pxp, f, v) ps32(pxp, offsetof(pipe_t, f), v)

/* The pipe of an open pipe file. */
static xptr_t file_pipe(xptr_t fxp)
{
	return hal_remote_lxp(IF(hal_remote_lxp(FF(fxp, inode_xp)), pipe_xp));
}

/* ---- creation and destruction ---- */

/* A new pipe in the local cluster with one reader and one writer. Returns 0 or ENOMEM. */
static error_t pipe_alloc(xptr_t *pipe_xp)
{
	pipe_t *p = kmem_alloc(sizeof(pipe_t), KMEM_ZERO);
	void *ring;
	uint64_t size = PIPE_RING_SIZE;

	if (!p)
		return ENOMEM;
	ring = kmem_alloc(size, 0);
	if (!ring) { /* no 64 KiB block left: a one-page pipe still works (PIPE_BUF fits) */
		size = CONFIG_PAGE_SIZE;
		ring = kmem_alloc(size, 0);
	}
	if (!ring) {
		kmem_free(p);
		return ENOMEM;
	}
	busylock_init(&p->lock, "pipe", LOCK_PIPE);
	p->readers = 1;
	p->writers = 1;
	p->size = size;
	p->ring_xp = XPTR(local_cxy, ring);
	waitq_init(XPTR(local_cxy, &p->rd_wq), "pipe readers");
	waitq_init(XPTR(local_cxy, &p->wr_wq), "pipe writers");
	*pipe_xp = XPTR(local_cxy, p);
	return 0;
}

void pipe_destroy(xptr_t pipe_xp)
{
	cxy_t cxy = GET_CXY(pipe_xp);

	kassert(GET32(pipe_xp, readers) == 0 && GET32(pipe_xp, writers) == 0);
	kassert(waitq_is_empty(PF(pipe_xp, rd_wq)) && waitq_is_empty(PF(pipe_xp, wr_wq)));
	kmem_remote_free(cxy, GET_PTR(hal_remote_lxp(PF(pipe_xp, ring_xp))));
	kmem_remote_free(cxy, GET_PTR(pipe_xp));
}

error_t vfs_pipe(cxy_t file_cxy, uint32_t flags, xptr_t *rd_xp, xptr_t *wr_xp)
{
	xptr_t pxp, ixp, rxp, wxp;
	error_t err;

	kassert(!(flags & ~O_NONBLOCK));
	err = pipe_alloc(&pxp);
	if (err)
		return err;
	err = vfs_inode_create_fifo(pxp, &ixp); /* from now on the inode owns the pipe */
	if (err) {
		SET32(pxp, readers, 0);
		SET32(pxp, writers, 0);
		pipe_destroy(pxp);
		return err;
	}
	vfs_inode_get(ixp); /* one reference for each file */
	err = vfs_file_alloc(file_cxy, ixp, O_RDONLY | flags, &rxp);
	if (err) {
		vfs_inode_put(ixp);
		goto fail_no_reader;
	}
	err = vfs_file_alloc(file_cxy, ixp, O_WRONLY | flags, &wxp);
	if (err) {
		vfs_close(rxp); /* releases the reader; the inode lives on for the writer's reference */
		goto fail_no_writer;
	}
	*rd_xp = rxp;
	*wr_xp = wxp;
	return 0;

fail_no_reader:
	SET32(pxp, readers, 0);
fail_no_writer:
	SET32(pxp, writers, 0);
	vfs_inode_put(ixp); /* the last reference: frees the inode and the pipe */
	return err;
}

void pipe_release(xptr_t file_xp)
{
	xptr_t pxp = file_pipe(file_xp);
	bool reader = (hal_remote_l32(FF(file_xp, flags)) & O_ACCMODE) == O_RDONLY;

	remote_busylock_acquire(PLOCK(pxp));
	kassert(reader ? GET32(pxp, readers) > 0 : GET32(pxp, writers) > 0);
	if (reader)
		SET32(pxp, readers, GET32(pxp, readers) - 1);
	else
		SET32(pxp, writers, GET32(pxp, writers) - 1);
	/* writers learn there is no reader left (EPIPE), readers that there is no writer (EOF) */
	waitq_wake_all(PF(pxp, rd_wq));
	waitq_wake_all(PF(pxp, wr_wq));
	vfs_poll_notify(); /* POLLHUP or POLLERR for pollers of the other end */
	remote_busylock_release(PLOCK(pxp));
}

uint32_t pipe_poll(xptr_t file_xp)
{
	xptr_t pxp = file_pipe(file_xp);
	bool reader = (hal_remote_l32(FF(file_xp, flags)) & O_ACCMODE) == O_RDONLY;
	uint32_t mask = 0;
	uint64_t rd, wr;

	remote_busylock_acquire(PLOCK(pxp));
	rd = hal_remote_l64(PF(pxp, rd));
	wr = hal_remote_l64(PF(pxp, wr));
	if (reader) {
		if (pipe_ring_avail(rd, wr))
			mask |= POLLIN | POLLRDNORM;
		if (GET32(pxp, writers) == 0)
			mask |= POLLHUP;
	} else {
		/* as Linux's pipe_poll, which wants a free page slot: a PIPE_BUF write would not wait */
		if (pipe_ring_room(hal_remote_l64(PF(pxp, size)), rd, wr) >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (GET32(pxp, readers) == 0)
			mask |= POLLERR;
	}
	remote_busylock_release(PLOCK(pxp));
	return mask;
}

/* ---- bytes between the ring and a buffer ---- */

/* Copy @n bytes of the stream from byte @pos on between the ring and @buf (from @done on);
 * @out: ring to buffer. Returns the bytes copied; *@err = EFAULT if it stopped short. */
static size_t ring_copy(xptr_t pxp, uint64_t pos, vfs_buf_t buf, size_t done, size_t n, bool out,
			error_t *err)
{
	uint64_t size = hal_remote_l64(PF(pxp, size));
	xptr_t ring_xp = hal_remote_lxp(PF(pxp, ring_xp));
	size_t copied = 0;

	while (copied < n) {
		uint64_t off;
		size_t chunk = (size_t)pipe_ring_piece(size, pos + copied, n - copied, &off);
		error_t e;

		chunk = vfs_buf_chunk(buf, done + copied, chunk);
		e = out ? vfs_buf_to(buf, done + copied, ring_xp + off, chunk)
			: vfs_buf_from(ring_xp + off, buf, done + copied, chunk);
		if (e) {
			*err = EFAULT;
			break;
		}
		copied += chunk;
	}
	return copied;
}

/* ---- read and write ---- */

int64_t pipe_read(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	xptr_t pxp = file_pipe(file_xp);
	bool nonblock = hal_remote_l32(FF(file_xp, flags)) & O_NONBLOCK;
	uint64_t rd, avail;
	size_t n, done;
	error_t err = 0;

	if (count == 0)
		return 0;
	remote_busylock_acquire(PLOCK(pxp));
	for (;;) {
		bool busy = GET32(pxp, rd_busy);

		avail = pipe_ring_avail(hal_remote_l64(PF(pxp, rd)), hal_remote_l64(PF(pxp, wr)));
		if (!busy && avail)
			break;
		if (!busy && GET32(pxp, writers) == 0) {
			remote_busylock_release(PLOCK(pxp));
			return 0; /* end of file */
		}
		if (!busy && nonblock) {
			remote_busylock_release(PLOCK(pxp));
			return -EAGAIN;
		}
		if (waitq_wait_interruptible(PF(pxp, rd_wq), PLOCK(pxp))) {
			remote_busylock_release(PLOCK(pxp));
			return -ERESTARTSYS; /* EINTR, or again under SA_RESTART, as Linux */
		}
	}
	SET32(pxp, rd_busy, 1);
	rd = hal_remote_l64(PF(pxp, rd));
	remote_busylock_release(PLOCK(pxp));

	n = avail < count ? (size_t)avail : count;
	done = ring_copy(pxp, rd, buf, 0, n, true, &err);

	remote_busylock_acquire(PLOCK(pxp));
	hal_remote_s64(PF(pxp, rd), rd + done);
	SET32(pxp, rd_busy, 0);
	waitq_wake_all(PF(pxp, wr_wq)); /* room */
	waitq_wake_all(PF(pxp, rd_wq)); /* the readers' turn */
	if (done)
		vfs_poll_notify();      /* room for pollers of the write end */
	remote_busylock_release(PLOCK(pxp));
	return done ? (int64_t)done : -(int64_t)err;
}

/*
 * Wait for the writers' turn and @need bytes of room (pipe lock held, released and taken again
 * while waiting). Returns 0 with the turn taken and *@room set; EPIPE (no reader), EAGAIN
 * (@nonblock and no room), ERESTARTSYS (a signal or a kill: EINTR or a restart, unless some
 * bytes were written already, which are then the call's result, as Linux).
 */
static error_t write_wait(xptr_t pxp, uint64_t need, bool nonblock, uint64_t *room)
{
	kassert(remote_busylock_is_held_by_me(PLOCK(pxp)));
	for (;;) {
		bool busy = GET32(pxp, wr_busy);

		if (GET32(pxp, readers) == 0)
			return EPIPE;
		*room = pipe_ring_room(hal_remote_l64(PF(pxp, size)), hal_remote_l64(PF(pxp, rd)),
				       hal_remote_l64(PF(pxp, wr)));
		if (!busy && *room >= need) {
			SET32(pxp, wr_busy, 1);
			return 0;
		}
		if (!busy && nonblock)
			return EAGAIN;
		if (waitq_wait_interruptible(PF(pxp, wr_wq), PLOCK(pxp)))
			return ERESTARTSYS; /* a signal or a kill */
	}
}

int64_t pipe_write(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	xptr_t pxp = file_pipe(file_xp);
	bool nonblock = hal_remote_l32(FF(file_xp, flags)) & O_NONBLOCK;
	size_t done = 0;
	error_t err = 0;

	if (count == 0)
		return 0;
	remote_busylock_acquire(PLOCK(pxp));
	while (done < count && !err) {
		uint64_t room, wr;
		size_t n, got;

		err = write_wait(pxp, pipe_ring_need(count, done, PIPE_BUF), nonblock, &room);
		if (err)
			break;
		wr = hal_remote_l64(PF(pxp, wr));
		remote_busylock_release(PLOCK(pxp));

		n = room < count - done ? (size_t)room : count - done;
		got = ring_copy(pxp, wr, buf, done, n, false, &err);

		remote_busylock_acquire(PLOCK(pxp));
		hal_remote_s64(PF(pxp, wr), wr + got);
		SET32(pxp, wr_busy, 0);
		waitq_wake_all(PF(pxp, rd_wq)); /* data */
		waitq_wake_all(PF(pxp, wr_wq)); /* the writers' turn */
		if (got)
			vfs_poll_notify();      /* data for pollers of the read end */
		done += got;
	}
	remote_busylock_release(PLOCK(pxp));
	return done ? (int64_t)done : -(int64_t)err;
}
