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

/* dst = src, and *overflow if the value changed on the way (a narrower or unsigned field). Every
 * field is an integer of at most 64 bits, which a 128-bit integer holds exactly. */
#define PUT(dst, src, overflow) do {                                              \
		(dst) = (src);                                                       \
		if ((__int128)(dst) != (__int128)(src))                              \
			*(overflow) = true;                                          \
	} while (0)

error_t uabi_stat_from(struct uabi_stat *u, const struct vfs_stat *k)
{
	bool overflow = false;

	memset(u, 0, sizeof(*u)); /* padding and unused fields: nothing of the kernel's leaks */
	PUT(u->st_dev, k->st_dev, &overflow);
	PUT(u->st_ino, k->st_ino, &overflow);
	PUT(u->st_mode, k->st_mode, &overflow);
	PUT(u->st_nlink, k->st_nlink, &overflow);
	PUT(u->st_uid, k->st_uid, &overflow);
	PUT(u->st_gid, k->st_gid, &overflow);
	PUT(u->st_rdev, k->st_rdev, &overflow);
	PUT(u->st_size, k->st_size, &overflow);
	PUT(u->st_blksize, k->st_blksize, &overflow);
	PUT(u->st_blocks, k->st_blocks, &overflow);
	PUT(u->st_atime, k->st_atime, &overflow);
	PUT(u->st_atime_nsec, k->st_atime_nsec, &overflow);
	PUT(u->st_mtime, k->st_mtime, &overflow);
	PUT(u->st_mtime_nsec, k->st_mtime_nsec, &overflow);
	PUT(u->st_ctime, k->st_ctime, &overflow);
	PUT(u->st_ctime_nsec, k->st_ctime_nsec, &overflow);
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
