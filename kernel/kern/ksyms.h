/*
 * ksyms.h - the kernel's own symbol table (function names for backtraces).
 *
 * Generated at build time by tools/mksyms.py from the first link of the kernel, sorted by address.
 */
#ifndef KERN_KSYMS_H
#define KERN_KSYMS_H

#include <hal_types.h>

/* Name of the function containing @addr and the offset of @addr in it; NULL if none. */
const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset);

#endif /* KERN_KSYMS_H */
