/*
 * ptimer_cpu_stubs.h - what acct.c calls of ptimer.c, for the host tests that run acct.c alone:
 * their processes never arm a POSIX timer on a CPU-time clock (the owner's cpu_itimers never has
 * ACCT_CPU_PTIMERS), so a call is a failed check. Included once per test program.
 */
#ifndef HOST_PTIMER_CPU_STUBS_H
#define HOST_PTIMER_CPU_STUBS_H

#include <kern/ptimer.h>

#include "htest.h"

uint32_t ptimer_cpu_charge(xptr_t owner_xp, uint32_t tid, uint64_t ns)
{
	(void)owner_xp;
	(void)tid;
	(void)ns;
	HT_CHECK(!"no POSIX CPU-time timer is armed");
	return 0;
}

void ptimer_cpu_expire(uint32_t pid, uint32_t slots)
{
	(void)pid;
	(void)slots;
	HT_CHECK(!"no POSIX CPU-time timer is armed");
}

#endif /* HOST_PTIMER_CPU_STUBS_H */
