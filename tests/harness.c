/* SPDX-License-Identifier: GPL-3.0-or-later */
/* harness - real servers and real binaries for the integration tests
 *
 * See harness.h for the contract.  How it works:
 *
 * The Criterion runner process starts Dovecot in ReportHook(PRE_ALL): it
 * makes a top directory /tmp/baraza-it-XXXXXX, lets tests/servers/dovecot-
 * start --prepare write the configuration, certificate and users into
 * TOP/dovecot, and forks `dovecot -F -c CONF` itself, with PR_SET_PDEATHSIG
 * so that the kernel sends Dovecot SIGTERM if the runner dies.  Criterion
 * runs each test in a child process that may be a fresh exec of the binary,
 * so the runner hands the Dovecot facts to the tests through environment
 * variables (BARAZA_H_TOP, BARAZA_H_IMAP_PORT, ...), not through memory.
 * ReportHook(POST_ALL) and an atexit handler (only in the runner: the pid is
 * checked) stop Dovecot by PID and remove TOP.
 *
 * The file-scope variables below are the runner's record of the Dovecot it
 * started: a test library may keep that much state.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <curl/curl.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "xalloc.h"

static pid_t dovecot_pid;      /* in the runner: the Dovecot master */
static pid_t dovecot_owner;    /* the process that started it */
static char top_dir[H_PATH];   /* /tmp/baraza-it-XXXXXX */
static unsigned env_seq;       /* in a test: h_env_init calls so far */

/* ---- small utilities ------------------------------------------------------ */

/* pf - snprintf that refuses to truncate: a cut path would point elsewhere */
static void __attribute__((format(printf, 3, 4)))
pf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "harness: string too long: %s...\n", buf);
		abort();
	}
}

/* sleep_ms - sleep about ms milliseconds */
static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* now_ms - a monotonic clock in milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* port_accepts - 1 when 127.0.0.1:port accepts a TCP connection */
static int
port_accepts(int port)
{
	struct sockaddr_in sin;
	int fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

/* free_port - a TCP port on 127.0.0.1 that nobody listens on right now */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

char *
h_read_file(const char *path, size_t *len)
{
	FILE *fp;
	char *data = NULL;
	size_t n = 0, cap = 0, got;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			data = xreallocarray(data, cap, 1);
		}
		got = fread(data + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	data[n] = '\0';
	if (len != NULL)
		*len = n;
	return data;
}

/* read_int_file - the integer in a small file, or -1 */
static int
read_int_file(const char *path)
{
	char *s = h_read_file(path, NULL);
	int v = s != NULL && *s ? atoi(s) : -1;

	free(s);
	return v;
}

/* rm_rf - remove a directory tree (only under /tmp/baraza-it-) */
static void
rm_rf(const char *path)
{
	char *cmd, *q;

	if (strncmp(path, "/tmp/baraza-it-", 15) != 0)
		return;
	q = h_shq(path);
	cmd = xasprintf("rm -rf %s", q);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: could not remove %s\n", path);
	free(cmd);
	free(q);
}

char *
h_shq(const char *s)
{
	size_t n = 3;
	char *r, *p;

	for (const char *c = s; *c; c++)
		n += *c == '\'' ? 4 : 1;
	p = r = xmalloc(n);
	*p++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *c;
	}
	*p++ = '\'';
	*p = '\0';
	return r;
}

/* find_trees - BARAZA_BUILDDIR/SRCDIR, else guessed from our own path
 * (BUILDDIR/tests/integration/it_x) and BUILDDIR/Makefile's abs_top_srcdir */
static void
find_trees(char *build, char *src, size_t len)
{
	const char *b = getenv("BARAZA_BUILDDIR"), *s = getenv("BARAZA_SRCDIR");
	char exe[PATH_MAX], *mk, *p;
	ssize_t n;

	build[0] = src[0] = '\0';
	if (b != NULL && *b)
		pf(build, len, "%s", b);
	else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		for (int i = 0; i < 3 && (p = strrchr(exe, '/')) != NULL; i++)
			*p = '\0';
		pf(build, len, "%s", exe);
	}
	if (s != NULL && *s) {
		pf(src, len, "%s", s);
		return;
	}
	pf(src, len, "%s", build);
	if ((p = xasprintf("%s/Makefile", build)) != NULL) {
		mk = h_read_file(p, NULL);
		free(p);
		if (mk != NULL && (p = strstr(mk, "\nabs_top_srcdir = ")) != NULL) {
			p += 18;
			size_t l = strcspn(p, "\n");
			pf(src, len, "%.*s", (int)l, p);
		}
		free(mk);
	}
}

/* ---- Dovecot, in the runner ------------------------------------------------- */

/* dovecot_stop - SIGTERM the master we started, wait, SIGKILL if needed */
static void
dovecot_stop(void)
{
	if (dovecot_pid <= 0 || getpid() != dovecot_owner)
		return;
	if (kill(dovecot_pid, SIGTERM) == 0) {
		for (int i = 0; i < 100; i++) {
			if (waitpid(dovecot_pid, NULL, WNOHANG) == dovecot_pid ||
			    kill(dovecot_pid, 0) == -1)
				break;
			sleep_ms(50);
		}
		if (kill(dovecot_pid, 0) == 0) {
			kill(dovecot_pid, SIGKILL);
			waitpid(dovecot_pid, NULL, 0);
		}
	}
	dovecot_pid = 0;
	if (top_dir[0]) {
		if (getenv("BARAZA_KEEP") != NULL && *getenv("BARAZA_KEEP"))
			fprintf(stderr, "harness: kept %s\n", top_dir);
		else
			rm_rf(top_dir);
		top_dir[0] = '\0';
	}
}

/* setup_error - record why the servers are missing; every test reports it */
static void
setup_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "harness: %s\n", msg);
	setenv("BARAZA_H_ERROR", msg, 1);
}

/* dovecot_start - prepare and start the run's Dovecot; on failure sets
 * BARAZA_H_ERROR so that each test fails with the reason */
static void
dovecot_start(void)
{
	char build[H_PATH], src[H_PATH], dir[H_PATH + 16], path[H_PATH + 32];
	char *cmd, *qs, *qd;
	int port, sport, rc;
	pid_t pid;

	find_trees(build, src, sizeof(build));
	pf(top_dir, sizeof(top_dir), "/tmp/baraza-it-XXXXXX");
	if (mkdtemp(top_dir) == NULL) {
		top_dir[0] = '\0';
		setup_error("mkdtemp: %s", strerror(errno));
		return;
	}
	chmod(top_dir, 0755);
	pf(dir, sizeof(dir), "%s/dovecot", top_dir);
	qs = h_shq(src);
	qd = h_shq(dir);
	cmd = xasprintf("%s/tests/servers/dovecot-start --prepare %s", qs, qd);
	rc = system(cmd);
	free(cmd);
	free(qs);
	free(qd);
	if (rc != 0) {
		setup_error("tests/servers/dovecot-start --prepare %s failed "
		    "(exit %d); is Dovecot installed (dovecot-imapd)?", dir, rc);
		return;
	}
	pf(path, sizeof(path), "%s/imap.port", dir);
	port = read_int_file(path);
	pf(path, sizeof(path), "%s/imaps.port", dir);
	sport = read_int_file(path);
	pf(path, sizeof(path), "%s/dovecot.conf", dir);

	dovecot_owner = getpid();
	fflush(NULL);
	if ((pid = fork()) == -1) {
		setup_error("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		char logp[H_PATH + 32];
		int fd;

		/* Die with the runner, whatever kills it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != dovecot_owner)
			_exit(1);
		pf(logp, sizeof(logp), "%s/dovecot.out", dir);
		if ((fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, 0);
			close(fd);
		}
		execlp("dovecot", "dovecot", "-F", "-c", path, (char *)NULL);
		_exit(127);
	}
	dovecot_pid = pid;
	atexit(dovecot_stop);
	pf(path, sizeof(path), "%s/dovecot.pid", dir);
	{
		FILE *fp = fopen(path, "w");
		if (fp != NULL) {
			fprintf(fp, "%ld\n", (long)pid);
			fclose(fp);
		}
	}
	for (long long end = now_ms() + 10000; !port_accepts(port); ) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid || now_ms() > end) {
			setup_error("Dovecot did not come up on 127.0.0.1:%d; see "
			    "%s/dovecot.out and dovecot.log", port, dir);
			dovecot_pid = 0;
			return;
		}
		sleep_ms(10);
	}
	pf(path, sizeof(path), "%d", port);
	setenv("BARAZA_H_IMAP_PORT", path, 1);
	pf(path, sizeof(path), "%d", sport);
	setenv("BARAZA_H_IMAPS_PORT", path, 1);
	setenv("BARAZA_H_TOP", top_dir, 1);
	setenv("BARAZA_H_DOVECOT", dir, 1);
	setenv("BARAZA_BUILDDIR", build, 1);
	setenv("BARAZA_SRCDIR", src, 1);
}

/* one_job - run tests one at a time unless told otherwise: Criterion reads
 * CRITERION_JOBS in main(), after constructors.  Tests are isolated enough to
 * run in parallel, but timing-sensitive ones (IDLE within 2 s) should not be
 * starved by their neighbours. */
__attribute__((constructor)) static void
one_job(void)
{
	setenv("CRITERION_JOBS", "1", 0);
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	if (set != NULL && set->tests == 0)
		return;
	dovecot_start();
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	dovecot_stop();
}

/* ---- per-test environment -------------------------------------------------- */

void
h_env_init(struct h_env *env, const char *name)
{
	const char *err = getenv("BARAZA_H_ERROR");
	const char *top = getenv("BARAZA_H_TOP");
	const char *dv = getenv("BARAZA_H_DOVECOT");
	char buf[H_PATH + 64], *line, *cmd;
	int fd;

	memset(env, 0, sizeof(*env));
	cr_assert(err == NULL, "test servers unavailable: %s", err);
	cr_assert(top != NULL && dv != NULL && getenv("BARAZA_H_IMAP_PORT"),
	    "the harness did not start Dovecot (no PRE_ALL hook ran?)");
	pf(env->name, sizeof(env->name), "%s", name);
	for (char *p = env->name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			*p = '_';
	env->timeout_ms = 60000;

	find_trees(env->builddir, env->srcdir, sizeof(env->builddir));
	pf(env->baraza, sizeof(env->baraza), "%s/admin/baraza", env->builddir);
	pf(env->barazad, sizeof(env->barazad), "%s/daemon/barazad", env->builddir);

	/* name-PID-N: unique even for several environments in one test */
	env_seq++;
	pf(env->dir, sizeof(env->dir), "%s/%s-%ld-%u", top, env->name,
	    (long)getpid(), env_seq);
	cmd = h_shq(env->dir);
	line = xasprintf("rm -rf %s", cmd);
	if (system(line) != 0)
		cr_assert_fail("could not clear %s", env->dir);
	free(line);
	free(cmd);
	cr_assert(mkdir(env->dir, 0755) == 0, "mkdir %s: %s", env->dir,
	    strerror(errno));
	pf(env->conf, sizeof(env->conf), "%s/baraza.conf", env->dir);
	pf(env->db, sizeof(env->db), "%s/baraza.db", env->dir);
	pf(env->archive, sizeof(env->archive), "%s/archive", env->dir);
	pf(env->smtp_dir, sizeof(env->smtp_dir), "%s/smtp", env->dir);
	cr_assert(mkdir(env->smtp_dir, 0755) == 0, "mkdir %s: %s",
	    env->smtp_dir, strerror(errno));

	pf(env->dovecot_dir, sizeof(env->dovecot_dir), "%s", dv);
	pf(env->dovecot_conf, sizeof(env->dovecot_conf), "%s/dovecot.conf", dv);
	pf(env->ca_file, sizeof(env->ca_file), "%s/ca.pem", dv);
	env->imap_port = atoi(getenv("BARAZA_H_IMAP_PORT"));
	env->imaps_port = atoi(getenv("BARAZA_H_IMAPS_PORT"));

	/* A user of its own: Dovecot re-reads the passwd-file when it
	 * changes, and one short O_APPEND write cannot interleave. */
	pf(env->imap_user, sizeof(env->imap_user), "%s-%ld-%u@example.org",
	    env->name, (long)getpid(), env_seq);
	pf(env->imap_pass, sizeof(env->imap_pass), "pw-%ld-%lld",
	    (long)getpid(), now_ms() % 1000000);
	pf(buf, sizeof(buf), "%s/passwd", dv);
	line = xasprintf("%s:{PLAIN}%s::::::\n", env->imap_user, env->imap_pass);
	fd = open(buf, O_WRONLY | O_APPEND);
	cr_assert(fd != -1, "open %s: %s", buf, strerror(errno));
	cr_assert(write(fd, line, strlen(line)) == (ssize_t)strlen(line),
	    "write %s: %s", buf, strerror(errno));
	close(fd);
	free(line);
	pf(env->imap_pass_file, sizeof(env->imap_pass_file),
	    "%s/imap.pass", env->dir);
	line = xasprintf("%s\n", env->imap_pass);
	h_write_file(env, env->imap_pass_file, line, (size_t)-1, 0600, buf,
	    sizeof(buf));
	free(line);

	env->smtp_port = free_port();
	env->web_port = free_port();
	cr_assert(env->smtp_port > 0, "no free port for SMTP");
	curl_global_init(CURL_GLOBAL_DEFAULT);

	/* Dovecot re-reads a changed passwd-file at most once a second: a
	 * lookup earlier in this second (the previous test's) hides the new
	 * user until the next.  Wait until a full login (passdb and userdb)
	 * works, so no test sees a spurious "Authentication failed". */
	{
		char *qu = h_shq(env->imap_user), *qp = h_shq(env->imap_pass);
		struct h_out out;
		long long end = now_ms() + 5000;
		int rc;

		while ((rc = h_doveadm(env, &out, "auth login %s %s", qu, qp)) != 0 &&
		    now_ms() < end) {
			h_out_free(&out);
			sleep_ms(100);
		}
		cr_assert(rc == 0, "new Dovecot user %s cannot log in: %s%s",
		    env->imap_user, out.out, out.err);
		h_out_free(&out);
		free(qu);
		free(qp);
	}
}

void
h_env_fini(struct h_env *env)
{
	h_smtp_stop(env);
	h_web_stop(env);
	if (getenv("BARAZA_KEEP") != NULL && *getenv("BARAZA_KEEP"))
		fprintf(stderr, "harness: kept %s\n", env->dir);
	else if (env->dir[0])
		rm_rf(env->dir);
	curl_global_cleanup();
}

char *
h_path(const struct h_env *env, char *buf, size_t len, const char *rel)
{
	if (rel == buf)
		return buf;
	if (rel[0] == '/')
		pf(buf, len, "%s", rel);
	else
		pf(buf, len, "%s/%s", env->dir, rel);
	return buf;
}

char *
h_write_file(const struct h_env *env, const char *rel, const char *data,
    size_t len, int mode, char *buf, size_t buflen)
{
	int fd;

	if (len == (size_t)-1)
		len = strlen(data);
	h_path(env, buf, buflen, rel);
	unlink(buf);
	fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert(fd != -1, "open %s: %s", buf, strerror(errno));
	cr_assert(write(fd, data, len) == (ssize_t)len, "write %s: %s", buf,
	    strerror(errno));
	fchmod(fd, (mode_t)mode);
	close(fd);
	return buf;
}

/* ---- configuration ---------------------------------------------------------- */

/* An INI file as sections of lines, enough to merge overrides into. */
struct ini_line {
	char *key;   /* NULL for a line that is not "key = value" */
	char *text;  /* the whole line, without newline */
};
struct ini_section {
	char *name;  /* "list", "theme funding"; "" for lines before any header */
	struct ini_line *lines;
	size_t n;
	int deleted;
};
struct ini {
	struct ini_section *s;
	size_t n;
};

/* trim - strip blanks at both ends in place */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static struct ini_section *
ini_section(struct ini *ini, const char *name, int create)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->s[i].name, name) == 0)
			return &ini->s[i];
	if (!create)
		return NULL;
	ini->s = xreallocarray(ini->s, ini->n + 1, sizeof(*ini->s));
	memset(&ini->s[ini->n], 0, sizeof(*ini->s));
	ini->s[ini->n].name = xstrdup(name);
	return &ini->s[ini->n++];
}

static void
ini_add(struct ini_section *s, const char *key, const char *text)
{
	s->lines = xreallocarray(s->lines, s->n + 1, sizeof(*s->lines));
	s->lines[s->n].key = key ? xstrdup(key) : NULL;
	s->lines[s->n].text = xstrdup(text);
	s->n++;
}

static void
ini_del_key(struct ini_section *s, const char *key)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->lines[i].key && strcmp(s->lines[i].key, key) == 0) {
			free(s->lines[i].key);
			free(s->lines[i].text);
		} else
			s->lines[j++] = s->lines[i];
	}
	s->n = j;
}

/* ini_merge - apply text (see h_write_config) to ini; merge = 0 loads */
static void
ini_merge(struct ini *ini, const char *text, int merge)
{
	char *copy = xstrdup(text), *save = NULL, *raw;
	struct ini_section *cur = ini_section(ini, "", 1);
	/* keys already replaced in this override, per section */
	char **done = NULL;
	size_t ndone = 0;

	for (raw = strtok_r(copy, "\n", &save); raw != NULL;
	    raw = strtok_r(NULL, "\n", &save)) {
		char *l = trim(raw), *eq, key[128], tag[300];

		if (*l == '[') {
			char name[200];
			size_t n = strcspn(l + 1, "]");
			pf(name, sizeof(name), "%.*s", (int)n, l + 1);
			char *nm = trim(name);
			if (merge && nm[0] == '!') {
				struct ini_section *d = ini_section(ini, trim(nm + 1), 0);
				if (d)
					d->deleted = 1;
				cur = ini_section(ini, "", 1);
				continue;
			}
			cur = ini_section(ini, nm, 1);
			cur->deleted = 0;
			continue;
		}
		if (!merge) {
			eq = strchr(l, '=');
			if (*l && *l != ';' && *l != '#' && eq) {
				pf(key, sizeof(key), "%.*s", (int)(eq - l), l);
				ini_add(cur, trim(key), l);
			} else
				ini_add(cur, NULL, l);
			continue;
		}
		if (*l == '\0' || *l == ';' || *l == '#')
			continue;
		if (*l == '!') {
			ini_del_key(cur, trim(l + 1));
			continue;
		}
		if ((eq = strchr(l, '=')) == NULL) {
			ini_add(cur, NULL, l);
			continue;
		}
		pf(key, sizeof(key), "%.*s", (int)(eq - l), l);
		pf(tag, sizeof(tag), "%s\n%s", cur->name, trim(key));
		int seen = 0;
		for (size_t i = 0; i < ndone; i++)
			if (strcmp(done[i], tag) == 0)
				seen = 1;
		if (!seen) {
			ini_del_key(cur, trim(key));
			done = xreallocarray(done, ndone + 1, sizeof(*done));
			done[ndone++] = xstrdup(tag);
		}
		ini_add(cur, trim(key), l);
	}
	for (size_t i = 0; i < ndone; i++)
		free(done[i]);
	free(done);
	free(copy);
}

static void
ini_write(struct ini *ini, FILE *fp)
{
	for (size_t i = 0; i < ini->n; i++) {
		struct ini_section *s = &ini->s[i];
		if (s->deleted)
			continue;
		if (s->name[0])
			fprintf(fp, "\n[%s]\n", s->name);
		for (size_t j = 0; j < s->n; j++)
			if (s->lines[j].key != NULL || s->lines[j].text[0])
				fprintf(fp, "%s\n", s->lines[j].text);
	}
}

static void
ini_free(struct ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		for (size_t j = 0; j < ini->s[i].n; j++) {
			free(ini->s[i].lines[j].key);
			free(ini->s[i].lines[j].text);
		}
		free(ini->s[i].lines);
		free(ini->s[i].name);
	}
	free(ini->s);
}

void
h_write_config(struct h_env *env, const char *extra)
{
	struct ini ini = { 0 };
	char *base;
	FILE *fp;

	base = xasprintf(
	    "# written by tests/harness.c for test %s\n"
	    "[list]\n"
	    "name = Test CoP\n"
	    "address = " H_LIST_ADDRESS "\n"
	    "tag_separator = +\n"
	    "subject_prefix = [CoP]\n"
	    "database = %s\n"
	    "timezone = UTC\n"
	    "language = en\n"
	    "reply_to = list\n"
	    "moderate = nonmembers\n"
	    "max_message_kb = 2048\n"
	    "max_posts_per_hour = 20\n"
	    "from_munging = never\n"
	    "[imap]\n"
	    "url = imap://127.0.0.1:%d/INBOX\n"
	    "user = %s\n"
	    "password_file = %s\n"
	    "ca_file = %s\n"
	    "starttls = yes\n"
	    "idle = yes\n"
	    "poll_seconds = 60\n"
	    "after = move:Processed\n"
	    "[smtp]\n"
	    "url = smtp://127.0.0.1:%d\n"
	    "starttls = no\n"
	    "personalize = yes\n"
	    "max_recipients = 100\n"
	    "connections = 2\n"
	    "retry_for_hours = 72\n"
	    "[digest]\n"
	    "every_days = 14\n"
	    "first = 2020-12-01 09:00\n"
	    "sections = summaries, threads, questions, resources, figures, next\n"
	    "[archive]\n"
	    "dir = %s\n"
	    "hide_addresses = yes\n"
	    "[web]\n"
	    "listen = 127.0.0.1:%d\n"
	    "[theme funding]\n"
	    "title = The Organisation of Funding Streams\n"
	    "session = 2020-11-17..2020-12-01\n"
	    "keywords = (?i)\\b(fund(ing|er|s)?|donors?|grants?)\\b\n"
	    "questions = How do funding flows shape who decides?\n"
	    "[theme risk]\n"
	    "title = Risk Assessments and Risk Sharing\n"
	    "session = 2020-12-01..2020-12-15\n"
	    "keywords = (?i)\\brisks?\\b\n"
	    "[theme community]\n"
	    "title = How NGO partnerships can support community-led development\n"
	    "session = 2020-12-15..2020-12-29\n"
	    "[theme power-tool]\n"
	    "title = Experiences with introducing and using the Power Awareness Tool\n"
	    "session = 2020-12-29..2021-01-12\n"
	    "[theme decisions]\n"
	    "title = Decision-making structures in partnerships that are not yet complete\n"
	    "session = 2021-01-12..2021-01-26\n",
	    env->name, env->db, env->imap_port, env->imap_user,
	    env->imap_pass_file, env->ca_file, env->smtp_port, env->archive,
	    env->web_port);
	ini_merge(&ini, base, 0);
	if (extra != NULL)
		ini_merge(&ini, extra, 1);
	free(base);
	fp = fopen(env->conf, "w");
	cr_assert(fp != NULL, "open %s: %s", env->conf, strerror(errno));
	ini_write(&ini, fp);
	cr_assert(fclose(fp) == 0, "write %s: %s", env->conf, strerror(errno));
	ini_free(&ini);
}

/* ---- running commands ----------------------------------------------------- */

static int
h_vrun(struct h_env *env, struct h_out *out, const char *fmt, va_list ap)
{
	char outp[H_PATH + 32], errp[H_PATH + 32], templ[H_PATH + 32];
	char *cmd = xvasprintf(fmt, ap);
	unsigned n = ++env->nrun;
	long long end;
	pid_t pid;
	int st = 0;

	memset(out, 0, sizeof(*out));
	pf(outp, sizeof(outp), "%s/run-%03u.out", env->dir, n);
	pf(errp, sizeof(errp), "%s/run-%03u.err", env->dir, n);
	pf(templ, sizeof(templ), "%s/conf/templates", env->srcdir);
	fflush(NULL);
	pid = fork();
	cr_assert(pid != -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd;

		/* Its own process group, so a timeout kills the whole pipeline. */
		setpgid(0, 0);
		if (chdir(env->dir) == -1)
			_exit(126);
		setenv("BARAZA_CONF", env->conf, 1);
		setenv("BARAZA_TEMPLATES", templ, 1);
		if (env->now != NULL)
			setenv("BARAZA_NOW", env->now, 1);
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, 0);
			close(fd);
		}
		if ((fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
			dup2(fd, 1);
			close(fd);
		}
		if ((fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
			dup2(fd, 2);
			close(fd);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	end = now_ms() + (env->timeout_ms > 0 ? env->timeout_ms : 60000);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR) {
			st = -1;
			break;
		}
		if (now_ms() > end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			st = -2;
			break;
		}
		sleep_ms(5);
	}
	if (st == -2)
		out->status = -1;
	else if (st == -1)
		out->status = -1;
	else if (WIFEXITED(st))
		out->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		out->status = 128 + WTERMSIG(st);
	else
		out->status = -1;
	out->out = h_read_file(outp, &out->outlen);
	out->err = h_read_file(errp, &out->errlen);
	if (out->out == NULL)
		out->out = xstrdup("");
	if (out->err == NULL)
		out->err = xstrdup("");
	if (st == -2)
		fprintf(stderr, "harness: timed out after %d ms: %s\n",
		    env->timeout_ms, cmd);
	free(cmd);
	return out->status;
}

int
h_run(struct h_env *env, struct h_out *out, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = h_vrun(env, out, fmt, ap);
	va_end(ap);
	return rc;
}

/* vg_prefix - BARAZA_VALGRIND (a command such as "valgrind --leak-check=full
 * ...", set by `make check-valgrind`) to run baraza and barazad under, or "" */
static const char *
vg_prefix(void)
{
	const char *v = getenv("BARAZA_VALGRIND");

	return v != NULL ? v : "";
}

int
h_baraza(struct h_env *env, struct h_out *out, const char *fmt, ...)
{
	va_list ap;
	char *args, *q;
	int rc;

	va_start(ap, fmt);
	args = xvasprintf(fmt, ap);
	va_end(ap);
	q = h_shq(env->baraza);
	rc = h_run(env, out, "%s%s%s %s", vg_prefix(), *vg_prefix() ? " " : "", q, args);
	free(q);
	free(args);
	return rc;
}

void
h_cop_env(struct h_env *env, const char *name, const char *now)
{
	struct h_out out;

	h_env_init(env, name);
	h_smtp_start(env);
	h_write_config(env, "[list]\nmoderate = none\n");
	env->now = now;
	h_baraza(env, &out, "init");
	h_out_free(&out);
}

int
h_barazad_once(struct h_env *env, struct h_out *out)
{
	char *q = h_shq(env->barazad);
	int rc = h_run(env, out, "%s%s%s --once", vg_prefix(),
	    *vg_prefix() ? " " : "", q);

	free(q);
	return rc;
}

void
h_barazad_once_ok(struct h_env *env)
{
	struct h_out out;

	h_barazad_once(env, &out);
	cr_assert_eq(out.status, 0, "barazad --once: got exit %d, want 0\n%s",
	    out.status, out.err);
	h_out_free(&out);
}

void
h_out_free(struct h_out *out)
{
	free(out->out);
	free(out->err);
	out->out = out->err = NULL;
}

/* ---- IMAP ------------------------------------------------------------------ */

struct upload {
	const char *p;
	size_t left;
};

static size_t
upload_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nitems;

	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static size_t
discard(char *buf, size_t size, size_t nitems, void *arg)
{
	(void)buf;
	(void)arg;
	return size * nitems;
}

int
h_imap_append(struct h_env *env, const char *mailbox, const char *raw,
    size_t len)
{
	struct upload u = { raw, len };
	char url[H_PATH], errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = curl_easy_init();
	char *mb;
	CURLcode rc;

	cr_assert(c != NULL, "curl_easy_init failed");
	mb = curl_easy_escape(c, mailbox, 0);
	pf(url, sizeof(url), "imap://127.0.0.1:%d/%s", env->imap_port, mb);
	curl_free(mb);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_USERNAME, env->imap_user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, env->imap_pass);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	cr_assert(rc == CURLE_OK, "IMAP APPEND to %s as %s: %s (%s)", url,
	    env->imap_user, curl_easy_strerror(rc), errbuf);
	return 0;
}

int
h_doveadm(struct h_env *env, struct h_out *out, const char *fmt, ...)
{
	va_list ap;
	char *args, *q;
	int rc;

	va_start(ap, fmt);
	args = xvasprintf(fmt, ap);
	va_end(ap);
	q = h_shq(env->dovecot_conf);
	rc = h_run(env, out, "doveadm -c %s %s", q, args);
	free(q);
	free(args);
	return rc;
}

/* mailbox_messages - messages in mailbox, or -1 when it does not exist */
static int
mailbox_messages(struct h_env *env, const char *mailbox)
{
	struct h_out out;
	char *qu = h_shq(env->imap_user), *qm = h_shq(mailbox), *p;
	int n = -1;

	/* -f tab: a header line "mailbox<TAB>messages", then "NAME<TAB>N" */
	if (h_doveadm(env, &out, "-f tab mailbox status -u %s messages %s",
	    qu, qm) == 0) {
		p = trim(out.out);
		if ((p = strrchr(p, '\t')) != NULL)
			n = atoi(p + 1);
	}
	h_out_free(&out);
	free(qu);
	free(qm);
	return n;
}

int
h_imap_count(struct h_env *env, const char *mailbox)
{
	int n = mailbox_messages(env, mailbox);

	return n < 0 ? 0 : n;
}

int
h_imap_exists(struct h_env *env, const char *mailbox)
{
	return mailbox_messages(env, mailbox) >= 0;
}

void
h_imap_create(struct h_env *env, const char *mailbox)
{
	struct h_out out;
	char *qu = h_shq(env->imap_user), *qm = h_shq(mailbox);
	int rc = h_doveadm(env, &out, "mailbox create -u %s %s", qu, qm);

	cr_assert(rc == 0, "doveadm mailbox create %s: exit %d: %s", mailbox,
	    rc, out.err);
	h_out_free(&out);
	free(qu);
	free(qm);
}

/* ---- SMTP capture ------------------------------------------------------------- */

/* The servers a test starts (smtp-capture, baraza web): a child with its
 * output in a log, ended with the test's process, waited for until it
 * accepts on its port */
struct server {
	const char *what;             /* for the failure message */
	const char *log;
	int port, wait_ms;
	void (*exec)(const struct h_env *env, const char *arg);   /* in the child */
	const char *arg;
};

/* server_start - fork s->exec with its output in s->log; its pid, once it
 * accepts on s->port (the test fails when it exits or takes too long) */
static pid_t
server_start(const struct h_env *env, const struct server *s)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	cr_assert(pid != -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		if ((fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		s->exec(env, s->arg);
		_exit(127);
	}
	for (long long end = now_ms() + s->wait_ms; !port_accepts(s->port); ) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid || now_ms() > end) {
			char *log = h_read_file(s->log, NULL);
			kill(pid, SIGKILL);
			cr_assert_fail("%s did not come up on 127.0.0.1:%d: %s", s->what,
			    s->port, log ? log : "");
		}
		sleep_ms(10);
	}
	return pid;
}

/* server_stop - SIGTERM, then SIGKILL after tries * 10 ms; its exit
 * status (128 + signal when killed) */
static int
server_stop(pid_t pid, int tries)
{
	int st = 0;

	kill(pid, SIGTERM);
	for (int i = 0; i < tries; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return 128 + SIGKILL;
}

/* exec_smtp - the child of h_smtp_start: smtp-capture.py (arg: its script) */
static void
exec_smtp(const struct h_env *env, const char *script)
{
	char port[16], cert[H_PATH + 16], key[H_PATH + 16];

	pf(port, sizeof(port), "%d", env->smtp_port);
	pf(cert, sizeof(cert), "%s/cert.pem", env->dovecot_dir);
	pf(key, sizeof(key), "%s/key.pem", env->dovecot_dir);
	execl("/usr/bin/python3", "python3", script, env->smtp_dir, port,
	    "--cert", cert, "--key", key, (char *)NULL);
}

void
h_smtp_start(struct h_env *env)
{
	char script[H_PATH + 64], logp[H_PATH + 32];
	struct server s = { "smtp-capture", logp, env->smtp_port, 10000, exec_smtp, script };

	if (env->smtp_pid > 0)
		return;
	pf(script, sizeof(script), "%s/tests/servers/smtp-capture.py",
	    env->srcdir);
	pf(logp, sizeof(logp), "%s/smtp-capture.log", env->dir);
	env->smtp_pid = server_start(env, &s);
}

void
h_smtp_stop(struct h_env *env)
{
	pid_t pid = env->smtp_pid;

	if (pid <= 0)
		return;
	env->smtp_pid = 0;
	(void)server_stop(pid, 200);
}

/* exec_web - the child of h_web_start: baraza web (arg: the templates) */
static void
exec_web(const struct h_env *env, const char *templ)
{
	setenv("BARAZA_CONF", env->conf, 1);
	setenv("BARAZA_TEMPLATES", templ, 1);
	execl(env->baraza, "baraza", "-v", "web", (char *)NULL);
}

void
h_web_start(struct h_env *env)
{
	char logp[H_PATH + 32], templ[H_PATH + 32];
	struct server s = { "baraza web", logp, env->web_port, 20000, exec_web, templ };

	if (env->web_pid > 0)
		return;
	pf(logp, sizeof(logp), "%s/web.log", env->dir);
	pf(templ, sizeof(templ), "%s/conf/templates", env->srcdir);
	env->web_pid = server_start(env, &s);
}

int
h_web_stop(struct h_env *env)
{
	pid_t pid = env->web_pid;

	if (pid <= 0)
		return -1;
	env->web_pid = 0;
	return server_stop(pid, 1000);
}

void
h_smtp_rules(struct h_env *env, const char *json)
{
	char path[H_PATH + 32], tmp[H_PATH + 32];

	pf(path, sizeof(path), "%s/rules.json", env->smtp_dir);
	if (json == NULL || *json == '\0') {
		unlink(path);
		return;
	}
	/* rename() so the server never reads half a file */
	pf(tmp, sizeof(tmp), "%s/.rules.json.tmp", env->smtp_dir);
	h_write_file(env, tmp, json, (size_t)-1, 0644, tmp, sizeof(tmp));
	cr_assert(rename(tmp, path) == 0, "rename %s: %s", path, strerror(errno));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* smtp_list - the sorted NNNNNN numbers of complete messages (owned) */
static char **
smtp_list(struct h_env *env, size_t *n)
{
	DIR *d = opendir(env->smtp_dir);
	struct dirent *de;
	char **v = NULL;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l == 11 && strcmp(de->d_name + 6, ".json") == 0 &&
		    strspn(de->d_name, "0123456789") == 6) {
			v = xreallocarray(v, *n + 1, sizeof(*v));
			v[(*n)++] = xstrndup(de->d_name, 6);
		}
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
h_smtp_count(struct h_env *env)
{
	size_t n;
	char **v = smtp_list(env, &n);

	free_list(v, n);
	return (int)n;
}

int
h_smtp_wait(struct h_env *env, int n, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	int got;

	while ((got = h_smtp_count(env)) < n && now_ms() < end)
		sleep_ms(20);
	return got;
}

/* json_string - parse the JSON string at *pp (at its opening quote) into a
 * fresh string; *pp moves past it.  NULL when it is not a string. */
static char *
json_string(const char **pp)
{
	const char *p = *pp;
	char *r, *w;

	while (isspace((unsigned char)*p))
		p++;
	if (*p != '"')
		return NULL;
	p++;
	w = r = xmalloc(strlen(p) * 3 + 1);
	while (*p && *p != '"') {
		if (*p != '\\') {
			*w++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'u': {
			unsigned cp = 0;
			for (int i = 1; i <= 4 && isxdigit((unsigned char)p[i]); i++)
				cp = cp * 16 + (unsigned)(isdigit((unsigned char)p[i]) ?
				    p[i] - '0' : (tolower((unsigned char)p[i]) - 'a' + 10));
			/* surrogates are not expected in addresses; keep BMP */
			if (cp < 0x80)
				*w++ = (char)cp;
			else if (cp < 0x800) {
				*w++ = (char)(0xc0 | (cp >> 6));
				*w++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*w++ = (char)(0xe0 | (cp >> 12));
				*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*w++ = (char)(0x80 | (cp & 0x3f));
			}
			p += 4;
			break;
		}
		default: *w++ = *p; break;
		}
		if (*p)
			p++;
	}
	*w = '\0';
	*pp = *p ? p + 1 : p;
	return r;
}

/* json_key - the position just after "key": in s, or NULL */
static const char *
json_key(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	pf(pat, sizeof(pat), "\"%s\"", key);
	if ((p = strstr(s, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	while (isspace((unsigned char)*p))
		p++;
	return *p == ':' ? p + 1 : NULL;
}

int
h_smtp_message(struct h_env *env, int i, struct h_smtp_msg *msg)
{
	char path[H_PATH + 32], *json;
	const char *p;
	char **v;
	size_t n;

	memset(msg, 0, sizeof(*msg));
	v = smtp_list(env, &n);
	if (i < 0 || (size_t)i >= n) {
		free_list(v, n);
		return 0;
	}
	pf(path, sizeof(path), "%s/%s.json", env->smtp_dir, v[i]);
	json = h_read_file(path, NULL);
	pf(path, sizeof(path), "%s/%s.eml", env->smtp_dir, v[i]);
	free_list(v, n);
	cr_assert(json != NULL, "read %s: %s", path, strerror(errno));
	msg->data = h_read_file(path, &msg->len);
	cr_assert(msg->data != NULL, "read %s: %s", path, strerror(errno));
	if ((p = json_key(json, "mail_from")) != NULL)
		msg->mail_from = json_string(&p);
	if (msg->mail_from == NULL)
		msg->mail_from = xstrdup("");
	if ((p = json_key(json, "rcpt_tos")) != NULL) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '[') {
			p++;
			for (;;) {
				char *s = json_string(&p);
				if (s == NULL)
					break;
				msg->rcpts = xreallocarray(msg->rcpts,
				    msg->nrcpts + 1, sizeof(char *));
				msg->rcpts[msg->nrcpts++] = s;
				while (isspace((unsigned char)*p) || *p == ',')
					p++;
			}
		}
	}
	free(json);
	return 1;
}

void
h_smtp_msg_free(struct h_smtp_msg *msg)
{
	free(msg->mail_from);
	for (size_t i = 0; i < msg->nrcpts; i++)
		free(msg->rcpts[i]);
	free(msg->rcpts);
	free(msg->data);
	memset(msg, 0, sizeof(*msg));
}

int
h_smtp_count_rcpt(struct h_env *env, const char *rcpt)
{
	struct h_smtp_msg m;
	int count = 0;

	for (int i = 0; h_smtp_message(env, i, &m); i++) {
		for (size_t j = 0; j < m.nrcpts; j++)
			if (strcasecmp(m.rcpts[j], rcpt) == 0)
				count++;
		h_smtp_msg_free(&m);
	}
	return count;
}

/* smtp_to - was m sent to rcpt (NULL: to anyone)? */
static int
smtp_to(const struct h_smtp_msg *m, const char *rcpt)
{
	if (rcpt == NULL)
		return 1;
	for (size_t j = 0; j < m->nrcpts; j++)
		if (strcasecmp(m->rcpts[j], rcpt) == 0)
			return 1;
	return 0;
}

int
h_smtp_count_matching(struct h_env *env, const char *rcpt, const char *needle)
{
	struct h_smtp_msg m;
	int count = 0;

	for (int i = 0; h_smtp_message(env, i, &m); i++) {
		if (smtp_to(&m, rcpt) && strstr(m.data, needle))
			count++;
		h_smtp_msg_free(&m);
	}
	return count;
}

char *
h_smtp_find(struct h_env *env, const char *rcpt, const char *needle)
{
	struct h_smtp_msg m;
	char *found = NULL;

	for (int i = 0; h_smtp_message(env, i, &m); i++) {
		if (smtp_to(&m, rcpt) && strstr(m.data, needle)) {
			free(found);
			found = xstrdup(m.data);
		}
		h_smtp_msg_free(&m);
	}
	return found;
}

char *
h_smtp_transcript(struct h_env *env)
{
	char path[H_PATH + 32], *s;

	pf(path, sizeof(path), "%s/transcript.log", env->smtp_dir);
	s = h_read_file(path, NULL);
	return s != NULL ? s : xstrdup("");
}

/* ---- messages --------------------------------------------------------------- */

void
h_post(struct h_env *env, const struct h_mail *m)
{
	size_t len;
	char *raw = h_mail_build(m, &len, NULL, 0);

	h_imap_append(env, "INBOX", raw, len);
	free(raw);
}

/* put_crlf - append s to the buffer with every bare LF turned into CRLF */
static void
put_crlf(char **buf, size_t *len, size_t *cap, const char *s)
{
	for (; *s; s++) {
		if (*cap - *len < 4) {
			*cap = *cap ? *cap * 2 : 1024;
			*buf = xreallocarray(*buf, *cap, 1);
		}
		if (*s == '\n' && (*len == 0 || (*buf)[*len - 1] != '\r'))
			(*buf)[(*len)++] = '\r';
		(*buf)[(*len)++] = *s;
	}
	(*buf)[*len] = '\0';
}

static void
put_field(char **buf, size_t *len, size_t *cap, const char *name,
    const char *value)
{
	if (value == NULL)
		return;
	put_crlf(buf, len, cap, name);
	put_crlf(buf, len, cap, ": ");
	put_crlf(buf, len, cap, value);
	put_crlf(buf, len, cap, "\n");
}

char *
h_mail_build(const struct h_mail *m, size_t *len, char *msgid,
    size_t msgid_len)
{
	static unsigned seq;   /* makes generated Message-IDs unique */
	char idbuf[128];
	char *buf = NULL;
	size_t n = 0, cap = 0;
	const char *id = m->message_id;

	if (id == NULL) {
		pf(idbuf, sizeof(idbuf), "<h.%ld.%lld.%u@test.example>",
		    (long)getpid(), now_ms(), ++seq);
		id = idbuf;
	}
	if (msgid != NULL)
		pf(msgid, msgid_len, "%s", id);
	put_field(&buf, &n, &cap, "From",
	    m->from ? m->from : "Alice Example <alice@example.org>");
	put_field(&buf, &n, &cap, "To", m->to ? m->to : H_LIST_ADDRESS);
	put_field(&buf, &n, &cap, "Cc", m->cc);
	put_field(&buf, &n, &cap, "Subject", m->subject ? m->subject : "Test message");
	put_field(&buf, &n, &cap, "Date",
	    m->date ? m->date : "Tue, 17 Nov 2020 10:00:00 +0000");
	put_field(&buf, &n, &cap, "Message-ID", id);
	put_field(&buf, &n, &cap, "In-Reply-To", m->in_reply_to);
	put_field(&buf, &n, &cap, "References", m->references);
	put_field(&buf, &n, &cap, "MIME-Version", "1.0");
	put_field(&buf, &n, &cap, "Content-Type",
	    m->content_type ? m->content_type : "text/plain; charset=utf-8");
	if (m->content_type == NULL)
		put_field(&buf, &n, &cap, "Content-Transfer-Encoding", "8bit");
	if (m->headers != NULL && *m->headers) {
		put_crlf(&buf, &n, &cap, m->headers);
		if (m->headers[strlen(m->headers) - 1] != '\n')
			put_crlf(&buf, &n, &cap, "\n");
	}
	put_crlf(&buf, &n, &cap, "\n");
	put_crlf(&buf, &n, &cap, m->body ? m->body : "Hello.\n");
	if (len != NULL)
		*len = n;
	return buf;
}

char *
h_header(const char *raw, const char *name)
{
	size_t nl = strlen(name);
	const char *p = raw;

	while (*p && *p != '\r' && *p != '\n') {
		const char *eol = strchr(p, '\n');
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			/* unfold: take continuation lines, drop CR LF */
			const char *v = p + nl + 1, *end = v;
			char *r, *w;
			while ((end = strchr(end, '\n')) != NULL &&
			    (end[1] == ' ' || end[1] == '\t'))
				end++;
			if (end == NULL)
				end = v + strlen(v);
			w = r = xmalloc((size_t)(end - v) + 1);
			for (const char *c = v; c < end; c++)
				if (*c != '\r' && *c != '\n')
					*w++ = *c;
			*w = '\0';
			char *t = trim(r);
			memmove(r, t, strlen(t) + 1);
			return r;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return NULL;
}

char *
h_fixture(const struct h_env *env, const char *rel, size_t *len)
{
	char path[H_PATH * 2];
	char *s;

	pf(path, sizeof(path), "%s/tests/fixtures/%s", env->srcdir, rel);
	s = h_read_file(path, len);
	cr_assert(s != NULL, "fixture %s: %s", path, strerror(errno));
	return s;
}

int
h_wait_until(int (*cond)(void *), void *arg, int timeout_ms)
{
	/* Under valgrind (make check-valgrind) every program runs 20-50
	 * times slower: the run is about memory errors, not latency. */
	long long end = now_ms() + (long long)timeout_ms * (*vg_prefix() ? 10 : 1);
	int r;

	while (!(r = cond(arg)) && now_ms() < end)
		sleep_ms(20);
	return r;
}
