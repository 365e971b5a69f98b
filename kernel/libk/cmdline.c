/*
 * cmdline.c - reading options from the kernel command line (see cmdline.h).
 *
 * Each lookup scans the whole line and keeps the last match; nothing is cached, so the line may
 * live anywhere (the device tree, a copy) and the functions need no lock.
 */
#include <libk/cmdline.h>
#include <libk/string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A key is non-empty, without '=' or white space (it could never match a word otherwise). */
static bool key_is_valid(const char *key)
{
	if (key == NULL || *key == '\0')
		return false;
	for (; *key != '\0'; key++) {
		if (*key == '=' || is_blank(*key))
			return false;
	}
	return true;
}

/*
 * Find the last word of @cmdline whose key is @key. On success *val points into the line at its
 * value (*vlen bytes, not terminated; 0 for a bare key or "key=") and true is returned.
 */
static bool cmdline_find(const char *cmdline, const char *key, const char **val, size_t *vlen)
{
	size_t klen;
	bool found = false;

	if (cmdline == NULL || !key_is_valid(key))
		return false;
	klen = strlen(key);
	while (*cmdline != '\0') {
		const char *word;
		size_t wlen;

		while (is_blank(*cmdline))
			cmdline++;
		word = cmdline;
		while (*cmdline != '\0' && !is_blank(*cmdline))
			cmdline++;
		wlen = (size_t)(cmdline - word);
		if (wlen < klen || strncmp(word, key, klen) != 0)
			continue;
		if (wlen == klen) {
			*val = word + klen;
			*vlen = 0;
			found = true;
		} else if (word[klen] == '=') {
			*val = word + klen + 1;
			*vlen = wlen - klen - 1;
			found = true;
		}
	}
	return found;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len)
{
	const char *v;
	size_t vlen;

	if (!cmdline_find(cmdline, key, &v, &vlen))
		return false;
	if (val != NULL && len > 0) {
		size_t n = vlen < len - 1 ? vlen : len - 1;

		memcpy(val, v, n);
		val[n] = '\0';
	}
	return true;
}

bool cmdline_list_contains(const char *list, const char *item)
{
	size_t ilen;

	if (list == NULL || item == NULL || *item == '\0')
		return false;
	ilen = strlen(item);
	for (;;) {
		const char *comma = strchr(list, ',');
		size_t elen = comma != NULL ? (size_t)(comma - list) : strlen(list);

		if (elen == ilen && strncmp(list, item, ilen) == 0)
			return true;
		if (comma == NULL)
			return false;
		list = comma + 1;
	}
}

/* Value of c as a digit of base (at most 16), or base itself when it is not one. */
static unsigned digit_in_base(char c, unsigned base)
{
	unsigned d = base;

	if (c >= '0' && c <= '9')
		d = (unsigned)(c - '0');
	else if (c >= 'a' && c <= 'f')
		d = (unsigned)(c - 'a') + 10;
	else if (c >= 'A' && c <= 'F')
		d = (unsigned)(c - 'A') + 10;
	return d < base ? d : base;
}

/*
 * Parse the n bytes at s as a whole unsigned number (C syntax for base 0, no sign). Unlike strtoul,
 * rejects trailing characters and overflow instead of stopping or saturating.
 */
static bool parse_uint(const char *s, size_t n, unsigned long *out)
{
	unsigned base = 10;
	unsigned long acc = 0;
	size_t i = 0;

	if (n == 0)
		return false;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (n > 1 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	for (; i < n; i++) {
		unsigned d = digit_in_base(s[i], base);

		if (d == base || acc > (~0UL - d) / base)
			return false;
		acc = acc * base + d;
	}
	*out = acc;
	return true;
}

bool cmdline_get_uint(const char *cmdline, const char *key, unsigned long *out)
{
	const char *v;
	size_t vlen;

	return cmdline_find(cmdline, key, &v, &vlen) && parse_uint(v, vlen, out);
}
