/*
 * devfs.c - the device files of /dev: console, null, zero (vfs_private.h: vfs_dev_ops_t).
 *
 * A device inode names an entry of vfs_devices[]; read, write and ioctl of an open device file go
 * to its functions, without any inode lock held (a console read may wait for input for ever).
 *
 * The console (a minimal line-at-a-time terminal; the line discipline is a later issue):
 *  - write: the bytes go to console_write() (printk.h), under the console lock, in pieces of at most
 *    CONFIG_CONSOLE_LINE_MAX bytes, so user output is never torn by a log line;
 *  - read: returns what is available once at least one byte came, up to and including a newline
 *    (CR is turned into NL, as ICRNL does), at most CONFIG_CONSOLE_LINE_MAX bytes; ^D at the start of
 *    a read is the end of file (0). No echo. Readers take turns (the console's read lock). A reader
 *    without input waits in the console's wait queue, woken by the UART's receive hook. The hook
 *    runs in interrupt context, so no lock can close the window between "no byte" and "queued"
 *    (no busylock class ranks between the locks an interrupted thread may hold and LOCK_WAITQ):
 *    the wait is a timed one, and a byte arriving in that window is seen after at most
 *    CONFIG_CONSOLE_RX_POLL_NS;
 *  - ioctl: TCGETS (Linux's default termios of a terminal) and TIOCGWINSZ (80 x 24).
 * The console's state lives in cluster 0 (devfs_console, reached through XPTR(0, ...)).
 */
#include <fs/vfs_private.h>
#include <hal_console.h>
#include <hal_uspace.h>
#include <kern/printk.h>
#include <kern/queuelock.h>
#include <kern/waitq.h>
#include <libk/errno.h>
#include <libk/string.h>

#define CTRL_D 0x04

_Static_assert(sizeof(struct vfs_termios) == 36, "struct termios of riscv64");
_Static_assert(sizeof(struct vfs_winsize) == 8, "struct winsize");
_Static_assert(sizeof(struct vfs_stat) == 128, "struct stat of riscv64");

static struct {
	queuelock_t read_lock; /* one reader at a time (class LOCK_VFS)  */
	waitq_t     rxq;       /* the reader waiting for input           */
} devfs_console;           /* cluster 0's copy is the one used       */

#define CONSOLE_XP(f) XPTR(0, &devfs_console.f)

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

/* ---- console ---- */

static int64_t console_dev_write(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	char chunk[CONFIG_CONSOLE_LINE_MAX];
	size_t done = 0;

	(void)file_xp;
	while (done < count) {
		size_t n = vfs_buf_chunk(buf, done, count - done < sizeof(chunk) ?
						    count - done : sizeof(chunk));

		if (vfs_buf_from(XPTR(local_cxy, chunk), buf, done, n))
			return done ? (int64_t)done : -EFAULT;
		console_write(chunk, n);
		done += n;
	}
	return (int64_t)done;
}

/*
 * Collect at most @max bytes of input into @line (read lock held): wait for the first one (unless
 * @nonblock: EAGAIN), then take what is there up to a newline. Returns the count (0 for ^D).
 */
static int64_t console_collect(char *line, size_t max, bool nonblock)
{
	size_t n = 0;

	while (n < max) {
		int c = hal_console_getc();

		if (c < 0) {
			if (n > 0)
				break;
			if (nonblock)
				return -EAGAIN;
			waitq_wait_timeout(CONSOLE_XP(rxq), XPTR_NULL, CONFIG_CONSOLE_RX_POLL_NS);
			continue;
		}
		if (c == CTRL_D) {
			if (n == 0)
				return 0;
			break;
		}
		if (c == '\r')
			c = '\n';
		line[n++] = (char)c;
		if (c == '\n')
			break;
	}
	return (int64_t)n;
}

static int64_t console_dev_read(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	char line[CONFIG_CONSOLE_LINE_MAX];
	size_t max = count < sizeof(line) ? count : sizeof(line);
	bool nonblock = hal_remote_l32(FF(file_xp, flags)) & O_NONBLOCK;
	int64_t n;

	if (max == 0)
		return 0;
	remote_queuelock_acquire(CONSOLE_XP(read_lock));
	n = console_collect(line, max, nonblock);
	remote_queuelock_release(CONSOLE_XP(read_lock));
	if (n > 0 && vfs_buf_to(buf, 0, XPTR(local_cxy, line), (size_t)n))
		return -EFAULT; /* the line is lost, as a terminal's would be */
	return n;
}

/* Linux's defaults for a terminal (tty_std_termios, INIT_C_CC), at 38400 baud. */
static const struct vfs_termios console_termios = {
	.c_iflag = 0x0500,                      /* ICRNL | IXON                                  */
	.c_oflag = 0x0005,                      /* OPOST | ONLCR                                 */
	.c_cflag = 0x04bf,                      /* B38400 | CS8 | CREAD | HUPCL                  */
	.c_lflag = 0x8a3b,                      /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
	.c_line = 0,
	.c_cc = { 3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0 },
};

static const struct vfs_winsize console_winsize = { 24, 80, 0, 0 };

static int64_t console_dev_ioctl(xptr_t file_xp, uint32_t cmd, uintptr_t arg)
{
	(void)file_xp;
	switch (cmd) {
	case TCGETS:
		return hal_copy_to_uspace(arg, &console_termios, sizeof(console_termios)) ? -EFAULT : 0;
	case TIOCGWINSZ:
		return hal_copy_to_uspace(arg, &console_winsize, sizeof(console_winsize)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

/* The UART's receive hook (interrupt context, cluster 0): wake the waiting reader. */
static void console_rx_hook(void)
{
	waitq_wake_all(CONSOLE_XP(rxq));
}

const vfs_dev_ops_t vfs_devices[VFS_DEV_NR] = {
	[VFS_DEV_NONE]    = { "none", 0, 0, false, null_read, swallow_write, NULL },
	[VFS_DEV_CONSOLE] = { "console", 5, 1, false, console_dev_read, console_dev_write,
			      console_dev_ioctl },
	[VFS_DEV_NULL]    = { "null", 1, 3, true, null_read, swallow_write, NULL },
	[VFS_DEV_ZERO]    = { "zero", 1, 5, true, zero_read, swallow_write, NULL },
};

void devfs_init(xptr_t dev_xp)
{
	static const struct { vfs_dev_t dev; uint32_t mode; } files[] = {
		{ VFS_DEV_CONSOLE, 0600 }, { VFS_DEV_NULL, 0666 }, { VFS_DEV_ZERO, 0666 },
	};

	kassert(local_cxy == 0);
	remote_queuelock_init(CONSOLE_XP(read_lock), "console read", LOCK_VFS);
	waitq_init(CONSOLE_XP(rxq), "console rx");
	hal_console_set_rx_hook(console_rx_hook);
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
