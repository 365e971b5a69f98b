/*
 * devfs.c - the device files of /dev: console, null, zero (vfs_private.h: vfs_dev_ops_t).
 *
 * A device inode names an entry of vfs_devices[]; read, write, ioctl and poll of an open device
 * file go to its functions (poll NULL: always ready, as /dev/null and /dev/zero), without any
 * inode lock held (a console read may wait for input for ever), and open to its open function
 * after the file is made.
 *
 * /dev/null reads end of file and swallows writes, /dev/zero reads zeros; neither answers any
 * ioctl (ENOTTY). /dev/console is the terminal, with its line discipline: kernel/fs/console.c and
 * kernel/fs/tty.c (docs/tty.md).
 */
#include <fs/vfs_private.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <libk/string.h>

/* ---- null and zero ---- */

static int64_t null_read(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	(void)file_xp; (void)buf; (void)count;
	return 0;
}

static int64_t swallow_write(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	(void)file_xp; (void)buf;
	return (int64_t)count;
}

static int64_t zero_read(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	size_t done = 0;

	(void)file_xp;
	while (done < count) {
		size_t chunk = vfs_buf_chunk(buf, done, count - done < CONFIG_PAGE_SIZE ?
							   count - done : CONFIG_PAGE_SIZE);

		if (vfs_buf_to(buf, done, XPTR(local_cxy, vfs_zero_page), chunk))
			return done ? (int64_t)done : -EFAULT;
		done += chunk;
	}
	return (int64_t)done;
}

const vfs_dev_ops_t vfs_devices[VFS_DEV_NR] = {
	[VFS_DEV_NONE]    = { "none", 0, 0, false, null_read, swallow_write, NULL, NULL, NULL },
	[VFS_DEV_CONSOLE] = { "console", 5, 1, false, console_dev_read, console_dev_write,
			      console_dev_ioctl, console_dev_open, console_dev_poll },
	[VFS_DEV_NULL]    = { "null", 1, 3, true, null_read, swallow_write, NULL, NULL, NULL },
	[VFS_DEV_ZERO]    = { "zero", 1, 5, true, zero_read, swallow_write, NULL, NULL, NULL },
};

void devfs_init(xptr_t dev_xp)
{
	static const struct { vfs_dev_t dev; uint32_t mode; } files[] = {
		{ VFS_DEV_CONSOLE, 0600 }, { VFS_DEV_NULL, 0666 }, { VFS_DEV_ZERO, 0666 },
	};

	kassert(local_cxy == 0);
	console_init();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *name = vfs_devices[files[i].dev].name;
		xptr_t ixp;
		error_t err = vfs_inode_create(VFS_DEV, files[i].mode, XPTR_NULL, NULL, 0, files[i].dev,
					       NULL, &ixp);

		if (!err) {
			err = vfs_dir_add(dev_xp, name, strlen(name), ixp);
			vfs_inode_put(ixp);
		}
		if (err)
			panic("%s: cannot create /dev/%s (error %d)", __func__, name, err);
	}
}
