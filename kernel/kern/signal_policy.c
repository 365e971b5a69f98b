/*
 * signal_policy.c - the pure decisions of signal delivery (signal.h): which signal, which mask,
 * which default action. No locks, no HAL: compiled as is by the host tests (tests/host/signal.cmake).
 */
#include <kern/signal.h>

bool signal_valid(int sig)
{
	return sig >= 1 && sig <= SIGNAL_NSIG;
}

signal_action_t signal_default_action(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return SIGACT_CORE;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return SIGACT_STOP;
	case SIGCONT:
		return SIGACT_CONT;
	case SIGCHLD: case SIGURG: case SIGWINCH:
		return SIGACT_IGNORE;
	default: /* the others, real-time signals included, terminate */
		return SIGACT_TERM;
	}
}

signal_action_t signal_action_of(int sig, uint64_t handler)
{
	if (sig == SIGKILL)
		return SIGACT_TERM;
	if (sig == SIGSTOP)
		return SIGACT_STOP;
	if (handler == SIG_DFL)
		return signal_default_action(sig);
	if (handler == SIG_IGN)
		return SIGACT_IGNORE;
	return SIGACT_HANDLER;
}

/* The lowest signal of a non-empty set. */
static int lowest(uint64_t set)
{
	return __builtin_ctzll(set) + 1;
}

int signal_pick(uint64_t thread_pending, uint64_t process_pending, uint64_t mask, bool *from_process)
{
	uint64_t t = thread_pending & ~(mask & ~SIG_UNBLOCKABLE);
	uint64_t p = process_pending & ~(mask & ~SIG_UNBLOCKABLE);

	*from_process = false;
	if (!t && !p)
		return 0;
	if (t && (!p || lowest(t) <= lowest(p)))
		return lowest(t);
	*from_process = true;
	return lowest(p);
}

uint64_t signal_handler_mask(uint64_t old, uint64_t act_mask, uint64_t flags, int sig)
{
	uint64_t mask = old | act_mask;

	if (!(flags & SA_NODEFER))
		mask |= SIG_BIT(sig);
	return mask & ~SIG_UNBLOCKABLE;
}

bool signal_on_altstack(uintptr_t sp, uintptr_t ss_sp, size_t ss_size)
{
	return ss_size != 0 && sp > ss_sp && sp - ss_sp <= ss_size;
}

uint64_t signal_discards(int sig)
{
	if (SIG_BIT(sig) & SIG_STOPS)
		return SIG_BIT(SIGCONT);
	if (sig == SIGCONT)
		return SIG_STOPS;
	return 0;
}
