/*
 * list.h - circular doubly linked lists of *local* objects.
 *
 * A list has a root (a list_entry_t that is not part of any element) and elements that embed a
 * list_entry_t; LIST_ELEMENT gets the element back from its entry. The empty list is a root whose
 * next and pred point to itself. An unlinked entry has next == pred == NULL, which list_unlink
 * asserts against, so unlinking twice is caught.
 *
 * Only for objects that are accessed by one cluster: every pointer is dereferenced directly. Lists
 * whose elements or root may be touched from another cluster use xlist.h. None of these functions
 * locks anything: the caller holds whatever protects the list (the lock of the structure holding the
 * root, usually).
 */
#ifndef LIBK_LIST_H
#define LIBK_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include <kern/printk.h>
#include <libk/bits.h>

typedef struct list_entry_s {
	struct list_entry_s *next;
	struct list_entry_s *pred;
} list_entry_t;

/* The element of type @type that embeds the entry @entry as its field @member. */
#define LIST_ELEMENT(entry, type, member) container_of(entry, type, member)

/* First / last entry of a non-empty list (the root itself when the list is empty). */
#define LIST_FIRST(root) ((root)->next)
#define LIST_LAST(root)  ((root)->pred)

/* Visit every entry from first to last; the loop body must not unlink @iter (use the _SAFE form). */
#define LIST_FOREACH(root, iter) for ((iter) = (root)->next; (iter) != (root); (iter) = (iter)->next)

/* Same, but the body may unlink @iter: @tmp holds the next entry. */
#define LIST_FOREACH_SAFE(root, iter, tmp)                                                          \
	for ((iter) = (root)->next, (tmp) = (iter)->next; (iter) != (root);                         \
	     (iter) = (tmp), (tmp) = (iter)->next)

/* Make @root an empty list. */
static inline void list_root_init(list_entry_t *root)
{
	root->next = root;
	root->pred = root;
}

/* Mark @entry as linked nowhere (optional before the first insertion, done by list_unlink). */
static inline void list_entry_init(list_entry_t *entry)
{
	entry->next = NULL;
	entry->pred = NULL;
}

static inline bool list_is_empty(const list_entry_t *root)
{
	return root->next == root;
}

/* True if @entry is in some list (it went through list_entry_init or list_unlink otherwise). */
static inline bool list_is_linked(const list_entry_t *entry)
{
	return entry->next != NULL;
}

/* Link @entry between the adjacent entries @pred and @next. */
static inline void list_insert_between(list_entry_t *pred, list_entry_t *next, list_entry_t *entry)
{
	entry->next = next;
	entry->pred = pred;
	pred->next = entry;
	next->pred = entry;
}

/* Insert @entry at the head of @root. */
static inline void list_add_first(list_entry_t *root, list_entry_t *entry)
{
	list_insert_between(root, root->next, entry);
}

/* Insert @entry at the tail of @root. */
static inline void list_add_last(list_entry_t *root, list_entry_t *entry)
{
	list_insert_between(root->pred, root, entry);
}

/* Insert @entry just after @where (an entry of a list, or its root). */
static inline void list_add_next(list_entry_t *where, list_entry_t *entry)
{
	list_insert_between(where, where->next, entry);
}

/* Insert @entry just before @where (an entry of a list, or its root). */
static inline void list_add_pred(list_entry_t *where, list_entry_t *entry)
{
	list_insert_between(where->pred, where, entry);
}

/* Remove @entry from its list; @entry must be linked (asserted). */
static inline void list_unlink(list_entry_t *entry)
{
	kassert(entry->next != NULL && entry->pred != NULL);
	entry->pred->next = entry->next;
	entry->next->pred = entry->pred;
	entry->next = NULL;
	entry->pred = NULL;
}

#endif /* LIBK_LIST_H */
