/*
 * sys_basic.c - the calls of bare user threads: console write, exit, gettid, sched_yield.
 *
 * A bare user thread made by the kernel (ktests: no process, so no file table) writes to the
 * console with fds 1 and 2.
 */
#include <hal_console.h>
#include <hal_uspace.h>
#include <kern/global.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <syscalls/syscall.h>

#define WRITE_CHUNK 256

int64_t sys_write_console(const uint64_t args[6])
{
	int fd = (int)args[0];
	uintptr_t buf = args[1];
	size_t count = args[2];
	char chunk[WRITE_CHUNK];
	size_t done = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	if ((int64_t)count < 0)
		return -EINVAL;
	if (!hal_uspace_range_ok(buf, count))
		return -EFAULT;
	while (done < count) {
		size_t n = count - done < WRITE_CHUNK ? count - done : WRITE_CHUNK;
		if (hal_copy_from_uspace(chunk, buf + done, n))
			return done ? (int64_t)done : -EFAULT;
		console_write(chunk, n);
		done += n;
	}
	return (int64_t)done;
}

int64_t sys_exit(const uint64_t args[6])
{
	thread_user_exit((int)((args[0] & 0xff) << 8));
}

int64_t sys_gettid(const uint64_t args[6])
{
	(void)args;
	return thread_current()->trdid;
}

int64_t sys_sched_yield(const uint64_t args[6])
{
	(void)args;
	sched_yield();
	return 0;
}
