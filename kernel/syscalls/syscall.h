/*
 * syscall.h - the system call layer: Linux riscv64 numbers and semantics for the POSIX part, plus
 * the ALMOS-MKH extensions in a private range (user/include/almos.h).
 *
 * kernel_syscall() (hal_upcalls.h) looks the number up in one table; an unknown or unimplemented
 * number returns -ENOSYS and is logged once per number. Each sys_* function takes the six argument
 * registers as the user passed them and returns the result register: >= 0, or -errno. Arguments
 * are validated before anything changes (bad user pointers give -EFAULT, never a kernel fault).
 */
#ifndef SYSCALLS_SYSCALL_H
#define SYSCALLS_SYSCALL_H

#include <hal_types.h>

/* Linux asm-generic numbers used so far. */
#define SYS_WRITE      64
#define SYS_EXIT       93
#define SYS_EXIT_GROUP 94
#define SYS_GETTID     178

#define SYSCALLS_NR    512 /* table size: every Linux riscv64 number is below */

typedef int64_t (*syscall_fn_t)(const uint64_t args[6]);

int64_t sys_write(const uint64_t args[6]);
int64_t sys_exit(const uint64_t args[6]);
int64_t sys_gettid(const uint64_t args[6]);

/* Calls made and calls refused with ENOSYS since boot, in the local cluster. */
void syscall_stats(uint64_t *calls, uint64_t *enosys);

#endif /* SYSCALLS_SYSCALL_H */
