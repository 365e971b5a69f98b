/*
 * syscall.c - dispatch of system calls (see syscall.h): the architecture's table, then the
 * ALMOS-MKH range. A number without a function answers ENOSYS and is logged once with its Linux
 * name ("ENOSYS: riscv64 syscall 153 (times)"), the names coming from the build's generated list.
 */
#include <hal_upcalls.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>
#include <kern/cluster.h>
#include <kern/thread.h>
#include <libk/bits.h>
#include <mm/failnth.h>

#define ALMOS_ABI_ONLY
#include <almos.h> /* the user ABI of the extensions, shared with user programs */
#include <syscall_names.h> /* generated from the toolchain's <asm/unistd.h> (tools/mksyscallnames.py) */

/* The architecture's table (<arch/syscall_table.h>): a number listed twice, or beyond the table,
 * is a build error (-Woverride-init, array bounds). */
#define TABLE_ENTRY(nr, name) [nr] = sys_##name,
static const syscall_fn_t syscall_table[SYSCALLS_NR] = { ARCH_SYSCALLS(TABLE_ENTRY) };
#undef TABLE_ENTRY

_Static_assert(ALMOS_SYSCALL_FIRST >= SYSCALLS_NR, "the ALMOS-MKH range lies beyond every Linux number");

/* Linux's name of every number of the architecture, implemented or not (the ENOSYS log). */
#define NAME_ENTRY(nr, name) [nr] = name,
static const char *const syscall_names[SYSCALLS_NR] = { SYSCALL_NAMES(NAME_ENTRY) };
#undef NAME_ENTRY

/* One bit per number: an unimplemented number is logged the first time only (per cluster). */
static uint64_t enosys_logged[SYSCALLS_NR / 64];
static uint64_t calls_nr, enosys_nr;

/* The ALMOS-MKH extensions, from ALMOS_SYSCALL_FIRST on (user/include/almos.h). */
static const syscall_fn_t almos_table[] = {
	sys_almos_display, sys_almos_get_config, sys_almos_get_core_id, sys_almos_get_cycle,
	sys_almos_place_next, sys_almos_trace, sys_almos_get_cluster_info, sys_almos_get_vmm_info,
	sys_almos_get_processes, sys_almos_get_process_info, sys_almos_get_regions,
	sys_almos_fail_nth,
};

static syscall_fn_t lookup(uint64_t nr)
{
	if (nr < SYSCALLS_NR)
		return syscall_table[nr];
	if (nr >= ALMOS_SYSCALL_FIRST && nr - ALMOS_SYSCALL_FIRST < ARRAY_SIZE(almos_table))
		return almos_table[nr - ALMOS_SYSCALL_FIRST];
	return NULL;
}

/* The system call of the calling thread, logged when the core's trace is on. */
static int64_t traced(syscall_fn_t fn, uint64_t nr, const uint64_t args[6])
{
	int64_t result;

	if (!__atomic_load_n(&cluster_current_core()->trace_syscalls, __ATOMIC_RELAXED))
		return fn(args);
	pr_info("syscall %lu (%lx, %lx, %lx, %lx) by thread %x", nr, args[0], args[1], args[2], args[3],
		thread_current()->trdid);
	result = fn(args);
	pr_info("syscall %lu by thread %x returns %ld", nr, thread_current()->trdid, result);
	return result;
}

int64_t kernel_syscall(uint64_t nr, const uint64_t args[6])
{
	syscall_fn_t fn = lookup(nr);
	int64_t result;

	__atomic_fetch_add(&calls_nr, 1, __ATOMIC_RELAXED);
	if (fn) {
		/* an armed fail-nth applies to the next call, fail_nth's own readings excepted */
		bool counting = fn != sys_almos_fail_nth && failnth_begin();

		result = traced(fn, nr, args);
		if (counting)
			failnth_end();
		/* rt_sigreturn returns the interrupted code's result register, whatever it holds:
		 * never a restart request */
		if (result == -ERESTARTSYS && fn != sys_rt_sigreturn) {
			thread_t *self = thread_current();
			self->sig_restart = 1;          /* signal_deliver settles it: again, or EINTR */
			self->sig_restart_arg0 = args[0];
			result = -EINTR;
		}
		return result;
	}
	__atomic_fetch_add(&enosys_nr, 1, __ATOMIC_RELAXED);
	if (nr >= SYSCALLS_NR ||
	    !(__atomic_fetch_or(&enosys_logged[nr / 64], 1ULL << (nr % 64), __ATOMIC_RELAXED) &
	      (1ULL << (nr % 64))))
		pr_warn("ENOSYS: %s syscall %lu (%s)", UABI_PLATFORM, nr,
			nr < SYSCALLS_NR && syscall_names[nr] ? syscall_names[nr] : "not a Linux call");
	return -ENOSYS;
}

void syscall_stats(uint64_t *calls, uint64_t *enosys)
{
	*calls = __atomic_load_n(&calls_nr, __ATOMIC_RELAXED);
	*enosys = __atomic_load_n(&enosys_nr, __ATOMIC_RELAXED);
}
