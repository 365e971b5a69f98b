/*
 * ksyms.c - lookups in the generated symbol table (see ksyms.h and tools/mksyms.py).
 */
#include <kern/ksyms.h>

/* Emitted by tools/mksyms.py into section .ksyms. */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];   /* sorted, ascending                  */
extern const uint32_t ksyms_offsets[]; /* offset of each name in ksyms_names */
extern const char ksyms_names[];
extern const uint64_t ksyms_text_end;  /* end of the last function           */

const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset)
{
	uint64_t lo = 0, hi = ksyms_count;

	if (hi == 0 || addr < ksyms_addrs[0] || addr >= ksyms_text_end)
		return NULL;
	while (hi - lo > 1) { /* invariant: ksyms_addrs[lo] <= addr < ksyms_addrs[hi] */
		uint64_t mid = lo + (hi - lo) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addrs[lo];
	return &ksyms_names[ksyms_offsets[lo]];
}
