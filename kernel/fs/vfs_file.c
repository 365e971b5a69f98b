/*
 * vfs_file.c - open files: open, close, read, write, lseek, truncate, and the copies between
 * mapper pages and user or kernel buffers (vfs.h).
 *
 * The offset of an open file (vfs_file_t.offset, an atomic word) and the inode lock:
 *  - write() holds the inode's write lock for the whole call: it reads the offset (or the size
 *    for O_APPEND), writes, then stores the new offset. Writers of one inode are serialized, so
 *    writes through one shared file, or O_APPEND writes, never overlap and sizes add up exactly;
 *  - read() holds the inode's read lock and *claims* its range with a compare-and-swap on the
 *    offset before copying, so concurrent readers of one shared file get disjoint ranges; a
 *    short copy (EFAULT) gives back the unread part if nobody moved the offset meanwhile;
 *  - lseek() changes the offset under the read lock (it needs a stable size for SEEK_END).
 * Only the inode lock is taken (one VFS lock), then the mapper's, inside mapper_get_page; user
 * memory is copied with the inode lock held but never with the mapper lock held (locks.md).
 */
#include <fs/mapper.h>
#include <fs/vfs_private.h>
#include <hal_uspace.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

#define MAX_RW_COUNT 0x7ffff000UL /* Linux's cap on one read or write */
#define PAGE_MASK_LO (CONFIG_PAGE_SIZE - 1)

const uint8_t vfs_zero_page[CONFIG_PAGE_SIZE];

/* ---- buffers ---- */

error_t vfs_buf_to(vfs_buf_t buf, size_t done, xptr_t src_xp, size_t n)
{
	if (buf.user)
		return hal_copy_to_uspace_xp(buf.addr + done, src_xp, n);
	hal_remote_memcpy(XPTR(local_cxy, (void *)(buf.addr + done)), src_xp, n);
	return 0;
}

error_t vfs_buf_from(xptr_t dst_xp, vfs_buf_t buf, size_t done, size_t n)
{
	if (buf.user)
		return hal_copy_from_uspace_xp(dst_xp, buf.addr + done, n);
	hal_remote_memcpy(dst_xp, XPTR(local_cxy, (const void *)(buf.addr + done)), n);
	return 0;
}

size_t vfs_buf_chunk(vfs_buf_t buf, size_t done, size_t want)
{
	size_t room = CONFIG_PAGE_SIZE - ((buf.addr + done) & PAGE_MASK_LO);

	return (buf.user && room < want) ? room : want;
}

/* ---- regular files: bytes between the mapper and a buffer ---- */

/*
 * Copy [@pos, @pos + @n) of the regular file @ixp (inside its size) to @buf; holes read as zeros.
 * Caller holds the inode lock. Returns the bytes copied; *@err = EFAULT if it stopped short.
 */
static size_t reg_copy_out(xptr_t ixp, uint64_t pos, vfs_buf_t buf, size_t n, error_t *err)
{
	xptr_t mapper_xp = hal_remote_lxp(IF(ixp, mapper_xp));
	size_t done = 0;

	kassert(lockdep_is_held(ILOCK(ixp)));
	while (done < n) {
		uint64_t at = pos + done;
		size_t off = at & PAGE_MASK_LO;
		size_t chunk = CONFIG_PAGE_SIZE - off < n - done ? CONFIG_PAGE_SIZE - off : n - done;
		xptr_t page_xp, src_xp;

		chunk = vfs_buf_chunk(buf, done, chunk);
		if (mapper_get_page(mapper_xp, at >> CONFIG_PAGE_SHIFT, false, &page_xp) == 0)
			src_xp = mapper_page_data(page_xp) + off;
		else
			src_xp = XPTR(local_cxy, vfs_zero_page); /* a hole */
		if (vfs_buf_to(buf, done, src_xp, chunk)) {
			*err = EFAULT;
			break;
		}
		done += chunk;
	}
	return done;
}

/*
 * Copy @n bytes of @buf to [@pos, @pos + @n) of the regular file @ixp, whose size is @size, adding
 * pages as needed. Caller holds the inode's write lock. Returns the bytes copied; *@err = EFAULT,
 * ENOSPC (no page) or EFBIG if it stopped short. Bytes beyond @size stay zero after a failure.
 */
static size_t reg_copy_in(xptr_t ixp, uint64_t pos, uint64_t size, vfs_buf_t buf, size_t n,
			  error_t *err)
{
	xptr_t mapper_xp = hal_remote_lxp(IF(ixp, mapper_xp));
	size_t done = 0;

	kassert(lockdep_is_held(ILOCK(ixp)));
	while (done < n) {
		uint64_t at = pos + done;
		size_t off = at & PAGE_MASK_LO;
		size_t chunk = CONFIG_PAGE_SIZE - off < n - done ? CONFIG_PAGE_SIZE - off : n - done;
		xptr_t page_xp, data_xp;
		error_t e;

		chunk = vfs_buf_chunk(buf, done, chunk);
		e = mapper_get_page(mapper_xp, at >> CONFIG_PAGE_SHIFT, true, &page_xp);
		if (e) {
			*err = (e == ENOMEM) ? ENOSPC : e;
			break;
		}
		data_xp = mapper_page_data(page_xp) + off;
		if (vfs_buf_from(data_xp, buf, done, chunk)) {
			if (at + chunk > size) { /* keep the zeros beyond the end of the file */
				uint64_t from = at > size ? at : size;
				hal_remote_memset(data_xp + (from - at), 0, at + chunk - from);
			}
			*err = EFAULT;
			break;
		}
		mapper_page_written(mapper_xp, at >> CONFIG_PAGE_SHIFT, page_xp);
		done += chunk;
	}
	return done;
}

/* A count, or the error if nothing was transferred. */
static int64_t io_result(size_t done, error_t err)
{
	return (done || !err) ? (int64_t)done : -(int64_t)err;
}

/* read(): at *@at if given, else at the file offset (claimed, see the top of the file). */
static int64_t reg_read(xptr_t fxp, xptr_t ixp, vfs_buf_t buf, size_t count, const uint64_t *at)
{
	uint64_t pos, size;
	size_t n, done;
	error_t err = 0;

	remote_rwlock_rd_acquire(ILOCK(ixp));
	size = hal_remote_l64(IF(ixp, size));
	for (;;) {
		pos = at ? *at : hal_remote_l64(FF(fxp, offset));
		n = pos < size ? (size - pos < count ? size - pos : count) : 0;
		if (at || hal_remote_atomic_cas64(FF(fxp, offset), pos, pos + n))
			break;
	}
	done = reg_copy_out(ixp, pos, buf, n, &err);
	if (!at && done < n)
		hal_remote_atomic_cas64(FF(fxp, offset), pos + n, pos + done);
	remote_rwlock_rd_release(ILOCK(ixp));
	return io_result(done, err);
}

/* write(): at the end (O_APPEND), at *@at, or at the file offset; see the top of the file. */
static int64_t reg_write(xptr_t fxp, xptr_t ixp, vfs_buf_t buf, size_t count, const uint64_t *at)
{
	uint32_t flags = hal_remote_l32(FF(fxp, flags));
	uint64_t pos, size;
	size_t n, done = 0;
	error_t err = 0;

	remote_rwlock_wr_acquire(ILOCK(ixp));
	size = hal_remote_l64(IF(ixp, size));
	pos = (flags & O_APPEND) ? size : at ? *at : hal_remote_l64(FF(fxp, offset));
	n = pos < CONFIG_VFS_MAX_FILE_SIZE ? count : 0;
	if (n > CONFIG_VFS_MAX_FILE_SIZE - pos)
		n = CONFIG_VFS_MAX_FILE_SIZE - pos;
	if (n < count && n == 0)
		err = EFBIG;
	done = reg_copy_in(ixp, pos, size, buf, n, &err);
	if (pos + done > size)
		hal_remote_s64(IF(ixp, size), pos + done);
	if (done)
		vfs_inode_touch(ixp);
	if (!at)
		hal_remote_s64(FF(fxp, offset), pos + done);
	remote_rwlock_wr_release(ILOCK(ixp));
	return io_result(done, err);
}

error_t vfs_inode_kwrite(xptr_t inode_xp, uint64_t pos, const void *kbuf, size_t n)
{
	vfs_buf_t buf = { (uintptr_t)kbuf, false };
	uint64_t size;
	size_t done;
	error_t err = 0;

	if (pos > CONFIG_VFS_MAX_FILE_SIZE || n > CONFIG_VFS_MAX_FILE_SIZE - pos)
		return EFBIG;
	remote_rwlock_wr_acquire(ILOCK(inode_xp));
	size = hal_remote_l64(IF(inode_xp, size));
	done = reg_copy_in(inode_xp, pos, size, buf, n, &err);
	if (pos + done > size)
		hal_remote_s64(IF(inode_xp, size), pos + done);
	remote_rwlock_wr_release(ILOCK(inode_xp));
	return err;
}

int64_t vfs_kernel_read(xptr_t inode_xp, uint64_t offset, void *kbuf, size_t size)
{
	vfs_buf_t buf = { (uintptr_t)kbuf, false };
	uint32_t type = vfs_itype(inode_xp);
	uint64_t fsize;
	size_t n;
	error_t err = 0;

	if (type != VFS_REG)
		return type == VFS_DIR ? -EISDIR : -EINVAL;
	remote_rwlock_rd_acquire(ILOCK(inode_xp));
	fsize = hal_remote_l64(IF(inode_xp, size));
	n = offset < fsize ? (fsize - offset < size ? fsize - offset : size) : 0;
	n = reg_copy_out(inode_xp, offset, buf, n, &err);
	remote_rwlock_rd_release(ILOCK(inode_xp));
	return (int64_t)n;
}

error_t vfs_truncate(xptr_t inode_xp, uint64_t size)
{
	uint32_t type = vfs_itype(inode_xp);
	uint64_t old, mapped = 0;

	if (type != VFS_REG)
		return type == VFS_DIR ? EISDIR : EINVAL;
	if (size > CONFIG_VFS_MAX_FILE_SIZE)
		return EFBIG;
	remote_rwlock_wr_acquire(ILOCK(inode_xp));
	/* the size first: a fault beyond it from now on is SIGBUS (vmm_file_page) */
	old = hal_remote_l64(IF(inode_xp, size));
	hal_remote_s64(IF(inode_xp, size), size);
	if (size < old)
		mapped = mapper_truncate(hal_remote_lxp(IF(inode_xp, mapper_xp)), size);
	vfs_inode_touch(inode_xp);
	remote_rwlock_wr_release(ILOCK(inode_xp));
	if (mapped) /* pages cut off are still mapped somewhere: those mappings go (SIGBUS then) */
		vfs_unmap_beyond(inode_xp, size);
	return 0;
}

/* ---- open files: read and write dispatch ---- */

/* read, pread, kread: by the kind of file. */
static int64_t file_read(xptr_t fxp, vfs_buf_t buf, size_t count, const uint64_t *at)
{
	uint32_t type = hal_remote_l32(FF(fxp, type));
	const vfs_dev_ops_t *ops;

	if ((hal_remote_l32(FF(fxp, flags)) & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (buf.user && !hal_uspace_range_ok(buf.addr, count))
		return -EFAULT; /* as Linux's access_ok: the whole count, before it is capped */
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (type == VFS_DIR)
		return -EISDIR;
	if (type == VFS_FIFO)
		return at ? -ESPIPE : pipe_read(fxp, buf, count);
	if (type == VFS_DEV) {
		ops = &vfs_devices[hal_remote_l32(FF(fxp, dev))];
		if (at && !ops->seekable)
			return -ESPIPE;
		return ops->read(fxp, buf, count);
	}
	return reg_read(fxp, hal_remote_lxp(FF(fxp, inode_xp)), buf, count, at);
}

/* write, pwrite, kwrite: by the kind of file. */
static int64_t file_write(xptr_t fxp, vfs_buf_t buf, size_t count, const uint64_t *at)
{
	uint32_t type = hal_remote_l32(FF(fxp, type));
	const vfs_dev_ops_t *ops;

	if ((hal_remote_l32(FF(fxp, flags)) & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (buf.user && !hal_uspace_range_ok(buf.addr, count))
		return -EFAULT;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (type == VFS_FIFO)
		return at ? -ESPIPE : pipe_write(fxp, buf, count);
	if (type == VFS_DEV) {
		ops = &vfs_devices[hal_remote_l32(FF(fxp, dev))];
		if (at && !ops->seekable)
			return -ESPIPE;
		return ops->write(fxp, buf, count);
	}
	kassert(type == VFS_REG); /* a directory is never open for writing */
	return reg_write(fxp, hal_remote_lxp(FF(fxp, inode_xp)), buf, count, at);
}

int64_t vfs_read(xptr_t file_xp, uintptr_t ubuf, size_t count)
{
	return file_read(file_xp, (vfs_buf_t){ ubuf, true }, count, NULL);
}

int64_t vfs_write(xptr_t file_xp, uintptr_t ubuf, size_t count)
{
	return file_write(file_xp, (vfs_buf_t){ ubuf, true }, count, NULL);
}

int64_t vfs_pread(xptr_t file_xp, uintptr_t ubuf, size_t count, int64_t offset)
{
	uint64_t at = (uint64_t)offset;

	if (offset < 0)
		return -EINVAL;
	return file_read(file_xp, (vfs_buf_t){ ubuf, true }, count, &at);
}

int64_t vfs_pwrite(xptr_t file_xp, uintptr_t ubuf, size_t count, int64_t offset)
{
	uint64_t at = (uint64_t)offset;

	if (offset < 0)
		return -EINVAL;
	return file_write(file_xp, (vfs_buf_t){ ubuf, true }, count, &at);
}

int64_t vfs_kread(xptr_t file_xp, void *kbuf, size_t count)
{
	return file_read(file_xp, (vfs_buf_t){ (uintptr_t)kbuf, false }, count, NULL);
}

int64_t vfs_kwrite(xptr_t file_xp, const void *kbuf, size_t count)
{
	return file_write(file_xp, (vfs_buf_t){ (uintptr_t)kbuf, false }, count, NULL);
}

/* The new offset for lseek on a regular file or directory whose offset is @cur (inode read lock
 * held), or -EINVAL. */
static int64_t seek_target(xptr_t ixp, uint32_t type, uint64_t cur, int64_t offset, int whence)
{
	int64_t base, target;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)cur; break;
	case SEEK_END:
		if (type == VFS_DIR)
			return -EINVAL;
		base = (int64_t)hal_remote_l64(IF(ixp, size));
		break;
	default: return -EINVAL;
	}
	if (__builtin_add_overflow(base, offset, &target) || target < 0)
		return -EINVAL;
	return target;
}

int64_t vfs_lseek(xptr_t file_xp, int64_t offset, int whence)
{
	uint32_t type = hal_remote_l32(FF(file_xp, type));
	xptr_t ixp = hal_remote_lxp(FF(file_xp, inode_xp));
	int64_t target;

	if (type == VFS_FIFO)
		return -ESPIPE;
	if (type == VFS_DEV)
		return vfs_devices[hal_remote_l32(FF(file_xp, dev))].seekable ? 0 : -ESPIPE;
	remote_rwlock_rd_acquire(ILOCK(ixp));
	for (;;) {
		uint64_t old = hal_remote_l64(FF(file_xp, offset));

		target = seek_target(ixp, type, old, offset, whence);
		if (target < 0 ||
		    hal_remote_atomic_cas64(FF(file_xp, offset), old, (uint64_t)target))
			break;
	}
	remote_rwlock_rd_release(ILOCK(ixp));
	return target;
}

int64_t vfs_ioctl(xptr_t file_xp, uint32_t cmd, uintptr_t arg)
{
	const vfs_dev_ops_t *ops;

	if (hal_remote_l32(FF(file_xp, type)) != VFS_DEV)
		return -ENOTTY;
	ops = &vfs_devices[hal_remote_l32(FF(file_xp, dev))];
	return ops->ioctl ? ops->ioctl(file_xp, cmd, arg) : -ENOTTY;
}
