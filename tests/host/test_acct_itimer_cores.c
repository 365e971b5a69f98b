/*
 * test_acct_itimer_cores.c - host threads for test_acct_itimer.c, which includes the kernel's
 * process.h: its pid_t is not the host's, so <pthread.h> is kept out of that file.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

void host_run_cores(void *(*fn)(void *), int n);

/* @fn(1), ..., @fn(@n), each on a host thread of its own, all joined before it returns. */
void host_run_cores(void *(*fn)(void *), int n)
{
	pthread_t tid[16];

	if (n > 16)
		abort();
	for (int c = 0; c < n; c++)
		if (pthread_create(&tid[c], NULL, fn, (void *)(uintptr_t)(c + 1)))
			abort();
	for (int c = 0; c < n; c++)
		pthread_join(tid[c], NULL);
}
