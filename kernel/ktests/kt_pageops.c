/*
 * kt_pageops.c - in-kernel tests of the page ops (hal_pageops.h) and of hal_remote_memset/memcpy's
 * routing to them: every byte of the range written, every byte around it untouched, on both paths
 * (the core's, and the word loop) where the core has a wide one, on every core at once, in the
 * local cluster and in another one.
 */
#include <hal_irqmask.h>
#include <hal_pageops.h>
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/printk.h>
#include <mm/ppm.h>

#define BLOCK_ORDER 5 /* 32 pages: a guard page on each side of the largest range */
#define BLOCK_PAGES (1u << BLOCK_ORDER)
#define PG          CONFIG_PAGE_SIZE

/* Ranges in pages: one, a few, and more than one IRQ-masked chunk of the wide path. */
static const uint32_t range_pages[] = { 1, 3, HAL_PAGES_CHUNK / PG + 2 };
_Static_assert(HAL_PAGES_CHUNK / PG + 4 <= BLOCK_PAGES, "block too small for the largest range");

typedef void (*set_fn_t)(void *dst, int byte, size_t size);
typedef void (*copy_fn_t)(void *dst, const void *src, size_t size);

/* A pattern that differs from byte to byte and from page to page, and from one seed to another. */
static uint8_t pattern(size_t i, uint8_t seed)
{
	return (uint8_t)(seed + i * 13 + (i >> 12) * 7);
}

static void fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(i, seed);
}

/* Index of the first byte of [from, to) that is not the pattern, or @to. */
static size_t pattern_diff(const uint8_t *p, size_t from, size_t to, uint8_t seed)
{
	for (size_t i = from; i < to; i++)
		if (p[i] != pattern(i, seed))
			return i;
	return to;
}

static size_t byte_diff(const uint8_t *p, size_t from, size_t to, uint8_t byte)
{
	for (size_t i = from; i < to; i++)
		if (p[i] != byte)
			return i;
	return to;
}

static xptr_t block_in(cxy_t cxy)
{
	return ppm_remote_alloc_pages(cxy, BLOCK_ORDER);
}

/* Fill [off, off + size) of a block with @byte through @set (or hal_remote_memset if NULL). */
static void check_set(ktest_ctx_t *ctx, xptr_t block, set_fn_t set, size_t off, size_t size, int byte)
{
	uint8_t *p = ppm_page2kva(block);
	size_t end = (size_t)BLOCK_PAGES * PG;

	fill_pattern(p, end, 0x11);
	if (set)
		set(p + off, byte, size);
	else
		hal_remote_memset(XPTR(GET_CXY(block), p + off), byte, size);
	KT_EXPECT_EQ(ctx, pattern_diff(p, 0, off, 0x11), off);
	KT_EXPECT_EQ(ctx, byte_diff(p, off, off + size, (uint8_t)byte), off + size);
	KT_EXPECT_EQ(ctx, pattern_diff(p, off + size, end, 0x11), end);
}

/* Copy [off, off + size) of @src's block into @dst's, through @copy (or hal_remote_memcpy). */
static void check_copy(ktest_ctx_t *ctx, xptr_t dst, xptr_t src, copy_fn_t copy, size_t off,
		       size_t size)
{
	uint8_t *d = ppm_page2kva(dst), *s = ppm_page2kva(src);
	size_t end = (size_t)BLOCK_PAGES * PG;

	fill_pattern(d, end, 0x22);
	fill_pattern(s, end, 0x33);
	if (copy)
		copy(d + off, s + off, size);
	else
		hal_remote_memcpy(XPTR(GET_CXY(dst), d + off), XPTR(GET_CXY(src), s + off), size);
	KT_EXPECT_EQ(ctx, pattern_diff(d, 0, off, 0x22), off);
	KT_EXPECT_EQ(ctx, pattern_diff(d, off, off + size, 0x33), off + size);
	KT_EXPECT_EQ(ctx, pattern_diff(d, off + size, end, 0x22), end);
	KT_EXPECT_EQ(ctx, pattern_diff(s, 0, end, 0x33), end); /* the source is only read */
}

/* Every path fills every byte of whole pages with the byte asked for, and nothing around them. */
KTEST(pageops, set_every_byte)
{
	set_fn_t paths[] = { hal_pages_set, hal_pages_word_set, NULL };
	xptr_t block = block_in(local_cxy);

	KT_EXPECT(ctx, block != XPTR_NULL);
	if (block == XPTR_NULL)
		return;
	for (uint32_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
		for (uint32_t r = 0; r < sizeof(range_pages) / sizeof(range_pages[0]); r++) {
			check_set(ctx, block, paths[p], PG, range_pages[r] * PG, 0);
			check_set(ctx, block, paths[p], 2 * PG, range_pages[r] * PG, 0xa5);
		}
	ppm_remote_free_pages(block);
}

/* Every path copies every byte of whole pages, leaves the neighbours and the source alone. */
KTEST(pageops, copy_every_byte)
{
	copy_fn_t paths[] = { hal_pages_copy, hal_pages_word_copy, NULL };
	xptr_t dst = block_in(local_cxy), src = block_in(local_cxy);

	KT_EXPECT(ctx, dst != XPTR_NULL && src != XPTR_NULL);
	if (dst != XPTR_NULL && src != XPTR_NULL)
		for (uint32_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
			for (uint32_t r = 0; r < sizeof(range_pages) / sizeof(range_pages[0]); r++)
				check_copy(ctx, dst, src, paths[p], PG, range_pages[r] * PG);
	if (dst != XPTR_NULL)
		ppm_remote_free_pages(dst);
	if (src != XPTR_NULL)
		ppm_remote_free_pages(src);
}

/* hal_remote_memset/memcpy on ranges that are not whole pages take the byte-exact word loop. */
KTEST(pageops, remote_ranges_not_whole_pages)
{
	static const size_t offs[] = { PG + 8, PG + 1, PG, PG };
	static const size_t sizes[] = { PG, PG, PG + 8, PG - 1 };
	xptr_t a = block_in(local_cxy), b = block_in(local_cxy);

	KT_EXPECT(ctx, a != XPTR_NULL && b != XPTR_NULL);
	if (a != XPTR_NULL && b != XPTR_NULL)
		for (uint32_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			check_set(ctx, a, NULL, offs[i], sizes[i], 0);
			check_set(ctx, a, NULL, offs[i], sizes[i], 0x5a);
			check_copy(ctx, a, b, NULL, offs[i], sizes[i]);
		}
	if (a != XPTR_NULL)
		ppm_remote_free_pages(a);
	if (b != XPTR_NULL)
		ppm_remote_free_pages(b);
}

/* Whole pages of another cluster, both ways: the remote accessors' fast path across clusters. */
KTEST(pageops, remote_cluster_pages)
{
	cxy_t other = (cxy_t)((local_cxy + 1) % cluster_count());
	xptr_t far = block_in(other), near = block_in(local_cxy);

	KT_EXPECT(ctx, far != XPTR_NULL && near != XPTR_NULL);
	if (far != XPTR_NULL && near != XPTR_NULL) {
		check_set(ctx, far, NULL, PG, 3 * PG, 0);
		check_copy(ctx, far, near, NULL, PG, 3 * PG);
		check_copy(ctx, near, far, NULL, 2 * PG, 5 * PG);
	}
	if (far != XPTR_NULL)
		ppm_remote_free_pages(far);
	if (near != XPTR_NULL)
		ppm_remote_free_pages(near);
}

/* The caller's IRQ state is what it was, masked or not; the path is the same on every call. */
KTEST(pageops, irq_state_kept)
{
	xptr_t block = block_in(local_cxy);
	char name[32];

	KT_EXPECT(ctx, block != XPTR_NULL);
	if (block == XPTR_NULL)
		return;
	if (ctx->lid == 0 && local_cxy == 0)
		printk("# pageops: %s", hal_pageops_name(name, sizeof(name)));
	bool wide = hal_pageops_wide();
	uint8_t *p = ppm_page2kva(block);

	KT_EXPECT(ctx, hal_irq_enabled()); /* a ktest runs in a kernel thread, IRQs on */
	hal_pages_set(p, 0, HAL_PAGES_CHUNK + PG);
	hal_pages_copy(p + 2 * PG, p, 2 * PG);
	KT_EXPECT(ctx, hal_irq_enabled());
	irqstate_t irq = hal_disable_irq();
	hal_pages_set(p, 0, HAL_PAGES_CHUNK + PG);
	KT_EXPECT(ctx, !hal_irq_enabled());
	hal_pages_copy(p + 2 * PG, p, 2 * PG);
	KT_EXPECT(ctx, !hal_irq_enabled());
	hal_restore_irq(irq);
	KT_EXPECT(ctx, hal_irq_enabled());
	KT_EXPECT_EQ(ctx, hal_pageops_wide(), wide);
	ppm_remote_free_pages(block);
}
