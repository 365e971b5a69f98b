/*
 * test_xlist.c - lists over extended pointers (libk/xlist.c) against an array model, with the
 * elements spread over several simulated clusters (the cluster part of each xptr differs; on the
 * host the pointer part is used as is).
 */
#include <libk/xlist.h>

#include "htest.h"

#include <stdlib.h>
#include <string.h>

#define NODES    48
#define CLUSTERS 3

typedef struct node_s {
	uint64_t      magic;
	xlist_entry_t link;
	int           id;
} node_t;

static node_t nodes[NODES];
static int model[NODES];
static int model_nr;

/* Each node "lives" in cluster id % CLUSTERS. */
static xptr_t node_xp(int id)
{
	return XPTR(id % CLUSTERS, &nodes[id]);
}

static xptr_t link_xp(int id)
{
	return node_xp(id) + offsetof(node_t, link);
}

static int id_of_entry(xptr_t entry_xp)
{
	xptr_t elem_xp = XLIST_ELEMENT(entry_xp, node_t, link);
	node_t *n = GET_PTR(elem_xp);

	if (n < nodes || n >= nodes + NODES || elem_xp != node_xp(n->id))
		return -1;
	return n->id;
}

static bool xlist_matches(xptr_t root_xp)
{
	xptr_t iter_xp;
	int i = 0;

	XLIST_FOREACH(root_xp, iter_xp) {
		if (i >= model_nr || id_of_entry(iter_xp) != model[i])
			return false;
		i++;
	}
	if (i != model_nr || xlist_is_empty(root_xp) != (model_nr == 0))
		return false;
	/* backwards with xlist_last / xlist_pred, forwards with xlist_first / xlist_next */
	for (iter_xp = xlist_last(root_xp); iter_xp != XPTR_NULL; iter_xp = xlist_pred(root_xp, iter_xp))
		if (id_of_entry(iter_xp) != model[--i])
			return false;
	if (i != 0)
		return false;
	for (iter_xp = xlist_first(root_xp); iter_xp != XPTR_NULL; iter_xp = xlist_next(root_xp, iter_xp))
		if (id_of_entry(iter_xp) != model[i++])
			return false;
	return i == model_nr;
}

static void model_insert(int pos, int id)
{
	memmove(&model[pos + 1], &model[pos], (size_t)(model_nr - pos) * sizeof(int));
	model[pos] = id;
	model_nr++;
}

static int model_find(int id)
{
	for (int i = 0; i < model_nr; i++)
		if (model[i] == id)
			return i;
	return -1;
}

static void model_remove(int pos)
{
	memmove(&model[pos], &model[pos + 1], (size_t)(model_nr - pos - 1) * sizeof(int));
	model_nr--;
}

static void nodes_init(void)
{
	for (int i = 0; i < NODES; i++) {
		nodes[i].magic = 0x5a5a5a5a5a5a5a5aull;
		nodes[i].id = i;
		xlist_entry_init(link_xp(i));
	}
	model_nr = 0;
}

HT_TEST(xlist_element_and_ends)
{
	xlist_entry_t root;
	xptr_t root_xp = XPTR(2, &root);

	nodes_init();
	xlist_root_init(root_xp);
	HT_CHECK(xlist_is_empty(root_xp));
	HT_CHECK(xlist_first(root_xp) == XPTR_NULL && xlist_last(root_xp) == XPTR_NULL);
	HT_CHECK(XLIST_ELEMENT(link_xp(4), node_t, link) == node_xp(4));
	HT_CHECK(GET_CXY(XLIST_ELEMENT(link_xp(4), node_t, link)) == 4 % CLUSTERS);

	xlist_add_first(root_xp, link_xp(4));
	HT_CHECK(xlist_is_linked(link_xp(4)) && !xlist_is_linked(link_xp(5)));
	HT_CHECK(xlist_first(root_xp) == link_xp(4) && xlist_last(root_xp) == link_xp(4));
	HT_CHECK(xlist_next(root_xp, link_xp(4)) == XPTR_NULL);
	HT_CHECK(xlist_pred(root_xp, link_xp(4)) == XPTR_NULL);
	xlist_add_next(link_xp(4), link_xp(5));
	xlist_add_pred(link_xp(4), link_xp(3));
	int expect[] = { 3, 4, 5 };
	memcpy(model, expect, sizeof(expect));
	model_nr = 3;
	HT_CHECK(xlist_matches(root_xp));
	/* the stored links carry each element's cluster */
	HT_CHECK(GET_CXY(nodes[4].link.next) == 5 % CLUSTERS);
	HT_CHECK(nodes[5].link.next == root_xp && root.pred == link_xp(5));
	for (int i = 0; i < NODES; i++)
		HT_CHECK(nodes[i].magic == 0x5a5a5a5a5a5a5a5aull);
}

HT_TEST(xlist_random_ops_match_model)
{
	xlist_entry_t root;
	xptr_t root_xp = XPTR(1, &root);
	bool linked[NODES] = { false };

	srand(4321);
	nodes_init();
	xlist_root_init(root_xp);
	for (int step = 0; step < 20000; step++) {
		int id = rand() % NODES;

		if (linked[id]) {
			model_remove(model_find(id));
			xlist_unlink(link_xp(id));
			linked[id] = false;
		} else if (model_nr == 0 || rand() % 4 == 0) {
			bool first = rand() & 1;
			if (first)
				xlist_add_first(root_xp, link_xp(id));
			else
				xlist_add_last(root_xp, link_xp(id));
			model_insert(first ? 0 : model_nr, id);
			linked[id] = true;
		} else {
			int pos = rand() % model_nr;
			bool after = rand() & 1;
			if (after)
				xlist_add_next(link_xp(model[pos]), link_xp(id));
			else
				xlist_add_pred(link_xp(model[pos]), link_xp(id));
			model_insert(after ? pos + 1 : pos, id);
			linked[id] = true;
		}
		HT_CHECK(xlist_is_linked(link_xp(id)) == linked[id]);
		if (step % 97 == 0)
			HT_REQUIRE(xlist_matches(root_xp));
	}
	HT_CHECK(xlist_matches(root_xp));
}

HT_TEST(xlist_foreach_safe_unlinks_everything)
{
	xlist_entry_t root;
	xptr_t root_xp = XPTR(0, &root), iter_xp, tmp_xp;
	int visited = 0;

	nodes_init();
	xlist_root_init(root_xp);
	for (int i = 0; i < 12; i++)
		xlist_add_last(root_xp, link_xp(i));
	XLIST_FOREACH_SAFE(root_xp, iter_xp, tmp_xp) {
		HT_CHECK(id_of_entry(iter_xp) == visited);
		xlist_unlink(iter_xp);
		visited++;
	}
	HT_CHECK(visited == 12);
	HT_CHECK(xlist_is_empty(root_xp));
}

HT_TEST(xlist_unlink_unlinked_panics)
{
	xlist_entry_t root;
	xptr_t root_xp = XPTR(0, &root);

	nodes_init();
	xlist_root_init(root_xp);
	xlist_add_first(root_xp, link_xp(7));
	xlist_unlink(link_xp(7));
	HT_EXPECT_PANIC(xlist_unlink(link_xp(7)));
	HT_CHECK(strstr(ht_panic_msg, "not in a list") != NULL);
	HT_CHECK(xlist_is_empty(root_xp));
}
