/*
 * calls_mem.c - generators of the memory calls, the futex and the ALMOS-MKH extensions
 * (the table is calls.c's).
 *
 * Ranges lie inside the arena, whose neighbours are PROT_NONE guard pages: a range the arena
 * cannot hold is one the kernel must refuse (zero length, wrapping, the kernel half). A mapping
 * made without MAP_FIXED, or moved out of the arena by mremap, is touched and unmapped at once by
 * the same thread.
 */
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "almos.h"
#include "sysfuzz.h"
#include "uarch_fuzz.h"

#define USER_MIN 0x10000UL
#define KERNEL_ADDR 0xffffffc000000000L
#define MAP_FIXED_NOREPLACE_ 0x100000L

/* A length for a range from @addr, @room bytes before the arena's end: mostly inside. */
static long arena_len(struct sf_ctx *c, long addr, uint64_t room)
{
	unsigned r = (unsigned)sf_below(c, 100);

	if (r < 85)
		return (long)((1 + sf_below(c, room / SF_PAGE)) * SF_PAGE);
	if (r < 90)
		return 0;
	if (r < 95)
		return 1 + (long)sf_below(c, room); /* rounded up to a page: still inside */
	return -addr + (long)SF_PAGE;              /* wraps: refused */
}

/* An arena range in a[i], a[i + 1]; sometimes one in the kernel half instead. */
static void arena_range(struct sf_ctx *c, long a[6], int i)
{
	uint64_t room;

	if (sf_chance(c, 4)) {
		a[i] = KERNEL_ADDR + (long)(sf_below(c, 1024) * SF_PAGE);
		a[i + 1] = (long)SF_PAGE;
		return;
	}
	a[i] = sf_arena_addr(c, &room);
	a[i + 1] = arena_len(c, a[i], room);
}

static long prot(struct sf_ctx *c)
{
	return sf_chance(c, 95) ? (long)sf_below(c, 8) : sf_flags(c, 7 | 0x01000000 | 0x02000000);
}

void g_mmap(struct sf_ctx *c, long a[6])
{
	static const long types[] = { MAP_PRIVATE, MAP_PRIVATE, MAP_PRIVATE, MAP_SHARED, 0, 3 };
	long flags = types[sf_below(c, 6)];
	uint64_t room;

	if (sf_chance(c, 80))
		flags |= MAP_ANONYMOUS;
	flags |= sf_flags(c, MAP_POPULATE | MAP_NORESERVE | MAP_STACK | MAP_GROWSDOWN);
	if (sf_chance(c, 3))
		flags |= MAP_REMOTE;
	if (sf_chance(c, 2))
		flags |= 1L << sf_below(c, 32);
	if (sf_chance(c, 50)) {
		a[0] = sf_arena_addr(c, &room);
		a[1] = arena_len(c, a[0], room);
		flags |= sf_chance(c, 85) ? MAP_FIXED : MAP_FIXED_NOREPLACE_;
	} else {
		static const long hints[] = { 0, 0, 0, KERNEL_ADDR, 1 };
		a[0] = hints[sf_below(c, 5)];
		if (a[0] == 1)
			a[0] = (long)sp.arena;
		a[1] = sf_chance(c, 85) ? (long)((1 + sf_below(c, 64)) * SF_PAGE) : sf_len(c);
		flags &= ~(MAP_FIXED | MAP_FIXED_NOREPLACE_);
		if ((uint64_t)a[1] > 64 * SF_PAGE)
			flags &= ~MAP_POPULATE; /* memory is for the other workers too */
	}
	a[2] = prot(c);
	a[3] = flags;
	a[4] = (flags & MAP_ANONYMOUS) && sf_chance(c, 90) ? -1 : sf_fd(c);
	if (flags & MAP_REMOTE)
		a[4] = (long)sf_below(c, sf->clusters + 1);
	a[5] = sf_chance(c, 70) ? 0 : sf_chance(c, 70) ? (long)(sf_below(c, 256) * SF_PAGE)
						      : (long)sf_rand(c);
}

static bool in_arena(long addr)
{
	return (char *)addr >= sp.arena && (char *)addr < sp.arena + SF_ARENA_PAGES * SF_PAGE;
}

/* A mapping of ours outside the arena: touch a few of its pages, then unmap it. */
static void use_and_unmap(struct sf_ctx *c, long addr, long len)
{
	long args[6] = { addr, len, 0, 0, 0, 0 };

	for (unsigned n = (unsigned)sf_below(c, 4); n > 0; n--)
		sf_probe((volatile uint64_t *)(addr + (long)(sf_below(c, (uint64_t)len / SF_PAGE) *
							     SF_PAGE)),
			 sf_chance(c, 50), sf_rand(c));
	if (sf_chance(c, 30)) {
		long p[6] = { addr, len, prot(c), 0, 0, 0 };
		sf_call_by_nr(c, SYS_mprotect, p);
	}
	sf_call_by_nr(c, SYS_munmap, args);
}

void after_mmap(struct sf_ctx *c, const long a[6], long ret)
{
	if (ret < 0 && ret > -4096)
		return;
	if ((ret & (long)(SF_PAGE - 1)) || (uint64_t)ret < USER_MIN || (uint64_t)ret >= UARCH_USER_VA_END)
		sf_impossible(c, "mmap returned %lx", ret);
	if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE_)) && ret != a[0])
		sf_impossible(c, "mmap fixed at %lx returned %lx", a[0], ret);
	if (!(a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE_)) && !in_arena(ret))
		use_and_unmap(c, ret, a[1]);
}

void g_munmap(struct sf_ctx *c, long a[6])
{
	arena_range(c, a, 0);
}

void g_mprotect(struct sf_ctx *c, long a[6])
{
	arena_range(c, a, 0);
	a[2] = prot(c);
}

void g_mremap(struct sf_ctx *c, long a[6])
{
	static const long flags[] = { 0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED,
				      MREMAP_MAYMOVE | 4 /* DONTUNMAP */, MREMAP_FIXED, 8 };
	uint64_t room, new_room;

	a[0] = sf_arena_addr(c, &room);
	a[1] = sf_chance(c, 10) ? 0 : arena_len(c, a[0], room);
	a[3] = flags[sf_below(c, 6)];
	a[4] = sf_arena_addr(c, &new_room);
	if (a[3] & MREMAP_FIXED)
		room = new_room; /* the new range must stay in the arena too */
	a[2] = sf_chance(c, 90) ? (long)((1 + sf_below(c, room / SF_PAGE)) * SF_PAGE) : sf_len(c);
	if ((a[3] & MREMAP_FIXED) && (uint64_t)a[2] > room)
		a[2] = (long)room;
}

void after_mremap(struct sf_ctx *c, const long a[6], long ret)
{
	if (ret < 0 && ret > -4096)
		return;
	if ((ret & (long)(SF_PAGE - 1)) || (uint64_t)ret < USER_MIN || (uint64_t)ret >= UARCH_USER_VA_END)
		sf_impossible(c, "mremap returned %lx", ret);
	if ((a[3] & MREMAP_FIXED) && ret != a[4])
		sf_impossible(c, "mremap fixed to %lx returned %lx", a[4], ret);
	if (!in_arena(ret))
		use_and_unmap(c, ret, (long)(((uint64_t)a[2] + SF_PAGE - 1) & ~(SF_PAGE - 1)));
}

void g_madvise(struct sf_ctx *c, long a[6])
{
	static const long advice[] = { 0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 14, 18, 19, 100, -1 };

	arena_range(c, a, 0);
	a[2] = advice[sf_below(c, sizeof(advice) / sizeof(advice[0]))];
}

void g_msync(struct sf_ctx *c, long a[6])
{
	arena_range(c, a, 0);
	a[2] = sf_flags(c, MS_ASYNC | MS_INVALIDATE | MS_SYNC);
}

void g_brk(struct sf_ctx *c, long a[6])
{
	long cur = sf_syscall(SYS_brk, 0, 0, 0, 0, 0, 0);
	long floor = (long)sp.brk_floor, target;
	unsigned r = (unsigned)sf_below(c, 100);

	if (r < 10)
		target = 0;
	else if (r < 15)
		target = (long)USER_MIN;
	else if (r < 20)
		target = sf_chance(c, 50) ? (long)UARCH_USER_VA_END * 4 : KERNEL_ADDR; /* beyond user space */
	else
		target = cur + (long)sf_below(c, 2 << 20) - (1 << 20);
	if (target > (long)USER_MIN && target < floor)
		target = floor; /* never under glibc's heap */
	if (target > floor + (64 << 20) && target < 1L << 40)
		target = floor + (64 << 20);
	a[0] = target;
}

void g_futex(struct sf_ctx *c, long a[6])
{
	static const long ops[] = { FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE,
				    FUTEX_WAKE_OP, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET,
				    FUTEX_LOCK_PI, 13, 100 };
	uint32_t *word = (uint32_t *)sp.scratch + sf_below(c, 8);
	int kind;

	a[0] = sf_chance(c, 85) ? (long)word : sf_chance(c, 50) ? (long)word + 1 : sf_bad_ptr(c);
	a[1] = ops[sf_below(c, 10)] | (sf_chance(c, 50) ? FUTEX_PRIVATE_FLAG : 0) |
	       (sf_chance(c, 10) ? FUTEX_CLOCK_REALTIME : 0);
	a[2] = sf_chance(c, 70) ? (long)__atomic_load_n(word, __ATOMIC_RELAXED) : (long)sf_below(c, 4);
	a[3] = (a[1] & 0x7f) == FUTEX_WAIT || (a[1] & 0x7f) == FUTEX_WAIT_BITSET
		       ? sf_timeout(c, false)
		       : (long)sf_below(c, 4);
	a[4] = sf_chance(c, 80) ? (long)((uint32_t *)sp.scratch + sf_below(c, 8)) : sf_ptr(c, 4, &kind);
	a[5] = sf_chance(c, 80) ? -1 : (long)sf_rand(c);
}

/* ---- ALMOS-MKH extensions (no display nor trace: they write to the console) ---- */

static long cluster(struct sf_ctx *c)
{
	return sf_chance(c, 90) ? (long)sf_below(c, sf->clusters) : sf_chance(c, 50) ? -1 : 1000;
}

void g_two_uints(struct sf_ctx *c, long a[6])
{
	int kind;

	sf_struct(c, a, 0, 4, false);
	a[1] = sf_ptr(c, 4, &kind);
	if (!(kind == PK_VALID || kind == PK_ARENA))
		c->struct_arg = -1;
}

void g_cycle(struct sf_ctx *c, long a[6])
{
	sf_struct(c, a, 0, 8, false);
}

void g_place(struct sf_ctx *c, long a[6])
{
	a[0] = cluster(c);
	a[1] = sf_chance(c, 90) ? (long)sf_below(c, sf->cores) - (long)sf_below(c, 2)
				: (long)sf_below(c, 100);
}

void g_cluster_info(struct sf_ctx *c, long a[6])
{
	a[0] = cluster(c);
	sf_struct(c, a, 1, sizeof(struct almos_cluster_info), false);
	if (a[0] < 0 || a[0] >= (long)sf->clusters)
		c->struct_arg = -1;
}

void g_vmm_info(struct sf_ctx *c, long a[6])
{
	a[0] = cluster(c);
	a[1] = sf_chance(c, 30) ? ALMOS_PID_SELF : sf_pid(c);
	sf_struct(c, a, 2, sizeof(struct almos_vmm_info), false);
	c->struct_arg = -1; /* success depends on the pid */
}

void g_processes(struct sf_ctx *c, long a[6])
{
	int kind;

	a[0] = sf_ptr(c, 1024, &kind);
	a[1] = sf_chance(c, 80) ? (long)sf_below(c, 256) : (long)sf_rand(c);
}

void g_process_info(struct sf_ctx *c, long a[6])
{
	a[0] = sf_chance(c, 30) ? ALMOS_PID_SELF : sf_pid(c);
	sf_struct(c, a, 1, sizeof(struct almos_process_info), false);
	c->struct_arg = -1;
}

void g_regions(struct sf_ctx *c, long a[6])
{
	int kind;

	a[0] = sf_chance(c, 50) ? ALMOS_PID_SELF : sf_pid(c);
	a[1] = sf_ptr(c, 16 * sizeof(struct almos_region), &kind);
	a[2] = sf_chance(c, 80) ? (long)sf_below(c, 16) : (long)sf_rand(c);
}

void g_enosys(struct sf_ctx *c, long a[6])
{
	(void)c;
	(void)a;
}

void after_enosys(struct sf_ctx *c, const long a[6], long ret)
{
	(void)a;
	if (ret != -38)
		sf_impossible(c, "an unknown call returned %ld, not ENOSYS", ret);
}
