/*
 * sys_exec.c - execve(2): a running process replaces its program (docs/user.md, "execve").
 *
 * Validate, then commit, around one point of no return:
 *  1. Everything that can fail on the caller's input is done first and changes nothing: the path,
 *     argv and envp are copied into kernel memory (EFAULT, ENAMETOOLONG, E2BIG), the executable is
 *     opened and checked and its initial stack built (exec_prepare: ENOENT, ENOTDIR, EACCES,
 *     ENOEXEC, ENOMEM). An error returns with the process untouched.
 *  2. The point of no return: the other threads of the process, in every cluster, are ended and
 *     the caller waits until it is the only one (process_kill_others); fds marked close-on-exec are
 *     closed, signal handlers reset, the caller's clear_child_tid and robust list forgotten.
 *  3. The new image is loaded in the reference cluster (load_in_reference: directly when the caller
 *     runs there, through the EXEC_LOAD RPC otherwise, since vsegs are created in the reference
 *     only): every old vseg goes from the reference VMM and from every copy (the caller's is the
 *     only one left), TLBs flushed (vmm_reset), the old executable is dropped, the process
 *     renamed, the image mapped (exec_commit). That can fail only for lack of memory, and the
 *     process then dies with SIGSEGV, as Linux's does.
 * The call returns 0 into the new program: its trap frame is rebuilt in place
 * (hal_user_regs_reset), so the usual way back to user mode runs as for any system call.
 */
#include <fs/vfs.h>
#include <hal_context.h>
#include <hal_remote.h>
#include <hal_uspace.h>
#include <kern/exec.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/ptimer.h>
#include <kern/rpc.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <syscalls/syscall.h>

/*
 * argv and envp copied from user space into one kmem block of CONFIG_EXEC_ARGS_MAX bytes: the
 * strings from its bottom up, the pointers of both vectors (their NULLs included) from its top
 * down, so that exec_args_room's limit is exactly what fits.
 */
typedef struct exec_args_s {
	char  *block;
	size_t bytes; /* string bytes used, from the bottom   */
	size_t count; /* strings, both vectors                */
	size_t slots; /* pointers used, from the top down     */
} exec_args_t;

/* Add to @a the string at @ustr (user space), or the empty string if @ustr is 0. */
static error_t push_string(exec_args_t *a, uintptr_t ustr)
{
	char **top = (char **)(a->block + CONFIG_EXEC_ARGS_MAX);
	size_t room = exec_args_room(a->count, a->bytes), len = 0;
	error_t error;

	if (room == 0)
		return E2BIG;
	if (ustr) {
		error = hal_strcpy_from_uspace(a->block + a->bytes, ustr, room, &len);
		if (error)
			return error == ENAMETOOLONG ? E2BIG : error;
	} else {
		a->block[a->bytes] = 0;
	}
	top[-(ptrdiff_t)++a->slots] = a->block + a->bytes;
	a->bytes += len + 1;
	a->count++;
	return 0;
}

/*
 * Copy the user vector at @uvec (NULL-terminated array of string pointers; 0 = empty) into @a;
 * *vec is then the kernel vector. With @not_empty an empty vector gets one empty string. EFAULT,
 * E2BIG.
 */
static error_t copy_vector(exec_args_t *a, uintptr_t uvec, bool not_empty, char ***vec)
{
	char **top = (char **)(a->block + CONFIG_EXEC_ARGS_MAX);
	size_t first = a->slots;
	error_t error;

	for (size_t i = 0; uvec; i++) {
		uint64_t ustr;

		if (hal_copy_from_uspace(&ustr, uvec + i * sizeof(ustr), sizeof(ustr)))
			return EFAULT;
		if (!ustr)
			break;
		error = push_string(a, ustr);
		if (error)
			return error;
	}
	if (not_empty && a->slots == first) {
		error = push_string(a, 0);
		if (error)
			return error;
	}
	top[-(ptrdiff_t)++a->slots] = NULL;
	/* pushed downwards: turn the vector around so that it reads upwards */
	for (char **lo = top - a->slots, **hi = top - first - 1; lo < hi; lo++, hi--) {
		char *t = *lo;
		*lo = *hi;
		*hi = t;
	}
	*vec = top - a->slots;
	return 0;
}

/*
 * Copy execve's @uargv and @uenvp into @a (a->block to kmem_free, also on error). An empty argv
 * gets argv[0] = "" as Linux (since 5.18) gives it: programs take argv[0] for granted.
 */
static error_t copy_args(exec_args_t *a, uintptr_t uargv, uintptr_t uenvp, char ***argv,
			 char ***envp)
{
	error_t error;

	a->block = kmem_alloc(CONFIG_EXEC_ARGS_MAX, 0);
	if (!a->block)
		return ENOMEM;
	error = copy_vector(a, uargv, true, argv);
	if (!error)
		error = copy_vector(a, uenvp, false, envp);
	return error;
}

/*
 * The reference @p (local) of the process whose only thread execs @path_xp gets the image
 * @image_xp: the old address space and executable go, the new ones come. Past the point of no
 * return: ENOMEM only.
 */
static error_t load_in_reference(process_t *p, xptr_t image_xp, xptr_t path_xp, uintptr_t *entry,
				 uintptr_t *sp)
{
	xptr_t old = p->exec_inode_xp;

	vmm_reset(&p->vmm);
	p->exec_inode_xp = XPTR_NULL;
	if (old != XPTR_NULL) /* after the VMM: its CODE and DATA read the file */
		vfs_inode_put(old);
	hal_remote_strcpy(XPTR(local_cxy, p->name), path_xp, sizeof(p->name));
	return exec_commit(p, image_xp, entry, sp);
}

/* RPC_EXEC_LOAD (rpc.h): load_in_reference of the reference @p, the image and the path in the
 * client's memory; [out] the entry point and the initial stack pointer. */
typedef struct rpc_exec_load_args_s {
	process_t *p;
	xptr_t     image_xp;
	xptr_t     path_xp;
	uintptr_t  entry; /* [out] */
	uintptr_t  sp;    /* [out] */
} rpc_exec_load_args_t;

void sys_exec_rpc_load(xptr_t desc_xp)
{
	rpc_exec_load_args_t a;
	error_t error;

	rpc_args_get(desc_xp, &a, sizeof(a));
	a.entry = a.sp = 0;
	error = load_in_reference(a.p, a.image_xp, a.path_xp, &a.entry, &a.sp);
	rpc_reply(desc_xp, &a, sizeof(a), error);
}

/* load_in_reference in the reference cluster of @ref_xp, for the calling thread. */
static error_t load(xptr_t ref_xp, exec_image_t *img, const char *path, uintptr_t *entry,
		    uintptr_t *sp)
{
	rpc_exec_load_args_t a = { .p = GET_PTR(ref_xp), .image_xp = XPTR(local_cxy, img),
				   .path_xp = XPTR(local_cxy, (void *)path) };
	rpc_desc_t desc = RPC_DESC(RPC_EXEC_LOAD, &a);

	if (GET_CXY(ref_xp) == local_cxy)
		return load_in_reference(a.p, a.image_xp, a.path_xp, entry, sp);
	rpc_send(GET_CXY(ref_xp), &desc);
	*entry = a.entry;
	*sp = a.sp;
	return (error_t)desc.error;
}

/* Step 1 above: the caller's input copied and checked, the image prepared; 0 or an errno. */
static error_t prepare(xptr_t ref, const uint64_t args[6], char **path, exec_image_t **img)
{
	exec_args_t a = { 0 };
	char **argv, **envp;
	error_t error = syscall_get_path(args[0], path);

	if (error)
		return error;
	error = copy_args(&a, args[1], args[2], &argv, &envp);
	if (!error)
		error = exec_prepare(ref, *path, argv, envp, img);
	kmem_free(a.block); /* the prepared stack holds copies of the strings */
	if (error) {
		kmem_free(*path);
		*path = NULL;
	}
	return error;
}

int64_t sys_execve(const uint64_t args[6])
{
	thread_t *self = thread_current();
	xptr_t ref = current_ref();
	exec_image_t *img;
	uintptr_t entry, sp;
	char *path;
	error_t error;

	if (ref == XPTR_NULL)
		return -EINVAL; /* a bare user thread has no process to give a program to */
	error = prepare(ref, args, &path, &img);
	if (error)
		return -(int64_t)error;

	/* The point of no return. */
	if (process_kill_others(ref)) {
		/* the process is ending, or another thread's exec won: this thread is one it ends */
		exec_image_free(img);
		kmem_free(path);
		thread_user_exit(SIGKILL);
	}
	fd_close_on_exec(ref);
	signal_reset_on_exec(ref);
	ptimer_exec(self->process->owner_xp); /* POSIX timers go; the interval timer stays */
	self->clear_child_tid = 0; /* words of the old image: nobody left to tell */
	self->robust_list = 0;
	error = load(ref, img, path, &entry, &sp);
	if (ref != XPTR(local_cxy, self->process)) /* the caller's copy (the reference is renamed) */
		strlcpy(self->process->name, path, sizeof(self->process->name));
	strlcpy(self->name, path, sizeof(self->name));
	exec_image_free(img);
	if (error) {
		pr_info("exec %s: process %x killed by signal %d: no memory for the new image (%d)",
			path, self->process->pid, SIGSEGV, error);
		kmem_free(path);
		process_kill(ref, SIGSEGV, self->trdid);
		thread_user_exit(SIGSEGV);
	}
	kmem_free(path);
	process_exec_done(self->process->owner_xp); /* a vfork parent goes on */
	self->user_tls = 0; /* the new program starts with no thread pointer, as every register */
	hal_user_regs_reset(entry, sp);
	return 0;
}
