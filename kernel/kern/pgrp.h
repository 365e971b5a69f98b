/*
 * pgrp.h - questions about process groups and sessions that need every cluster: signal a group,
 * find a group's session, is a session alive, is a group orphaned (docs/signals.md, docs/tty.md).
 *
 * A process's pgid and sid live in its owner copy (process.h, [G]); these functions scan every
 * cluster's table of owned processes (cluster_manager.owned[]), each under its processes_lock,
 * and skip processes being killed (dying), as kill(2) does. The answers are snapshots: a process may
 * change group or end right after. Callers hold no busylock (the tables' locks are of class
 * process_state); any cluster.
 */
#ifndef KERN_PGRP_H
#define KERN_PGRP_H

#include <hal_types.h>
#include <kern/signal.h>

/*
 * Send @sig with @info to every user process whose pgid is @pgid (0: every process) except
 * @skip1 and @skip2 (0: none). Returns 0 if at least one process got it, else ESRCH.
 */
error_t pgrp_signal(uint32_t pgid, uint32_t skip1, uint32_t skip2, int sig, const ksiginfo_t *info);

/* The session of the group @pgid in *@sid: 0, or ESRCH if no process has that pgid. */
error_t pgrp_session_of(uint32_t pgid, uint32_t *sid);

/* True if some process belongs to the session @sid. */
bool pgrp_session_alive(uint32_t sid);

/*
 * True if the group @pgid is orphaned (POSIX): no member has a parent in another group of the
 * same session, so no job-control shell can continue it. An empty group counts as orphaned.
 * Unlike Linux, a parent that is the first process (init) counts as any other: in Archipel the
 * first process is often the shell or the program under test (docs/tty.md).
 */
bool pgrp_orphaned(uint32_t pgid);

#endif /* KERN_PGRP_H */
