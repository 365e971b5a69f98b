/*
 * exec.h - loading an executable into a process.
 */
#ifndef KERN_EXEC_H
#define KERN_EXEC_H

#include <hal_types.h>
#include <kern/process.h>

/*
 * Load the executable at @path (resolved against the process's cwd) into the empty reference VMM
 * of @p (local): its PT_LOAD segments become CODE (read-only: private, replicated) and DATA
 * (writable: public, distributed) vsegs backed by the file's page cache; a STACK vseg receives the
 * Linux initial stack (argc, argv, envp, auxv). Returns the entry point and the initial stack
 * pointer. Errors, nothing left behind: ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP (path), EACCES (not a
 * regular file or not executable), ENOEXEC (empty, malformed, dynamic), E2BIG (arguments), ENOMEM.
 */
error_t exec_load(process_t *p, const char *path, char *const argv[], char *const envp[],
		  uintptr_t *entry, uintptr_t *sp);

#endif /* KERN_EXEC_H */
