/*
 * test_string.c - libk's string.c against the host C library.
 *
 * kernel/libk/string.c is linked under the names libk_memcpy, libk_vsnprintf, ... (libk_rename.h),
 * so each libk function is run side by side with glibc's on tables of edge cases and on random
 * inputs: unaligned and overlapping buffers for mem*, every buffer size for the formatting (so that
 * truncation, termination and the return value are checked at each cut). What C leaves to the
 * implementation (%p, %s of NULL) is checked against libk's own contract.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#include "htest.h"

/* Declare the libk_ names from the kernel header itself, then get the C library's names back. */
#include "libk_rename.h"
#include <libk/string.h>
#define LIBK_RENAME_UNDO
#include "libk_rename.h"


static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rnd();
}

static int sign_of(int v)
{
	return (v > 0) - (v < 0);
}

/* ---- mem* ---- */

HT_TEST(memcpy_matches_libc_unaligned)
{
	static unsigned char src[512], a[512], b[512];

	for (int it = 0; it < 20000; it++) {
		size_t so = rnd() % 24, dof = rnd() % 24;
		size_t n = (it & 1) ? rnd() % 20 : rnd() % 400;

		fill_random(src, sizeof(src));
		fill_random(a, sizeof(a));
		memcpy(b, a, sizeof(b));
		HT_REQUIRE(libk_memcpy(a + dof, src + so, n) == a + dof);
		memcpy(b + dof, src + so, n);
		HT_REQUIRE(memcmp(a, b, sizeof(a)) == 0);
	}
}

HT_TEST(memmove_matches_libc_overlapping)
{
	static unsigned char a[640], b[640];

	for (int it = 0; it < 20000; it++) {
		size_t so = rnd() % 320, dof = rnd() % 320, max, n;

		if (it % 4 == 0)        /* often overlap by less than two words, either way */
			dof = (it & 4) ? so + rnd() % 17 : so - rnd() % (so < 17 ? so + 1 : 17);
		max = sizeof(a) - (so > dof ? so : dof);
		n = (it & 1) ? rnd() % 20 : rnd() % (max + 1);
		if (n > max)
			n = max;
		fill_random(a, sizeof(a));
		memcpy(b, a, sizeof(b));
		HT_REQUIRE(libk_memmove(a + dof, a + so, n) == a + dof);
		memmove(b + dof, b + so, n);
		HT_REQUIRE(memcmp(a, b, sizeof(a)) == 0);
	}
}

HT_TEST(memset_matches_libc)
{
	static unsigned char a[512], b[512];
	const int special[] = { 0, 0xff, -1, 0x1ab, -256, INT_MIN, INT_MAX };

	for (int it = 0; it < 20000; it++) {
		size_t off = rnd() % 24, n = (it & 1) ? rnd() % 20 : rnd() % 480;
		int c = (it % 3 == 0) ? special[rnd() % 7] : (int)rnd();

		fill_random(a, sizeof(a));
		memcpy(b, a, sizeof(b));
		HT_REQUIRE(libk_memset(a + off, c, n) == a + off);
		memset(b + off, c, n);
		HT_REQUIRE(memcmp(a, b, sizeof(a)) == 0);
	}
}

HT_TEST(memcmp_matches_libc_sign)
{
	static unsigned char a[512], b[512];

	HT_CHECK(libk_memcmp("", "", 0) == 0);
	HT_CHECK(libk_memcmp("\x80", "\x7f", 1) > 0);   /* bytes compare as unsigned */
	for (int it = 0; it < 20000; it++) {
		size_t ao = rnd() % 16, bo = (it & 1) ? ao : rnd() % 16, n = rnd() % 300;

		fill_random(a, sizeof(a));
		memcpy(b + bo, a + ao, n);
		if (n > 0 && it % 4 != 0)
			b[bo + rnd() % n] = (unsigned char)rnd();
		HT_REQUIRE(sign_of(libk_memcmp(a + ao, b + bo, n)) == sign_of(memcmp(a + ao, b + bo, n)));
	}
}

/* ---- str* ---- */

/* A random string of at most max bytes over a small alphabet (so strings share prefixes). */
static void random_string(char *s, size_t max)
{
	static const char alphabet[] = { 'a', 'b', 'c', '\x80', '\xff' };
	size_t n = rnd() % (max + 1);

	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rnd() % sizeof(alphabet)];
	s[n] = '\0';
}

HT_TEST(strlen_strnlen_match_libc)
{
	static char buf[300];

	for (int it = 0; it < 10000; it++) {
		size_t off = rnd() % 16, max = rnd() % 300;

		random_string(buf + off, sizeof(buf) - off - 1);
		HT_REQUIRE(libk_strlen(buf + off) == strlen(buf + off));
		HT_REQUIRE(libk_strnlen(buf + off, max) == strnlen(buf + off, max));
	}
	/* strnlen must not read past max: an unterminated array. */
	char raw[4] = { 'a', 'b', 'c', 'd' };
	HT_CHECK(libk_strnlen(raw, sizeof(raw)) == 4);
	HT_CHECK(libk_strnlen(raw, 2) == 2);
	HT_CHECK(libk_strnlen(raw, 0) == 0);
}

HT_TEST(strcmp_strncmp_match_libc_sign)
{
	static char a[64], b[64];

	HT_CHECK(libk_strcmp("", "") == 0);
	HT_CHECK(libk_strcmp("a", "") > 0 && libk_strcmp("", "a") < 0);
	HT_CHECK(libk_strcmp("\x80", "a") > 0);         /* chars compare as unsigned */
	HT_CHECK(libk_strncmp("abc", "abd", 2) == 0 && libk_strncmp("abc", "abd", 3) < 0);
	HT_CHECK(libk_strncmp("ab", "ab\x80", 5) < 0 && libk_strncmp("x", "y", 0) == 0);
	for (int it = 0; it < 20000; it++) {
		size_t n = rnd() % 12;

		random_string(a, 8);
		if (it & 1)
			strcpy(b, a);
		random_string(b + ((it & 1) ? rnd() % (strlen(a) + 1) : 0), 8);
		HT_REQUIRE(sign_of(libk_strcmp(a, b)) == sign_of(strcmp(a, b)));
		HT_REQUIRE(sign_of(libk_strncmp(a, b, n)) == sign_of(strncmp(a, b, n)));
	}
}

HT_TEST(strchr_strrchr_match_libc)
{
	static char s[40];
	const int cs[] = { 'a', 'b', 'c', 'z', 0, 'a' + 256, -1, 0x80, -128, 0xff };

	for (int it = 0; it < 10000; it++) {
		int c = cs[rnd() % (sizeof(cs) / sizeof(cs[0]))];

		random_string(s, sizeof(s) - 1);
		HT_REQUIRE(libk_strchr(s, c) == strchr(s, c));
		HT_REQUIRE(libk_strrchr(s, c) == strrchr(s, c));
	}
	HT_CHECK(libk_strchr("", 0) != NULL && libk_strrchr("abc", 0) != NULL);
	HT_CHECK(*libk_strrchr("abc", 0) == '\0');
}

HT_TEST(strlcpy_truncates_and_terminates)
{
	static char src[64], dst[80];

	for (int it = 0; it < 10000; it++) {
		size_t len, size, want;

		random_string(src, 60);
		len = strlen(src);
		size = rnd() % (len + 4);
		memset(dst, '#', sizeof(dst));
		HT_REQUIRE(libk_strlcpy(dst, src, size) == len);
		want = size == 0 ? 0 : (len < size - 1 ? len : size - 1);
		if (size > 0) {
			HT_REQUIRE(memcmp(dst, src, want) == 0);
			HT_REQUIRE(dst[want] == '\0');
		}
		for (size_t i = size > 0 ? want + 1 : 0; i < sizeof(dst); i++)
			HT_REQUIRE(dst[i] == '#');
	}
	HT_CHECK(libk_strlcpy(NULL, "abc", 0) == 3);
}

/* ---- strtoul ---- */

HT_TEST(strtoul_matches_libc)
{
	static const char *const cases[] = {
		"0", "1", "123", "  42", "\t\n\v\f\r 7", "+7", "-1", "-0", "+", "-", "", "   ", "xyz",
		"0x", "0x1g", "0X1F", "0xg", "-0x10", "+0x10", "0x0x1", "077", "08", "09", "0b101",
		"0777777777777777777777", "01777777777777777777777", "02000000000000000000000",
		"18446744073709551615", "18446744073709551616", "99999999999999999999999999",
		"-18446744073709551615", "-18446744073709551616", "0xffffffffffffffff",
		"0x10000000000000000", "0xFFFFFFFFFFFFFFFF0", "1a", "1A", "12abc", "zz", "Zz9",
		"1111111111111111111111111111111111111111111111111111111111111111",
		"11111111111111111111111111111111111111111111111111111111111111111", "4294967296",
		"00000000000000000000000000000000000000000001", "1 2", "12\n", "\xff" "1",
	};
	static const int bases[] = { 0, 2, 8, 10, 16, 36 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
			char *ge, *ke;
			unsigned long gv = strtoul(cases[i], &ge, bases[j]);
			unsigned long kv = libk_strtoul(cases[i], &ke, bases[j]);

			if (gv != kv || ge != ke) {
				printf("# strtoul(\"%s\", %d): libc %lu end+%td, libk %lu end+%td\n",
				       cases[i], bases[j], gv, ge - cases[i], kv, ke - cases[i]);
				HT_CHECK(gv == kv && ge == ke);
			}
		}
	}
}

HT_TEST(strtoul_bad_base_and_null_end)
{
	const char *s = "123";
	char *end = NULL;

	HT_CHECK(libk_strtoul(s, &end, 1) == 0 && end == s);
	HT_CHECK(libk_strtoul(s, &end, 37) == 0 && end == s);
	HT_CHECK(libk_strtoul(s, &end, -5) == 0 && end == s);
	HT_CHECK(libk_strtoul("0x1f", NULL, 0) == 31);
	HT_CHECK(libk_strtoul("777", NULL, 8) == 511);
}

/* ---- vsnprintf against glibc ---- */

#define OUT_MAX 600
static int fmt_reports;

/*
 * Format with glibc once, then with libk at every buffer size from 0 to the length + 2: the return
 * value, the bytes written, the terminator and the untouched rest of the buffer are all checked.
 */
static void check_vfmt(const char *fmt, va_list ap)
{
	char want[OUT_MAX], got[OUT_MAX + 8];
	va_list aq;
	int wn, gn;

	va_copy(aq, ap);
	wn = vsnprintf(want, sizeof(want), fmt, aq);
	va_end(aq);
	if (wn < 0 || wn >= OUT_MAX) {
		HT_CHECK(!"glibc output too long for the test buffer");
		return;
	}
	for (size_t size = 0; size <= (size_t)wn + 2; size++) {
		size_t k = size == 0 ? 0 : ((size_t)wn < size - 1 ? (size_t)wn : size - 1);
		bool ok;

		memset(got, 0x5a, sizeof(got));
		va_copy(aq, ap);
		gn = libk_vsnprintf(size == 0 && (wn & 1) ? NULL : got, size, fmt, aq);
		va_end(aq);
		ok = gn == wn && memcmp(got, want, k) == 0 && (size == 0 || got[k] == '\0');
		for (size_t i = size == 0 ? 0 : k + 1; i < sizeof(got); i++)
			ok = ok && got[i] == 0x5a;
		if (!ok) {
			if (fmt_reports++ < 20)
				printf("# fmt \"%s\" size %zu: glibc \"%s\" (%d), libk \"%.*s\" (%d)\n", fmt,
				       size, want, wn, (int)k, got, gn);
			ht_fail(__FILE__, __LINE__, "libk_vsnprintf differs from glibc");
			return;
		}
	}
}

__attribute__((format(printf, 1, 2))) static void check_fmt(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vfmt(fmt, ap);
	va_end(ap);
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

HT_TEST(vsnprintf_int_conversions)
{
	static const char *const fmts[] = {
		"%d", "%i", "%u", "%x", "%X", "%o", "%5d", "%-5d", "%05d", "%.3d", "%8.3d", "%-8.3d",
		"%08.3d", "%+d", "% d", "%+5d", "%-+5d", "%+05d", "% 05d", "%-05d", "%0-5d", "%.0d",
		"%.0x", "%#.0o", "%#x", "%#X", "%#o", "%#08x", "%-#10X", "%#5o", "%#.3x", "%#.10o",
		"%hhd", "%hhu", "%hhx", "%hhX", "%hho", "%hd", "%hu", "%hx", "%ho", "%hi", "%+hhd",
		"%c", "%3c", "%-3c", "%20d", "%-20u", "%020x", "%.20d", "%1d", "%.1d", "% .5i",
		"%+.0d", "%+u", "% x", "%010.4d", "%-10.4u|", "<%12o>", "%#012o", "%#-12x|", "%2i",
	};
	static const int vals[] = {
		0, 1, -1, 7, 8, 9, 10, 15, 16, 42, 99, 100, 127, 128, -128, -129, 255, 256, 1000,
		32767, -32768, 65535, 65536, INT_MAX, INT_MIN, 123456789, -987654321, 0x7fffabcd,
	};

	for (size_t i = 0; i < N_OF(fmts); i++)
		for (size_t j = 0; j < N_OF(vals); j++)
			check_fmt(fmts[i], vals[j]);
}

HT_TEST(vsnprintf_long_conversions)
{
	static const char *const lfmts[] = {
		"%ld", "%li", "%lu", "%lx", "%lX", "%lo", "%25ld", "%-25ld", "%025ld", "%.22lo",
		"%#lx", "%+ld", "% ld", "%#lo", "%#.0lo", "%.0lu",
	};
	static const long lvals[] = {
		0, 1, -1, LONG_MIN, LONG_MAX, 4294967296L, -4294967297L, 0x123456789abcdefL,
	};
	static const char *const llfmts[] = {
		"%lld", "%lli", "%llu", "%llx", "%llX", "%llo", "%30lld", "%-30llu", "%030llx",
		"%.25llo", "%#llo", "%#llx", "%+lld", "% lld", "%.0lld",
	};
	static const long long llvals[] = {
		0, 1, -1, INT64_MIN, INT64_MAX, (long long)UINT64_MAX, 1000000000000000000LL,
		-999999999999999999LL, 0x7edcba9876543210LL,
	};

	for (size_t i = 0; i < N_OF(lfmts); i++)
		for (size_t j = 0; j < N_OF(lvals); j++)
			check_fmt(lfmts[i], lvals[j]);
	for (size_t i = 0; i < N_OF(llfmts); i++)
		for (size_t j = 0; j < N_OF(llvals); j++)
			check_fmt(llfmts[i], llvals[j]);
}

HT_TEST(vsnprintf_z_t_j_lengths)
{
	static const size_t zvals[] = { 0, 1, 4096, SIZE_MAX, SIZE_MAX / 2 };
	static const ptrdiff_t tvals[] = { 0, -1, 1, PTRDIFF_MIN, PTRDIFF_MAX };
	static const intmax_t jvals[] = { 0, -1, 77, INTMAX_MIN, INTMAX_MAX };
	static const char *const zfmts[] = { "%zu", "%zx", "%zX", "%zo", "%20zu", "%-#20zx|" };
	static const char *const zdfmts[] = { "%zd", "%zi", "%+zd" };
	static const char *const tfmts[] = { "%td", "%ti", "%tx", "%tu", "%to", "%+25td" };
	static const char *const jfmts[] = { "%jd", "%ji", "%ju", "%jx", "%jo", "%+jd", "%-25jd|" };

	for (size_t j = 0; j < N_OF(zvals); j++) {
		for (size_t i = 0; i < N_OF(zfmts); i++)
			check_fmt(zfmts[i], zvals[j]);
		for (size_t i = 0; i < N_OF(zdfmts); i++)
			check_fmt(zdfmts[i], (ptrdiff_t)zvals[j]);
	}
	for (size_t j = 0; j < N_OF(tvals); j++)
		for (size_t i = 0; i < N_OF(tfmts); i++)
			check_fmt(tfmts[i], tvals[j]);
	for (size_t j = 0; j < N_OF(jvals); j++)
		for (size_t i = 0; i < N_OF(jfmts); i++)
			check_fmt(jfmts[i], jvals[j]);
}

HT_TEST(vsnprintf_strings_and_chars)
{
	static const char *const fmts[] = {
		"%s", "%10s", "%-10s", "%.3s", "%10.3s", "%-10.3s", "%.0s", "%.10s", "%1s", "%.1s",
		"%-1s", "[%s]", "%30s|", "%-30.20s|",
	};
	static const char *const strs[] = {
		"", "a", "hello", "hello, world", "0123456789abcdefghij", "with\ttab", "\xc3\xa9t\xc3\xa9",
	};
	static const int chars[] = { 'a', 'Z', ' ', '%', 0x80, 0xff, -1, 0 };

	for (size_t i = 0; i < N_OF(fmts); i++)
		for (size_t j = 0; j < N_OF(strs); j++)
			check_fmt(fmts[i], strs[j]);
	for (size_t j = 0; j < N_OF(chars); j++) {
		check_fmt("%c", chars[j]);
		check_fmt("[%4c][%-4c]", chars[j], chars[j]);
	}
	/* precision limits the read: an unterminated array is fine */
	char raw[3] = { 'x', 'y', 'z' };
	check_fmt("%.3s|%.2s", raw, raw);
}

HT_TEST(vsnprintf_star_width_and_precision)
{
	static const int widths[] = { -12, -5, -1, 0, 1, 3, 7, 20 };
	static const int precs[] = { -3, -1, 0, 1, 2, 5, 12 };
	static const int ivals[] = { 0, 42, -42, INT_MIN };
	static const char *const svals[] = { "", "abc", "abcdefgh" };
	const char *volatile zero_prec = "%0*.*d";     /* '0' is ignored (GCC warns on a literal) */

	for (size_t w = 0; w < N_OF(widths); w++) {
		for (size_t v = 0; v < N_OF(ivals); v++) {
			check_fmt("%*d|%-*d|%0*d", widths[w], ivals[v], widths[w], ivals[v], widths[w],
				  ivals[v]);
			for (size_t p = 0; p < N_OF(precs); p++) {
				check_fmt("%*.*d|%-*.*x|%.*i", widths[w], precs[p], ivals[v], widths[w],
					  precs[p], (unsigned)ivals[v], precs[p], ivals[v]);
				check_fmt(zero_prec, widths[w], precs[p], ivals[v]);
			}
		}
		for (size_t s = 0; s < N_OF(svals); s++)
			for (size_t p = 0; p < N_OF(precs); p++)
				check_fmt("%*.*s|%.*s|%*s", widths[w], precs[p], svals[s], precs[p],
					  svals[s], widths[w], svals[s]);
	}
}

HT_TEST(vsnprintf_literals_and_mixed)
{
	const char *volatile empty = "";

	check_fmt("%s", empty);
	check_fmt(empty, 0);
	check_fmt("no conversions at all");
	check_fmt("%%");
	check_fmt("100%% sure, %d%%", 99);
	check_fmt("%%%d%%%s%%", -5, "x");
	check_fmt("a%db%sc%xd%%e%5.2s|%-4c|%lu|%#o|%hhd", 12, "str", 255U, "xyz", 'q',
		  12345678901UL, 8U, 300);
	check_fmt("[%-8s][%8s][%8.3d][%+.2d][%lld]", "left", "right", -7, 3, (long long)INT64_MIN);
	check_fmt("%s=%llu %s=%lx %s=%c", "a", (unsigned long long)UINT64_MAX, "b", 0xdeadUL,
		  "c", '!');
}

/* Random conversion specs, built only from combinations C defines, checked against glibc. */
HT_TEST(vsnprintf_random_specs)
{
	static const char *const lens[] = { "hh", "h", "", "l", "ll", "z", "t", "j" };
	static const char convs[] = { 'd', 'i', 'u', 'x', 'X', 'o' };

	for (int it = 0; it < 20000; it++) {
		char fmt[48], *f = fmt;
		unsigned li = (unsigned)(rnd() % 8);
		char conv = convs[rnd() % sizeof(convs)];
		bool is_signed = conv == 'd' || conv == 'i';
		uint64_t v = rnd() >> (rnd() % 64);

		*f++ = '|';
		*f++ = '%';
		if (rnd() & 1) *f++ = '-';
		if (rnd() & 1) *f++ = '0';
		if (is_signed && (rnd() & 1)) *f++ = '+';
		if (is_signed && (rnd() & 1)) *f++ = ' ';
		if (!is_signed && conv != 'u' && (rnd() & 1)) *f++ = '#';
		if (rnd() & 1)
			f += sprintf(f, "%u", (unsigned)(rnd() % 30));
		if (rnd() & 1)
			f += sprintf(f, ".%u", (unsigned)(rnd() % 30));
		f += sprintf(f, "%s%c|", lens[li], conv);
		if (rnd() & 1)
			v = (uint64_t)-(int64_t)v;
		switch (li) {
		case 0: case 1: case 2: check_fmt(fmt, (int)v); break;
		case 3: check_fmt(fmt, (long)v); break;
		case 4: check_fmt(fmt, (long long)v); break;
		case 5: check_fmt(fmt, (size_t)v); break;
		case 6: check_fmt(fmt, (ptrdiff_t)v); break;
		default: check_fmt(fmt, (intmax_t)v); break;
		}
	}
}

/* ---- vsnprintf: libk's own choices ---- */

HT_TEST(snprintf_pointer_is_0x_and_16_digits)
{
	char buf[64];

	HT_CHECK(libk_snprintf(buf, sizeof(buf), "%p", (void *)0x1234) == 18);
	HT_CHECK(strcmp(buf, "0x0000000000001234") == 0);
	HT_CHECK(libk_snprintf(buf, sizeof(buf), "%p", (void *)NULL) == 18);
	HT_CHECK(strcmp(buf, "0x0000000000000000") == 0);
	libk_snprintf(buf, sizeof(buf), "%p", (void *)UINTPTR_MAX);
	HT_CHECK(strcmp(buf, "0xffffffffffffffff") == 0);
	libk_snprintf(buf, sizeof(buf), "[%20p][%-20p]", (void *)0xabc, (void *)0xabc);
	HT_CHECK(strcmp(buf, "[  0x0000000000000abc][0x0000000000000abc  ]") == 0);
	HT_CHECK(libk_snprintf(buf, 5, "%p", (void *)1) == 18 && strcmp(buf, "0x00") == 0);
}

HT_TEST(snprintf_null_string_and_edge_cases)
{
	const char *volatile null = NULL;
	const char *volatile unknown = "a%yb", *volatile trailing = "abc%";
	char buf[64];

	HT_CHECK(libk_snprintf(buf, sizeof(buf), "%s", null) == 6 && strcmp(buf, "(null)") == 0);
	libk_snprintf(buf, sizeof(buf), "[%8s][%-7s]", null, null);
	HT_CHECK(strcmp(buf, "[  (null)][(null) ]") == 0);
	libk_snprintf(buf, sizeof(buf), "%.3s", null);
	HT_CHECK(strcmp(buf, "(nu") == 0);
	/* size 0: nothing written, buf may be NULL, the full length is returned */
	HT_CHECK(libk_snprintf(NULL, 0, "%d-%s", 12345, "abc") == 9);
	/* an unknown conversion is copied out; a lone '%' at the end is dropped */
	HT_CHECK(libk_snprintf(buf, sizeof(buf), unknown, 0) == 4 && strcmp(buf, "a%yb") == 0);
	HT_CHECK(libk_snprintf(buf, sizeof(buf), trailing, 0) == 3 && strcmp(buf, "abc") == 0);
}

HT_TEST(snprintf_huge_width_is_bounded)
{
	const char *volatile huge = "%99999999999999999999d|";
	volatile int int_min = INT_MIN;
	char buf[16];

	/* the length is counted without writing (or looping over) the padding past the buffer */
	HT_CHECK(libk_snprintf(buf, sizeof(buf), "%*d", INT_MAX, 7) == INT_MAX);
	HT_CHECK(strlen(buf) == 15 && buf[0] == ' ');
	HT_CHECK(libk_snprintf(buf, sizeof(buf), "%*d", int_min, 7) == INT_MAX);
	HT_CHECK(strcmp(buf, "7              ") == 0);
	HT_CHECK(libk_snprintf(buf, sizeof(buf), huge, 1) == INT_MAX);
	HT_CHECK(libk_snprintf(buf, sizeof(buf), "%.*d", INT_MAX, 0) == INT_MAX);
	HT_CHECK(strcmp(buf, "000000000000000") == 0);
}
