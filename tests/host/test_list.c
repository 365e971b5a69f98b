/*
 * test_list.c - local lists (libk/list.h) against an array model.
 */
#include <libk/list.h>

#include "htest.h"

#include <stdlib.h>
#include <string.h>

#define NODES 64

typedef struct node_s {
	int          id;
	list_entry_t link;
} node_t;

static node_t nodes[NODES];
static int model[NODES]; /* ids in list order */
static int model_nr;

/* The list is exactly the model, forwards and backwards, and LIST_ELEMENT recovers the nodes. */
static bool list_matches(list_entry_t *root)
{
	list_entry_t *iter;
	int i = 0;

	LIST_FOREACH(root, iter) {
		if (i >= model_nr || LIST_ELEMENT(iter, node_t, link)->id != model[i])
			return false;
		i++;
	}
	if (i != model_nr)
		return false;
	for (iter = root->pred; iter != root; iter = iter->pred) {
		i--;
		if (LIST_ELEMENT(iter, node_t, link)->id != model[i])
			return false;
	}
	return i == 0 && list_is_empty(root) == (model_nr == 0);
}

static int model_find(int id)
{
	for (int i = 0; i < model_nr; i++)
		if (model[i] == id)
			return i;
	return -1;
}

static void model_insert(int pos, int id)
{
	memmove(&model[pos + 1], &model[pos], (size_t)(model_nr - pos) * sizeof(int));
	model[pos] = id;
	model_nr++;
}

static void model_remove(int pos)
{
	memmove(&model[pos], &model[pos + 1], (size_t)(model_nr - pos - 1) * sizeof(int));
	model_nr--;
}

HT_TEST(list_empty_and_basic_order)
{
	list_entry_t root;

	list_root_init(&root);
	model_nr = 0;
	HT_CHECK(list_is_empty(&root));
	HT_CHECK(list_matches(&root));
	for (int i = 0; i < 4; i++) {
		nodes[i].id = i;
		list_entry_init(&nodes[i].link);
		HT_CHECK(!list_is_linked(&nodes[i].link));
	}
	list_add_last(&root, &nodes[1].link);  /* 1       */
	list_add_first(&root, &nodes[0].link); /* 0 1     */
	list_add_last(&root, &nodes[3].link);  /* 0 1 3   */
	list_add_pred(&nodes[3].link, &nodes[2].link); /* 0 1 2 3 */
	int expect[] = { 0, 1, 2, 3 };
	memcpy(model, expect, sizeof(expect));
	model_nr = 4;
	HT_CHECK(list_matches(&root));
	HT_CHECK(LIST_FIRST(&root) == &nodes[0].link && LIST_LAST(&root) == &nodes[3].link);
	list_unlink(&nodes[0].link);
	list_add_next(&nodes[3].link, &nodes[0].link); /* 1 2 3 0 */
	int expect2[] = { 1, 2, 3, 0 };
	memcpy(model, expect2, sizeof(expect2));
	HT_CHECK(list_matches(&root));
	HT_CHECK(list_is_linked(&nodes[0].link));
}

HT_TEST(list_random_ops_match_model)
{
	list_entry_t root;
	bool linked[NODES] = { false };

	srand(1234);
	list_root_init(&root);
	model_nr = 0;
	for (int i = 0; i < NODES; i++)
		nodes[i].id = i;
	for (int step = 0; step < 20000; step++) {
		int id = rand() % NODES;

		if (linked[id]) {
			model_remove(model_find(id));
			list_unlink(&nodes[id].link);
			linked[id] = false;
		} else if (model_nr == 0 || rand() % 4 == 0) {
			bool first = rand() & 1;
			if (first)
				list_add_first(&root, &nodes[id].link);
			else
				list_add_last(&root, &nodes[id].link);
			model_insert(first ? 0 : model_nr, id);
			linked[id] = true;
		} else { /* next to a random member */
			int pos = rand() % model_nr;
			bool after = rand() & 1;
			if (after)
				list_add_next(&nodes[model[pos]].link, &nodes[id].link);
			else
				list_add_pred(&nodes[model[pos]].link, &nodes[id].link);
			model_insert(after ? pos + 1 : pos, id);
			linked[id] = true;
		}
		if (step % 97 == 0)
			HT_REQUIRE(list_matches(&root));
	}
	HT_CHECK(list_matches(&root));
}

HT_TEST(list_foreach_safe_unlinks_everything)
{
	list_entry_t root, *iter, *tmp;
	int visited = 0;

	list_root_init(&root);
	for (int i = 0; i < 10; i++)
		list_add_last(&root, &nodes[i].link);
	LIST_FOREACH_SAFE(&root, iter, tmp) {
		list_unlink(iter);
		visited++;
	}
	HT_CHECK(visited == 10);
	HT_CHECK(list_is_empty(&root));
}

HT_TEST(list_unlink_twice_panics)
{
	list_entry_t root;

	list_root_init(&root);
	list_add_first(&root, &nodes[0].link);
	list_unlink(&nodes[0].link);
	HT_EXPECT_PANIC(list_unlink(&nodes[0].link));
	HT_CHECK(list_is_empty(&root));
}
