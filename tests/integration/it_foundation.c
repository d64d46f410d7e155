/* it_foundation - issue 2 through the real binaries, real Dovecot, real SMTP */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

Test(harness, servers_work)
{
	struct h_env env;
	struct h_out out;
	struct h_smtp_msg m;
	char *raw, id[128];
	size_t len;

	h_env_init(&env, "harness");
	h_smtp_start(&env);
	h_write_config(&env, "[smtp]\nstarttls = auto\n[!theme risk]\n[theme x]\ntitle = X\n");
	raw = h_mail_build(&(struct h_mail){ .subject = "hi" }, &len, id, sizeof id);
	h_imap_append(&env, "INBOX", raw, len);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 1);
	h_imap_create(&env, "Processed");
	cr_expect(h_imap_exists(&env, "Processed"));
	cr_expect(!h_imap_exists(&env, "Nope"));
	h_run(&env, &out, "curl -sS smtp://127.0.0.1:%d --mail-from a@b --mail-rcpt x@y -T %s/run-001.out; cat %s", env.smtp_port, env.dir, env.conf);
	cr_expect_eq(out.status, 0, "%s", out.err);
	fprintf(stderr, "%s", out.out);
	h_out_free(&out);
	cr_expect_eq(h_smtp_wait(&env, 1, 2000), 1);
	cr_assert(h_smtp_message(&env, 0, &m));
	cr_expect_str_eq(m.mail_from, "a@b");
	cr_expect_eq(m.nrcpts, 1);
	cr_expect_str_eq(m.rcpts[0], "x@y");
	h_smtp_msg_free(&m);
	free(raw);
	h_env_fini(&env);
}
