/*
 * random.c - xoshiro256** per cluster (see random.h). The algorithm is public (Blackman and Vigna);
 * this is a plain implementation of its published recurrence.
 */
#include <hal_special.h>
#include <kern/random.h>
#include <libk/busylock.h>
#include <libk/string.h>

static struct {
	busylock_t lock;
	uint64_t   s[4];     /* [L] generator state */
	bool       seeded;   /* [L]                 */
} rng = { .lock = BUSYLOCK_INITIALIZER("random", LOCK_DEVICE) };

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* splitmix64, to spread a seed over the state */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t next(void)
{
	uint64_t result = rotl(rng.s[1] * 5, 7) * 9;
	uint64_t t = rng.s[1] << 17;

	rng.s[2] ^= rng.s[0];
	rng.s[3] ^= rng.s[1];
	rng.s[1] ^= rng.s[2];
	rng.s[0] ^= rng.s[3];
	rng.s[2] ^= t;
	rng.s[3] = rotl(rng.s[3], 45);
	return result;
}

void random_bytes(void *buf, size_t size)
{
	uint8_t *out = buf;

	busylock_acquire(&rng.lock);
	if (!rng.seeded) {
		uint64_t seed = hal_get_cycles() ^ ((uint64_t)local_cxy << 48) ^
				((uint64_t)hal_get_lid() << 40);
		for (int i = 0; i < 4; i++)
			rng.s[i] = splitmix(&seed);
		rng.seeded = true;
	}
	while (size) {
		uint64_t word = next();
		size_t n = size < sizeof(word) ? size : sizeof(word);
		memcpy(out, &word, n);
		out += n;
		size -= n;
	}
	busylock_release(&rng.lock);
}
