/*
 * vfs_fixture.c - the shared part of the VFS host tests (see vfs_fixture.h).
 */
#include "vfs_fixture.h"

#include <fs/cpio.h>
#include <fs/vfs_private.h>
#include <hal_uspace.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <mm/kcm.h>
#include <mm/ppm.h>

#include "mm_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fake console ----
 *
 * The VFS tests check the dispatch to a device, not the terminal: the console device
 * (kernel/fs/console.c, with its tty thread and job control) runs in the QEMU tests, its line
 * discipline in test_tty. This fake reads what was queued (EAGAIN when nothing is; poll says
 * POLLIN when something is), writes to a buffer, and answers TCGETS only.
 */

static pthread_mutex_t console_mutex = PTHREAD_MUTEX_INITIALIZER;
static char   console_in[4096];
static size_t console_in_head, console_in_tail;   /* bytes [head, tail) wait to be read */
static char   console_out[65536];
static size_t console_out_len;

/* The VMM's side of a shrinking mapped file (kernel/fs/vfs_shrink.c walks the processes by RPC):
 * no process maps files on the host; the calls are counted for the tests. */
uint32_t vfx_unmap_calls;
uint64_t vfx_unmap_size;

void vfs_unmap_beyond(xptr_t inode_xp, uint64_t size)
{
	(void)inode_xp;
	vfx_unmap_calls++;
	vfx_unmap_size = size;
}

void console_init(void)
{
}

void console_dev_open(xptr_t file_xp, uint32_t flags)
{
	(void)file_xp; (void)flags;
}

int64_t console_dev_read(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	char tmp[4096];
	size_t n;

	(void)file_xp;
	pthread_mutex_lock(&console_mutex);
	n = console_in_tail - console_in_head;
	n = n < count ? n : count;
	memcpy(tmp, console_in + console_in_head, n);
	console_in_head += n;
	pthread_mutex_unlock(&console_mutex);
	if (n == 0)
		return -EAGAIN;
	return vfs_buf_to(buf, 0, XPTR(local_cxy, tmp), n) ? -EFAULT : (int64_t)n;
}

uint32_t console_dev_poll(xptr_t file_xp)
{
	uint32_t mask = POLLOUT | POLLWRNORM;

	(void)file_xp;
	pthread_mutex_lock(&console_mutex);
	if (console_in_tail != console_in_head)
		mask |= POLLIN | POLLRDNORM;
	pthread_mutex_unlock(&console_mutex);
	return mask;
}

int64_t console_dev_write(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	char tmp[256];
	size_t done = 0;

	(void)file_xp;
	while (done < count) {
		size_t n = vfs_buf_chunk(buf, done, count - done < sizeof(tmp) ? count - done : sizeof(tmp));

		if (vfs_buf_from(XPTR(local_cxy, tmp), buf, done, n))
			return done ? (int64_t)done : -EFAULT;
		pthread_mutex_lock(&console_mutex);
		if (n > sizeof(console_out) - console_out_len)
			n = sizeof(console_out) - console_out_len;
		memcpy(console_out + console_out_len, tmp, n);
		console_out_len += n;
		pthread_mutex_unlock(&console_mutex);
		done += n;
	}
	return (int64_t)done;
}

int64_t console_dev_ioctl(xptr_t file_xp, uint32_t cmd, uintptr_t arg)
{
	struct vfs_termios t = { .c_lflag = 0x8a3b };

	(void)file_xp;
	if (cmd != TCGETS)
		return -ENOTTY;
	return hal_copy_to_uspace(arg, &t, sizeof(t)) ? -EFAULT : 0;
}

void vfx_console_input(const char *bytes, size_t n)
{
	pthread_mutex_lock(&console_mutex);
	if (console_in_head == console_in_tail)
		console_in_head = console_in_tail = 0;
	if (n > sizeof(console_in) - console_in_tail)
		n = sizeof(console_in) - console_in_tail;
	memcpy(console_in + console_in_tail, bytes, n);
	console_in_tail += n;
	pthread_mutex_unlock(&console_mutex);
}

size_t vfx_console_output(char *buf, size_t size)
{
	size_t n;

	pthread_mutex_lock(&console_mutex);
	n = console_out_len < size ? console_out_len : size;
	memcpy(buf, console_out, n);
	console_out_len = 0;
	pthread_mutex_unlock(&console_mutex);
	return n;
}

static void console_reset(void)
{
	pthread_mutex_lock(&console_mutex);
	console_in_head = console_in_tail = console_out_len = 0;
	pthread_mutex_unlock(&console_mutex);
}

/* ---- machine, baselines ---- */

static vfs_stats_t base_stats;
static uint64_t base_free[VFX_CLUSTERS];

/* Free pages of @cxy once the object caches gave their empty slabs back. */
static uint64_t free_pages(cxy_t cxy)
{
	ppm_stats_t s;

	for (uint32_t order = CONFIG_KCM_MIN_ORDER; order <= CONFIG_KCM_MAX_ORDER; order++)
		kcm_remote_shrink(cxy, order);
	ppm_stats(cxy, &s);
	return s.free_pages;
}

void vfx_setup(void)
{
	fix_setup(VFX_CLUSTERS, VFX_CLUSTER_BYTES);
	local_cxy = 0;
	host_lid = 0;
	memset(&vfs_ctx, 0, sizeof(vfs_ctx));
	console_reset();
	host_uspace_set_fault(0, 0);
	vfs_init();
	vfs_stats(&base_stats);
	for (cxy_t c = 0; c < VFX_CLUSTERS; c++)
		base_free[c] = free_pages(c);
}

void vfx_teardown(void)
{
	fix_teardown();
	memset(&vfs_ctx, 0, sizeof(vfs_ctx));
	console_reset();
	host_uspace_set_fault(0, 0);
	local_cxy = 0;
	host_lid = 0;
}

bool vfx_no_leak(void)
{
	vfs_stats_t s;
	bool ok = true;

	vfs_stats(&s);
	if (memcmp(&s, &base_stats, sizeof(s))) {
		printf("# leak: inodes %lu/%lu dentries %lu/%lu files %lu/%lu pages %lu/%lu nodes %lu/%lu\n",
		       s.inodes, base_stats.inodes, s.dentries, base_stats.dentries, s.files,
		       base_stats.files, s.mapper_pages, base_stats.mapper_pages, s.mapper_nodes,
		       base_stats.mapper_nodes);
		ok = false;
	}
	for (cxy_t c = 0; c < VFX_CLUSTERS; c++) {
		uint64_t now = free_pages(c);

		if (now != base_free[c]) {
			printf("# leak: cluster %u has %lu free pages, %lu after setup\n", c, now,
			       base_free[c]);
			ok = false;
		}
	}
	return ok;
}

/* ---- shortcuts ---- */

xptr_t vfx_open(const char *path, uint32_t flags)
{
	xptr_t fxp;

	return vfs_open(local_cxy, XPTR_NULL, path, flags, 0644, &fxp) ? XPTR_NULL : fxp;
}

xptr_t vfx_lookup(const char *path, uint32_t flags)
{
	xptr_t ixp;

	return vfs_lookup(XPTR_NULL, path, flags, &ixp) ? XPTR_NULL : ixp;
}

int vfx_lookup_err(const char *path, uint32_t flags)
{
	xptr_t ixp;
	error_t err = vfs_lookup(XPTR_NULL, path, flags, &ixp);

	if (!err)
		vfs_inode_put(ixp);
	return err;
}

int64_t vfx_write_str(xptr_t file_xp, const char *s)
{
	return vfs_write(file_xp, (uintptr_t)s, strlen(s));
}

bool vfx_file_is(const char *path, const void *data, size_t size)
{
	xptr_t fxp = vfx_open(path, O_RDONLY);
	char *buf = malloc(size + 16);
	int64_t n = -1;
	bool ok;

	if (fxp != XPTR_NULL) {
		n = vfs_read(fxp, (uintptr_t)buf, size + 16);
		vfs_close(fxp);
	}
	ok = n == (int64_t)size && !memcmp(buf, data, size);
	if (!ok)
		printf("# %s: read %ld bytes, expected %zu\n", path, n, size);
	free(buf);
	return ok;
}

/* The stat of @path (not followed) in *@st; false if it does not resolve. */
static bool stat_of(const char *path, struct vfs_stat *st)
{
	xptr_t ixp = vfx_lookup(path, 0);

	if (ixp == XPTR_NULL)
		return false;
	vfs_stat(ixp, st);
	vfs_inode_put(ixp);
	return true;
}

uint64_t vfx_ino(const char *path)
{
	struct vfs_stat st;

	return stat_of(path, &st) ? st.st_ino : 0;
}

uint32_t vfx_nlink(const char *path)
{
	struct vfs_stat st;

	return stat_of(path, &st) ? st.st_nlink : 0;
}

/* ---- newc archives ---- */

static void cpio_put(vfx_cpio_t *a, const void *bytes, size_t n)
{
	size_t pad = (4 - (a->size + n) % 4) % 4;

	if (a->size + n + pad > a->cap) {
		a->cap = 2 * (a->size + n + pad) + 256;
		a->data = realloc(a->data, a->cap);
		if (!a->data)
			abort();
	}
	memcpy(a->data + a->size, bytes, n);
	memset(a->data + a->size + n, 0, pad);
	a->size += n + pad;
}

void vfx_cpio_add(vfx_cpio_t *a, const char *name, uint32_t mode, const void *data, size_t size,
		  uint32_t ino, uint32_t nlink, uint32_t mtime)
{
	size_t namesize = strlen(name) + 1;
	char *entry = malloc(CPIO_HEADER_SIZE + namesize + 1);

	if (!entry)
		abort();
	snprintf(entry, CPIO_HEADER_SIZE + 1,
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, 0u, 0u,
		 nlink, mtime, (uint32_t)size, 0u, 0u, 0u, 0u, (uint32_t)namesize, 0u);
	memcpy(entry + CPIO_HEADER_SIZE, name, namesize); /* the name follows the header */
	cpio_put(a, entry, CPIO_HEADER_SIZE + namesize);
	free(entry);
	if (size)
		cpio_put(a, data, size);
}

void vfx_cpio_trailer(vfx_cpio_t *a)
{
	vfx_cpio_add(a, "TRAILER!!!", 0, NULL, 0, 0, 1, 0);
}

void vfx_cpio_free(vfx_cpio_t *a)
{
	free(a->data);
	memset(a, 0, sizeof(*a));
}
