/*
 * hal_uspace.h - copies between kernel memory and the running thread's user space.
 *
 * The kernel touches user memory only through these functions. Each checks first that the user
 * range lies entirely in user space (no wrap-around); a fault on a user page during the copy is
 * first offered to the VMM (kernel_page_fault, hal_upcalls.h: demand paging, copy on write) and, if
 * it cannot be resolved, the copy stops and returns EFAULT — never a kernel panic. They may sleep
 * (page faults), so the caller must not hold a busylock. Bytes already copied before a failure stay
 * copied.
 */
#ifndef HAL_USPACE_H
#define HAL_USPACE_H

#include <hal_types.h>

/* True if [addr, addr + size) lies in user space (size 0: addr itself may be anything). */
bool hal_uspace_range_ok(uintptr_t addr, size_t size);

/* Copy @size bytes from user address @usrc to kernel buffer @dst: 0 or EFAULT. */
error_t hal_copy_from_uspace(void *dst, uintptr_t usrc, size_t size);

/* Copy @size bytes from kernel buffer @src to user address @udst: 0 or EFAULT. */
error_t hal_copy_to_uspace(uintptr_t udst, const void *src, size_t size);

/*
 * The same with the kernel side in any cluster (an extended pointer): e.g. from or to a page of a
 * file's page cache, wherever it lives, straight to or from the user buffer.
 */
error_t hal_copy_from_uspace_xp(xptr_t dst_xp, uintptr_t usrc, size_t size);
error_t hal_copy_to_uspace_xp(uintptr_t udst, xptr_t src_xp, size_t size);

/*
 * Copy the NUL-terminated user string at @usrc into @dst (@max bytes, NUL included). Returns 0 and
 * its length in *len, ENAMETOOLONG if no NUL within @max bytes, EFAULT on a bad address.
 */
error_t hal_strcpy_from_uspace(char *dst, uintptr_t usrc, size_t max, size_t *len);

/*
 * These functions are hal/common/uspace.c's, for every architecture. What the architecture provides:
 *   in <arch/uaccess.h>, static inline:
 *     void hal_uaccess_begin(void), void hal_uaccess_end(void)
 *                            open and close the window in which the kernel may touch user pages
 *                            (RISC-V: sstatus.SUM; x86_64: RFLAGS.AC where the CPU has SMAP);
 *   in its uaccess.S, the only code that touches user memory:
 *     long hal_uaccess_copy(void *dst, const void *src, size_t n)
 *                            0, or -1 after a fault the VMM could not resolve;
 *     long hal_uaccess_strncpy(char *dst, const char *src, size_t max)
 *                            the length copied before the NUL (copied too), max if there is no NUL
 *                            in max bytes, -1 after such a fault;
 *   and a trap handler that offers a kernel fault inside those routines to the VMM
 *   (kernel_page_fault) and otherwise resumes at the routine's fixup, which returns -1.
 */

#endif /* HAL_USPACE_H */
