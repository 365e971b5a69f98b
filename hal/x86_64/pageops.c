/*
 * pageops.c - whole pages filled and copied on x86_64 (see hal_pageops.h): `rep stosq` and
 * `rep movsq`.
 *
 * The kernel uses no SSE register (docs/fpu.md: the FP/SSE state belongs to user threads), so its
 * widest store is a word. The string instructions store a word per iteration, like the word loop,
 * but without the loop's own instructions: under TCG's icount each iteration counts as one
 * instruction (512 per page), against ~1.7 (zero) and ~2.9 (copy) per word for the loop
 * (docs/perf.md, "Page ops"); on hardware they are what Linux's clear_page and copy_page use.
 * They are interruptible and restartable, so IRQs stay as they are; every kernel entry clears
 * RFLAGS.DF (trap.S, MSR_FMASK), so they go upwards.
 */
#include <hal_pageops.h>
#include <libk/string.h>

bool hal_pageops_wide(void)
{
	return true;
}

const char *hal_pageops_name(char *buf, size_t size)
{
	snprintf(buf, size, "rep stosq/movsq");
	return buf;
}

void hal_pages_set(void *dst, int byte, size_t size)
{
	uint64_t pattern = 0x0101010101010101ULL * (uint8_t)byte;
	size_t words = size / 8;

	hal_pages_check(dst, NULL, size);
	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(pattern) : "memory");
}

void hal_pages_copy(void *dst, const void *src, size_t size)
{
	size_t words = size / 8;

	hal_pages_check(dst, src, size);
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
}
