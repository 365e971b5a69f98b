/*
 * vsl.c - the VSL as an intrusive AVL tree of vsegs keyed by min (see vsl.h).
 *
 * Heights are stored (a leaf has height 1, an empty subtree 0); after every insertion or removal the
 * heights are fixed and the tree rebalanced from the changed leaf up to the root, so the two subtrees
 * of every node differ in height by at most one and the height stays below 1.44 log2(n + 2).
 * Parent links make the ordered walk (vsl_next) possible without a stack.
 */
#include <hal_remote.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/vseg.h>
#include <mm/vsl.h>

#define VSEG_OF(n) container_of((n), vseg_t, node)

static inline uint32_t height(const vsl_node_t *n)
{
	return n ? n->height : 0;
}

static inline void fix_height(vsl_node_t *n)
{
	n->height = 1 + MAX(height(n->left), height(n->right));
}

static inline int balance(const vsl_node_t *n)
{
	return (int)height(n->left) - (int)height(n->right);
}

/* Make @new take the place of @old as a child of @parent (or as the root when parent is NULL). */
static void replace_child(vsl_t *vsl, vsl_node_t *parent, vsl_node_t *old, vsl_node_t *new)
{
	if (parent == NULL)
		vsl->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

/* Rotate the subtree at @x left (x's right child goes up); returns the new subtree root. */
static vsl_node_t *rotate_left(vsl_t *vsl, vsl_node_t *x)
{
	vsl_node_t *y = x->right;

	replace_child(vsl, x->parent, x, y);
	x->right = y->left;
	if (x->right)
		x->right->parent = x;
	y->left = x;
	x->parent = y;
	fix_height(x);
	fix_height(y);
	return y;
}

/* Mirror of rotate_left. */
static vsl_node_t *rotate_right(vsl_t *vsl, vsl_node_t *x)
{
	vsl_node_t *y = x->left;

	replace_child(vsl, x->parent, x, y);
	x->left = y->right;
	if (x->left)
		x->left->parent = x;
	y->right = x;
	x->parent = y;
	fix_height(x);
	fix_height(y);
	return y;
}

/* Fix heights and restore the AVL balance from @n up to the root. */
static void rebalance(vsl_t *vsl, vsl_node_t *n)
{
	while (n) {
		fix_height(n);
		int b = balance(n);

		if (b > 1) {
			if (balance(n->left) < 0)
				rotate_left(vsl, n->left);
			n = rotate_right(vsl, n);
		} else if (b < -1) {
			if (balance(n->right) > 0)
				rotate_right(vsl, n->right);
			n = rotate_left(vsl, n);
		}
		n = n->parent;
	}
}

void vsl_init(vsl_t *vsl)
{
	vsl->root = NULL;
	vsl->count = 0;
}

error_t vsl_insert(vsl_t *vsl, vseg_t *vseg)
{
	vsl_node_t *parent = NULL, **link = &vsl->root;

	kassert(vseg->node.height == 0 && vseg->min < vseg->max);
	/* The vsegs are disjoint and ordered: if one intersects the new range, the descent meets it
	 * (every subtree left aside lies entirely below or above the new range). */
	while (*link) {
		const vseg_t *v = VSEG_OF(*link);

		parent = *link;
		if (vseg->max <= v->min)
			link = &parent->left;
		else if (vseg->min >= v->max)
			link = &parent->right;
		else
			return EEXIST;
	}
	vseg->node.left = NULL;
	vseg->node.right = NULL;
	vseg->node.parent = parent;
	vseg->node.height = 1;
	*link = &vseg->node;
	vsl->count++;
	rebalance(vsl, parent);
	return 0;
}

static vsl_node_t *leftmost(vsl_node_t *n)
{
	while (n && n->left)
		n = n->left;
	return n;
}

/* True if @n is a node of @vsl (its chain of parents reaches the root). For assertions. */
static bool in_tree(const vsl_t *vsl, const vsl_node_t *n)
{
	while (n->parent)
		n = n->parent;
	return n == vsl->root;
}

void vsl_remove(vsl_t *vsl, vseg_t *vseg)
{
	vsl_node_t *n = &vseg->node, *from;

	kassert(n->height != 0 && in_tree(vsl, n));
	if (n->left && n->right) {
		/* Two children: the successor s (leftmost of the right subtree, no left child) takes n's
		 * place in the tree; the rebalancing starts where s was taken from. */
		vsl_node_t *s = leftmost(n->right);

		if (s->parent == n) {
			from = s;
		} else {
			from = s->parent;
			replace_child(vsl, s->parent, s, s->right);
			s->right = n->right;
			s->right->parent = s;
		}
		replace_child(vsl, n->parent, n, s);
		s->left = n->left;
		s->left->parent = s;
	} else {
		from = n->parent;
		replace_child(vsl, n->parent, n, n->left ? n->left : n->right);
	}
	n->left = n->right = n->parent = NULL;
	n->height = 0;
	vsl->count--;
	rebalance(vsl, from);
}

vseg_t *vsl_lookup(const vsl_t *vsl, vaddr_t addr)
{
	const vsl_node_t *n = vsl->root;

	while (n) {
		vseg_t *v = VSEG_OF(n);

		if (addr < v->min)
			n = n->left;
		else if (addr >= v->max)
			n = n->right;
		else
			return v;
	}
	return NULL;
}

/* The lowest vseg whose max is above @addr (the first that may intersect [addr, ...)), or NULL. */
static vseg_t *lower_bound(const vsl_t *vsl, vaddr_t addr)
{
	const vsl_node_t *n = vsl->root;
	vseg_t *best = NULL;

	while (n) {
		vseg_t *v = VSEG_OF(n);

		if (v->max > addr) {
			best = v;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

vseg_t *vsl_lookup_range(const vsl_t *vsl, vaddr_t min, vaddr_t max)
{
	vseg_t *v;

	if (min >= max)
		return NULL;
	v = lower_bound(vsl, min);
	return (v && v->min < max) ? v : NULL;
}

vseg_t *vsl_first(const vsl_t *vsl)
{
	vsl_node_t *n = leftmost(vsl->root);

	return n ? VSEG_OF(n) : NULL;
}

vseg_t *vsl_next(const vseg_t *vseg)
{
	const vsl_node_t *n = &vseg->node;

	kassert(n->height != 0);
	if (n->right)
		return VSEG_OF(leftmost(n->right));
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent ? VSEG_OF(n->parent) : NULL;
}

/* The remote walk: the same steps as vsl_first / vsl_next, each pointer read in @cxy. */
#define NODE_XP(cxy, n, field) XPTR((cxy), &(n)->field)

static vsl_node_t *remote_leftmost(cxy_t cxy, vsl_node_t *n)
{
	vsl_node_t *left;

	while (n && (left = hal_remote_lpt(NODE_XP(cxy, n, left))) != NULL)
		n = left;
	return n;
}

xptr_t vsl_remote_first(xptr_t vsl_xp)
{
	cxy_t cxy = GET_CXY(vsl_xp);
	vsl_node_t *n = remote_leftmost(cxy, hal_remote_lpt(XPTR_FIELD(vsl_xp, vsl_t, root)));

	return n ? XPTR(cxy, VSEG_OF(n)) : XPTR_NULL;
}

xptr_t vsl_remote_next(xptr_t vseg_xp)
{
	cxy_t cxy = GET_CXY(vseg_xp);
	vsl_node_t *n = &((vseg_t *)GET_PTR(vseg_xp))->node, *right, *parent;

	kassert(hal_remote_l32(NODE_XP(cxy, n, height)) != 0);
	right = hal_remote_lpt(NODE_XP(cxy, n, right));
	if (right)
		return XPTR(cxy, VSEG_OF(remote_leftmost(cxy, right)));
	while ((parent = hal_remote_lpt(NODE_XP(cxy, n, parent))) != NULL &&
	       hal_remote_lpt(NODE_XP(cxy, parent, right)) == n)
		n = parent;
	return parent ? XPTR(cxy, VSEG_OF(parent)) : XPTR_NULL;
}

error_t vsl_find_gap(const vsl_t *vsl, vaddr_t zone_min, vaddr_t zone_max, vaddr_t size,
		     vaddr_t align, vaddr_t *base)
{
	kassert(IS_POW2(align) && IS_ALIGNED(align, CONFIG_PAGE_SIZE));
	kassert(size > 0 && IS_ALIGNED(size, CONFIG_PAGE_SIZE));
	kassert(IS_ALIGNED(zone_min, CONFIG_PAGE_SIZE) && IS_ALIGNED(zone_max, CONFIG_PAGE_SIZE));

	vaddr_t cur = ALIGN_UP(zone_min, align);
	vseg_t *v = lower_bound(vsl, cur);

	if (cur < zone_min)
		return ENOMEM; /* the alignment wrapped around */
	/* Invariant: no vseg below v ends above cur; the candidate range starts at cur. */
	while (cur < zone_max) {
		vaddr_t end = (v && v->min < zone_max) ? v->min : zone_max;

		if (cur <= end && end - cur >= size) {
			*base = cur;
			return 0;
		}
		if (end == zone_max)
			break;
		vaddr_t next = ALIGN_UP(MAX(cur, v->max), align);

		if (next < v->max)
			break; /* wrapped around */
		cur = next;
		v = vsl_next(v);
	}
	return ENOMEM;
}

uint32_t vsl_count(const vsl_t *vsl)
{
	return vsl->count;
}

/* Check the subtree at @n (child of @parent) whose vsegs must lie in [lo, hi); counts its nodes in
 * *@nr. Returns its height, or -1 after printing the first violation. */
static int check_subtree(const vsl_node_t *n, const vsl_node_t *parent, vaddr_t lo, vaddr_t hi,
			 uint32_t *nr)
{
	if (n == NULL)
		return 0;

	const vseg_t *v = VSEG_OF(n);

	if (n->parent != parent || v->min >= v->max || v->min < lo || v->max > hi) {
		pr_err("%s: vseg [%#lx, %#lx): bad parent link, range or order", __func__,
		       (unsigned long)v->min, (unsigned long)v->max);
		return -1;
	}
	int hl = check_subtree(n->left, n, lo, v->min, nr);
	int hr = hl < 0 ? -1 : check_subtree(n->right, n, v->max, hi, nr);

	if (hr < 0)
		return -1;
	if (n->height != (uint32_t)(1 + MAX(hl, hr)) || hl - hr > 1 || hr - hl > 1) {
		pr_err("%s: vseg [%#lx, %#lx): height %u, subtrees %d and %d", __func__,
		       (unsigned long)v->min, (unsigned long)v->max, n->height, hl, hr);
		return -1;
	}
	(*nr)++;
	return hl > hr ? hl + 1 : hr + 1;
}

bool vsl_check(const vsl_t *vsl)
{
	uint32_t nr = 0;

	if (check_subtree(vsl->root, NULL, 0, ~(vaddr_t)0, &nr) < 0)
		return false;
	if (nr != vsl->count) {
		pr_err("%s: %u vsegs in the tree, count says %u", __func__, nr, vsl->count);
		return false;
	}
	return true;
}

void vsl_display(const vsl_t *vsl)
{
	printk("vsl: %u vsegs", vsl->count);
	for (const vseg_t *v = vsl_first(vsl); v; v = vsl_next(v))
		vseg_display(v);
}
