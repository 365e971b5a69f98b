/*
 * hal_host.c - the HAL implemented on the host, so that generic kernel code runs in unit tests.
 *
 * There is one address space: an extended pointer's pointer part is used as is, whatever its
 * cluster, and "physical" addresses are host addresses (hal_paddr_to_kva is the identity). Tests
 * that need several clusters give each its own structures. The running "core" is (host_cxy,
 * host_lid), settable by tests; host_lid is per host thread, so threads of a test are different
 * cores. printk goes to stdout; panic() longjmps to an armed HT_EXPECT_PANIC or aborts.
 *
 * Remote loads are acquire and stores release (tests/host/include/arch/remote.h: the inline accessors
 * of hal_remote.h), hal_fence a seq_cst fence: stronger than the kernel's contract, so that
 * ThreadSanitizer (which does not model stand-alone fences) sees the ordering that the fences of
 * the code under test provide on the target.
 *
 * User-space copies (hal_uspace.h): every address is a user address on the host (one address
 * space); the range check only refuses a range that wraps around. A test may declare a window of
 * bad user addresses (host_uspace_set_fault): a copy that reaches it copies the bytes before it,
 * then fails with EFAULT, as a copy that faults on an unmapped page does on the target.
 */
#include <hal_atomic.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/printk.h>
#include <libk/errno.h>

#include "htest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

cxy_t local_cxy;
__thread lid_t host_lid; /* per host thread: threads of a test are different cores */
int printk_loglevel = LOG_INFO;
static __thread void *host_core_ptr;
static __thread irqstate_t host_irq_on = 1;

#define P(xp) GET_PTR(xp)

void hal_remote_memcpy(xptr_t dst, xptr_t src, size_t size) { memcpy(P(dst), P(src), size); }
void hal_remote_memset(xptr_t dst, int byte, size_t size) { memset(P(dst), byte, size); }

size_t hal_remote_strcpy(xptr_t dst, xptr_t src, size_t size)
{
	const char *s = P(src);
	char *d = P(dst);
	size_t n = 0;

	if (size == 0)
		return 0;
	while (n + 1 < size && s[n]) {
		d[n] = s[n];
		n++;
	}
	d[n] = 0;
	return n;
}

size_t hal_remote_find64(xptr_t xp, size_t n, uint64_t mask)
{
	const uint64_t *w = P(xp);
	size_t i;

	for (i = 0; i < n; i++)
		if (__atomic_load_n(&w[i], __ATOMIC_ACQUIRE) & mask)
			break;
	return i;
}

uint64_t hal_remote_count(void) { return 0; }

lid_t hal_get_lid(void) { return host_lid; }
void hal_set_core_ptr(void *core) { host_core_ptr = core; }
void *hal_get_core_ptr(void) { return host_core_ptr; }

cycle_t hal_get_cycles(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (cycle_t)ts.tv_sec * 1000000000ull + (cycle_t)ts.tv_nsec;
}

uint64_t hal_get_time_ns(void) { return hal_get_cycles(); }
paddr_t hal_kva_to_paddr(const void *kva) { return (paddr_t)(uintptr_t)kva; }
bool hal_is_image_addr(const void *kva) { (void)kva; return false; }
void hal_cpu_relax(void) { }
void hal_cpu_wait_other(void) { }
void hal_cpu_idle(void) { }
/* GCC warns that ThreadSanitizer does not model stand-alone fences: the fence is still executed,
 * and TSan gets the ordering from the acquire loads and release stores above instead. */
#ifdef __SANITIZE_THREAD__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
void hal_icache_sync(void) { }
uint16_t hal_elf_machine(void) { return 243; }
uint64_t hal_elf_hwcap(void) { return 0; }
const char *hal_machine_name(void) { return "host"; }
void hal_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
#ifdef __SANITIZE_THREAD__
#pragma GCC diagnostic pop
#endif

_Noreturn void hal_poweroff(unsigned code)
{
	fprintf(stderr, "hal_poweroff(%u) on the host\n", code);
	abort();
}

irqstate_t hal_disable_irq(void)
{
	irqstate_t old = host_irq_on;
	host_irq_on = 0;
	return old;
}

void hal_restore_irq(irqstate_t saved) { host_irq_on = saved; }
void hal_enable_irq(void) { host_irq_on = 1; }
bool hal_irq_enabled(void) { return host_irq_on != 0; }

void vprintk_level(int level, const char *fmt, va_list ap)
{
	if (level > printk_loglevel)
		return;
	printf("# [host] ");
	vprintf(fmt, ap);
	printf("\n");
}

void printk_level(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk_level(level, fmt, ap);
	va_end(ap);
}

void printk_raw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ht_panic_msg, sizeof(ht_panic_msg), fmt, ap);
	va_end(ap);
	if (ht_panic_jmp)
		longjmp(*ht_panic_jmp, 1);
	fprintf(stderr, "PANIC (host): %s\n", ht_panic_msg);
	abort();
}

/* ---- user-space copies ---- */

static uintptr_t uspace_bad_start, uspace_bad_end; /* [start, end): faulting user addresses */

/* Tests: user copies touching [start, end) fail there (start == end: no bad address). */
void host_uspace_set_fault(uintptr_t start, uintptr_t end)
{
	uspace_bad_start = start;
	uspace_bad_end = end;
}

bool hal_uspace_range_ok(uintptr_t addr, size_t size)
{
	return size == 0 || size - 1 <= UINTPTR_MAX - addr;
}

/* Bytes of [addr, addr + size) before the bad window. */
static size_t uspace_good(uintptr_t addr, size_t size)
{
	if (uspace_bad_start == uspace_bad_end || addr >= uspace_bad_end ||
	    addr + size <= uspace_bad_start)
		return size;
	return addr < uspace_bad_start ? uspace_bad_start - addr : 0;
}

error_t hal_copy_from_uspace(void *dst, uintptr_t usrc, size_t size)
{
	size_t n;

	if (!hal_uspace_range_ok(usrc, size))
		return EFAULT;
	n = uspace_good(usrc, size);
	if (n)
		memcpy(dst, (const void *)usrc, n);
	return n == size ? 0 : EFAULT;
}

error_t hal_copy_to_uspace(uintptr_t udst, const void *src, size_t size)
{
	size_t n;

	if (!hal_uspace_range_ok(udst, size))
		return EFAULT;
	n = uspace_good(udst, size);
	if (n)
		memcpy((void *)udst, src, n);
	return n == size ? 0 : EFAULT;
}

error_t hal_copy_from_uspace_xp(xptr_t dst_xp, uintptr_t usrc, size_t size)
{
	return hal_copy_from_uspace(P(dst_xp), usrc, size);
}

error_t hal_copy_to_uspace_xp(uintptr_t udst, xptr_t src_xp, size_t size)
{
	return hal_copy_to_uspace(udst, P(src_xp), size);
}

error_t hal_strcpy_from_uspace(char *dst, uintptr_t usrc, size_t max, size_t *len)
{
	for (size_t n = 0; n < max; n++) {
		if (!hal_uspace_range_ok(usrc, n + 1) || uspace_good(usrc + n, 1) == 0)
			return EFAULT;
		dst[n] = ((const char *)usrc)[n];
		if (dst[n] == '\0') {
			*len = n;
			return 0;
		}
	}
	if (max == 0)
		return EFAULT;
	dst[max - 1] = '\0';
	return ENAMETOOLONG;
}
