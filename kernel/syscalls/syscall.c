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

/* One bit per number, and one for every number beyond the table: an unimplemented number is
 * logged the first time only (per cluster). */
static uint64_t enosys_logged[SYSCALLS_NR / 64 + 1];

/* The ALMOS-MKH extensions, from ALMOS_SYSCALL_FIRST on (user/include/almos.h). */
static const syscall_fn_t almos_table[] = {
	sys_almos_display, sys_almos_get_config, sys_almos_get_core_id, sys_almos_get_cycle,
	sys_almos_place_next, sys_almos_trace, sys_almos_get_cluster_info, sys_almos_get_vmm_info,
	sys_almos_get_processes, sys_almos_get_process_info, sys_almos_get_regions,
	sys_almos_fail_nth,
};

/* The function of a number of the ALMOS-MKH range, NULL if none. */
static syscall_fn_t lookup_almos(uint64_t nr)
{
	if (nr >= ALMOS_SYSCALL_FIRST && nr - ALMOS_SYSCALL_FIRST < ARRAY_SIZE(almos_table))
		return almos_table[nr - ALMOS_SYSCALL_FIRST];
	return NULL;
}

/* The system call of the calling thread while the core's trace is on: logged. */
static int64_t traced(syscall_fn_t fn, uint64_t nr, const uint64_t args[6])
{
	int64_t result;

	pr_info("syscall %lu (%lx, %lx, %lx, %lx) by thread %x", nr, args[0], args[1], args[2], args[3],
		thread_current()->trdid);
	result = fn(args);
	pr_info("syscall %lu by thread %x returns %ld", nr, thread_current()->trdid, result);
	return result;
}

/* The call of a thread that armed fail-nth or of a core whose trace is on: an armed fail-nth
 * applies to this call, fail_nth's own readings excepted; the trace logs it. */
static __attribute__((noinline)) int64_t watched(core_t *core, syscall_fn_t fn, uint64_t nr,
						 const uint64_t args[6])
{
	bool counting = fn != sys_almos_fail_nth && failnth_begin();
	int64_t result;

	if (__atomic_load_n(&core->trace_syscalls, __ATOMIC_RELAXED))
		result = traced(fn, nr, args);
	else
		result = fn(args);
	if (counting)
		failnth_end();
	return result;
}

/* A number without a function: ENOSYS, logged once per number and cluster; the numbers beyond
 * the table share one log line (the first of them), or a program that tries random numbers (the
 * fuzzer does, thousands of times a second) would flood the console. Every one is counted. */
static __attribute__((noinline)) int64_t no_such_call(core_t *core, uint64_t nr)
{
	uint64_t bit = nr < SYSCALLS_NR ? nr : SYSCALLS_NR;

	__atomic_fetch_add(&core->syscalls_enosys, 1, __ATOMIC_RELAXED);
	if (!(__atomic_fetch_or(&enosys_logged[bit / 64], 1ULL << (bit % 64), __ATOMIC_RELAXED) &
	      (1ULL << (bit % 64))))
		pr_warn("ENOSYS: %s syscall %lu (%s)", UABI_PLATFORM, nr,
			nr < SYSCALLS_NR ? (syscall_names[nr] ? syscall_names[nr] : "not a Linux call")
					 : "beyond the table; later ones are counted, not logged");
	return -ENOSYS;
}

/* The call asked to be restarted if a signal handler allows it: signal_deliver settles it,
 * again or EINTR. */
static __attribute__((noinline)) int64_t restart_request(const uint64_t args[6])
{
	thread_t *self = thread_current();

	self->sig_restart = 1;
	self->sig_restart_arg0 = args[0];
	signal_recheck(self);
	return -EINTR;
}

#ifdef CONFIG_DEBUG
/* Debug builds: a call that let signals through (a mask unblocking some, a mask to restore) told
 * the return to user mode to look at them (signal_recheck). */
typedef struct sig_snapshot_s {
	uint64_t mask;
	uint32_t restore;
} sig_snapshot_t;

static void sig_snapshot(sig_snapshot_t *snap)
{
	thread_t *self = thread_current();

	snap->mask = self->sigmask;
	snap->restore = self->sigmask_restore;
}

static void sig_check(const sig_snapshot_t *snap, uint64_t nr)
{
	thread_t *self = thread_current();

	if ((snap->mask & ~self->sigmask) || (self->sigmask_restore && !snap->restore))
		if (!(__atomic_load_n(&self->work, __ATOMIC_RELAXED) & THREAD_WORK_SIGNAL))
			panic("%s: syscall %lu changed the signal mask without signal_recheck",
			      __func__, nr);
}
#endif

int64_t kernel_syscall(uint64_t nr, const uint64_t args[6])
{
	core_t *core = hal_get_core_ptr(); /* cluster_current_core(), without its index */
	syscall_fn_t fn = nr < SYSCALLS_NR ? syscall_table[nr] : lookup_almos(nr);
	int64_t result;

	__atomic_fetch_add(&core->syscalls, 1, __ATOMIC_RELAXED);
	if (__builtin_expect(!fn, 0))
		return no_such_call(core, nr);
#ifdef CONFIG_DEBUG
	sig_snapshot_t snap;
	sig_snapshot(&snap);
#endif
	if (__builtin_expect(core->sched.current->failnth_armed |
			     __atomic_load_n(&core->trace_syscalls, __ATOMIC_RELAXED), 0))
		result = watched(core, fn, nr, args);
	else
		result = fn(args);
#ifdef CONFIG_DEBUG
	sig_check(&snap, nr);
#endif
	/* rt_sigreturn returns the interrupted code's result register, whatever it holds: never a
	 * restart request */
	if (__builtin_expect(result == -ERESTARTSYS, 0) && fn != sys_rt_sigreturn)
		return restart_request(args);
	return result;
}

void syscall_stats(uint64_t *calls, uint64_t *enosys)
{
	*calls = 0;
	*enosys = 0;
	for (lid_t lid = 0; lid < LOCAL_CLUSTER->cores_nr; lid++) {
		*calls += __atomic_load_n(&cluster_manager.core[lid].syscalls, __ATOMIC_RELAXED);
		*enosys += __atomic_load_n(&cluster_manager.core[lid].syscalls_enosys, __ATOMIC_RELAXED);
	}
}
