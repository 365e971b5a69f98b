/*
 * vfs_fixture.h - what the VFS host tests share: a machine of simulated clusters with a fresh VFS,
 * the leak check, a fake console, newc archives made in memory, and a few shortcuts.
 *
 * The VFS runs on the mm fixture's clusters (mm_fixture.h) with the kernel's own rwlock, queuelock
 * and wait queues over host threads (thread_host.c). The console device (console_init,
 * console_dev_*: kernel/fs/console.c in the kernel) is a fake defined here.
 */
#ifndef VFS_FIXTURE_H
#define VFS_FIXTURE_H

#include <fs/vfs.h>
#include <mm/kmem.h>

#define VFX_CLUSTERS      4
#define VFX_CLUSTER_BYTES (32u << 20)

/* hal_host.c: user copies touching [start, end) fail (start == end: none). */
void host_uspace_set_fault(uintptr_t start, uintptr_t end);
extern __thread lid_t host_lid;

/* A fresh machine: clusters, vfs_init() on cluster 0, and the baselines of the leak check. */
void vfx_setup(void);
/* Forget it all (the VFS's cluster-0 state included). */
void vfx_teardown(void);
/* True if the VFS counters and cluster 0's free pages are back to their values after setup;
 * prints the difference otherwise. */
bool vfx_no_leak(void);

/* Shortcuts on absolute paths from the root (cluster 0); XPTR_NULL / -errno on failure. */
xptr_t  vfx_open(const char *path, uint32_t flags);
xptr_t  vfx_lookup(const char *path, uint32_t flags);          /* drops nothing: caller puts */
int     vfx_lookup_err(const char *path, uint32_t flags);      /* 0 or the error, ref dropped */
int64_t vfx_write_str(xptr_t file_xp, const char *s);
bool    vfx_file_is(const char *path, const void *data, size_t size);  /* whole content check */
uint64_t vfx_ino(const char *path);                             /* 0 if absent */
uint32_t vfx_nlink(const char *path);                           /* st_nlink, 0 if absent */

/* vfs_unmap_beyond's calls (vfs_truncate cut pages some mapping held) and the last size. */
extern uint32_t vfx_unmap_calls;
extern uint64_t vfx_unmap_size;

/* The fake console: bytes queued for input, what was written. */
void   vfx_console_input(const char *bytes, size_t n);
size_t vfx_console_output(char *buf, size_t size);      /* copies what was written, resets */

/* newc archives made in memory. */
typedef struct vfx_cpio_s {
	char  *data;
	size_t size, cap;
} vfx_cpio_t;

void vfx_cpio_add(vfx_cpio_t *a, const char *name, uint32_t mode, const void *data, size_t size,
		  uint32_t ino, uint32_t nlink, uint32_t mtime);
void vfx_cpio_trailer(vfx_cpio_t *a);
void vfx_cpio_free(vfx_cpio_t *a);

/* Host files (host_files.c, which may include <sys/stat.h>, unlike the files that see vfs.h). */
void *host_file_load(const char *path, size_t *size);   /* malloc'ed, NULL if unreadable */
bool  host_file_times(const char *path, int64_t *mtime, uint32_t *mode, uint64_t *size);

#endif /* VFS_FIXTURE_H */
