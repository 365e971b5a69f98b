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
static uint32_t reported[CONFIG_MAX_CORES_PER_CLUSTER]; /* this cluster's: each core's last count */

#define STATE(f) XPTR(0, &loadavg_state.f)

void loadavg_tick(lid_t lid, uint64_t ticks, uint32_t running)
{
	static const uint64_t exps[3] = { LOADAVG_EXP_1, LOADAVG_EXP_5, LOADAVG_EXP_15 };
	uint64_t phase = ticks % LOADAVG_PERIOD_TICKS;

	if (phase == 0) {
		int64_t delta = (int64_t)running - (int64_t)reported[lid];
		reported[lid] = running;
		if (delta)
			hal_remote_atomic_add64(STATE(active), delta);
	} else if (phase == 1 && local_cxy == 0 && lid == 0) {
		/* a tick later, the other cores have (mostly) counted: Linux waits 10 ticks */
		int64_t active = (int64_t)hal_remote_l64(STATE(active));
		uint64_t fixed = active > 0 ? (uint64_t)active * LOADAVG_FIXED_1 : 0;
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
