/*
 * pageops.c - whole pages filled and copied on x86_64 (see hal_pageops.h): the word loop.
 *
 * The kernel uses no SSE register (docs/fpu.md: the FP/SSE state belongs to user threads), so the
 * widest store it has is a word. docs/perf.md ("Page ops on x86_64") has the measurement of
 * `rep stosq`/`rep movsq` under TCG's icount that this choice rests on.
 */
#include <hal_pageops.h>
#include <libk/string.h>

bool hal_pageops_wide(void)
{
	return false;
}

const char *hal_pageops_name(char *buf, size_t size)
{
	snprintf(buf, size, "word loop");
	return buf;
}

void hal_pages_set(void *dst, int byte, size_t size)
{
	hal_pages_word_set(dst, byte, size);
}

void hal_pages_copy(void *dst, const void *src, size_t size)
{
	hal_pages_word_copy(dst, src, size);
}
