/*
 * syscall.c - dispatch of system calls (see syscall.h).
 */
#include <hal_upcalls.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

static const syscall_fn_t syscall_table[SYSCALLS_NR] = {
	[SYS_WRITE]      = sys_write,
	[SYS_EXIT]       = sys_exit,
	[SYS_EXIT_GROUP] = sys_exit,
	[SYS_GETTID]     = sys_gettid,
};

/* One bit per number: an unimplemented number is logged the first time only (per cluster). */
static uint64_t enosys_logged[SYSCALLS_NR / 64];
static uint64_t calls_nr, enosys_nr;

int64_t kernel_syscall(uint64_t nr, const uint64_t args[6])
{
	__atomic_fetch_add(&calls_nr, 1, __ATOMIC_RELAXED);
	if (nr < SYSCALLS_NR && syscall_table[nr])
		return syscall_table[nr](args);
	__atomic_fetch_add(&enosys_nr, 1, __ATOMIC_RELAXED);
	if (nr >= SYSCALLS_NR ||
	    !(__atomic_fetch_or(&enosys_logged[nr / 64], 1ULL << (nr % 64), __ATOMIC_RELAXED) &
	      (1ULL << (nr % 64))))
		pr_warn("syscall %lu is not supported: ENOSYS", nr);
	return -ENOSYS;
}

void syscall_stats(uint64_t *calls, uint64_t *enosys)
{
	*calls = __atomic_load_n(&calls_nr, __ATOMIC_RELAXED);
	*enosys = __atomic_load_n(&enosys_nr, __ATOMIC_RELAXED);
}
