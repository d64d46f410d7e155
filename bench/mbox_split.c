/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mbox_split - the floor for importing an mbox: read it and split it
 *
 * Usage: mbox_split FILE
 * Reads FILE in 1 MB blocks, splits it into messages at lines starting
 * with "From " (the mboxo/mboxrd separator), copies each message into a
 * buffer of its own (what any importer must do before parsing it) and
 * folds its bytes into a checksum so that nothing is optimised away.
 * Prints one line:
 *   messages=N bytes=B seconds=T rate=R sum=S
 * Part of bench/run, which compiles it with cc -O2; no baraza code.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1 << 20)

struct msg {
	char *data;
	size_t len, cap;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* msg_add - append n bytes to the current message */
static void
msg_add(struct msg *m, const char *p, size_t n)
{
	if (m->len + n > m->cap) {
		while (m->len + n > m->cap)
			m->cap = m->cap ? m->cap * 2 : 65536;
		if ((m->data = realloc(m->data, m->cap)) == NULL) {
			perror("mbox_split");
			exit(1);
		}
	}
	memcpy(m->data + m->len, p, n);
	m->len += n;
}

/* msg_done - hand the finished message over (here: checksum it) */
static void
msg_done(struct msg *m, uint64_t *sum, long *count)
{
	size_t i;

	if (m->len == 0)
		return;
	for (i = 0; i < m->len; i += 64)
		*sum = *sum * 31 + (unsigned char)m->data[i];
	(*count)++;
	m->len = 0;
}

int
main(int argc, char **argv)
{
	struct msg m = { 0 };
	char *blk, *line;
	size_t linecap = 65536, linelen = 0;
	uint64_t sum = 0, bytes = 0;
	long count = 0;
	ssize_t r;
	double t0, t1;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: mbox_split FILE\n");
		return 2;
	}
	t0 = now_s();
	if ((fd = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	blk = malloc(BLOCK);
	line = malloc(linecap);
	if (blk == NULL || line == NULL)
		return 1;
	/* A line may straddle two blocks: its start is kept in line[]. */
	while ((r = read(fd, blk, BLOCK)) > 0) {
		char *p = blk, *end = blk + r, *nl;

		bytes += (uint64_t)r;
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL) {
				size_t n = (size_t)(end - p);

				if (linelen + n > linecap) {
					while (linelen + n > linecap)
						linecap *= 2;
					if ((line = realloc(line, linecap)) == NULL)
						return 1;
				}
				memcpy(line + linelen, p, n);
				linelen += n;
				break;
			}
			nl++;
			if (linelen > 0) {
				size_t n = (size_t)(nl - p);

				if (linelen + n > linecap) {
					while (linelen + n > linecap)
						linecap *= 2;
					if ((line = realloc(line, linecap)) == NULL)
						return 1;
				}
				memcpy(line + linelen, p, n);
				linelen += n;
				if (linelen >= 5 && memcmp(line, "From ", 5) == 0)
					msg_done(&m, &sum, &count);
				else
					msg_add(&m, line, linelen);
				linelen = 0;
			} else if (nl - p >= 5 && memcmp(p, "From ", 5) == 0)
				msg_done(&m, &sum, &count);
			else
				msg_add(&m, p, (size_t)(nl - p));
			p = nl;
		}
	}
	if (r < 0) {
		perror(argv[1]);
		return 1;
	}
	if (linelen > 0 && !(linelen >= 5 && memcmp(line, "From ", 5) == 0))
		msg_add(&m, line, linelen);
	msg_done(&m, &sum, &count);
	close(fd);
	t1 = now_s();
	printf("messages=%ld bytes=%llu seconds=%.3f rate=%.0f sum=%llx\n", count,
	    (unsigned long long)bytes, t1 - t0, count / (t1 - t0),
	    (unsigned long long)sum);
	free(blk);
	free(line);
	free(m.data);
	return 0;
}
