/*
 * uspace.c - user memory copies, one implementation for every architecture (see hal_uspace.h).
 *
 * The copy loops are the architecture's, in its uaccess.S; here the range checks, and the window
 * in which the kernel may touch user pages (<arch/uaccess.h>: RISC-V's sstatus.SUM, x86's SMAP
 * flag), opened only for the duration of a copy. A fault during a copy reaches the architecture's
 * trap handler, which asks the VMM to resolve it and otherwise resumes at the routine's fixup
 * (return value -1).
 */
#include <hal_gpt.h>
#include <hal_remote.h>
#include <hal_uspace.h>
#include <libk/errno.h>
#include <arch/uaccess.h>

/* uaccess.S of the architecture: the only code that touches user memory. */
long hal_uaccess_copy(void *dst, const void *src, size_t n); /* 0, or -1 after a fault */
/* The length copied before the NUL (the NUL is copied too), max if no NUL in max bytes, -1 after a
 * fault. */
long hal_uaccess_strncpy(char *dst, const char *src, size_t max);

bool hal_uspace_range_ok(uintptr_t addr, size_t size)
{
	if (size == 0)
		return true;
	return addr < GPT_USER_VA_END && size <= GPT_USER_VA_END - addr;
}

error_t hal_copy_from_uspace(void *dst, uintptr_t usrc, size_t size)
{
	long r;

	if (!hal_uspace_range_ok(usrc, size))
		return EFAULT;
	hal_uaccess_begin();
	r = hal_uaccess_copy(dst, (const void *)usrc, size);
	hal_uaccess_end();
	return r ? EFAULT : 0;
}

error_t hal_copy_to_uspace(uintptr_t udst, const void *src, size_t size)
{
	long r;

	if (!hal_uspace_range_ok(udst, size))
		return EFAULT;
	hal_uaccess_begin();
	r = hal_uaccess_copy((void *)udst, src, size);
	hal_uaccess_end();
	return r ? EFAULT : 0;
}

error_t hal_copy_from_uspace_xp(xptr_t dst_xp, uintptr_t usrc, size_t size)
{
	return hal_copy_from_uspace(hal_remote_kva(dst_xp), usrc, size);
}

error_t hal_copy_to_uspace_xp(uintptr_t udst, xptr_t src_xp, size_t size)
{
	return hal_copy_to_uspace(udst, hal_remote_kva(src_xp), size);
}

error_t hal_strcpy_from_uspace(char *dst, uintptr_t usrc, size_t max, size_t *len)
{
	size_t room;
	long r;

	if (max == 0 || usrc >= GPT_USER_VA_END)
		return EFAULT;
	room = GPT_USER_VA_END - usrc < max ? GPT_USER_VA_END - usrc : max;
	hal_uaccess_begin();
	r = hal_uaccess_strncpy(dst, (const char *)usrc, room);
	hal_uaccess_end();
	if (r < 0)
		return EFAULT;
	if ((size_t)r == room) {
		dst[room - 1] = 0;
		return room < max ? EFAULT : ENAMETOOLONG; /* ran into the end of user space */
	}
	*len = (size_t)r;
	return 0;
}
