/*
 * xlist.c - lists over extended pointers (see xlist.h). Every link is read and written with
 * hal_remote_lxp / hal_remote_sxp, wherever the entries live.
 */
#include <hal_remote.h>
#include <kern/printk.h>
#include <libk/xlist.h>

#define XL_NEXT(xp) XPTR_FIELD(xp, xlist_entry_t, next)
#define XL_PRED(xp) XPTR_FIELD(xp, xlist_entry_t, pred)

void xlist_root_init(xptr_t root_xp)
{
	hal_remote_sxp(XL_NEXT(root_xp), root_xp);
	hal_remote_sxp(XL_PRED(root_xp), root_xp);
}

void xlist_entry_init(xptr_t entry_xp)
{
	hal_remote_sxp(XL_NEXT(entry_xp), XPTR_NULL);
	hal_remote_sxp(XL_PRED(entry_xp), XPTR_NULL);
}

/* Link @entry_xp between the adjacent entries @pred_xp and @next_xp. */
static void xlist_insert_between(xptr_t pred_xp, xptr_t next_xp, xptr_t entry_xp)
{
	kassert(entry_xp != XPTR_NULL && pred_xp != XPTR_NULL && next_xp != XPTR_NULL);
	hal_remote_sxp(XL_NEXT(entry_xp), next_xp);
	hal_remote_sxp(XL_PRED(entry_xp), pred_xp);
	hal_remote_sxp(XL_NEXT(pred_xp), entry_xp);
	hal_remote_sxp(XL_PRED(next_xp), entry_xp);
}

void xlist_add_first(xptr_t root_xp, xptr_t entry_xp)
{
	xlist_insert_between(root_xp, hal_remote_lxp(XL_NEXT(root_xp)), entry_xp);
}

void xlist_add_last(xptr_t root_xp, xptr_t entry_xp)
{
	xlist_insert_between(hal_remote_lxp(XL_PRED(root_xp)), root_xp, entry_xp);
}

void xlist_add_next(xptr_t where_xp, xptr_t entry_xp)
{
	xlist_insert_between(where_xp, hal_remote_lxp(XL_NEXT(where_xp)), entry_xp);
}

void xlist_add_pred(xptr_t where_xp, xptr_t entry_xp)
{
	xlist_insert_between(hal_remote_lxp(XL_PRED(where_xp)), where_xp, entry_xp);
}

/* Remove @entry_xp from its list and mark it unlinked; panics on an unlinked entry. */
void xlist_unlink(xptr_t entry_xp)
{
	xptr_t next_xp = hal_remote_lxp(XL_NEXT(entry_xp));
	xptr_t pred_xp = hal_remote_lxp(XL_PRED(entry_xp));

	if (next_xp == XPTR_NULL || pred_xp == XPTR_NULL)
		panic("%s: entry %llx is not in a list", __func__, (unsigned long long)entry_xp);
	hal_remote_sxp(XL_NEXT(pred_xp), next_xp);
	hal_remote_sxp(XL_PRED(next_xp), pred_xp);
	hal_remote_sxp(XL_NEXT(entry_xp), XPTR_NULL);
	hal_remote_sxp(XL_PRED(entry_xp), XPTR_NULL);
}

bool xlist_is_empty(xptr_t root_xp)
{
	return hal_remote_lxp(XL_NEXT(root_xp)) == root_xp;
}

bool xlist_is_linked(xptr_t entry_xp)
{
	return hal_remote_lxp(XL_NEXT(entry_xp)) != XPTR_NULL;
}

xptr_t xlist_first(xptr_t root_xp)
{
	xptr_t first_xp = hal_remote_lxp(XL_NEXT(root_xp));

	return first_xp == root_xp ? XPTR_NULL : first_xp;
}

xptr_t xlist_last(xptr_t root_xp)
{
	xptr_t last_xp = hal_remote_lxp(XL_PRED(root_xp));

	return last_xp == root_xp ? XPTR_NULL : last_xp;
}

xptr_t xlist_next(xptr_t root_xp, xptr_t ref_xp)
{
	xptr_t next_xp = hal_remote_lxp(XL_NEXT(ref_xp));

	return next_xp == root_xp ? XPTR_NULL : next_xp;
}

xptr_t xlist_pred(xptr_t root_xp, xptr_t ref_xp)
{
	xptr_t pred_xp = hal_remote_lxp(XL_PRED(ref_xp));

	return pred_xp == root_xp ? XPTR_NULL : pred_xp;
}

xptr_t xlist_next_raw(xptr_t entry_xp)
{
	return hal_remote_lxp(XL_NEXT(entry_xp));
}
