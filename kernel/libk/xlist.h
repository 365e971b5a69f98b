/*
 * xlist.h - circular doubly linked lists over extended pointers.
 *
 * The same lists as list.h, but the root and the elements may live in any cluster, and one list may
 * chain elements of several clusters. Links are extended pointers and every access goes through
 * hal_remote_*, so the functions may be called from any core on lists anywhere.
 *
 * Naming rule: an entry is always designated by the same extended pointer (the cluster whose memory
 * holds it, and its address), because the end of a traversal is detected by comparing with the
 * root's extended pointer. Pass the root as XPTR(cxy_of_its_memory, &root) everywhere.
 *
 * An unlinked entry has next == pred == XPTR_NULL (xlist_entry_init, xlist_unlink); unlinking an
 * unlinked entry panics. Nothing here locks: the caller holds the lock that protects the list.
 */
#ifndef LIBK_XLIST_H
#define LIBK_XLIST_H

#include <hal_types.h>

typedef struct xlist_entry_s {
	xptr_t next;
	xptr_t pred;
} xlist_entry_t;

/* Extended pointer of the element of type @type embedding the entry @entry_xp as field @member.
 * The pointer part is moved back by the field offset; the cluster is kept. */
#define XLIST_ELEMENT(entry_xp, type, member) ((xptr_t)(entry_xp) - offsetof(type, member))

/* Visit every entry of the list @root_xp from first to last; @iter_xp gets each entry's xptr.
 * The body must not unlink @iter_xp (use the _SAFE form). */
#define XLIST_FOREACH(root_xp, iter_xp)                                                             \
	for ((iter_xp) = xlist_next_raw(root_xp); (iter_xp) != (root_xp);                           \
	     (iter_xp) = xlist_next_raw(iter_xp))

/* Same, but the body may unlink @iter_xp: @tmp_xp holds the next entry. */
#define XLIST_FOREACH_SAFE(root_xp, iter_xp, tmp_xp)                                                \
	for ((iter_xp) = xlist_next_raw(root_xp), (tmp_xp) = xlist_next_raw(iter_xp);               \
	     (iter_xp) != (root_xp); (iter_xp) = (tmp_xp), (tmp_xp) = xlist_next_raw(iter_xp))

/* Make @root_xp an empty list. */
void xlist_root_init(xptr_t root_xp);
/* Mark @entry_xp as linked nowhere. */
void xlist_entry_init(xptr_t entry_xp);

/* Insert @entry_xp at the head / at the tail of the list @root_xp. */
void xlist_add_first(xptr_t root_xp, xptr_t entry_xp);
void xlist_add_last(xptr_t root_xp, xptr_t entry_xp);
/* Insert @entry_xp just after / just before @where_xp (an entry of a list, or its root). */
void xlist_add_next(xptr_t where_xp, xptr_t entry_xp);
void xlist_add_pred(xptr_t where_xp, xptr_t entry_xp);

/* Remove @entry_xp from its list; panics if it is not linked. */
void xlist_unlink(xptr_t entry_xp);

bool xlist_is_empty(xptr_t root_xp);
/* True if @entry_xp is in a list. */
bool xlist_is_linked(xptr_t entry_xp);

/* First / last entry of @root_xp, XPTR_NULL if the list is empty. */
xptr_t xlist_first(xptr_t root_xp);
xptr_t xlist_last(xptr_t root_xp);
/* Entry after / before @ref_xp in the list @root_xp, XPTR_NULL when @ref_xp is the last / first. */
xptr_t xlist_next(xptr_t root_xp, xptr_t ref_xp);
xptr_t xlist_pred(xptr_t root_xp, xptr_t ref_xp);

/* The raw link after @entry_xp (the root when @entry_xp is the last): for the FOREACH macros. */
xptr_t xlist_next_raw(xptr_t entry_xp);

#endif /* LIBK_XLIST_H */
