/*
 * string.c - the freestanding memory, string and formatting functions of the kernel (libk).
 *
 * ISO C semantics (see string.h); no global writable state, so every function may run on any
 * core, with IRQs on or off, concurrently. memcpy, memmove and memset move a word at a time when
 * source and destination share their alignment, eight words per loop turn while at least that
 * many remain (a page is zeroed or copied in about 1.4 and 2.4 instructions per 8 bytes, against
 * 3 and 5 one word at a time); nothing ever touches a byte outside the range.
 *
 * GCC may emit calls to memcpy/memset/memmove by itself, even with -fno-builtin, and may recognise
 * a byte loop as one of them ("loop distribution"). The LIBCALL_FREE functions below are compiled
 * without that pattern recognition, so memset does not end up calling memset.
 */
#include <libk/string.h>

#include <stdbool.h>

/* <limits.h> is not freestanding-safe with every cross toolchain: use the compiler's macros. */
#define INT_MAX   __INT_MAX__
#define INT_MIN   (-__INT_MAX__ - 1)
#define ULONG_MAX (~0UL)

#if defined(__GNUC__) && !defined(__clang__)
#define LIBCALL_FREE __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define LIBCALL_FREE
#endif

/* A machine word that may alias any object, for the word-at-a-time loops. */
typedef unsigned long __attribute__((may_alias)) word_t;
#define WSIZE     sizeof(word_t)
#define WMASK     ((uintptr_t)WSIZE - 1)

/* ---- Memory ---- */

/* Copy n bytes upwards (lowest address first); correct for overlap only when dst <= src. */
static LIBCALL_FREE void copy_up(unsigned char *d, const unsigned char *s, size_t n)
{
	if ((((uintptr_t)d ^ (uintptr_t)s) & WMASK) == 0) {
		for (; n > 0 && ((uintptr_t)d & WMASK) != 0; n--)
			*d++ = *s++;
		for (; n >= 8 * WSIZE; n -= 8 * WSIZE, d += 8 * WSIZE, s += 8 * WSIZE) {
			word_t *dw = (word_t *)d;
			const word_t *sw = (const word_t *)s;
			word_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
			word_t w4 = sw[4], w5 = sw[5], w6 = sw[6], w7 = sw[7];

			dw[0] = w0; dw[1] = w1; dw[2] = w2; dw[3] = w3;
			dw[4] = w4; dw[5] = w5; dw[6] = w6; dw[7] = w7;
		}
		for (; n >= WSIZE; n -= WSIZE, d += WSIZE, s += WSIZE)
			*(word_t *)d = *(const word_t *)s;
	}
	for (; n > 0; n--)
		*d++ = *s++;
}

/* Copy n bytes downwards (highest address first); correct for overlap when dst >= src. */
static LIBCALL_FREE void copy_down(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	if ((((uintptr_t)d ^ (uintptr_t)s) & WMASK) == 0) {
		for (; n > 0 && ((uintptr_t)d & WMASK) != 0; n--)
			*--d = *--s;
		for (; n >= WSIZE; n -= WSIZE) {
			d -= WSIZE;
			s -= WSIZE;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	for (; n > 0; n--)
		*--d = *--s;
}

LIBCALL_FREE void *memcpy(void *dst, const void *src, size_t n)
{
	copy_up(dst, src, n);
	return dst;
}

LIBCALL_FREE void *memmove(void *dst, const void *src, size_t n)
{
	if ((uintptr_t)dst <= (uintptr_t)src)
		copy_up(dst, src, n);
	else
		copy_down(dst, src, n);
	return dst;
}

LIBCALL_FREE void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char byte = (unsigned char)c;
	word_t pattern = (word_t)-1 / 0xff * byte;     /* byte replicated in every lane */

	for (; n > 0 && ((uintptr_t)d & WMASK) != 0; n--)
		*d++ = byte;
	for (; n >= 8 * WSIZE; n -= 8 * WSIZE, d += 8 * WSIZE) {
		word_t *dw = (word_t *)d;

		dw[0] = pattern; dw[1] = pattern; dw[2] = pattern; dw[3] = pattern;
		dw[4] = pattern; dw[5] = pattern; dw[6] = pattern; dw[7] = pattern;
	}
	for (; n >= WSIZE; n -= WSIZE, d += WSIZE)
		*(word_t *)d = pattern;
	for (; n > 0; n--)
		*d++ = byte;
	return dst;
}

/* Skips equal aligned words, then finds the first differing byte (compared as unsigned char). */
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	if ((((uintptr_t)p | (uintptr_t)q) & WMASK) == 0) {
		for (; n >= WSIZE && *(const word_t *)p == *(const word_t *)q; n -= WSIZE) {
			p += WSIZE;
			q += WSIZE;
		}
	}
	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

/* ---- Strings ---- */

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return (size_t)(p - s);
}

/* Reads at most max bytes of s, so s need not be terminated within them. */
size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

	while (*p != '\0' && *p == *q) {
		p++;
		q++;
	}
	return (*p > *q) - (*p < *q);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
		if (*p == '\0')
			break;
	}
	return 0;
}

/* First occurrence of (char)c in s; the terminator itself is found when c is 0. */
char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

/* Last occurrence of (char)c in s; the terminator itself is found when c is 0. */
char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* Value of c as a digit in bases up to 36 (either case), or 36 when it is not a digit. */
static unsigned digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a') + 10;
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A') + 10;
	return 36;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * ISO C strtoul: leading white space, an optional sign, then digits of base (2..36; 0 picks 16
 * for a "0x" prefix, 8 for a leading 0, else 10). A "-" negates the result modulo ULONG_MAX + 1. On
 * overflow returns ULONG_MAX (there is no errno); no digits or a bad base returns 0 with *end = s.
 */
unsigned long strtoul(const char *s, char **end, int base)
{
	const char *p = s;
	unsigned long acc = 0;
	bool neg = false, any = false, overflow = false;
	unsigned d;

	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		if (end)
			*end = (char *)s;
		return 0;
	}
	for (; (d = digit_value(*p)) < (unsigned)base; p++) {
		any = true;
		if (acc > (ULONG_MAX - d) / (unsigned)base)
			overflow = true;
		else
			acc = acc * (unsigned)base + d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	if (overflow)
		return ULONG_MAX;
	return neg ? 0 - acc : acc;
}

/* ---- Formatting ---- */

/* The output of one vsnprintf call: buf[0..size) receives at most size-1 bytes, len counts all. */
struct out {
	char  *buf;
	size_t size;
	size_t len;
};

/* The flags of a conversion; F_0X is internal (%p): the "0x" prefix even for a zero value. */
enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16, F_0X = 32 };
enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* One conversion specification: %[flags][width][.precision][length]conv. */
struct spec {
	unsigned    flags;
	int         width;     /* 0: none */
	int         prec;      /* -1: none */
	enum length length;
	char        conv;
};

/* Emit n copies of c; counts them all but writes only what fits (O(1) beyond the buffer). */
static void out_fill(struct out *o, char c, size_t n)
{
	size_t room = o->len + 1 < o->size ? o->size - 1 - o->len : 0;

	for (size_t i = 0; i < n && i < room; i++)
		o->buf[o->len + i] = c;
	o->len += n;
}

/* Emit the n bytes of s (which need not be terminated). */
static void out_mem(struct out *o, const char *s, size_t n)
{
	size_t room = o->len + 1 < o->size ? o->size - 1 - o->len : 0;

	for (size_t i = 0; i < n && i < room; i++)
		o->buf[o->len + i] = s[i];
	o->len += n;
}

/* Spaces that pad a field of n bytes to the width of sp. */
static size_t pad_of(const struct spec *sp, size_t n)
{
	return (size_t)sp->width > n ? (size_t)sp->width - n : 0;
}

/* Read a decimal number at *fmt, saturating at INT_MAX (a huge width must not overflow). */
static int parse_num(const char **fmt)
{
	int v = 0;

	for (; **fmt >= '0' && **fmt <= '9'; (*fmt)++) {
		int d = **fmt - '0';

		v = v > (INT_MAX - d) / 10 ? INT_MAX : v * 10 + d;
	}
	return v;
}

/* Parse flags, width, precision and length after a '%'; consumes '*' arguments from ap. */
static void parse_spec(const char **fmt, va_list *ap, struct spec *sp)
{
	const char *f = *fmt;

	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')      sp->flags |= F_LEFT;
		else if (*f == '0') sp->flags |= F_ZERO;
		else if (*f == '+') sp->flags |= F_PLUS;
		else if (*f == ' ') sp->flags |= F_SPACE;
		else if (*f == '#') sp->flags |= F_ALT;
		else break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);

		f++;
		if (w < 0) {                    /* a negative '*' width means '-' flag */
			sp->flags |= F_LEFT;
			w = w == INT_MIN ? INT_MAX : -w;
		}
		sp->width = w;
	} else {
		sp->width = parse_num(&f);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int p = va_arg(*ap, int);

			f++;
			sp->prec = p < 0 ? -1 : p;  /* a negative '*' precision is as if omitted */
		} else {
			sp->prec = parse_num(&f);
		}
	}
	switch (*f) {
	case 'h': sp->length = f[1] == 'h' ? LEN_HH : LEN_H; f += f[1] == 'h' ? 2 : 1; break;
	case 'l': sp->length = f[1] == 'l' ? LEN_LL : LEN_L; f += f[1] == 'l' ? 2 : 1; break;
	case 'z': sp->length = LEN_Z; f++; break;
	case 't': sp->length = LEN_T; f++; break;
	case 'j': sp->length = LEN_J; f++; break;
	default: break;
	}
	sp->conv = *f;
	*fmt = *f != '\0' ? f + 1 : f;
}

/* Fetch a signed argument of the spec's length, widened to intmax_t. */
static intmax_t fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z:  return va_arg(*ap, ptrdiff_t);     /* the signed type of size_t's width */
	case LEN_T:  return va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, intmax_t);
	default:     return va_arg(*ap, int);
	}
}

/* Fetch an unsigned argument of the spec's length, widened to uintmax_t. */
static uintmax_t fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	case LEN_T:  return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, uintmax_t);
	default:     return va_arg(*ap, unsigned);
	}
}

/*
 * Emit an integer: sign (or "0x" prefix), zeros up to the precision, the digits of mag in base,
 * padded to the width with spaces, or with zeros after the sign for '0' without a precision.
 */
static void out_integer(struct out *o, const struct spec *sp, uintmax_t mag, char sign,
			unsigned base)
{
	const char *digits = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[sizeof(uintmax_t) * 3];        /* enough for base 8 */
	size_t nd = 0, prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	const char *prefix = "";

	for (; mag != 0; mag /= base)
		tmp[sizeof(tmp) - ++nd] = digits[mag % base];
	if ((sp->flags & F_ALT) && base == 8 && prec <= nd)
		prec = nd + 1;                  /* '#' with 'o': the first digit is a 0 */
	if (((sp->flags & F_ALT) && base == 16 && nd > 0) || (sp->flags & F_0X))
		prefix = sp->conv == 'X' ? "0X" : "0x";
	if (sign)
		prefix = sign == '-' ? "-" : sign == '+' ? "+" : " ";

	size_t nzero = prec > nd ? prec - nd : 0;
	size_t body = strlen(prefix) + nzero + nd;
	size_t pad = pad_of(sp, body);

	if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0) {
		nzero += pad;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		out_fill(o, ' ', pad);
	out_mem(o, prefix, strlen(prefix));
	out_fill(o, '0', nzero);
	out_mem(o, tmp + sizeof(tmp) - nd, nd);
	if (sp->flags & F_LEFT)
		out_fill(o, ' ', pad);
}

/* Emit the n bytes of s padded to the spec's width (the '0' flag does not apply). */
static void out_field(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	size_t pad = pad_of(sp, n);

	if (!(sp->flags & F_LEFT))
		out_fill(o, ' ', pad);
	out_mem(o, s, n);
	if (sp->flags & F_LEFT)
		out_fill(o, ' ', pad);
}

/* Emit one conversion; an unknown one is copied out as "%" and its character. */
static void out_conversion(struct out *o, const struct spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 'd':
	case 'i': {
		intmax_t v = fetch_signed(sp, ap);
		uintmax_t mag = v < 0 ? 0 - (uintmax_t)v : (uintmax_t)v;
		char sign = v < 0 ? '-' : (sp->flags & F_PLUS) ? '+' : (sp->flags & F_SPACE) ? ' ' : 0;

		out_integer(o, sp, mag, sign, 10);
		break;
	}
	case 'u': out_integer(o, sp, fetch_unsigned(sp, ap), 0, 10); break;
	case 'o': out_integer(o, sp, fetch_unsigned(sp, ap), 0, 8); break;
	case 'x':
	case 'X': out_integer(o, sp, fetch_unsigned(sp, ap), 0, 16); break;
	case 'p': {
		/* Always "0x" and every hex digit of the pointer, so that columns line up. */
		struct spec ps = { .flags = F_0X | (sp->flags & F_LEFT), .width = sp->width,
				   .prec = (int)sizeof(void *) * 2, .conv = 'x' };

		out_integer(o, &ps, (uintptr_t)va_arg(*ap, void *), 0, 16);
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		out_field(o, sp, &c, 1);
		break;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (s == NULL)
			s = "(null)";
		out_field(o, sp, s, sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec));
		break;
	}
	case '%': out_mem(o, "%", 1); break;
	case '\0': break;
	default: {
		char unknown[2] = { '%', sp->conv };

		out_mem(o, unknown, 2);
		break;
	}
	}
}

/*
 * C99 vsnprintf: writes at most size-1 bytes and a terminator (nothing at all when size is 0; buf
 * may then be NULL) and returns the length of the full output, clamped to INT_MAX.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);      /* a va_list parameter may be an array: take the address of a copy */
	while (*fmt != '\0') {
		const char *pct = strchr(fmt, '%');
		size_t lit = pct ? (size_t)(pct - fmt) : strlen(fmt);

		out_mem(&o, fmt, lit);
		fmt += lit;
		if (*fmt == '%') {
			fmt++;
			parse_spec(&fmt, &args, &sp);
			out_conversion(&o, &sp, &args);
		}
	}
	va_end(args);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
