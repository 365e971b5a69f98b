/*
 * uabi.c - the kernel's records in the architecture's user layouts, and back (see uabi.h).
 */
#include <fs/vfs.h>
#include <kern/signal.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <syscalls/uabi.h>

void uabi_clone_decode(const uint64_t args[6], clone_req_t *req)
{
	_Static_assert(UABI_CLONE_ARG_PTID >= 2 && UABI_CLONE_ARG_PTID <= 4 && UABI_CLONE_ARG_CTID >= 2 &&
		       UABI_CLONE_ARG_CTID <= 4 && UABI_CLONE_ARG_TLS >= 2 && UABI_CLONE_ARG_TLS <= 4 &&
		       UABI_CLONE_ARG_PTID + UABI_CLONE_ARG_CTID + UABI_CLONE_ARG_TLS == 9,
		       "clone: flags and stack first, then the three pointers in some order");
	req->flags = args[0];
	req->sp = args[1];
	req->ptid = args[UABI_CLONE_ARG_PTID];
	req->ctid = args[UABI_CLONE_ARG_CTID];
	req->tls = args[UABI_CLONE_ARG_TLS];
}

/* dst = src, and *overflow if the value changed on the way (a narrower field). Every field is an
 * integer of at most 64 bits, which a 128-bit integer holds exactly. */
#define PUT_CHECKED(dst, src, overflow) do {                                      \
		(dst) = (src);                                                       \
		if ((__int128)(dst) != (__int128)(src))                              \
			*(overflow) = true;                                          \
	} while (0)

/* As Linux's cp_new_stat: the identity fields (device, inode, link count) must fit, or EOVERFLOW;
 * the others are copied as they are (times and sizes have the kernel's width everywhere). */
error_t uabi_stat_from(struct uabi_stat *u, const struct vfs_stat *k)
{
	bool overflow = false;

	memset(u, 0, sizeof(*u)); /* padding and unused fields: nothing of the kernel's leaks */
	PUT_CHECKED(u->st_dev, k->st_dev, &overflow);
	PUT_CHECKED(u->st_ino, k->st_ino, &overflow);
	PUT_CHECKED(u->st_nlink, k->st_nlink, &overflow);
	PUT_CHECKED(u->st_rdev, k->st_rdev, &overflow);
	u->st_mode = k->st_mode;
	u->st_uid = k->st_uid;
	u->st_gid = k->st_gid;
	u->st_size = k->st_size;
	u->st_blksize = k->st_blksize;
	u->st_blocks = k->st_blocks;
	u->st_atime = k->st_atime;
	u->st_atime_nsec = k->st_atime_nsec;
	u->st_mtime = k->st_mtime;
	u->st_mtime_nsec = k->st_mtime_nsec;
	u->st_ctime = k->st_ctime;
	u->st_ctime_nsec = k->st_ctime_nsec;
	return overflow ? EOVERFLOW : 0;
}

void uabi_sigaction_to_kernel(const struct uabi_sigaction *u, k_sigaction_t *k)
{
	k->handler = u->sa_handler;
	k->flags = u->sa_flags;
	k->mask = u->sa_mask;
	k->restorer = uabi_sigaction_restorer(u); /* as given: used only with UABI_SA_RESTORER */
}

void uabi_sigaction_from_kernel(const k_sigaction_t *k, struct uabi_sigaction *u)
{
	memset(u, 0, sizeof(*u));
	u->sa_handler = k->handler;
	u->sa_flags = k->flags;
	u->sa_mask = k->mask;
	uabi_sigaction_set_restorer(u, k->restorer);
}

error_t uabi_deadline(uint64_t now, int64_t sec, int64_t nsec, uint64_t *deadline)
{
	uint64_t ns;

	if (sec < 0 || nsec < 0 || nsec >= (int64_t)UABI_NSEC_PER_SEC)
		return EINVAL;
	if (sec == 0 && nsec == 0) {
		*deadline = 0;
		return 0;
	}
	if ((uint64_t)sec > (UABI_FOREVER - 1 - now) / UABI_NSEC_PER_SEC) {
		*deadline = UABI_FOREVER; /* beyond any uptime */
		return 0;
	}
	ns = (uint64_t)sec * UABI_NSEC_PER_SEC + (uint64_t)nsec;
	*deadline = now + (ns < UABI_FOREVER - 1 - now ? ns : UABI_FOREVER - 1 - now);
	return 0;
}

void uabi_timeval_split(const int64_t tv[2], int64_t *sec, int64_t *nsec)
{
	const int64_t usec_per_sec = 1000000;

	/* C's division truncates toward zero, as the kernel's: a negative tv_usec stays negative */
	if (__builtin_add_overflow(tv[0], tv[1] / usec_per_sec, sec))
		*sec = tv[0] < 0 ? INT64_MIN : INT64_MAX; /* as far as it goes: EINVAL or for ever */
	*nsec = (tv[1] % usec_per_sec) * 1000;
}

static uint64_t left_ns(uint64_t now, uint64_t deadline)
{
	return deadline > now ? deadline - now : 0;
}

void uabi_time_left_timespec(uint64_t now, uint64_t deadline, int64_t ts[2])
{
	uint64_t left = left_ns(now, deadline);

	ts[0] = (int64_t)(left / UABI_NSEC_PER_SEC);
	ts[1] = (int64_t)(left % UABI_NSEC_PER_SEC);
}

void uabi_time_left_timeval(uint64_t now, uint64_t deadline, int64_t tv[2])
{
	uint64_t left = left_ns(now, deadline);

	tv[0] = (int64_t)(left / UABI_NSEC_PER_SEC);
	tv[1] = (int64_t)(left % UABI_NSEC_PER_SEC / 1000);
}
