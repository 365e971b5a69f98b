/*
 * uspace.c - user memory copies on x86_64 (see hal_uspace.h).
 *
 * The copy loops are in uaccess.S; here the range checks (user space is the lower canonical half,
 * below GPT_USER_VA_END: an address past it never reaches the copy, so no copy can make a
 * non-canonical access) and SMAP: where the CPU has it, the kernel may touch user pages only with
 * RFLAGS.AC set, which stac / clac do around each copy. A fault during a copy reaches trap.c, which
 * asks the VMM to resolve it and otherwise resumes at the routine's fixup (return value -1).
 */
#include <hal_gpt.h>
#include <hal_uspace.h>
#include <libk/errno.h>

#include "hal_cpu.h"

long x86_uaccess_copy(void *dst, const void *src, size_t n);
long x86_uaccess_strncpy(char *dst, const char *src, size_t max);

static inline void user_access_begin(void)
{
	if (x86_smap)
		__asm__ volatile("stac" ::: "memory");
}

static inline void user_access_end(void)
{
	if (x86_smap)
		__asm__ volatile("clac" ::: "memory");
}

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
	user_access_begin();
	r = x86_uaccess_copy(dst, (const void *)usrc, size);
	user_access_end();
	return r ? EFAULT : 0;
}

error_t hal_copy_to_uspace(uintptr_t udst, const void *src, size_t size)
{
	long r;

	if (!hal_uspace_range_ok(udst, size))
		return EFAULT;
	user_access_begin();
	r = x86_uaccess_copy((void *)udst, src, size);
	user_access_end();
	return r ? EFAULT : 0;
}

error_t hal_copy_from_uspace_xp(xptr_t dst_xp, uintptr_t usrc, size_t size)
{
	return hal_copy_from_uspace(x86_xptr_to_kva(dst_xp), usrc, size);
}

error_t hal_copy_to_uspace_xp(uintptr_t udst, xptr_t src_xp, size_t size)
{
	return hal_copy_to_uspace(udst, x86_xptr_to_kva(src_xp), size);
}

error_t hal_strcpy_from_uspace(char *dst, uintptr_t usrc, size_t max, size_t *len)
{
	size_t room;
	long r;

	if (max == 0 || usrc >= GPT_USER_VA_END)
		return EFAULT;
	room = GPT_USER_VA_END - usrc < max ? GPT_USER_VA_END - usrc : max;
	user_access_begin();
	r = x86_uaccess_strncpy(dst, (const char *)usrc, room);
	user_access_end();
	if (r < 0)
		return EFAULT;
	if ((size_t)r == room) {
		dst[room - 1] = 0;
		return room < max ? EFAULT : ENAMETOOLONG; /* ran into the end of user space */
	}
	*len = (size_t)r;
	return 0;
}
