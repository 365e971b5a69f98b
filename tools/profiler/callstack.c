/*
 * callstack.c - archiprof's shadow call stacks and calling-context tree (see callstack.h).
 */
#include "callstack.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH     1024         /* deeper means a missed return: the stack is reset */
#define PARK_BUCKETS  4096         /* parked stacks, chained by context address */
#define NODE_HASH_MIN 4096

enum frame_kind { FRAME_CALL, FRAME_TRAP };
enum transfer_kind { XFER_NONE, XFER_CALL, XFER_RET, XFER_SRET };

/* A control transfer that ended a block, settled at the vCPU's next block. */
struct transfer {
	enum transfer_kind kind;
	uint64_t ret;                   /* XFER_CALL: the return address */
};

struct frame {
	uint32_t node;
	enum frame_kind kind;
	uint64_t ret;                   /* FRAME_CALL: where its return goes */
	uint64_t t0;                    /* the stack's window instructions when it was entered */
	struct transfer saved;          /* FRAME_TRAP: the transfer the trap came between */
};

struct stack {
	uint64_t key;                   /* context address; 0 for a vCPU's boot stack */
	uint64_t t;                     /* window instructions this thread ran */
	uint32_t depth, cap;
	struct frame *frames;
	struct stack *next;             /* in its parking bucket */
};

struct node {
	uint64_t fn;
	uint32_t parent;
	uint64_t calls, incl, self;
};

struct vcpu {
	struct stack *stack;            /* the thread it runs */
	struct transfer pending;
	enum cs_class last;             /* class of its last block outside the firmware */
	uint64_t from_key;              /* cs_switch_from's key, until cs_switch_to */
};

static struct cs_config cfg;
static struct cs_stats stats;
static struct vcpu *vcpus;
static struct stack *parked[PARK_BUCKETS];

static struct node *nodes;
static uint32_t nodes_used, nodes_cap;
static uint32_t *node_hash;             /* indexes into nodes, 0 = empty (node 0 is never hashed) */
static uint32_t node_hash_size;

static void out_of_memory(void)
{
	fprintf(stderr, "archiprof: out of memory\n");
	abort();
}

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (q == NULL)
		out_of_memory();
	return q;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ x >> 33;
}

static uint64_t node_key(uint32_t parent, uint64_t fn)
{
	return mix(fn ^ mix(parent + 1));
}

static void node_hash_insert(uint32_t index)
{
	uint32_t mask = node_hash_size - 1;
	uint64_t h = node_key(nodes[index].parent, nodes[index].fn) & mask;

	while (node_hash[h] != 0)
		h = (h + 1) & mask;
	node_hash[h] = index;
}

static void node_hash_grow(void)
{
	free(node_hash);
	node_hash_size = node_hash_size ? node_hash_size * 2 : NODE_HASH_MIN;
	node_hash = calloc(node_hash_size, sizeof(*node_hash));
	if (node_hash == NULL)
		out_of_memory();
	for (uint32_t i = 1; i < nodes_used; i++)
		node_hash_insert(i);
}

/* The node for a call of @fn from context @parent, made if new. */
static uint32_t node_child(uint32_t parent, uint64_t fn)
{
	uint32_t mask = node_hash_size - 1;

	for (uint64_t h = node_key(parent, fn) & mask; node_hash[h] != 0; h = (h + 1) & mask) {
		struct node *n = &nodes[node_hash[h]];

		if (n->parent == parent && n->fn == fn)
			return node_hash[h];
	}
	if (nodes_used == nodes_cap) {
		nodes_cap *= 2;
		nodes = xrealloc(nodes, nodes_cap * sizeof(*nodes));
	}
	nodes[nodes_used] = (struct node){ .fn = fn, .parent = parent };
	nodes_used++;
	if (2 * nodes_used > node_hash_size)
		node_hash_grow(); /* inserts the new node too */
	else
		node_hash_insert(nodes_used - 1);
	return nodes_used - 1;
}

static struct stack *stack_new(uint64_t key)
{
	struct stack *s = xrealloc(NULL, sizeof(*s));

	*s = (struct stack){ .key = key, .cap = 16 };
	s->frames = xrealloc(NULL, s->cap * sizeof(*s->frames));
	stats.threads++;
	return s;
}

static uint32_t top_node(const struct stack *s)
{
	return s->depth ? s->frames[s->depth - 1].node : 0;
}

/* End the frames of @s above @depth: each adds the instructions since its entry. */
static void pop_to(struct stack *s, uint32_t depth)
{
	while (s->depth > depth) {
		struct frame *f = &s->frames[--s->depth];

		nodes[f->node].incl += s->t - f->t0;
	}
}

static struct frame *push(struct stack *s, uint64_t fn, enum frame_kind kind, bool in_window)
{
	if (s->depth == MAX_DEPTH) {
		stats.resets++;
		pop_to(s, 0);
	}
	if (s->depth == s->cap) {
		s->cap *= 2;
		s->frames = xrealloc(s->frames, s->cap * sizeof(*s->frames));
	}
	uint32_t node = node_child(top_node(s), fn);
	struct frame *f = &s->frames[s->depth++];

	*f = (struct frame){ .node = node, .kind = kind, .t0 = s->t };
	if (in_window)
		nodes[f->node].calls++;
	if (s->depth > stats.max_depth)
		stats.max_depth = s->depth;
	return f;
}

static void stack_free(struct stack *s)
{
	pop_to(s, 0);
	free(s->frames);
	free(s);
}

int cs_init(const struct cs_config *config)
{
	if (config->ntraps > CS_MAX_TRAPS)
		return -1;
	cfg = *config;
	memset(&stats, 0, sizeof(stats));
	memset(parked, 0, sizeof(parked));
	vcpus = calloc(cfg.vcpus, sizeof(*vcpus));
	nodes_cap = 1024;
	nodes = malloc(nodes_cap * sizeof(*nodes));
	if (vcpus == NULL || nodes == NULL) {
		free(vcpus);
		free(nodes);
		return -1;
	}
	nodes[0] = (struct node){ 0 };
	nodes_used = 1;
	node_hash = NULL;
	node_hash_size = 0;
	node_hash_grow();
	for (unsigned int i = 0; i < cfg.vcpus; i++)
		vcpus[i].stack = stack_new(0);
	return 0;
}

void cs_charge(unsigned int vcpu, uint64_t n, bool in_window)
{
	struct stack *s = vcpus[vcpu].stack;

	if (!in_window || n == 0)
		return;
	s->t += n;
	nodes[top_node(s)].self += n;
}

static void settle(struct vcpu *c, uint64_t pc, enum cs_class cls, bool in_window);

/* A return to @pc: the innermost call frame returning there, above the innermost trap frame, ends
 * with everything above it. A return to the thread-start address on a stack that has frames means
 * the stack was a dead thread's whose context address a new thread now has. */
static void settle_return(struct stack *s, uint64_t pc)
{
	for (uint32_t i = s->depth; i-- > 0 && s->frames[i].kind == FRAME_CALL;) {
		if (s->frames[i].ret == pc) {
			pop_to(s, i);
			return;
		}
	}
	if (cfg.thread_start != 0 && pc == cfg.thread_start) {
		if (s->depth) {
			stats.stale_stacks++;
			pop_to(s, 0);
		}
		return;
	}
	stats.unmatched_returns++;
}

static void settle_trap_return(struct vcpu *c, uint64_t pc, enum cs_class cls, bool in_window)
{
	struct stack *s = c->stack;
	uint32_t i = s->depth;

	while (i > 0 && s->frames[i - 1].kind != FRAME_TRAP)
		i--;
	if (i == 0) {
		stats.bare_trap_returns++;
		if (cls != CS_KERNEL)
			pop_to(s, 0);
		return;
	}
	struct transfer saved = s->frames[i - 1].saved;

	pop_to(s, i - 1);
	if (saved.kind != XFER_NONE) { /* the trap came between a transfer and its target */
		c->pending = saved;
		settle(c, pc, cls, in_window);
	} else if (cls != CS_KERNEL && s->depth) { /* back to user mode with kernel frames left */
		stats.resets++;
		pop_to(s, 0);
	}
}

/* Settle the transfer that ended @c's previous block, now that the next one starts at @pc. */
static void settle(struct vcpu *c, uint64_t pc, enum cs_class cls, bool in_window)
{
	struct transfer t = c->pending;

	c->pending.kind = XFER_NONE;
	switch (t.kind) {
	case XFER_CALL:
		if (cls == CS_KERNEL)
			push(c->stack, pc, FRAME_CALL, in_window)->ret = t.ret;
		break;
	case XFER_RET:
		if (cls == CS_KERNEL)
			settle_return(c->stack, pc);
		break;
	case XFER_SRET:
		settle_trap_return(c, pc, cls, in_window);
		break;
	case XFER_NONE:
		break;
	}
}

bool cs_is_trap_entry(uint64_t pc)
{
	for (unsigned int i = 0; i < cfg.ntraps; i++)
		if (pc >= cfg.traps[i].lo && pc < cfg.traps[i].hi)
			return true;
	return false;
}

void cs_block(unsigned int vcpu, uint64_t pc, enum cs_class cls, bool in_window)
{
	struct vcpu *c = &vcpus[vcpu];

	if (cls == CS_FIRMWARE)
		return;
	if (cs_is_trap_entry(pc)) {
		struct stack *s = c->stack;

		if (c->last != CS_KERNEL && s->depth) { /* from user mode: no kernel frame is live */
			stats.resets++;
			pop_to(s, 0);
		}
		push(s, pc, FRAME_TRAP, in_window)->saved = c->pending;
		c->pending.kind = XFER_NONE;
		c->last = CS_KERNEL;
		return;
	}
	settle(c, pc, cls, in_window);
	c->last = cls;
}

void cs_call(unsigned int vcpu, uint64_t ret)
{
	vcpus[vcpu].pending = (struct transfer){ .kind = XFER_CALL, .ret = ret };
}

void cs_ret(unsigned int vcpu)
{
	vcpus[vcpu].pending = (struct transfer){ .kind = XFER_RET };
}

void cs_trap_return(unsigned int vcpu)
{
	vcpus[vcpu].pending = (struct transfer){ .kind = XFER_SRET };
}

void cs_switch_from(unsigned int vcpu, uint64_t key)
{
	vcpus[vcpu].from_key = key;
}

static struct stack **park_slot(uint64_t key)
{
	struct stack **p = &parked[mix(key) & (PARK_BUCKETS - 1)];

	while (*p != NULL && (*p)->key != key)
		p = &(*p)->next;
	return p;
}

/* Park @s under its key. A stack already parked there was never resumed: its thread ended and
 * the context's memory now holds another thread's. */
static void park(struct stack *s)
{
	struct stack **slot = park_slot(s->key);

	if (*slot != NULL) {
		struct stack *dead = *slot;

		*slot = dead->next;
		stats.stale_stacks++;
		stack_free(dead);
	}
	s->next = parked[mix(s->key) & (PARK_BUCKETS - 1)];
	parked[mix(s->key) & (PARK_BUCKETS - 1)] = s;
}

void cs_switch_to(unsigned int vcpu, uint64_t key)
{
	struct vcpu *c = &vcpus[vcpu];
	struct stack **slot;

	stats.switches++;
	c->stack->key = c->from_key;
	park(c->stack);
	slot = park_slot(key);
	if (*slot != NULL) {
		c->stack = *slot;
		*slot = c->stack->next;
		c->stack->next = NULL;
	} else {
		c->stack = stack_new(key);
	}
}

void cs_finish(void)
{
	for (unsigned int i = 0; i < cfg.vcpus; i++)
		pop_to(vcpus[i].stack, 0);
	for (unsigned int b = 0; b < PARK_BUCKETS; b++)
		for (struct stack *s = parked[b]; s != NULL; s = s->next)
			pop_to(s, 0);
}

void cs_write(FILE *out)
{
	for (uint32_t i = 0; i < nodes_used; i++) {
		const struct node *n = &nodes[i];

		if (i == 0 || n->calls || n->incl || n->self)
			fprintf(out, "N %u %u %llx %llu %llu %llu\n", i, n->parent,
				(unsigned long long)n->fn, (unsigned long long)n->calls,
				(unsigned long long)n->incl, (unsigned long long)n->self);
	}
	fprintf(out, "S switches %llu\nS threads %llu\nS unmatched_returns %llu\n"
		     "S bare_trap_returns %llu\nS resets %llu\nS stale_stacks %llu\nS max_depth %llu\n",
		(unsigned long long)stats.switches, (unsigned long long)stats.threads,
		(unsigned long long)stats.unmatched_returns,
		(unsigned long long)stats.bare_trap_returns, (unsigned long long)stats.resets,
		(unsigned long long)stats.stale_stacks, (unsigned long long)stats.max_depth);
}

const struct cs_stats *cs_get_stats(void)
{
	return &stats;
}

void cs_fini(void)
{
	for (unsigned int i = 0; i < cfg.vcpus; i++)
		stack_free(vcpus[i].stack);
	for (unsigned int b = 0; b < PARK_BUCKETS; b++) {
		while (parked[b] != NULL) {
			struct stack *s = parked[b];

			parked[b] = s->next;
			stack_free(s);
		}
	}
	free(vcpus);
	free(nodes);
	free(node_hash);
	vcpus = NULL;
	nodes = NULL;
	node_hash = NULL;
}
