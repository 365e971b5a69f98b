/*
 * hal_pageops.c - the word loop behind hal_pages_* (hal_pageops.h), the same on every architecture:
 * libk's memset and memcpy, eight words per loop turn. An architecture's hal_pages_set/copy fall back
 * to it on a core without wider stores; the ktest calls it to check both paths on one core.
 */
#include <hal_pageops.h>
#include <kern/printk.h>
#include <libk/string.h>

#ifdef CONFIG_DEBUG
void hal_pages_check(const void *dst, const void *src, size_t size)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	kassert(size != 0 && ((d | size) & (CONFIG_PAGE_SIZE - 1)) == 0);
	kassert(src == NULL || (s & (CONFIG_PAGE_SIZE - 1)) == 0);
	kassert(src == NULL || d + size <= s || s + size <= d); /* no overlap */
}
#endif

void hal_pages_word_set(void *dst, int byte, size_t size)
{
	hal_pages_check(dst, NULL, size);
	memset(dst, byte, size);
}

void hal_pages_word_copy(void *dst, const void *src, size_t size)
{
	hal_pages_check(dst, src, size);
	memcpy(dst, src, size);
}
