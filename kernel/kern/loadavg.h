/*
 * loadavg.h - the load averages of the machine, as Linux computes them (kernel/sched/loadavg.c):
 * exponentially decaying averages over 1, 5 and 15 minutes of the number of runnable threads,
 * sampled every 5 seconds, in fixed point with LOADAVG_FSHIFT fractional bits.
 *
 * Every core counts its runnable threads (idle excluded) on its first tick of each 5-second
 * period of the clock (LOADAVG_PERIOD_NS: by time, not by tick count, so that ticks a loaded host
 * delays do not stretch the period) and adds the change since its last count to one
 * machine-wide sum in cluster 0 (Linux's calc_load_fold_active); cluster 0's core 0 folds the
 * sum into the averages at its first tick after 1/10 of the period (Linux waits 10 ticks).
 * Linux also counts threads in uninterruptible sleep; Archipel counts runnable threads only.
 * sysinfo(2) reports them shifted to SI_LOAD_SHIFT (16) fractional bits.
 */
#ifndef KERN_LOADAVG_H
#define KERN_LOADAVG_H

#include <hal_types.h>
#include <params.h>

#define LOADAVG_FSHIFT  11
#define LOADAVG_FIXED_1 (1UL << LOADAVG_FSHIFT)
#define LOADAVG_EXP_1   1884UL  /* 1 / exp(5 s / 1 min) in fixed point  */
#define LOADAVG_EXP_5   2014UL  /* 1 / exp(5 s / 5 min)                 */
#define LOADAVG_EXP_15  2037UL  /* 1 / exp(5 s / 15 min)                */
#define LOADAVG_PERIOD_NS 5000000000ULL

/* One step of an average: Linux's calc_load (rounded up while the load rises). Pure. */
static inline uint64_t loadavg_step(uint64_t load, uint64_t exp, uint64_t active_fixed)
{
	uint64_t next = load * exp + active_fixed * (LOADAVG_FIXED_1 - exp);

	if (active_fixed >= load)
		next += LOADAVG_FIXED_1 - 1;
	return next / LOADAVG_FIXED_1;
}

/* True if core @lid's tick at @now must count its runnable threads for loadavg_tick. */
bool loadavg_sample_due(lid_t lid, uint64_t now);

/* The tick of core @lid at @now (interrupt context): @running its runnable threads, counted
 * when loadavg_sample_due said so (else ignored). */
void loadavg_tick(lid_t lid, uint64_t now, uint32_t running);

/* The three averages (1, 5, 15 minutes) in LOADAVG_FSHIFT fixed point (any cluster). */
void loadavg_get(uint64_t avg[3]);

#endif /* KERN_LOADAVG_H */
