/*
 * vseg.c - virtual segments: creation, validation, copy from the reference, placement (see vseg.h).
 */
#include <hal_remote.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <mm/vseg.h>

/*
 * What each type accepts. A vseg's flags must include every bit of .required and nothing outside
 * .allowed; .file says whether a file is required, optional or refused. The choices: CODE is
 * replicated (PRIVATE) and never writable (a write to it is a fault, not a COW); DISTRIB only means
 * something for DATA; the public user types refuse PRIVATE (their frames are shared through the
 * reference GPT), STACK accepts it (the private stack policy).
 */
enum { FILE_REFUSED, FILE_OPTIONAL, FILE_REQUIRED };

typedef struct vseg_rule_s {
	const char *name;
	uint32_t    required;
	uint32_t    allowed;
	uint32_t    file;
	bool        user;
} vseg_rule_t;

#define U_RWX (VSEG_USER | VSEG_READ | VSEG_WRITE | VSEG_EXEC)

static const vseg_rule_t vseg_rules[VSEG_TYPES_NR] = {
	[VSEG_TYPE_CODE]   = { "CODE", VSEG_USER | VSEG_PRIVATE,
			       VSEG_USER | VSEG_PRIVATE | VSEG_READ | VSEG_EXEC, FILE_REQUIRED, true },
	[VSEG_TYPE_DATA]   = { "DATA", VSEG_USER, U_RWX | VSEG_DISTRIB, FILE_OPTIONAL, true },
	[VSEG_TYPE_STACK]  = { "STACK", VSEG_USER | VSEG_READ | VSEG_WRITE,
			       VSEG_USER | VSEG_READ | VSEG_WRITE | VSEG_PRIVATE, FILE_REFUSED, true },
	[VSEG_TYPE_ANON]   = { "ANON", VSEG_USER, U_RWX | VSEG_GROWSDOWN | VSEG_DONTFORK |
			       VSEG_WIPEONFORK, FILE_OPTIONAL, true },
	[VSEG_TYPE_FILE]   = { "FILE", VSEG_USER, U_RWX | VSEG_RO_FILE | VSEG_DONTFORK,
			       FILE_REQUIRED, true },
	[VSEG_TYPE_REMOTE] = { "REMOTE", VSEG_USER, U_RWX | VSEG_DONTFORK | VSEG_WIPEONFORK,
			       FILE_REFUSED, true },
	[VSEG_TYPE_KCODE]  = { "KCODE", 0, VSEG_READ | VSEG_EXEC | VSEG_PRIVATE, FILE_REFUSED, false },
	[VSEG_TYPE_KDATA]  = { "KDATA", 0, VSEG_READ | VSEG_WRITE | VSEG_PRIVATE, FILE_REFUSED, false },
	[VSEG_TYPE_KDEV]   = { "KDEV", 0, VSEG_READ | VSEG_WRITE, FILE_REFUSED, false },
	[VSEG_TYPE_TRAMP]  = { "TRAMP", VSEG_USER | VSEG_READ | VSEG_EXEC | VSEG_PRIVATE,
			       VSEG_USER | VSEG_READ | VSEG_EXEC | VSEG_PRIVATE, FILE_REFUSED, true },
};

/* Vsegs allocated in this cluster and not freed (each cluster's replica counts its own). */
static uint32_t vsegs_nr;

vseg_t *vseg_alloc(void)
{
	vseg_t *vseg = kmem_alloc(sizeof(vseg_t), KMEM_ZERO);

	if (vseg)
		__atomic_fetch_add(&vsegs_nr, 1, __ATOMIC_RELAXED);
	return vseg;
}

uint32_t vseg_cluster_count(cxy_t cxy)
{
	return hal_remote_l32(XPTR(cxy, &vsegs_nr));
}

void vseg_free(vseg_t *vseg)
{
	if (vseg == NULL)
		return;
	kassert(vseg->node.height == 0);
	kmem_free(vseg);
	__atomic_fetch_sub(&vsegs_nr, 1, __ATOMIC_RELAXED);
}

error_t vseg_alloc_array(vseg_t **v, uint32_t n)
{
	error_t error = kmem_alloc_array(sizeof(vseg_t), (void **)v, n);

	if (!error)
		__atomic_fetch_add(&vsegs_nr, n, __ATOMIC_RELAXED);
	return error;
}

void vseg_free_array(vseg_t **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		kassert(v[i] != NULL && v[i]->node.height == 0);
	kmem_free_array((void **)v, n);
	__atomic_fetch_sub(&vsegs_nr, n, __ATOMIC_RELAXED);
}

/* True if [@min, @max) is a valid range for a vseg of kind @user (user or kernel). */
static bool range_ok(vaddr_t min, vaddr_t max, bool user)
{
	if (!IS_ALIGNED(min, CONFIG_PAGE_SIZE) || !IS_ALIGNED(max, CONFIG_PAGE_SIZE) || min >= max)
		return false;
	if (user)
		return min >= CONFIG_VMM_USER_MIN && max <= CONFIG_VMM_USER_END;
	return min >= CONFIG_VMM_USER_END;
}

/* True if @file fits a vseg of @rule over [@min, @max). */
static bool file_ok(const vseg_rule_t *rule, const vseg_file_t *file, vaddr_t min, vaddr_t max)
{
	if (file == NULL)
		return rule->file != FILE_REQUIRED;
	if (rule->file == FILE_REFUSED || file->mapper_xp == XPTR_NULL)
		return false;
	if (!IS_ALIGNED(file->offset, CONFIG_PAGE_SIZE) || file->size > max - min)
		return false;
	return file->offset + file->size >= file->offset; /* no wrap-around */
}

error_t vseg_init(vseg_t *vseg, vseg_type_t type, vaddr_t min, vaddr_t max, uint32_t flags,
		  cxy_t cxy, const vseg_file_t *file)
{
	kassert(vseg->node.height == 0);
	if ((unsigned)type >= VSEG_TYPES_NR)
		return EINVAL;

	const vseg_rule_t *rule = &vseg_rules[type];

	if (!range_ok(min, max, rule->user) || cxy >= CONFIG_MAX_CLUSTERS)
		return EINVAL;
	if ((flags & rule->required) != rule->required || (flags & ~rule->allowed) != 0)
		return EINVAL;
	if ((flags & VSEG_WRITE) && !(flags & VSEG_READ))
		return EINVAL;
	if (!file_ok(rule, file, min, max))
		return EINVAL;

	/* Validated: from here on nothing fails. */
	vseg->type        = type;
	vseg->flags       = flags;
	vseg->min         = min;
	vseg->max         = max;
	vseg->vpn_base    = min >> CONFIG_PAGE_SHIFT;
	vseg->vpn_size    = (max - min) >> CONFIG_PAGE_SHIFT;
	vseg->mapper_xp   = file ? file->mapper_xp : XPTR_NULL;
	vseg->file_offset = file ? file->offset : 0;
	vseg->file_size   = file ? file->size : 0;
	vseg->inode_xp    = file ? file->inode_xp : XPTR_NULL;
	vseg->cxy         = cxy;
	return 0;
}

void vseg_init_from_ref(vseg_t *vseg, xptr_t ref_xp)
{
	kassert(vseg->node.height == 0);
	/* One copy of the whole descriptor; its link belongs to the other VSL and is dropped. */
	hal_remote_memcpy(XPTR(local_cxy, vseg), ref_xp, sizeof(*vseg));
	memset(&vseg->node, 0, sizeof(vseg->node));
}

const char *vseg_type_name(vseg_type_t type)
{
	return (unsigned)type < VSEG_TYPES_NR ? vseg_rules[type].name : "?";
}

cxy_t vseg_placement(const vseg_t *vseg, vpn_t vpn, cxy_t faulting_cxy, uint32_t clusters_nr)
{
	kassert(vpn >= vseg->vpn_base && vpn - vseg->vpn_base < vseg->vpn_size);
	kassert(clusters_nr > 0 && faulting_cxy < clusters_nr);

	switch (vseg->type) {
	case VSEG_TYPE_CODE:
	case VSEG_TYPE_STACK:
		return faulting_cxy;
	case VSEG_TYPE_DATA:
		return (vseg->flags & VSEG_DISTRIB) ? (cxy_t)(vpn % clusters_nr) : faulting_cxy;
	case VSEG_TYPE_ANON:
		return CONFIG_VMM_ANON_FIRST_TOUCH ? faulting_cxy : vseg->cxy;
	case VSEG_TYPE_REMOTE:
		return vseg->cxy;
	case VSEG_TYPE_FILE:
		return GET_CXY(vseg->mapper_xp);
	default:
		return VSEG_PLACEMENT_NONE;
	}
}

bool vseg_is_public(const vseg_t *vseg)
{
	return (vseg->flags & (VSEG_USER | VSEG_PRIVATE)) == VSEG_USER;
}

void vseg_display(const vseg_t *vseg)
{
	uint32_t f = vseg->flags;

	printk("vseg %-6s [%#lx, %#lx) %lu pages %c%c%c%c%c%c cxy %u file %#lx+%#lx/%#lx",
	       vseg_type_name(vseg->type), (unsigned long)vseg->min, (unsigned long)vseg->max,
	       (unsigned long)vseg->vpn_size, (f & VSEG_USER) ? 'u' : '-', (f & VSEG_READ) ? 'r' : '-',
	       (f & VSEG_WRITE) ? 'w' : '-', (f & VSEG_EXEC) ? 'x' : '-',
	       (f & VSEG_PRIVATE) ? 'p' : '-', (f & VSEG_DISTRIB) ? 'd' : '-', vseg->cxy,
	       (unsigned long)vseg->mapper_xp, (unsigned long)vseg->file_offset,
	       (unsigned long)vseg->file_size);
}
