/*
 * races.h - what the files of test_races share (test_races.c says what each group checks): the
 * progress lines, the phase waits of the threads a race needs, the machine's shape, the groups.
 */
#ifndef ARCHIPEL_RACES_H
#define ARCHIPEL_RACES_H

#include <stdatomic.h>
#include <stdbool.h>

#include "ktap.h"

/* Progress on the console (both rounds), with the time: a loaded host runs these slowly, and the
 * harness takes 30 s without a line for a hang; the times tell slow from stalled. */
#define progress(fmt, ...) ktap_diag(fmt " (%lld ms)", __VA_ARGS__, last_line_ms = now_ms())

extern long long last_line_ms; /* of the last progress line */
extern unsigned clusters, cores;

long long now_ms(void);

/* True if a loop that reports every @every steps should report step @i: also when 10 s passed
 * since the last line (a round of cowshared took 3 to 6 s on a host loaded past --load: five
 * of them outlasted the harness's 30 s without a line). */
bool progress_due(int i, int every);

/* Wait (yielding) until *@at is @phase: the steps of a race's threads. */
void wait_phase(atomic_int *at, int phase);

/* races_proc.c: processes, signals, vfork */
void group_killfork(void);
void group_vforkreap(void);
void group_slayinit(void);
void group_tgkill(void);
void group_pipeintr(void);
void group_vforkstop(void);
void group_tstop(void);
void group_vforkign(void);
void group_exittid(void);

/* races_vm.c: address spaces and their copies */
void group_cowdrop(void);
void group_cowshared(void);
void group_stalefetch(void);
void group_nbrstack(void);
void group_remapstack(void);

#endif /* ARCHIPEL_RACES_H */
