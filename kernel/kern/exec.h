/*
 * exec.h - loading an executable into a process, in two steps.
 *
 * exec_prepare() does everything that can fail on the caller's input, and changes no process: it
 * resolves the path, checks the file and its ELF headers, and builds the Linux initial stack
 * (argc, argv, envp, auxv) in kernel memory. exec_commit() then maps the image into an empty
 * reference VMM: its PT_LOAD segments become CODE (read-only: private, replicated) and DATA
 * (writable: public, distributed) vsegs backed by the file's page cache, a STACK vseg receives
 * the prepared stack. It can fail only for lack of memory. exec_load() is the two in a row, for a
 * new process (launch.c); execve (sys_exec.c) puts its point of no return between them.
 */
#ifndef KERN_EXEC_H
#define KERN_EXEC_H

#include <hal_types.h>
#include <kern/process.h>
#include <libk/elf.h>

/*
 * A checked executable with its initial stack, ready to be mapped. It lives in the cluster of
 * the thread that prepared it; exec_commit reads it by extended pointer from the reference
 * cluster. Lock legend: [I] written by exec_prepare only; [X] exec_commit takes it over.
 */
typedef struct exec_image_s {
	xptr_t     inode_xp;   /* [X] the executable (an inode reference, XPTR_NULL once taken) */
	uint64_t   bias;       /* [I] load address of a static-pie, 0 for ET_EXEC               */
	elf_info_t elf;        /* [I] its headers, decoded and checked                          */
	char      *stack;      /* [I] the top of the initial stack, as it goes to user space    */
	size_t     stack_size; /* [I] its bytes; they end at the top of the first stack slot    */
	uintptr_t  sp;         /* [I] the initial stack pointer: user address of stack[0]       */
} exec_image_t;

/*
 * The limit on the arguments of an exec (Linux's E2BIG, with its own bound): the strings of argv
 * and envp with their NULs, plus one pointer for each string and the two NULL pointers that end
 * the vectors, fit in CONFIG_EXEC_ARGS_MAX bytes (128 KiB: Linux allows a quarter of the stack
 * limit, but at most 128 KiB for one string). With @count strings of @bytes bytes accepted so far,
 * returns the room left for one more string, its NUL included (0: no room).
 */
size_t exec_args_room(size_t count, size_t bytes);

/*
 * Prepare the exec of @path (resolved against the current directory of the process @ref_xp, any
 * cluster) with @argv and @envp (NULL-terminated vectors of kernel strings, NULL = empty): the
 * image is allocated in the local cluster. Changes nothing else. Errors, nothing left behind:
 * ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP (path), EACCES (not a regular file, or no x bit), ENOEXEC
 * (empty, malformed, another machine, dynamic), E2BIG (exec_args_room), ENOMEM.
 */
error_t exec_prepare(xptr_t ref_xp, const char *path, char *const argv[], char *const envp[],
		     exec_image_t **out);

/*
 * Map the image @image_xp (exec_prepare's, any cluster) into the reference VMM of @p (local),
 * which must be empty with fresh allocators (a new process, or vmm_reset): the prepared stack
 * assumes the first stack slot. On success the process holds the executable (p->exec_inode_xp
 * takes over the image's reference) and *entry, *sp are where its first thread starts. ENOMEM
 * (a vseg, a frame, a page table); the VMM then holds what was mapped so far, which the caller
 * destroys with the process (launch) or kills (execve after its point of no return).
 */
error_t exec_commit(process_t *p, xptr_t image_xp, uintptr_t *entry, uintptr_t *sp);

/* Free an image of the local cluster, dropping its executable unless exec_commit took it. */
void exec_image_free(exec_image_t *image);

/*
 * exec_prepare, exec_commit and exec_image_free for the new process @p (local reference, empty
 * VMM). The errors of both; on an error the caller destroys the process.
 */
error_t exec_load(process_t *p, const char *path, char *const argv[], char *const envp[],
		  uintptr_t *entry, uintptr_t *sp);

#endif /* KERN_EXEC_H */
