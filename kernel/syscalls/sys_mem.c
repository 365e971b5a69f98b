/*
 * sys_mem.c - brk, mmap, mremap, munmap, mprotect, madvise, msync: run in the reference cluster of
 * the calling process (directly when the thread is there, through the VMM_OP RPC otherwise). The
 * file of a file mapping is looked up here, in the caller's cluster, and its inode handed over
 * with a reference.
 */
#include <fs/vfs.h>
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/thread.h>
#include <fs/vfs.h>
#include <libk/errno.h>
#include <mm/vmm.h>
#include <syscalls/syscall.h>

#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_TYPE      0x0f
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800   /* ignored, as Linux does */
#define MAP_EXECUTABLE 0x1000  /* ignored, as Linux does */
#define MAP_LOCKED    0x2000   /* accepted: nothing is ever paged out */
#define MAP_SHARED_VALIDATE 0x03
#define MAP_NORESERVE 0x4000   /* no overcommit check (mm/oom.h), as Linux's heuristic mode */
#define MAP_POPULATE  0x8000
#define MAP_STACK     0x20000  /* accepted: a hint Linux ignores too */
#define MAP_FIXED_NOREPLACE 0x100000

#define ALMOS_ABI_ONLY
#include <almos.h> /* MAP_REMOTE */

#define OP_ARGS 5

enum { OP_BRK, OP_MMAP_ANON, OP_MUNMAP, OP_MPROTECT, OP_MADVISE, OP_MSYNC, OP_MMAP_FILE,
       OP_MREMAP, OP_GROW_DOWN };

/* RPC_VMM_OP (rpc.h): run_op in the reference cluster; [out] its result. */
typedef struct rpc_vmm_op_args_s {
	vmm_t   *vmm;
	uint64_t op;
	uint64_t a[OP_ARGS]; /* the operands of @op (run_op) */
	int64_t  result;     /* [out] */
} rpc_vmm_op_args_t;

/* Run operation @op on the reference VMM @vmm (local). */
static int64_t run_op(vmm_t *vmm, uint64_t op, const uint64_t a[OP_ARGS])
{
	switch (op) {
	case OP_BRK:
		return vmm_brk(vmm, a[0]);
	case OP_MMAP_ANON:
		return vmm_mmap_anon(vmm, a[0], a[1], (uint32_t)a[2], (uint32_t)a[3], (cxy_t)a[4]);
	case OP_MUNMAP:
		return vmm_munmap(vmm, a[0], a[1]);
	case OP_MPROTECT:
		return vmm_mprotect(vmm, a[0], a[1], (uint32_t)a[2]);
	case OP_MADVISE:
		return vmm_madvise(vmm, a[0], a[1], (uint32_t)a[2]);
	case OP_MSYNC:
		return vmm_msync(vmm, a[0], a[1], (uint32_t)a[2]);
	case OP_MMAP_FILE: /* a[2]: prot | how << 16 */
		return vmm_mmap_file(vmm, a[0], a[1], (uint32_t)a[2] & 0xffff, (uint32_t)(a[2] >> 16),
				     (xptr_t)a[3], a[4]);
	case OP_GROW_DOWN:
		return vmm_grow_down(vmm, a[0]);
	case OP_MREMAP:
		return vmm_mremap(vmm, a[0], a[1], a[2], (uint32_t)a[3], a[4]);
	default:
		return -ENOSYS;
	}
}

void sys_mem_rpc_op(xptr_t desc_xp)
{
	rpc_vmm_op_args_t a;

	rpc_args_get(desc_xp, &a, sizeof(a));
	a.result = run_op(a.vmm, a.op, a.a);
	rpc_reply(desc_xp, &a, sizeof(a), 0);
}

/* Run @op for the calling process, in its reference cluster. */
static int64_t vm_op(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		     uint64_t a4)
{
	thread_t *self = thread_current();
	rpc_vmm_op_args_t a = { .op = op, .a = { a0, a1, a2, a3, a4 } };
	rpc_desc_t desc = RPC_DESC(RPC_VMM_OP, &a);
	xptr_t ref;

	if (!self->process)
		return -ENOMEM; /* a bare user thread has no address space manager */
	ref = self->process->ref_xp;
	a.vmm = GET_PTR(PROC_XP(ref, vmm));
	if (GET_CXY(ref) == local_cxy)
		return run_op(a.vmm, op, a.a);
	rpc_send(GET_CXY(ref), &desc);
	return a.result;
}

error_t vmm_fault_grow_down(vaddr_t addr)
{
	return vm_op(OP_GROW_DOWN, addr, 0, 0, 0, 0) == 0 ? 0 : EFAULT;
}

int64_t sys_brk(const uint64_t args[6])
{
	return vm_op(OP_BRK, args[0], 0, 0, 0, 0);
}

/* True if @fd names an open file of the calling process. */
static bool fd_is_open(int fd)
{
	xptr_t ref = current_ref(), file;

	if (ref == XPTR_NULL || fd_get(ref, fd, &file))
		return false;
	vfs_close(file);
	return true;
}

/*
 * The file of an fd for mmap: [out] inode_xp with a reference, and whether it may be written.
 * Linux's answers: EBADF (no such fd), EACCES (not open for reading; MAP_SHARED with PROT_WRITE on
 * a file not open for writing), ENODEV (not a regular file: a pipe, a device, a directory).
 */
static error_t mmap_file_of(int64_t fd, bool shared_write, xptr_t *inode_xp, bool *writable)
{
	thread_t *self = thread_current();
	xptr_t file_xp, inode_xp_;
	uint32_t mode;
	error_t error;

	if (!self->process)
		return ENOMEM; /* a bare user thread has no address space manager */
	if (fd < 0 || fd > 0x7fffffff)
		return EBADF;
	error = fd_get(self->process->ref_xp, (int)fd, &file_xp);
	if (error)
		return error;
	inode_xp_ = vfs_file_inode(file_xp);
	mode = vfs_file_flags(file_xp) & O_ACCMODE;
	if (inode_xp_ == XPTR_NULL || !vfs_inode_is_reg(inode_xp_))
		error = ENODEV;
	else if (mode == O_WRONLY || (shared_write && mode != O_RDWR))
		error = EACCES;
	if (!error) {
		vfs_inode_get(inode_xp_);
		*inode_xp = inode_xp_;
		*writable = mode == O_RDWR;
	}
	vfs_close(file_xp);
	return error;
}

int64_t sys_mmap(const uint64_t args[6])
{
	uint64_t addr = args[0], len = args[1], prot = args[2], flags = args[3], off = args[5];
	uint64_t type = flags & MAP_TYPE;
	cxy_t remote = VMM_NO_REMOTE;
	uint32_t how;
	xptr_t inode_xp;
	bool writable;
	error_t error;

	/* Linux's order: the offset (riscv's mmap), the fd of a file mapping, then the rest */
	if (off & (CONFIG_PAGE_SIZE - 1))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) && !fd_is_open((int)args[4]))
		return -EBADF;
	/* MAP_SHARED, refusing flags it does not know: for files only (Linux's do_mmap: an
	 * anonymous mapping is MAP_SHARED or MAP_PRIVATE, anything else EINVAL) */
	if (type == MAP_SHARED_VALIDATE && !(flags & MAP_ANONYMOUS)) {
		if (flags & ~(uint64_t)(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN |
					MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE |
					MAP_POPULATE | MAP_STACK | MAP_FIXED_NOREPLACE | MAP_REMOTE))
			return -EOPNOTSUPP;
		type = MAP_SHARED;
	}
	if (len == 0 || (type != MAP_PRIVATE && type != MAP_SHARED))
		return -EINVAL;
	if (flags & MAP_REMOTE) { /* ALMOS-MKH: the frames all in the cluster given as the fd */
		if (!(flags & MAP_ANONYMOUS) || (int64_t)args[4] < 0 || args[4] >= cluster_count())
			return -EINVAL;
		remote = (cxy_t)args[4];
	}
	how = (flags & MAP_FIXED_NOREPLACE) ? VMM_MAP_NOREPLACE
	      : (flags & MAP_FIXED)         ? VMM_MAP_FIXED
					    : 0;
	if (flags & MAP_POPULATE)
		how |= VMM_MAP_POPULATE;
	if (flags & MAP_NORESERVE)
		how |= VMM_MAP_NORESERVE;
	if (type == MAP_SHARED)
		how |= VMM_MAP_SHARED;
	if (flags & MAP_GROWSDOWN) {
		if (type == MAP_SHARED || !(flags & MAP_ANONYMOUS) || remote != VMM_NO_REMOTE)
			return -EINVAL; /* a growing stack of private anonymous memory only */
		how |= VMM_MAP_GROWSDOWN;
	}
	if (flags & MAP_ANONYMOUS)
		return vm_op(OP_MMAP_ANON, addr, len, prot, how, remote);
	error = mmap_file_of((int64_t)args[4], type == MAP_SHARED && (prot & 0x2), &inode_xp,
			     &writable);
	if (error)
		return -(int64_t)error;
	if (type == MAP_SHARED && !writable)
		how |= VMM_MAP_RO_FILE;
	/* the operation takes the inode's reference over, on failure too */
	return vm_op(OP_MMAP_FILE, addr, len, (prot & 0xffff) | (uint64_t)how << 16, inode_xp, off);
}

int64_t sys_mremap(const uint64_t args[6])
{
	return vm_op(OP_MREMAP, args[0], args[1], args[2], args[3], args[4]);
}

int64_t sys_munmap(const uint64_t args[6])
{
	return vm_op(OP_MUNMAP, args[0], args[1], 0, 0, 0);
}

int64_t sys_mprotect(const uint64_t args[6])
{
	return vm_op(OP_MPROTECT, args[0], args[1], args[2], 0, 0);
}

int64_t sys_madvise(const uint64_t args[6])
{
	return vm_op(OP_MADVISE, args[0], args[1], args[2], 0, 0);
}

int64_t sys_msync(const uint64_t args[6])
{
	return vm_op(OP_MSYNC, args[0], args[1], args[2], 0, 0);
}
