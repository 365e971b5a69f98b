/*
 * random.h - pseudo-random bytes for user space (getrandom, AT_RANDOM) and the kernel.
 *
 * One xoshiro256** generator per cluster, seeded at its first use from the time counter, the
 * cluster and the core. Not cryptographic: the platform offers no entropy source yet (QEMU's
 * virtio-rng is not driven), which docs/user.md states.
 */
#ifndef KERN_RANDOM_H
#define KERN_RANDOM_H

#include <hal_types.h>

/* Fill @buf with @size pseudo-random bytes. Any thread, any context; never sleeps. */
void random_bytes(void *buf, size_t size);

#endif /* KERN_RANDOM_H */
