/*
 * test_signal_policy.c - the decisions of signal delivery (kernel/kern/signal_policy.c): directed
 * cases from Linux's rules, and a model test comparing signal_pick with a plain loop.
 */
#include <kern/signal.h>

#include "htest.h"

/* A fixed pseudo-random sequence (no <stdlib.h>: its pid_t is not the kernel's). */
static uint64_t seed = 12345;
static uint64_t next_rand(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return seed ^ (seed >> 29);
}

HT_TEST(signal_default_actions)
{
	HT_CHECK(signal_default_action(SIGSEGV) == SIGACT_CORE);
	HT_CHECK(signal_default_action(SIGQUIT) == SIGACT_CORE);
	HT_CHECK(signal_default_action(SIGTERM) == SIGACT_TERM);
	HT_CHECK(signal_default_action(SIGUSR1) == SIGACT_TERM);
	HT_CHECK(signal_default_action(SIGKILL) == SIGACT_TERM);
	HT_CHECK(signal_default_action(40) == SIGACT_TERM); /* real-time */
	HT_CHECK(signal_default_action(SIGTSTP) == SIGACT_STOP);
	HT_CHECK(signal_default_action(SIGCONT) == SIGACT_CONT);
	HT_CHECK(signal_default_action(SIGCHLD) == SIGACT_IGNORE);
	HT_CHECK(signal_default_action(SIGWINCH) == SIGACT_IGNORE);
}

HT_TEST(signal_action_of_handlers)
{
	HT_CHECK(signal_action_of(SIGUSR1, SIG_IGN) == SIGACT_IGNORE);
	HT_CHECK(signal_action_of(SIGUSR1, 0x10000) == SIGACT_HANDLER);
	HT_CHECK(signal_action_of(SIGUSR1, SIG_DFL) == SIGACT_TERM);
	/* SIGKILL and SIGSTOP cannot be caught or ignored, whatever the table says */
	HT_CHECK(signal_action_of(SIGKILL, 0x10000) == SIGACT_TERM);
	HT_CHECK(signal_action_of(SIGKILL, SIG_IGN) == SIGACT_TERM);
	HT_CHECK(signal_action_of(SIGSTOP, SIG_IGN) == SIGACT_STOP);
	HT_CHECK(signal_valid(1) && signal_valid(64) && !signal_valid(0) && !signal_valid(65));
}

HT_TEST(signal_pick_rules)
{
	bool from_process;

	HT_CHECK(signal_pick(0, 0, 0, &from_process) == 0);
	HT_CHECK(signal_pick(SIG_BIT(SIGUSR1), 0, SIG_BIT(SIGUSR1), &from_process) == 0);
	HT_CHECK(signal_pick(SIG_BIT(SIGUSR2), SIG_BIT(SIGUSR1), 0, &from_process) == SIGUSR1 &&
		 from_process);
	HT_CHECK(signal_pick(SIG_BIT(SIGUSR1), SIG_BIT(SIGUSR1), 0, &from_process) == SIGUSR1 &&
		 !from_process);
	/* a mask never holds SIGKILL back */
	HT_CHECK(signal_pick(0, SIG_BIT(SIGKILL), ~0ULL, &from_process) == SIGKILL && from_process);
	HT_CHECK(signal_pick(SIG_BIT(64), 0, 0, &from_process) == 64);
}

HT_TEST(signal_pick_model)
{
	for (int i = 0; i < 100000; i++) {
		uint64_t t = next_rand() & next_rand(), p = next_rand() & next_rand();
		uint64_t m = next_rand() | next_rand();
		int want = 0;
		bool want_process = false, from_process;
		if (i % 3 == 0)
			t = 0;
		if (i % 5 == 0)
			p = 0;
		for (int sig = 1; sig <= 64 && !want; sig++) {
			bool blocked = (m & SIG_BIT(sig)) && sig != SIGKILL && sig != SIGSTOP;
			if (blocked)
				continue;
			if (t & SIG_BIT(sig))
				want = sig;
			else if (p & SIG_BIT(sig))
				want = sig, want_process = true;
		}
		HT_REQUIRE(signal_pick(t, p, m, &from_process) == want);
		HT_REQUIRE(!want || from_process == want_process);
	}
}

HT_TEST(signal_handler_masks)
{
	uint64_t old = SIG_BIT(SIGINT);

	HT_CHECK(signal_handler_mask(old, SIG_BIT(SIGTERM), 0, SIGUSR1) ==
		 (SIG_BIT(SIGINT) | SIG_BIT(SIGTERM) | SIG_BIT(SIGUSR1)));
	HT_CHECK(signal_handler_mask(old, 0, SA_NODEFER, SIGUSR1) == SIG_BIT(SIGINT));
	HT_CHECK(signal_handler_mask(0, ~0ULL, 0, SIGUSR1) == ~SIG_UNBLOCKABLE);
}

HT_TEST(signal_altstack_and_discards)
{
	HT_CHECK(!signal_on_altstack(0x1000, 0x1000, 0x1000)); /* the base itself is below it */
	HT_CHECK(signal_on_altstack(0x1001, 0x1000, 0x1000));
	HT_CHECK(signal_on_altstack(0x2000, 0x1000, 0x1000)); /* the top: an empty stack */
	HT_CHECK(!signal_on_altstack(0x2001, 0x1000, 0x1000));
	HT_CHECK(!signal_on_altstack(0x1800, 0, 0));          /* none */
	HT_CHECK(signal_discards(SIGSTOP) == SIG_BIT(SIGCONT));
	HT_CHECK(signal_discards(SIGTTOU) == SIG_BIT(SIGCONT));
	HT_CHECK(signal_discards(SIGCONT) == SIG_STOPS);
	HT_CHECK(signal_discards(SIGUSR1) == 0);
}
