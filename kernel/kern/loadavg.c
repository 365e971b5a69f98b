/*
 * loadavg.c - the load averages (see loadavg.h).
 *
 * Shared on purpose (cluster 0's copy is the one used): loadavg_state, its fields atomic; only
 * cluster 0's core 0 writes avg[].
 */
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/loadavg.h>

typedef struct loadavg_state_s {
	int64_t  active;  /* [A] runnable threads of the machine, as last counted by each core */
	uint64_t avg[3];  /* [A] written by cluster 0's core 0 only                           */
} loadavg_state_t;

static loadavg_state_t loadavg_state;               /* cluster 0's copy is the machine's */
/* this cluster's, each core's own entry ([C]): its last count, its current period */
static uint32_t reported[CONFIG_MAX_CORES_PER_CLUSTER];
static uint64_t sampled_period[CONFIG_MAX_CORES_PER_CLUSTER];
static uint64_t folded_period; /* cluster 0's core 0 only */

#define STATE(f) XPTR(0, &loadavg_state.f)

bool loadavg_sample_due(lid_t lid, uint64_t now)
{
	return now / LOADAVG_PERIOD_NS != sampled_period[lid];
}

void loadavg_tick(lid_t lid, uint64_t now, uint32_t running)
{
	static const uint64_t exps[3] = { LOADAVG_EXP_1, LOADAVG_EXP_5, LOADAVG_EXP_15 };
	uint64_t period = now / LOADAVG_PERIOD_NS;

	if (period != sampled_period[lid]) {
		int64_t delta = (int64_t)running - (int64_t)reported[lid];
		sampled_period[lid] = period;
		reported[lid] = running;
		if (delta)
			hal_remote_atomic_add64(STATE(active), delta);
	}
	if (local_cxy == 0 && lid == 0 && period != folded_period &&
	    now % LOADAVG_PERIOD_NS >= LOADAVG_PERIOD_NS / 10) {
		/* the other cores have counted this period by now (their first tick in it) */
		int64_t active = (int64_t)hal_remote_l64(STATE(active));
		uint64_t fixed = active > 0 ? (uint64_t)active * LOADAVG_FIXED_1 : 0;

		folded_period = period;
		for (int i = 0; i < 3; i++)
			__atomic_store_n(&loadavg_state.avg[i],
					 loadavg_step(loadavg_state.avg[i], exps[i], fixed), __ATOMIC_RELAXED);
	}
}

void loadavg_get(uint64_t avg[3])
{
	for (int i = 0; i < 3; i++)
		avg[i] = hal_remote_l64(STATE(avg[i]));
}
