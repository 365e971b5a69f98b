/*
 * cmdline.h - reading options from the kernel command line.
 *
 * The command line is a string of words separated by white space (space, tab, CR, LF): each word
 * is "key=value" or a bare "key". The key is everything before the first '=' and matches only
 * exactly ("ktestx=1" does not define "ktest"). There is no quoting; a value runs to the next white
 * space and may itself contain '='. When a key appears several times, the last word wins, so an
 * option appended by the boot loader overrides a built-in default. Values that are lists are
 * comma separated ("ktest=vmm,sched").
 *
 * These functions only read their arguments (no state, no allocation): they may run on any core, at
 * any time, with IRQs on or off. A NULL command line is treated as an empty one.
 */
#ifndef LIBK_CMDLINE_H
#define LIBK_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Look up @key in @cmdline.
 * [in]  cmdline  the command line, or NULL;  key  the key, without '='
 * [out] val      if not NULL and @len > 0: the value ("" for a bare key), cut to len-1 bytes and
 *                always terminated; untouched when the key is absent
 * Returns true if the key is present (even with an empty value, even if the value was cut).
 * An empty @key is never present.
 */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len);

/*
 * Returns true if the comma-separated @list (e.g. "a,b,c") has an element equal to @item.
 * Elements are compared whole ("ab" is not in "abc,d"); an empty @item or a NULL @list never
 * matches.
 */
bool cmdline_list_contains(const char *list, const char *item);

/*
 * Read @key as an unsigned number: decimal, hexadecimal with a "0x"/"0X" prefix, or octal with a
 * leading 0 (as strtoul base 0, but nothing else: no sign, no white space, no trailing characters).
 * [out] out  the value; untouched on failure
 * Returns false if the key is absent, bare, empty, not such a number, or greater than ULONG_MAX.
 */
bool cmdline_get_uint(const char *cmdline, const char *key, unsigned long *out);

#endif /* LIBK_CMDLINE_H */
