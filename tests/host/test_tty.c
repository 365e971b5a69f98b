/*
 * test_tty.c - the line discipline (kernel/fs/tty.c): editing (erase, backspace, kill, word
 * erase), line ends and VEOF at a line's start and in its middle, echo forms (ECHOCTL, ECHOE,
 * ECHOK/ECHOKE, ECHONL, no ECHO), OPOST/ONLCR, raw mode with VMIN, the signal characters with ISIG
 * on and off (and NOFLSH), ICRNL/INLCR/IGNCR, FIONREAD's count, termios changes between modes,
 * and a full buffer: 4095 bytes of a line kept, the rest dropped, the newline still taken.
 */
#include <fs/tty.h>

#include "htest.h"

#include <stdlib.h>
#include <string.h>

static char echo[65536];
static size_t echo_len;

static void capture(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	if (n > sizeof(echo) - echo_len)
		n = sizeof(echo) - echo_len;
	memcpy(echo + echo_len, s, n);
	echo_len += n;
}

static tty_ldisc_t *fresh(void)
{
	static tty_ldisc_t t;
	static uint8_t ring[TTY_RING_BYTES];

	tty_init(&t, XPTR(0, ring), NULL, capture, NULL);
	echo_len = 0;
	return &t;
}

/* Feed @s; returns the OR of the results. */
static uint32_t type(tty_ldisc_t *t, const char *s, size_t n)
{
	uint32_t r = 0;

	for (size_t i = 0; i < n; i++)
		r |= tty_input(t, (uint8_t)s[i]);
	return r;
}
#define TYPE(t, lit) type(t, lit, sizeof(lit) - 1)

/* The echo so far equals @lit (then forgotten). */
static bool echo_is(const char *lit, size_t n)
{
	bool same = echo_len == n && memcmp(echo, lit, n) == 0;

	if (!same)
		fprintf(stderr, "# echo was %zu bytes: \"%.*s\"\n", echo_len, (int)echo_len, echo);
	echo_len = 0;
	return same;
}
#define ECHO_IS(lit) echo_is(lit, sizeof(lit) - 1)

/* One read of at most @max bytes equals @lit. */
static bool take_is(tty_ldisc_t *t, size_t max, const char *lit, size_t n)
{
	uint8_t out[8192];
	bool done;
	size_t got = tty_take(t, out, max, &done);
	bool same = got == n && memcmp(out, lit, n) == 0;

	if (!same)
		fprintf(stderr, "# read %zu bytes: \"%.*s\"\n", got, (int)got, (char *)out);
	return same;
}
#define TAKE_IS(t, max, lit) take_is(t, max, lit, sizeof(lit) - 1)

HT_TEST(canonical_line_with_echo_and_onlcr)
{
	tty_ldisc_t *t = fresh();

	HT_CHECK(TYPE(t, "hello") == 0);
	HT_CHECK(!tty_readable(t, 100) && tty_inq(t) == 0);
	HT_CHECK(TYPE(t, "\r") == TTY_R_READABLE); /* ICRNL */
	HT_CHECK(ECHO_IS("hello\r\n"));
	HT_CHECK(tty_readable(t, 1) && tty_inq(t) == 6);
	HT_CHECK(TAKE_IS(t, 100, "hello\n"));
	HT_CHECK(!tty_readable(t, 1));
}

HT_TEST(erase_kill_werase)
{
	tty_ldisc_t *t = fresh();

	TYPE(t, "abc\x7f" "d\bx\n");
	HT_CHECK(ECHO_IS("abc\b \bd\b \bx\r\n"));
	HT_CHECK(TAKE_IS(t, 100, "abx\n"));
	TYPE(t, "junk\x15ok\n");                      /* ^U: ECHOKE erases it on the screen */
	HT_CHECK(ECHO_IS("junk\b \b\b \b\b \b\b \bok\r\n"));
	HT_CHECK(TAKE_IS(t, 100, "ok\n"));
	TYPE(t, "one two.. \x17" "three\n");         /* ^W: "two.. " goes, "one " stays */
	HT_CHECK(TAKE_IS(t, 100, "one three\n"));
	echo_len = 0;
	TYPE(t, "a\x01\x7f\n");                      /* a control char echoed "^A" erases 2 columns */
	HT_CHECK(ECHO_IS("a^A\b \b\b \b\r\n"));
	HT_CHECK(TAKE_IS(t, 100, "a\n"));
	TYPE(t, "\x7f\x15\x17\n");                    /* editing an empty line does nothing */
	HT_CHECK(ECHO_IS("\r\n"));
	HT_CHECK(TAKE_IS(t, 100, "\n"));
}

HT_TEST(erase_never_crosses_a_completed_line)
{
	tty_ldisc_t *t = fresh();

	TYPE(t, "ab\n\x7f\x7f\x15" "c\n");
	HT_CHECK(TAKE_IS(t, 100, "ab\n"));
	HT_CHECK(TAKE_IS(t, 100, "c\n"));
}

HT_TEST(echo_variants)
{
	tty_ldisc_t *t = fresh();

	t->termios.c_lflag &= ~TTY_ECHOE;            /* ERASE shown as the character itself */
	TYPE(t, "ab\x7f\n");
	HT_CHECK(ECHO_IS("ab^?\r\n"));
	HT_CHECK(TAKE_IS(t, 100, "a\n"));
	t->termios.c_lflag &= ~TTY_ECHOKE;           /* KILL: "^U" then a newline (ECHOK) */
	TYPE(t, "xy\x15z\n");
	HT_CHECK(ECHO_IS("xy^U\r\nz\r\n"));
	HT_CHECK(TAKE_IS(t, 100, "z\n"));
	t->termios.c_lflag &= ~(TTY_ECHO | TTY_ECHOCTL);
	TYPE(t, "quiet\x01\n");
	HT_CHECK(ECHO_IS(""));
	t->termios.c_lflag |= TTY_ECHONL;            /* only the newline */
	TYPE(t, "pw\n");
	HT_CHECK(ECHO_IS("\r\n"));
	HT_CHECK(TAKE_IS(t, 100, "quiet\x01\n"));
	HT_CHECK(TAKE_IS(t, 100, "pw\n"));
	t->termios.c_lflag |= TTY_ECHO;              /* ECHO without ECHOCTL: control chars raw */
	TYPE(t, "\x01\n");
	HT_CHECK(ECHO_IS("\x01\r\n"));
	t->termios.c_oflag &= ~TTY_OPOST;            /* no output processing: NL alone */
	TYPE(t, "\n");
	HT_CHECK(ECHO_IS("\n"));
}

HT_TEST(eof_at_line_start_and_in_the_middle)
{
	tty_ldisc_t *t = fresh();
	uint8_t out[16];
	bool done;

	HT_CHECK(TYPE(t, "\x04") == TTY_R_READABLE);
	HT_CHECK(ECHO_IS(""));                       /* VEOF is not echoed */
	HT_CHECK(tty_readable(t, 10) && tty_inq(t) == 0);
	HT_CHECK(tty_take(t, out, 10, &done) == 0 && done); /* end of file */
	HT_CHECK(!tty_readable(t, 10));
	TYPE(t, "abc\x04");                          /* pushes "abc" without a newline */
	HT_CHECK(tty_inq(t) == 3);
	HT_CHECK(tty_take(t, out, 10, &done) == 3 && done && !memcmp(out, "abc", 3));
	HT_CHECK(!tty_readable(t, 10));
	TYPE(t, "xyz\x04");                          /* a read of exactly the line eats the mark */
	HT_CHECK(tty_take(t, out, 3, &done) == 3 && done);
	HT_CHECK(!tty_readable(t, 10));
	TYPE(t, "long line\n");                      /* short reads take a line in pieces */
	HT_CHECK(tty_take(t, out, 4, &done) == 4 && !done && !memcmp(out, "long", 4));
	HT_CHECK(tty_take(t, out, 16, &done) == 6 && done && !memcmp(out, " line\n", 6));
	TYPE(t, "a\nb\n");                           /* one line per read */
	HT_CHECK(TAKE_IS(t, 100, "a\n"));
	HT_CHECK(TAKE_IS(t, 100, "b\n"));
}

HT_TEST(veol_is_a_line_end)
{
	tty_ldisc_t *t = fresh();

	t->termios.c_cc[TTY_VEOL] = ';';
	HT_CHECK(TYPE(t, "ls;") == TTY_R_READABLE);
	HT_CHECK(TAKE_IS(t, 100, "ls;"));
	t->termios.c_cc[TTY_VEOL] = 0;               /* 0 disables it: NUL is an ordinary byte */
	HT_CHECK(type(t, "a\0b", 3) == 0);
	HT_CHECK(!tty_readable(t, 1));
}

HT_TEST(signal_characters)
{
	tty_ldisc_t *t = fresh();

	TYPE(t, "partial");
	echo_len = 0;
	HT_CHECK(TYPE(t, "\x03") == 2);               /* SIGINT, line flushed, "^C" shown */
	HT_CHECK(ECHO_IS("^C"));
	TYPE(t, "\n");
	HT_CHECK(TAKE_IS(t, 100, "\n"));
	echo_len = 0;
	HT_CHECK(TYPE(t, "\x1c") == 3);               /* SIGQUIT */
	HT_CHECK(TYPE(t, "\x1a") == 20);              /* SIGTSTP */
	HT_CHECK(ECHO_IS("^\\^Z"));
	t->termios.c_lflag |= TTY_NOFLSH;             /* the line survives */
	TYPE(t, "keep");
	HT_CHECK(TYPE(t, "\x03") == 2);
	TYPE(t, "\n");
	HT_CHECK(TAKE_IS(t, 100, "keep\n"));
	t->termios.c_lflag &= ~TTY_ISIG;              /* plain characters now */
	HT_CHECK(TYPE(t, "\x03\x1a\n") == TTY_R_READABLE);
	HT_CHECK(TAKE_IS(t, 100, "\x03\x1a\n"));
	t->termios.c_lflag |= TTY_ISIG;
	t->termios.c_cc[TTY_VINTR] = 0;               /* a disabled character never matches */
	HT_CHECK(type(t, "\0", 1) == 0);
	t->termios.c_lflag &= ~TTY_ICANON;            /* raw mode keeps ISIG */
	HT_CHECK(TYPE(t, "\x1c") == 3);
}

HT_TEST(status_character)
{
	tty_ldisc_t *t = fresh();

	TYPE(t, "ab");
	HT_CHECK(TYPE(t, "\x14") == TTY_R_STATUS);   /* not stored, not echoed, the line kept */
	TYPE(t, "c\n");
	HT_CHECK(ECHO_IS("abc\r\n"));
	HT_CHECK(TAKE_IS(t, 100, "abc\n"));
	t->termios.c_lflag &= ~TTY_IEXTEN;            /* a plain character without IEXTEN */
	HT_CHECK(TYPE(t, "\x14\n") == TTY_R_READABLE);
	HT_CHECK(TAKE_IS(t, 100, "\x14\n"));
	t->termios.c_lflag |= TTY_IEXTEN;
	t->termios.c_lflag &= ~TTY_ICANON;            /* and in raw mode: the shell's editor */
	HT_CHECK(TYPE(t, "\x14") == TTY_R_READABLE);
	HT_CHECK(TAKE_IS(t, 100, "\x14"));
}

HT_TEST(input_translations)
{
	tty_ldisc_t *t = fresh();

	t->termios.c_iflag = 0;                       /* CR is an ordinary byte, shown "^M" */
	TYPE(t, "a\rb\n");
	HT_CHECK(TAKE_IS(t, 100, "a\rb\n"));
	HT_CHECK(ECHO_IS("a^Mb\r\n"));
	t->termios.c_iflag = TTY_IGNCR;
	TYPE(t, "c\r\n");
	HT_CHECK(TAKE_IS(t, 100, "c\n"));
	t->termios.c_iflag = TTY_INLCR | TTY_ICRNL;   /* NL -> CR (not a line end), CR -> NL */
	TYPE(t, "d\ne\r");
	HT_CHECK(TAKE_IS(t, 100, "d\re\n"));
	t->termios.c_iflag = TTY_ISTRIP;
	TYPE(t, "\xc1\n");
	HT_CHECK(TAKE_IS(t, 100, "A\n"));
}

HT_TEST(raw_mode_and_vmin)
{
	tty_ldisc_t *t = fresh();
	struct vfs_termios raw = tty_default_termios;
	uint8_t out[16];
	bool done;

	raw.c_lflag &= ~(TTY_ICANON | TTY_ECHO);
	raw.c_cc[TTY_VMIN] = 1;
	raw.c_cc[TTY_VTIME] = 0;
	tty_set_termios(t, &raw);
	HT_CHECK(!tty_readable(t, 10));
	HT_CHECK(TYPE(t, "q") == TTY_R_READABLE);
	HT_CHECK(ECHO_IS(""));
	HT_CHECK(tty_readable(t, 10) && tty_inq(t) == 1);
	HT_CHECK(TAKE_IS(t, 10, "q"));
	TYPE(t, "\x7f\x15\n\x04"); /* no editing, no line ends, ^D a byte */
	HT_CHECK(tty_take(t, out, 10, &done) == 4 && !done && !memcmp(out, "\x7f\x15\n\x04", 4));
	raw.c_cc[TTY_VMIN] = 3;
	tty_set_termios(t, &raw);
	TYPE(t, "xy");
	HT_CHECK(!tty_readable(t, 10) && tty_readable(t, 2)); /* min(VMIN, count) */
	TYPE(t, "z");
	HT_CHECK(tty_readable(t, 10));
	HT_CHECK(TAKE_IS(t, 2, "xy"));
	HT_CHECK(TAKE_IS(t, 2, "z"));
	raw.c_lflag |= TTY_ECHO;                      /* echo in raw mode: NL is a control char */
	tty_set_termios(t, &raw);
	TYPE(t, "a\n");
	HT_CHECK(ECHO_IS("a^J"));
}

HT_TEST(mode_changes_move_the_line)
{
	tty_ldisc_t *t = fresh();
	struct vfs_termios raw = tty_default_termios;

	TYPE(t, "half");
	HT_CHECK(!tty_readable(t, 10));
	raw.c_lflag &= ~TTY_ICANON;
	HT_CHECK(tty_set_termios(t, &raw) == TTY_R_READABLE); /* the edited line is readable */
	HT_CHECK(tty_inq(t) == 4);
	HT_CHECK(TAKE_IS(t, 2, "ha"));
	/* back to canonical: what raw mode received is readable at once (Linux pushes it) */
	HT_CHECK(tty_set_termios(t, &tty_default_termios) == TTY_R_READABLE);
	TYPE(t, "\x7f" "e\n");                       /* a new line: nothing to erase in it */
	HT_CHECK(TAKE_IS(t, 100, "lf"));
	HT_CHECK(TAKE_IS(t, 100, "e\n"));
}

HT_TEST(raw_typeahead_is_lines_in_canonical_mode)
{
	tty_ldisc_t *t = fresh();
	struct vfs_termios raw = tty_default_termios;

	raw.c_lflag &= ~(TTY_ICANON | TTY_ECHO);       /* a line editor's mode */
	tty_set_termios(t, &raw);
	TYPE(t, "cat\none\ntw");
	HT_CHECK(TAKE_IS(t, 4, "cat\n"));              /* the editor reads its line */
	HT_CHECK(tty_set_termios(t, &tty_default_termios) == TTY_R_READABLE);
	HT_CHECK(TAKE_IS(t, 100, "one\n"));            /* the program reads the rest by lines */
	HT_CHECK(TAKE_IS(t, 100, "tw"));
	HT_CHECK(!tty_readable(t, 1));
}

HT_TEST(full_buffer_keeps_4095_bytes_and_the_newline)
{
	tty_ldisc_t *t = fresh();
	static uint8_t out[8192];
	bool done;

	for (int i = 0; i < 5000; i++)
		tty_input(t, (uint8_t)('a' + i % 26));
	HT_CHECK(t->dropped == 5000 - (TTY_BUF_SIZE - 1));
	HT_CHECK(echo_len == TTY_BUF_SIZE - 1);      /* dropped bytes are not echoed */
	HT_CHECK(!tty_readable(t, 1));
	HT_CHECK(TYPE(t, "\x7f") == 0);              /* editing still works when full */
	TYPE(t, "!");
	HT_CHECK(TYPE(t, "\n") == TTY_R_READABLE);
	HT_CHECK(TYPE(t, "\n") == 0 && t->dropped == 5000 - (TTY_BUF_SIZE - 1) + 1);
	HT_CHECK(tty_inq(t) == TTY_BUF_SIZE);
	HT_CHECK(tty_take(t, out, sizeof(out), &done) == TTY_BUF_SIZE && done);
	HT_CHECK(out[TTY_BUF_SIZE - 2] == '!' && out[TTY_BUF_SIZE - 1] == '\n' && out[0] == 'a');
	HT_CHECK(tty_inq(t) == 0);
	TYPE(t, "after\n");                          /* the ring wrapped: still right */
	HT_CHECK(TAKE_IS(t, 100, "after\n"));
}

HT_TEST(raw_full_buffer_and_flush)
{
	tty_ldisc_t *t = fresh();
	struct vfs_termios raw = tty_default_termios;

	raw.c_lflag &= ~(TTY_ICANON | TTY_ECHO);
	tty_set_termios(t, &raw);
	for (unsigned i = 0; i < TTY_BUF_SIZE + 10; i++)
		tty_input(t, 'r');
	HT_CHECK(tty_inq(t) == TTY_BUF_SIZE && t->dropped == 10);
	tty_flush_input(t);
	HT_CHECK(tty_inq(t) == 0 && !tty_readable(t, 1));
}

HT_TEST(output_processing)
{
	tty_ldisc_t *t = fresh();
	char dst[8];
	size_t used;

	HT_CHECK(tty_output(t->termios.c_oflag, "a\nb", 3, dst, sizeof(dst), &used) == 4 && used == 3 &&
		 !memcmp(dst, "a\r\nb", 4));
	HT_CHECK(tty_output(t->termios.c_oflag, "\n\n\n\n\n", 5, dst, 7, &used) == 6 && used == 3); /* never half */
	HT_CHECK(tty_output(TTY_ONLCR, "\n", 1, dst, sizeof(dst), &used) == 1 && dst[0] == '\n'); /* needs OPOST */
}

/* Random bytes never break the invariants (ASan watches the ring). */
HT_TEST(random_input_keeps_invariants)
{
	tty_ldisc_t *t = fresh();
	static uint8_t out[TTY_BUF_SIZE];
	bool done;

	srand(7);
	for (int i = 0; i < 200000; i++) {
		uint8_t c = (uint8_t)(rand() % 4 ? 'a' + rand() % 26 : rand() % 256);

		if (rand() % 1000 == 0)
			t->termios.c_lflag ^= TTY_ICANON;
		tty_input(t, c);
		HT_CHECK(t->canon - t->head <= t->tail - t->head && t->tail - t->head <= TTY_BUF_SIZE);
		if (rand() % 50 == 0)
			tty_take(t, out, (size_t)(rand() % 100 + 1), &done);
		echo_len = 0;
	}
}
