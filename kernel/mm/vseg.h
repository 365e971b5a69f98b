/*
 * vseg.h - virtual segments: one contiguous range of a process's address space with one type.
 *
 * A vseg covers the pages [min, max) of a user address space (both page aligned, min < max); its type
 * says where the frames of its pages come from and what they initially hold (docs/vmm.md):
 *
 *   type    visibility                        frame of a page (vseg_placement)     initial content
 *   CODE    private (each cluster maps its    the faulting cluster (replicated)     the file's mapper
 *           own replica), never writable
 *   DATA    public                            spread over clusters by vpn if        file part from the
 *                                             VSEG_DISTRIB, else the faulting one   mapper, rest zero
 *   STACK   public, or private by policy      the faulting (thread's) cluster       zero
 *   ANON    public                            first touch: the faulting cluster;    zero, or the file's
 *                                             creator policy: vseg->cxy             bytes (MAP_PRIVATE
 *                                                                                   of a file)
 *   FILE    public (MAP_SHARED)               none: the mapper's page itself        the file (or a new
 *                                                                                   anonymous inode)
 *   REMOTE  public                            vseg->cxy, named by the user          zero
 *   TRAMP   private, read+exec                 the faulting cluster's trampoline    rt_sigreturn's code
 *                                             page (kernel's, never freed)         (vmm_query.h)
 *   KCODE/KDATA/KDEV  kernel ranges, outside user space (for displays; never faulted)
 *
 * A *public* vseg is mapped through the reference GPT of its process and copied lazily into the GPT of
 * other clusters; a *private* one (VSEG_PRIVATE) is mapped only in the GPT of the cluster that
 * faulted. The vsegs of a VMM copy are kept in its VSL (vsl.h); each VMM copy has its own vseg_t
 * objects, in its own cluster: a copy is filled from the reference with vseg_init_from_ref.
 *
 * A vseg has no reference count: readers use it under the VSL lock of its VMM copy (read), and it is
 * removed and freed under that lock (write), so no reader can hold it then.
 */
#ifndef MM_VSEG_H
#define MM_VSEG_H

#include <hal_types.h>
#include <mm/vsl.h>
#include <params.h>
#include <arch/user_layout.h>

typedef enum vseg_type_e {
	VSEG_TYPE_CODE = 0, /* read-only file segment (text, rodata), replicated per cluster     */
	VSEG_TYPE_DATA,     /* writable ELF segment: file part then zero (bss)                  */
	VSEG_TYPE_STACK,    /* a thread's stack (a slot of the STACK zone, guard page excluded)  */
	VSEG_TYPE_ANON,     /* private memory: heap (brk), private mmap (anonymous, or of a file) */
	VSEG_TYPE_FILE,     /* shared mapping (MAP_SHARED): the PTEs point at the mapper's pages */
	VSEG_TYPE_REMOTE,   /* anonymous memory in a cluster named by the user                   */
	VSEG_TYPE_KCODE,    /* kernel code                                                       */
	VSEG_TYPE_KDATA,    /* kernel data                                                       */
	VSEG_TYPE_KDEV,     /* device registers mapped by the kernel                             */
	VSEG_TYPE_TRAMP,    /* the signal return trampoline: a kernel page of each cluster       */
	VSEG_TYPES_NR
} vseg_type_t;

/* Flags (vseg_t.flags). User vsegs are always VSEG_USER; kernel ones never. */
#define VSEG_USER    0x01u /* accessible from user mode                                        */
#define VSEG_READ    0x02u /* readable (absent: PROT_NONE, or execute-only)                      */
#define VSEG_WRITE   0x04u /* writable (requires VSEG_READ: RISC-V has no write-only pages)      */
#define VSEG_EXEC    0x08u /* executable                                                         */
#define VSEG_PRIVATE 0x10u /* mapped only in the faulting cluster's GPT (CODE; STACK by policy)  */
#define VSEG_DISTRIB 0x20u /* DATA only: frames distributed over clusters by vpn                */
#define VSEG_RO_FILE 0x40u /* FILE only: the file was not open for writing (mprotect: EACCES)  */
#define VSEG_GROWSDOWN 0x80u /* ANON only: MAP_GROWSDOWN, a fault just below grows it downward */
#define VSEG_DONTFORK 0x100u /* madvise(MADV_DONTFORK): a fork's child does not get the range   */
#define VSEG_WIPEONFORK 0x200u /* madvise(MADV_WIPEONFORK): a fork's child gets it empty (zero) */
#define VSEG_FLAGS_ALL 0x3ffu

/* vseg_placement's answer for a vseg whose pages have no frame of their own (kernel types). */
#define VSEG_PLACEMENT_NONE ((cxy_t)0xffff)

/* The file behind a CODE, DATA, FILE (or ANON: a private file mapping) vseg, as given to vseg_init. */
typedef struct vseg_file_s {
	xptr_t   mapper_xp; /* the file's mapper (page cache); opaque here, never XPTR_NULL       */
	uint64_t offset;    /* offset in the file of the byte at vseg min; page aligned           */
	uint64_t size;      /* bytes of the vseg that come from the file (<= max - min); the rest */
			    /* of the vseg reads as zero                                          */
	xptr_t   inode_xp;  /* mmap: the file's inode (its size bounds the mapping: SIGBUS beyond);
			       XPTR_NULL for exec's CODE and DATA (the process holds the file)    */
} vseg_file_t;

/*
 * Lock legend: V = the VSL lock of the VMM copy holding the vseg (read to read, write to change;
 * vseg_init fills a vseg no one else sees yet); N = the same lock, changed only by vsl.c.
 * The mapper page of virtual page vpn is (file_offset >> CONFIG_PAGE_SHIFT) + (vpn - vpn_base).
 */
typedef struct vseg_s {
	vsl_node_t  node;        /* [N] link in the VSL tree (height 0: in no VSL)                */
	vseg_type_t type;        /* [V] VSEG_TYPE_*                                               */
	uint32_t    flags;       /* [V] VSEG_* flags                                              */
	vaddr_t     min;         /* [V] first address, page aligned                                */
	vaddr_t     max;         /* [V] end address (exclusive), page aligned, > min               */
	vpn_t       vpn_base;    /* [V] min >> CONFIG_PAGE_SHIFT                                   */
	vpn_t       vpn_size;    /* [V] pages: (max - min) >> CONFIG_PAGE_SHIFT                    */
	xptr_t      mapper_xp;   /* [V] CODE/DATA/FILE: the file's mapper; XPTR_NULL otherwise     */
	uint64_t    file_offset; /* [V] offset in the file of min (page aligned); 0 without file  */
	uint64_t    file_size;   /* [V] bytes from the file from min on; 0 without file           */
	xptr_t      inode_xp;    /* [V] mmap of a file: its inode; the *reference's* vseg holds a
	                            reference on it (vmm_vseg_hold_file), a copy's does not        */
	cxy_t       cxy;         /* [V] REMOTE: the named cluster; ANON: the creator's cluster     */
} vseg_t;

/*
 * Allocate a zeroed vseg in the local cluster's kernel heap. Returns NULL when memory is exhausted.
 * The vseg must go through vseg_init (or vseg_init_from_ref) before any other use.
 */
vseg_t *vseg_alloc(void);

/* Free @vseg, allocated by vseg_alloc in the local cluster; it must be in no VSL (asserted). */
void vseg_free(vseg_t *vseg);

/*
 * Allocate @n vsegs in the local cluster into @v[0..n), under one kcm lock pair (a fork's copies):
 * their content is undefined, the caller fills each whole (node included) before any use. All or
 * nothing: ENOMEM with none allocated.
 */
error_t vseg_alloc_array(vseg_t **v, uint32_t n);

/* Free @v[0..n) as @n vseg_free calls would, under one kcm lock pair (vmm_destroy). */
void vseg_free_array(vseg_t **v, uint32_t n);

/* Vsegs allocated in cluster @cxy and not freed yet (in VSLs, or in flight): for leak checks. */
uint32_t vseg_cluster_count(cxy_t cxy);

/*
 * Fill @vseg as a vseg of @type over [@min, @max) with @flags. @vseg is in no VSL: it comes from
 * vseg_alloc, was removed from its VSL, or was zeroed by the caller (node.height 0, asserted).
 * @cxy is the named cluster of a REMOTE vseg and the creator's cluster of an ANON vseg (ignored by
 * other types, but kept). @file is the file behind a CODE, FILE (required), DATA or ANON
 * (optional) vseg, NULL for other types. No reference on the file's inode is taken here.
 * Returns 0, or EINVAL with @vseg unchanged if: min or max is not page aligned, min >= max; a user
 * type is not inside [CONFIG_VMM_USER_MIN, CONFIG_VMM_USER_END) or a kernel type is not above it;
 * the flags do not fit the type (table in vseg.c); @cxy >= CONFIG_MAX_CLUSTERS; @file is missing,
 * not allowed, or inconsistent (mapper XPTR_NULL, offset not page aligned, size > max - min).
 */
error_t vseg_init(vseg_t *vseg, vseg_type_t type, vaddr_t min, vaddr_t max, uint32_t flags,
		  cxy_t cxy, const vseg_file_t *file);

/*
 * Fill the local @vseg (in no VSL, as for vseg_init) with a copy of the vseg @ref_xp of another
 * cluster (usually the reference VMM's), read through hal_remote_*: everything but the VSL link.
 * The caller holds the VSL lock (read) of the VMM copy holding @ref_xp, so that it does not change
 * during the copy.
 */
void vseg_init_from_ref(vseg_t *vseg, xptr_t ref_xp);

/* Short name of a vseg type ("CODE", "DATA", ...); "?" for a value out of range. */
const char *vseg_type_name(vseg_type_t type);

/*
 * The cluster whose memory must hold the frame of page @vpn of @vseg when a thread of cluster
 * @faulting_cxy faults on it, on a machine of @clusters_nr clusters (cxy 0 .. clusters_nr - 1):
 * CODE, STACK: @faulting_cxy; DATA: vpn % clusters_nr with VSEG_DISTRIB, else @faulting_cxy;
 * ANON: @faulting_cxy (CONFIG_VMM_ANON_FIRST_TOUCH) or vseg->cxy; REMOTE: vseg->cxy;
 * FILE: the mapper's cluster (no frame is allocated: the page comes from the mapper, which keeps its
 * pages in its own cluster); kernel types: VSEG_PLACEMENT_NONE. @vpn must lie in @vseg (asserted).
 */
cxy_t vseg_placement(const vseg_t *vseg, vpn_t vpn, cxy_t faulting_cxy, uint32_t clusters_nr);

/* True if @vseg is a user vseg mapped through the reference GPT (not VSEG_PRIVATE). */
bool vseg_is_public(const vseg_t *vseg);

/* True if @addr lies in [vseg->min, vseg->max). */
static inline bool vseg_contains(const vseg_t *vseg, vaddr_t addr)
{
	return addr >= vseg->min && addr < vseg->max;
}

/* Print one line describing @vseg (type, range, pages, flags, cluster, file) at LOG_INFO. */
void vseg_display(const vseg_t *vseg);

#endif /* MM_VSEG_H */
