/*
 * hal_pageops.h - filling and copying whole pages at the hardware's width.
 *
 * A page fault zeroes a frame, a COW fault copies one, a page table starts zeroed: with a word loop
 * that is most of the instructions of an anonymous or a COW fault (docs/perf.md). An architecture
 * may do better than that loop (RISC-V's V extension: 128 bytes per store with LMUL=8 at VLEN 128;
 * x86's string instructions, one `rep stosq` for a whole page); these functions use it where the
 * core has it, and the word loop (libk's memset/memcpy) where it does not.
 *
 * Callers do not call them directly: hal_remote_memset and hal_remote_memcpy (hal/common/hal_remote.c)
 * take this path for every range that is page-aligned and a whole number of pages, so every caller
 * of those gains without changing (the VMM's frame fills, the COW copy, the GPT's tables, the
 * mapper's pages). Everything else goes to memset/memcpy.
 *
 * The contract, implemented by each architecture (hal/<arch>/pageops.c):
 *   void hal_pages_set(void *dst, int byte, size_t size);
 *   void hal_pages_copy(void *dst, const void *src, size_t size);
 *        @dst (and @src) are kernel addresses (direct map or image window) aligned on
 *        CONFIG_PAGE_SIZE, @size a non-zero multiple of CONFIG_PAGE_SIZE; the ranges of a copy do
 *        not overlap (all asserted in debug builds). Any context: IRQs on or off, locks held; never
 *        sleeps. Whatever the architecture uses for the stores is its own business inside the
 *        call: no register the caller, the interrupted code or a user thread can see changes, and
 *        IRQs are masked at most for a bounded chunk (HAL_PAGES_CHUNK bytes).
 *   const char *hal_pageops_name(char *buf, size_t size);
 *        what this core uses, for the boot log and the ktest ("vector, vlen 128", "word loop",
 *        "rep stosq/movsq").
 *   bool hal_pageops_wide(void);
 *        true if this core uses something other than the word loop below (then the ktest checks
 *        both paths through hal_pages_word_set/copy).
 *   void hal_pages_word_set(void *dst, int byte, size_t size);
 *   void hal_pages_word_copy(void *dst, const void *src, size_t size);
 *        the word loop itself, under the same contract: the fallback, callable on any core.
 */
#ifndef HAL_PAGEOPS_H
#define HAL_PAGEOPS_H

#include <hal_types.h>
#include <params.h>

/* The most bytes filled or copied with IRQs masked, where the architecture masks them (RISC-V). */
#define HAL_PAGES_CHUNK (16 * CONFIG_PAGE_SIZE)

void hal_pages_set(void *dst, int byte, size_t size);
void hal_pages_copy(void *dst, const void *src, size_t size);
void hal_pages_word_set(void *dst, int byte, size_t size);
void hal_pages_word_copy(void *dst, const void *src, size_t size);
bool hal_pageops_wide(void);
const char *hal_pageops_name(char *buf, size_t size);

/* For the implementations: assert the contract above (debug builds; nothing in release builds). */
#ifdef CONFIG_DEBUG
void hal_pages_check(const void *dst, const void *src, size_t size);
#else
static inline void hal_pages_check(const void *dst, const void *src, size_t size)
{
	(void)dst;
	(void)src;
	(void)size;
}
#endif

#endif /* HAL_PAGEOPS_H */
