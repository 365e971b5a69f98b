/*
 * uspace.c - user memory copies on RISC-V (see hal_uspace.h).
 *
 * The copy loops are in uaccess.S; here the range checks and sstatus.SUM (supervisor access to user
 * pages), which is set only for the duration of a copy. A fault during a copy reaches trap.c, which
 * asks the VMM to resolve it and otherwise resumes at the routine's fixup (return value -1).
 */
#include <hal_gpt.h>
#include <hal_uspace.h>
#include <libk/errno.h>

#include "riscv.h"
#include "hal_cpu.h"

long riscv_uaccess_copy(void *dst, const void *src, size_t n);
long riscv_uaccess_strncpy(char *dst, const char *src, size_t max);

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
	csr_set(sstatus, SSTATUS_SUM);
	r = riscv_uaccess_copy(dst, (const void *)usrc, size);
	csr_clear(sstatus, SSTATUS_SUM);
	return r ? EFAULT : 0;
}

error_t hal_copy_to_uspace(uintptr_t udst, const void *src, size_t size)
{
	long r;

	if (!hal_uspace_range_ok(udst, size))
		return EFAULT;
	csr_set(sstatus, SSTATUS_SUM);
	r = riscv_uaccess_copy((void *)udst, src, size);
	csr_clear(sstatus, SSTATUS_SUM);
	return r ? EFAULT : 0;
}

error_t hal_copy_from_uspace_xp(xptr_t dst_xp, uintptr_t usrc, size_t size)
{
	return hal_copy_from_uspace(riscv_xptr_to_kva(dst_xp), usrc, size);
}

error_t hal_copy_to_uspace_xp(uintptr_t udst, xptr_t src_xp, size_t size)
{
	return hal_copy_to_uspace(udst, riscv_xptr_to_kva(src_xp), size);
}

error_t hal_strcpy_from_uspace(char *dst, uintptr_t usrc, size_t max, size_t *len)
{
	size_t room;
	long r;

	if (max == 0 || usrc >= GPT_USER_VA_END)
		return EFAULT;
	room = GPT_USER_VA_END - usrc < max ? GPT_USER_VA_END - usrc : max;
	csr_set(sstatus, SSTATUS_SUM);
	r = riscv_uaccess_strncpy(dst, (const char *)usrc, room);
	csr_clear(sstatus, SSTATUS_SUM);
	if (r < 0)
		return EFAULT;
	if ((size_t)r == room) {
		dst[room - 1] = 0;
		return room < max ? EFAULT : ENAMETOOLONG; /* ran into the end of user space */
	}
	*len = (size_t)r;
	return 0;
}
