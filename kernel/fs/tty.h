/*
 * tty.h - the line discipline of a terminal (docs/tty.md): what becomes of the bytes a terminal
 * receives (editing, echo, signals, lines for readers) and of the bytes written to it (OPOST).
 *
 * This part is pure: no lock, no wait, no I/O. The device that owns a tty_ldisc_t (the console,
 * kernel/fs/console.c) serializes every call on it with its own lock, hands it the received bytes
 * one by one, writes the echo it gets through the @emit function, raises the signals it is told
 * to, and wakes its readers. Host-tested by tests/host/test_tty.c.
 *
 * Input is kept in a ring of TTY_BUF_SIZE bytes (and a flags byte for each), reached by extended
 * pointer with hal_remote_* so that it may live in another cluster than the caller: the console's
 * is in cluster 0. The rest, tty_ldisc_t, is small on purpose: a caller of another cluster copies
 * it in, calls these functions on its copy, and copies it back, all under the owner's lock.
 * The input positions are three free-running counters:
 *   head <= canon <= tail
 * [head, canon) is input a reader may take in canonical mode (complete lines), [canon, tail) the
 * line being edited. In raw mode (no ICANON) canon follows tail: everything is readable. Each slot
 * has flags: the end of a line, and "an EOF mark" (VEOF: ends the line, is never returned).
 */
#ifndef FS_TTY_H
#define FS_TTY_H

#include <fs/vfs.h>
#include <hal_remote.h>
#include <hal_types.h>

/* Linux's termios flags (asm-generic termbits.h, octal as there). */
#define TTY_IGNBRK  0000001
#define TTY_ISTRIP  0000040
#define TTY_INLCR   0000100
#define TTY_IGNCR   0000200
#define TTY_ICRNL   0000400
#define TTY_IXON    0002000

#define TTY_OPOST   0000001
#define TTY_ONLCR   0000004

#define TTY_ISIG    0000001
#define TTY_ICANON  0000002
#define TTY_ECHO    0000010
#define TTY_ECHOE   0000020
#define TTY_ECHOK   0000040
#define TTY_ECHONL  0000100
#define TTY_NOFLSH  0000200
#define TTY_TOSTOP  0000400
#define TTY_ECHOCTL 0001000
#define TTY_ECHOKE  0004000
#define TTY_IEXTEN  0100000

/* c_cc indices. */
#define TTY_VINTR   0
#define TTY_VQUIT   1
#define TTY_VERASE  2
#define TTY_VKILL   3
#define TTY_VEOF    4
#define TTY_VTIME   5
#define TTY_VMIN    6
#define TTY_VSUSP   10
#define TTY_VEOL    11
#define TTY_VWERASE 14
#define TTY_VEOL2   16

/* Input kept: Linux's N_TTY_BUF_SIZE. A line holds at most TTY_BUF_SIZE - 1 bytes, so that its
 * newline always fits; other bytes beyond that are dropped (and not echoed). */
#define TTY_BUF_SIZE 4096u
#define TTY_RING_BYTES (2 * TTY_BUF_SIZE) /* the bytes, then the TTY_F_* flags of each slot */

/* Where echo goes: @n bytes at @s, already output-processed (OPOST). */
typedef void (*tty_emit_t)(void *ctx, const char *s, size_t n);

typedef struct tty_ldisc_s {
	struct vfs_termios termios;
	uint32_t   head;                  /* next byte a reader takes                       */
	uint32_t   canon;                 /* end of the readable input                      */
	uint32_t   tail;                  /* end of the input                               */
	uint32_t   dropped;               /* bytes dropped because the buffer was full      */
	xptr_t     ring_xp;               /* TTY_RING_BYTES: the input and its flags        */
	tty_emit_t emit;                  /* echo goes there                                */
	void      *emit_ctx;
} tty_ldisc_t;

/* What tty_input() asks of its caller (bits, with a signal number in the low byte). */
#define TTY_R_SIGNAL_MASK 0xffu  /* a signal for the foreground process group (0: none)  */
#define TTY_R_READABLE    0x100u /* readers may have something to take now               */
#define TTY_R_STATUS      0x200u /* the status character: the kernel's status report       */

/*
 * The status character, ^T, as BSD's VSTATUS (Linux's termios has no slot for it, so it is
 * fixed): in canonical mode with IEXTEN it is neither stored nor echoed and asks the console for
 * a thread dump of every core (docs/sched.md), what a user or the test harness types when the
 * machine seems stuck. Programs in raw mode (a shell's line editor) get it as any byte.
 */
#define TTY_STATUS_CHAR   0x14

/* Linux's default termios of a terminal (tty_std_termios and INIT_C_CC, 38400 baud). */
extern const struct vfs_termios tty_default_termios;

/* A line discipline over the ring @ring_xp (TTY_RING_BYTES) with @termios (NULL: the default),
 * empty, echoing through @emit(@ctx). */
void tty_init(tty_ldisc_t *t, xptr_t ring_xp, const struct vfs_termios *termios, tty_emit_t emit,
	      void *ctx);

/*
 * Process one received byte @c: input flags (ISTRIP, IGNCR, ICRNL, INLCR), then with ISIG the
 * signal characters (VINTR, VQUIT, VSUSP: the input is flushed unless NOFLSH, the character is
 * echoed, e.g. "^C", and its signal returned), in canonical mode the status character
 * (TTY_STATUS_CHAR with IEXTEN: TTY_R_STATUS) and the editing characters (VERASE
 * and backspace, VKILL, and with IEXTEN VWERASE) and the line ends (NL, VEOL, VEOL2 with IEXTEN,
 * VEOF), then the byte is stored and echoed (ECHO, ECHOCTL, ECHONL). Returns TTY_R_* bits.
 */
uint32_t tty_input(tty_ldisc_t *t, uint8_t c);

/*
 * Whether a reader asking for @count (>= 1) bytes may read now: canonical mode, a complete line
 * (or EOF mark) is there; raw mode, at least min(VMIN, @count) bytes (VMIN 0: at least one).
 */
bool tty_readable(const tty_ldisc_t *t, size_t count);

/*
 * Take at most @max bytes for a reader into @out. Canonical mode: from the first complete line
 * only, up to its end (its newline included; an EOF mark ends it and is consumed but not
 * returned, so a line made of only an EOF mark gives 0 bytes: end of file). Raw mode: what there
 * is. Sets *@line_done when a canonical read reached the end of its line (the reader stops
 * there). Returns the bytes stored in @out.
 */
size_t tty_take(tty_ldisc_t *t, uint8_t *out, size_t max, bool *line_done);

/* Bytes a read may return now (FIONREAD): canonical mode, those of complete lines, EOF marks not
 * counted; raw mode, all. */
uint32_t tty_inq(const tty_ldisc_t *t);

/* Forget all the input (TCSETSF, TCFLSH, signal characters without NOFLSH). */
void tty_flush_input(tty_ldisc_t *t);

/*
 * New termios (TCSETS*). Leaving canonical mode makes the line being edited readable; entering it
 * makes the unread input the start of the line being edited (as Linux). Returns TTY_R_READABLE
 * if readers may now read.
 */
uint32_t tty_set_termios(tty_ldisc_t *t, const struct vfs_termios *termios);

/*
 * Output processing of @n bytes at @src for a terminal whose c_oflag is @oflag (OPOST with ONLCR:
 * NL becomes CR NL), into @dst of @cap bytes (>= 2). Returns the bytes stored in @dst; *@used is
 * set to the bytes of @src they came from (less than @n when @dst is full).
 */
size_t tty_output(uint32_t oflag, const char *src, size_t n, char *dst, size_t cap, size_t *used);

#endif /* FS_TTY_H */
