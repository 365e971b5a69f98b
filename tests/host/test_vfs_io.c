/*
 * test_vfs_io.c - reading and writing files on the host: regular files against a model under
 * random reads, writes, seeks, positioned I/O, truncations and appends; sparse files and the
 * kernel reader of exec; bad user buffers (EFAULT, exact partial counts); the device files; and
 * host threads as cores: concurrent writers (own files, O_APPEND, one shared open file), readers
 * sharing one offset, and names created and removed in one directory.
 */
#include <fs/mapper.h>
#include <fs/vfs_private.h>
#include <libk/errno.h>

#include "htest.h"
#include "vfs_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROOT  XPTR_NULL
#define PAGE  CONFIG_PAGE_SIZE

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* ---- a regular file against a model ---- */

#define MODEL_MAX (300u * 1024)  /* beyond 256 KiB: the mapper needs two levels */
#define IO_MAX    9000u

static uint8_t model[MODEL_MAX];
static uint64_t msize, moff;
static uint8_t wbuf[IO_MAX], rbuf[IO_MAX + 16];

static bool model_read(xptr_t f, uint64_t pos, uint32_t len, bool positioned)
{
	uint64_t want = pos < msize ? (msize - pos < len ? msize - pos : len) : 0;
	int64_t n = positioned ? vfs_pread(f, (uintptr_t)rbuf, len, (int64_t)pos)
			       : vfs_read(f, (uintptr_t)rbuf, len);

	if (n != (int64_t)want || memcmp(rbuf, model + pos, want)) {
		printf("# read at %lu of %u: %ld bytes, expected %lu\n", pos, len, n, want);
		return false;
	}
	if (!positioned)
		moff += want;
	return true;
}

static bool model_write(xptr_t f, uint64_t pos, uint32_t len, bool positioned)
{
	int64_t n;

	for (uint32_t i = 0; i < len; i++)
		wbuf[i] = (uint8_t)rnd(256);
	n = positioned ? vfs_pwrite(f, (uintptr_t)wbuf, len, (int64_t)pos)
		       : vfs_write(f, (uintptr_t)wbuf, len);
	if (n != (int64_t)len)
		return false;
	memcpy(model + pos, wbuf, len);
	if (pos + len > msize)
		msize = pos + len;
	if (!positioned)
		moff = pos + len;
	return true;
}

static bool model_truncate(xptr_t f, uint64_t size)
{
	if (vfs_truncate(vfs_file_inode(f), size))
		return false;
	if (size < msize)
		memset(model + size, 0, msize - size);
	msize = size;
	return true;
}

/* One random operation on @f (offset moff) and @app (O_APPEND). */
static bool model_step(xptr_t f, xptr_t app)
{
	uint32_t len = rnd(IO_MAX), pos = rnd(MODEL_MAX - IO_MAX);
	int64_t to;

	switch (rnd(8)) {
	case 0: return moff + len > MODEL_MAX || model_write(f, moff, len, false);
	case 1: return model_write(f, pos, len, true);
	case 2: return model_read(f, moff, len, false);
	case 3: return model_read(f, pos, len, true);
	case 4:
		to = (int64_t)rnd(MODEL_MAX) - (int64_t)msize;  /* SEEK_END, maybe negative */
		if ((int64_t)msize + to < 0)
			return vfs_lseek(f, to, SEEK_END) == -EINVAL;
		if (vfs_lseek(f, to, SEEK_END) != (int64_t)msize + to)
			return false;
		moff = (uint64_t)((int64_t)msize + to);
		to = (int64_t)rnd(200) - 100;
		if ((int64_t)moff + to < 0)
			return vfs_lseek(f, to, SEEK_CUR) == -EINVAL;
		moff = (uint64_t)((int64_t)moff + to);
		return vfs_lseek(f, to, SEEK_CUR) == (int64_t)moff;
	case 5: return model_truncate(f, rnd(MODEL_MAX - IO_MAX));
	case 6:
		if (msize + len > MODEL_MAX)
			return true;
		for (uint32_t i = 0; i < len; i++)
			wbuf[i] = (uint8_t)rnd(256);
		if (vfs_write(app, (uintptr_t)wbuf, len) != (int64_t)len)
			return false;
		memcpy(model + msize, wbuf, len);
		msize += len;
		return true;
	default: {
		struct vfs_stat st;
		uint64_t pages = mapper_pages(vfs_inode_mapper(vfs_file_inode(f)));

		vfs_stat(vfs_file_inode(f), &st);
		return st.st_size == (int64_t)msize && pages <= (msize + PAGE - 1) / PAGE &&
		       st.st_blocks == (int64_t)pages * 8;
	}
	}
}

HT_TEST(regular_file_against_a_model)
{
	xptr_t f, app;
	int step;

	vfx_setup();
	memset(model, 0, sizeof(model));
	msize = moff = 0;
	f = vfx_open("/tmp/model", O_CREAT | O_RDWR);
	app = vfx_open("/tmp/model", O_WRONLY | O_APPEND);
	HT_REQUIRE(f != XPTR_NULL && app != XPTR_NULL);
	for (step = 0; step < 4000; step++)
		if (!model_step(f, app))
			break;
	HT_CHECK(step == 4000);
	HT_CHECK(vfs_lseek(f, 0, SEEK_SET) == 0);
	moff = 0;
	while (moff < msize && model_read(f, moff, IO_MAX, false))
		;
	HT_CHECK(moff == msize);
	HT_CHECK(vfs_read(f, (uintptr_t)rbuf, 10) == 0);             /* at the end */
	HT_CHECK(vfs_lseek(f, -1, SEEK_SET) == -EINVAL);
	HT_CHECK(vfs_lseek(f, 0, 3) == -EINVAL);
	HT_CHECK(vfs_lseek(f, INT64_MAX, SEEK_SET) == INT64_MAX);
	HT_CHECK(vfs_lseek(f, 1, SEEK_CUR) == -EINVAL);              /* overflow */
	HT_CHECK(vfs_pread(f, (uintptr_t)rbuf, 1, -1) == -EINVAL);
	HT_CHECK(vfs_read(f, (uintptr_t)rbuf, 10) == 0);             /* far past the end */
	HT_CHECK(vfs_truncate(vfs_file_inode(f), CONFIG_VFS_MAX_FILE_SIZE + 1) == EFBIG);
	vfs_close(app);
	vfs_close(f);
	HT_CHECK(vfs_unlink(ROOT, "/tmp/model", 0) == 0);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* Holes read as zeros and cost no page; vfs_kernel_read reads like pread into kernel memory. */
HT_TEST(sparse_files_and_the_kernel_reader)
{
	char buf[64], zeros[64] = { 0 };
	xptr_t f, ixp;

	vfx_setup();
	f = vfx_open("/tmp/sparse", O_CREAT | O_RDWR);
	HT_REQUIRE(f != XPTR_NULL);
	HT_CHECK(vfs_pwrite(f, (uintptr_t)"end", 3, 10 << 20) == 3);      /* at 10 MiB */
	ixp = vfs_file_inode(f);
	HT_CHECK(vfs_inode_size(ixp) == (10u << 20) + 3);
	HT_CHECK(mapper_pages(vfs_inode_mapper(ixp)) == 1);
	HT_CHECK(vfs_pread(f, (uintptr_t)buf, 64, 5 << 20) == 64 && !memcmp(buf, zeros, 64));
	HT_CHECK(vfs_kernel_read(ixp, (10 << 20) - 2, buf, 64) == 5);
	HT_CHECK(!memcmp(buf, "\0\0end", 5));
	HT_CHECK(vfs_kernel_read(ixp, 11 << 20, buf, 64) == 0);
	HT_CHECK(mapper_pages(vfs_inode_mapper(ixp)) == 1);              /* reads add no page */
	HT_CHECK(vfs_pwrite(f, (uintptr_t)"x", 1, (int64_t)CONFIG_VFS_MAX_FILE_SIZE) == -EFBIG);
	HT_CHECK(vfs_pwrite(f, (uintptr_t)"xy", 2, (int64_t)CONFIG_VFS_MAX_FILE_SIZE - 1) == 1);
	HT_CHECK(vfs_truncate(ixp, 100) == 0 && mapper_pages(vfs_inode_mapper(ixp)) == 0);
	HT_CHECK(vfs_truncate(ixp, 200) == 0);
	HT_CHECK(vfs_pread(f, (uintptr_t)buf, 64, 90) == 64 && !memcmp(buf, zeros, 64));
	HT_CHECK(vfs_kernel_read(vfs_root(), 0, buf, 1) == -EISDIR);
	HT_CHECK(vfs_truncate(vfs_root(), 0) == EISDIR);
	vfs_close(f);
	HT_CHECK(vfs_unlink(ROOT, "/tmp/sparse", 0) == 0);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* ---- bad user buffers ---- */

HT_TEST(bad_user_buffers_fail_with_efault_and_exact_partial_counts)
{
	uint8_t *buf = aligned_alloc(PAGE, 3 * PAGE);
	uintptr_t bad = (uintptr_t)buf + 2 * PAGE;     /* the third page "faults" */
	char data[3 * PAGE];
	xptr_t f, d;

	vfx_setup();
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	f = vfx_open("/tmp/f", O_CREAT | O_RDWR);
	HT_REQUIRE(f != XPTR_NULL && vfs_write(f, (uintptr_t)data, sizeof(data)) == sizeof(data));
	host_uspace_set_fault(bad, bad + PAGE);
	HT_CHECK(vfs_lseek(f, 0, SEEK_SET) == 0);
	HT_CHECK(vfs_read(f, (uintptr_t)buf + PAGE + 100, 2 * PAGE) == PAGE - 100);
	HT_CHECK(!memcmp(buf + PAGE + 100, data, PAGE - 100));
	HT_CHECK(vfs_lseek(f, 0, SEEK_CUR) == PAGE - 100);            /* advanced by what was read */
	HT_CHECK(vfs_read(f, bad, 10) == -EFAULT);
	HT_CHECK(vfs_lseek(f, 0, SEEK_CUR) == PAGE - 100);            /* unchanged */
	HT_CHECK(vfs_pread(f, bad - 1, 2, 0) == 1);
	HT_CHECK(vfs_read(f, UINTPTR_MAX - 10, 100) == -EFAULT);      /* wraps around */
	/* writes: nothing beyond what was copied, and the bytes past the end stay zero */
	HT_CHECK(vfs_write(f, bad, 10) == -EFAULT);
	HT_CHECK(vfs_inode_size(vfs_file_inode(f)) == sizeof(data));
	memset(buf, 'W', 2 * PAGE);
	HT_CHECK(vfs_pwrite(f, (uintptr_t)buf + 50, 2 * PAGE, sizeof(data) - 10) == 2 * PAGE - 50);
	HT_CHECK(vfs_inode_size(vfs_file_inode(f)) == sizeof(data) - 10 + 2 * PAGE - 50);
	HT_CHECK(vfs_truncate(vfs_file_inode(f), 6 * PAGE) == 0);
	{
		char tail[PAGE], zeros[PAGE] = { 0 };
		uint64_t end = sizeof(data) - 10 + 2 * PAGE - 50;

		HT_CHECK(vfs_kernel_read(vfs_file_inode(f), end, tail, PAGE) == PAGE);
		HT_CHECK(!memcmp(tail, zeros, PAGE));
	}
	host_uspace_set_fault(0, PAGE);                               /* NULL faults */
	HT_CHECK(vfs_read(f, 0, 10) == -EFAULT);
	HT_CHECK(vfs_read(f, 0, 0) == 0);
	HT_CHECK(vfs_write(f, 0, 10) == -EFAULT);
	host_uspace_set_fault(bad, bad + PAGE);
	HT_REQUIRE(vfs_open(0, ROOT, "/tmp", O_RDONLY, 0, &d) == 0);
	HT_CHECK(vfs_getdents64(d, bad, 512) == -EFAULT);
	HT_CHECK(vfs_getdents64(d, bad - 24, 512) == 24);             /* "." fits before the fault */
	vfs_close(d);
	vfs_close(f);
	HT_CHECK(vfs_unlink(ROOT, "/tmp/f", 0) == 0);
	host_uspace_set_fault(0, 0);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
	free(buf);
}

/* ---- devices ---- */

HT_TEST(null_and_zero)
{
	uint8_t buf[10000];
	xptr_t f;

	vfx_setup();
	f = vfx_open("/dev/null", O_RDWR);
	HT_REQUIRE(f != XPTR_NULL);
	HT_CHECK(vfs_read(f, (uintptr_t)buf, sizeof(buf)) == 0);
	HT_CHECK(vfs_write(f, (uintptr_t)buf, sizeof(buf)) == sizeof(buf));
	HT_CHECK(vfs_lseek(f, 100, SEEK_SET) == 0);
	HT_CHECK(vfs_ioctl(f, TCGETS, (uintptr_t)buf) == -ENOTTY);
	vfs_close(f);
	f = vfx_open("/dev/zero", O_RDWR);
	HT_REQUIRE(f != XPTR_NULL);
	memset(buf, 0xff, sizeof(buf));
	HT_CHECK(vfs_read(f, (uintptr_t)buf, sizeof(buf)) == sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i])
			HT_CHECK(!"/dev/zero gave a non-zero byte");
	HT_CHECK(vfs_pread(f, (uintptr_t)buf, 5, 1000) == 5);
	HT_CHECK(vfs_write(f, (uintptr_t)buf, 7) == 7);
	{
		uint8_t *page = aligned_alloc(PAGE, 2 * PAGE);

		host_uspace_set_fault((uintptr_t)page + PAGE, (uintptr_t)page + 2 * PAGE);
		HT_CHECK(vfs_read(f, (uintptr_t)page + PAGE - 10, 100) == 10);
		host_uspace_set_fault(0, 0);
		free(page);
	}
	vfs_close(f);
	f = vfx_open("/dev/zero", O_WRONLY);
	HT_CHECK(vfs_read(f, (uintptr_t)buf, 1) == -EBADF);
	vfs_close(f);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* Readiness (vfs_poll.c): always-ready files, a pipe's ends as it fills, empties and loses a side,
 * and the event count that pipes bump (a wait after an event returns at once). The wait itself,
 * signals and timeouts run in the QEMU tests (user/test_poll.c). */
HT_TEST(poll_readiness_and_events)
{
	const uint32_t both = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
	xptr_t f, rd, wr;
	uint64_t seen;
	char c = 'x';

	vfx_setup();
	f = vfx_open("/dev/null", O_RDWR);
	HT_REQUIRE(f != XPTR_NULL);
	HT_CHECK(vfs_poll(f) == both);
	vfs_close(f);
	HT_REQUIRE(vfs_pipe(local_cxy, 0, &rd, &wr) == 0);
	HT_CHECK(vfs_poll(rd) == 0);
	HT_CHECK(vfs_poll(wr) == (POLLOUT | POLLWRNORM));
	seen = vfs_poll_events();
	HT_CHECK(vfs_kwrite(wr, &c, 1) == 1);
	HT_CHECK(vfs_poll_events() != seen);
	HT_CHECK(vfs_poll_wait(seen, 0) == 0); /* an event came since @seen: no sleep */
	HT_CHECK(vfs_poll(rd) == (POLLIN | POLLRDNORM));
	seen = vfs_poll_events();
	HT_CHECK(vfs_kread(rd, &c, 1) == 1 && c == 'x');
	HT_CHECK(vfs_poll_events() != seen && vfs_poll(rd) == 0);
	vfs_close(wr);
	HT_CHECK(vfs_poll(rd) == POLLHUP);
	vfs_close(rd);
	HT_REQUIRE(vfs_pipe(local_cxy, 0, &rd, &wr) == 0);
	vfs_close(rd);
	HT_CHECK(vfs_poll(wr) == (POLLOUT | POLLWRNORM | POLLERR));
	vfs_close(wr);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* The VFS's side of a device: dispatch of read, write and ioctl, ESPIPE, EBADF, EFAULT before the
 * device sees anything. The console itself runs in the QEMU tests (user/test_tty.c). */
HT_TEST(console_dispatch)
{
	char out[64], buf[64];
	struct vfs_termios t;
	xptr_t f, reg;

	vfx_setup();
	f = vfx_open("/dev/console", O_RDWR);
	HT_REQUIRE(f != XPTR_NULL);
	HT_CHECK(vfx_write_str(f, "hello, console\n") == 15);
	HT_CHECK(vfx_console_output(out, sizeof(out)) == 15 && !memcmp(out, "hello, console\n", 15));
	HT_CHECK(vfs_ioctl(f, TCGETS, (uintptr_t)&t) == 0 && t.c_lflag == 0x8a3b);
	HT_CHECK(vfs_ioctl(f, 0x5499, (uintptr_t)&t) == -ENOTTY);
	HT_CHECK(vfs_lseek(f, 0, SEEK_SET) == -ESPIPE);
	HT_CHECK(vfs_pread(f, (uintptr_t)buf, 1, 0) == -ESPIPE);
	reg = vfx_open("/tmp/r", O_CREAT | O_RDWR);
	HT_CHECK(vfs_ioctl(reg, TCGETS, (uintptr_t)&t) == -ENOTTY);
	vfs_close(reg);
	vfs_unlink(ROOT, "/tmp/r", 0);

	vfx_console_input("ab\ncd", 5);
	HT_CHECK(vfs_read(f, (uintptr_t)buf, sizeof(buf)) == 5 && !memcmp(buf, "ab\ncd", 5));
	HT_CHECK(vfs_read(f, (uintptr_t)buf, sizeof(buf)) == -EAGAIN);
	HT_CHECK(vfs_read(f, (uintptr_t)UINTPTR_MAX - 4, 10) == -EFAULT);
	host_uspace_set_fault((uintptr_t)buf, (uintptr_t)buf + sizeof(buf));
	HT_CHECK(vfs_write(f, (uintptr_t)buf, 4) == -EFAULT);
	host_uspace_set_fault(0, 0);
	vfs_close(f);
	f = vfx_open("/dev/console", O_WRONLY);
	HT_CHECK(vfs_read(f, (uintptr_t)buf, 1) == -EBADF);
	vfs_close(f);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

/* ---- host threads as cores ---- */

#define WRITERS  4
#define RECORDS  150
#define REC_SIZE 100

struct writer {
	int    id;
	xptr_t shared;      /* one open file, shared by every writer (no O_APPEND) */
	int    errors;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char path[32], rec[REC_SIZE];
	xptr_t own, app;

	host_lid = (lid_t)(w->id + 1);
	snprintf(path, sizeof(path), "/tmp/own%d", w->id);
	own = vfx_open(path, O_CREAT | O_WRONLY);
	app = vfx_open("/tmp/append", O_CREAT | O_WRONLY | O_APPEND);
	if (own == XPTR_NULL || app == XPTR_NULL) {
		w->errors++;
		return NULL;
	}
	for (int i = 0; i < RECORDS; i++) {
		memset(rec, 'A' + w->id, sizeof(rec));
		rec[0] = (char)i;
		w->errors += vfs_write(own, (uintptr_t)rec, REC_SIZE) != REC_SIZE;
		w->errors += vfs_write(app, (uintptr_t)rec, REC_SIZE) != REC_SIZE;
		w->errors += vfs_write(w->shared, (uintptr_t)rec, REC_SIZE / 2) != REC_SIZE / 2;
	}
	vfs_close(own);
	vfs_close(app);
	return NULL;
}

/* Every record of @path (@rec bytes each, @count of them) is one writer's, whole. */
static bool records_whole(const char *path, size_t rec, size_t count)
{
	size_t size = rec * count;
	char *buf = malloc(size + 1);
	xptr_t f = vfx_open(path, O_RDONLY);
	bool ok = f != XPTR_NULL && vfs_read(f, (uintptr_t)buf, size + 1) == (int64_t)size;

	for (size_t r = 0; ok && r < count; r++)
		for (size_t i = 2; i < rec; i++)
			ok &= buf[r * rec + i] == buf[r * rec + 1];
	if (f != XPTR_NULL)
		vfs_close(f);
	free(buf);
	return ok;
}

HT_TEST(concurrent_writers_add_up_exactly)
{
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	xptr_t shared;
	char path[32];

	vfx_setup();
	shared = vfx_open("/tmp/shared", O_CREAT | O_WRONLY);
	HT_REQUIRE(shared != XPTR_NULL);
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ i, shared, 0 };
		pthread_create(&th[i], NULL, writer_main, &w[i]);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		HT_CHECK(w[i].errors == 0);
	}
	vfs_close(shared);
	HT_CHECK(records_whole("/tmp/append", REC_SIZE, WRITERS * RECORDS));
	HT_CHECK(records_whole("/tmp/shared", REC_SIZE / 2, WRITERS * RECORDS));
	for (int i = 0; i < WRITERS; i++) {
		snprintf(path, sizeof(path), "/tmp/own%d", i);
		HT_CHECK(records_whole(path, REC_SIZE, RECORDS));
		HT_CHECK(vfs_unlink(ROOT, path, 0) == 0);
	}
	HT_CHECK(vfs_unlink(ROOT, "/tmp/append", 0) == 0 && vfs_unlink(ROOT, "/tmp/shared", 0) == 0);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

#define SHARED_WORDS (64 * 1024)
static uint32_t shared_words[SHARED_WORDS];
static uint8_t  word_seen[SHARED_WORDS];

struct reader {
	int    id;
	xptr_t f;
	int    errors;
};

/* Read the shared file in odd-sized chunks until its end; mark every word read. */
static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint32_t chunk[333];
	int64_t n;

	host_lid = (lid_t)(r->id + 1);
	while ((n = vfs_read(r->f, (uintptr_t)chunk, sizeof(chunk))) > 0) {
		if (n % 4) {
			r->errors++;
			break;
		}
		for (int64_t i = 0; i < n / 4; i++)
			if (chunk[i] < SHARED_WORDS)
				__atomic_fetch_add(&word_seen[chunk[i]], 1, __ATOMIC_RELAXED);
	}
	r->errors += n < 0;
	return NULL;
}

/* Readers of one open file share its offset: together they read every byte exactly once. */
HT_TEST(concurrent_readers_of_one_file_read_disjoint_ranges)
{
	struct reader r[WRITERS];
	pthread_t th[WRITERS];
	xptr_t f;

	vfx_setup();
	for (uint32_t i = 0; i < SHARED_WORDS; i++)
		shared_words[i] = i;
	memset(word_seen, 0, sizeof(word_seen));
	f = vfx_open("/tmp/words", O_CREAT | O_RDWR);
	HT_REQUIRE(f != XPTR_NULL);
	HT_REQUIRE(vfs_write(f, (uintptr_t)shared_words, sizeof(shared_words)) == sizeof(shared_words));
	HT_CHECK(vfs_lseek(f, 0, SEEK_SET) == 0);
	for (int i = 0; i < WRITERS; i++) {
		r[i] = (struct reader){ i, f, 0 };
		pthread_create(&th[i], NULL, reader_main, &r[i]);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		HT_CHECK(r[i].errors == 0);
	}
	for (uint32_t i = 0; i < SHARED_WORDS; i++)
		if (word_seen[i] != 1) {
			HT_CHECK(word_seen[i] == 1);
			break;
		}
	vfs_close(f);
	HT_CHECK(vfs_unlink(ROOT, "/tmp/words", 0) == 0);
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}

static void *namer_main(void *arg)
{
	struct writer *w = arg;
	char dir[32], file[48];
	long errors = 0;

	host_lid = (lid_t)(w->id + 1);
	for (int k = 0; k < 100; k++) {
		xptr_t f;
		error_t err;

		snprintf(dir, sizeof(dir), "/tmp/d%d", k % 3);   /* shared by every thread */
		vfs_mkdir(ROOT, dir, 0755);                      /* EEXIST is fine */
		snprintf(file, sizeof(file), "%s/f%d_%d", dir, w->id, k);
		err = vfs_open(0, ROOT, file, O_CREAT | O_EXCL | O_RDWR, 0644, &f);
		if (err) {
			errors += err != ENOENT;                 /* the directory went away */
			continue;
		}
		errors += vfx_write_str(f, file) != (int64_t)strlen(file);
		vfs_close(f);
		errors += vfx_lookup_err(file, 0) != 0;
		errors += vfs_unlink(ROOT, file, 0) != 0;
		vfs_unlink(ROOT, dir, AT_REMOVEDIR);             /* ENOTEMPTY is fine */
	}
	w->errors = (int)errors;
	return NULL;
}

/* Threads create, look up and remove names in shared directories, which they also create and
 * remove: nothing is lost, nothing leaks. */
HT_TEST(concurrent_names_in_shared_directories)
{
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	char dir[32];

	vfx_setup();
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ i, XPTR_NULL, 0 };
		pthread_create(&th[i], NULL, namer_main, &w[i]);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		HT_CHECK(w[i].errors == 0);
	}
	for (int k = 0; k < 3; k++) {
		snprintf(dir, sizeof(dir), "/tmp/d%d", k);
		int err = vfs_unlink(ROOT, dir, AT_REMOVEDIR);
		HT_CHECK(err == 0 || err == ENOENT);
	}
	HT_CHECK(vfx_no_leak());
	vfx_teardown();
}
