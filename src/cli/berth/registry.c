/* pull, push, login and logout: the commands that talk to registries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/progress.h"
#include "image/auth.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/login.h"
#include "image/manifest.h"
#include "image/pull.h"
#include "image/push.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

/* Flags every registry command takes (podman's names). */
struct reg_flags {
	bool tls_verify;
	const char *cert_dir, *creds, *authfile, *retry_delay;
	long retry;
	char *user, *pass;
};

#define REG_FLAGS(rf)                                                                                \
	{"tls-verify", 0, FLAG_BOOL, &(rf).tls_verify,                                               \
	 "Require HTTPS and verify certificates (false: also plain HTTP)"},                          \
	    {"cert-dir",                                                                             \
	     0,                                                                                      \
	     FLAG_STRING,                                                                            \
	     &(rf).cert_dir,                                                                         \
	     "Use certificates (*.crt) at this path to verify the registry",                         \
	     "path"},                                                                                \
	    {"creds",      0, FLAG_STRING, &(rf).creds, "Use USERNAME[:PASSWORD] for the registry",  \
	     "credentials"},                                                                         \
	    {"authfile", 0, FLAG_STRING, &(rf).authfile, "Path of the authentication file", "path"}, \
	    {"retry", 0, FLAG_INT, &(rf).retry, "Retries on network errors (default 3)", "uint"},    \
	{                                                                                            \
		"retry-delay", 0, FLAG_STRING, &(rf).retry_delay,                                    \
		    "Delay before the first retry, doubled each time (e.g. 500ms, 2s)", "duration"   \
	}

/* "2s", "500ms", "1m" → milliseconds; -1 when unreadable. */
static long duration_ms(const char *s)
{
	char *end = NULL;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "ms"))
		return (long)v;
	if (!strcmp(end, "s") || !*end)
		return (long)(v * 1000);
	if (!strcmp(end, "m"))
		return (long)(v * 60000);
	return -1;
}

/* The options for libcurl from the flags; -1 after printing an error. */
static int http_opts(struct reg_flags *rf, struct img_http_opts *o)
{
	img_http_opts_default(o);
	o->tls_verify = rf->tls_verify;
	o->cert_dir = rf->cert_dir;
	if (rf->authfile)
		setenv("REGISTRY_AUTH_FILE", rf->authfile, 1);
	if (rf->retry >= 0)
		o->retries = (int)rf->retry;
	if (rf->retry_delay) {
		long ms = duration_ms(rf->retry_delay);
		if (ms < 0)
			return cli_error(125, "invalid --retry-delay '%s'", rf->retry_delay), -1;
		o->retry_delay_ms = ms;
	}
	if (rf->creds) {
		rf->user = xstrdup(rf->creds);
		char *colon = strchr(rf->user, ':');
		if (colon) {
			*colon = '\0';
			rf->pass = xstrdup(colon + 1);
		} else {
			rf->pass = xstrdup("");
		}
		o->user = rf->user;
		o->pass = rf->pass;
	}
	return 0;
}

static void reg_flags_clear(struct reg_flags *rf)
{
	free(rf->user);
	free(rf->pass);
}

/* ---- pull ---- */

static void on_pull(enum img_pull_event ev, const char *id, const char *text, int64_t done,
		    int64_t total, void *ctx)
{
	struct progress *p = ctx;
	switch (ev) {
	case IMG_PULL_START: {
		struct img_ref ref;
		autofree char *repo = xasprintf("%s:x", text);
		if (img_ref_parse(repo, &ref, NULL) == 0) {
			progress_note(p, "%s: Pulling from %s", id, ref.path);
			img_ref_clear(&ref);
		}
		break;
	}
	case IMG_PULL_LAYER_WAIT:
		progress_set(p, id, "Pulling fs layer");
		break;
	case IMG_PULL_LAYER_HAVE:
		progress_set(p, id, "Already exists");
		break;
	case IMG_PULL_DOWNLOADING:
		progress_bar(p, id, "Downloading", done, total);
		break;
	case IMG_PULL_DOWNLOADED:
		progress_set(p, id, "Download complete");
		break;
	case IMG_PULL_EXTRACTED:
		progress_set(p, id, "Pull complete");
		break;
	case IMG_PULL_DONE: {
		autofree char *fam = img_name_familiar(id);
		progress_note(p, "Digest: %s", text);
		progress_note(p, "Status: %s for %s",
			      done ? "Image is up to date" : "Downloaded newer image", fam);
		break;
	}
	}
}

/* NAME has a tag or a digest (after its last '/'). */
static bool has_tag(const char *name)
{
	const char *slash = strrchr(name, '/');
	return strpbrk(slash ? slash : name, ":@") != NULL;
}

/* name, or with all_tags its repository's every tag, pulled with progress: the exit status. */
static int pull_names(struct img_store *s, const char *name, struct img_pull_opts *po, bool quiet,
		      bool all_tags)
{
	struct berr *err = NULL;
	char **names = NULL;
	int status = 0;
	if (all_tags && img_pull_tags(name, po, &names, &err) < 0)
		status = cli_fail(err, 1);
	else if (!all_tags && !has_tag(name) && !quiet)
		printf("Using default tag: latest\n");
	for (size_t i = 0; status == 0 && (all_tags ? names[i] != NULL : i == 0); i++) {
		struct progress *pr = progress_new(stdout, quiet);
		po->event = on_pull;
		po->ctx = pr;
		char *got = NULL;
		if (img_pull(s, all_tags ? names[i] : name, po, NULL, &got, &err) < 0)
			status = cli_fail(err, 1);
		else if (!all_tags)
			printf("%s\n", got);
		free(got);
		progress_free(pr);
	}
	if (all_tags && status == 0 && !quiet) {
		autofree char *first = names[0] ? xstrdup(names[0]) : NULL;
		if (first)
			*strrchr(first, ':') = '\0';
		printf("%s\n", first ? first : name);
	}
	strv_free(names);
	return status;
}

int cmd_pull(struct cli_opts *o, int argc, char **argv)
{
	struct reg_flags rf = {.tls_verify = true, .retry = -1};
	bool quiet = false, all_tags = false;
	const char *platform = NULL;
	const struct flag flags[] = {
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Suppress verbose output"},
	    {"platform", 0, FLAG_STRING, &platform, "Set platform (os/arch[/variant])", "string"},
	    {"all-tags", 'a', FLAG_BOOL, &all_tags, "Download all tagged images in the repository"},
	    REG_FLAGS(rf),
	    FLAG_END};
	const struct flag_cmd cmd = {"berth pull", "[OPTIONS] NAME[:TAG|@DIGEST]",
				     "Download an image from a registry", true, FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	if (all_tags && has_tag(pos[0]))
		return cli_error(125, "tag can't be used with --all-tags/-a");
	struct img_pull_opts po = {0};
	if (http_opts(&rf, &po.http) < 0)
		return 125;
	struct berr *err = NULL;
	struct img_platform p = {0};
	if (platform && img_platform_parse(platform, &p, &err) < 0) {
		reg_flags_clear(&rf);
		return cli_fail(err, 125);
	}
	po.platform = platform ? &p : NULL;
	autoptr(img_store) s = cli_store(o);
	int status = s ? pull_names(s, pos[0], &po, quiet, all_tags) : 125;
	img_platform_clear(&p);
	reg_flags_clear(&rf);
	return status;
}

/* ---- push ---- */

static void on_push(enum img_push_event ev, const char *id, const char *text, int64_t done,
		    int64_t total, void *ctx)
{
	struct progress *p = ctx;
	switch (ev) {
	case IMG_PUSH_START:
		progress_note(p, "The push refers to repository [%s]", text);
		break;
	case IMG_PUSH_WAIT:
		progress_set(p, id, "Preparing");
		break;
	case IMG_PUSH_EXISTS:
		progress_set(p, id, "Layer already exists");
		break;
	case IMG_PUSH_SENDING:
		progress_bar(p, id, "Pushing", done, total);
		break;
	case IMG_PUSH_PUSHED:
		progress_set(p, id, "Pushed");
		break;
	case IMG_PUSH_MOUNTED: {
		autofree char *s = xasprintf("Mounted from %s", text);
		progress_set(p, id, s);
		break;
	}
	case IMG_PUSH_DONE:
		progress_note(p, "%s: digest: %s size: %lld", id, text, (long long)total);
		break;
	}
}

int cmd_push(struct cli_opts *o, int argc, char **argv)
{
	struct reg_flags rf = {.tls_verify = true, .retry = -1};
	bool quiet = false;
	const struct flag flags[] = {
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Suppress verbose output"}, REG_FLAGS(rf), FLAG_END};
	const struct flag_cmd cmd = {"berth push", "[OPTIONS] NAME[:TAG] [DESTINATION]",
				     "Upload an image to a registry", true, FLAG_RANGE_ARGS(1, 2)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct img_push_opts po = {0};
	if (http_opts(&rf, &po.http) < 0)
		return 125;
	autoptr(img_store) s = cli_store(o);
	int status = 0;
	if (!s) {
		status = 125;
	} else {
		struct progress *pr = progress_new(stdout, quiet);
		po.event = on_push;
		po.ctx = pr;
		struct berr *err = NULL;
		if ((img_builtin_is(pos[0]) && img_builtin_ensure(s, &err) < 0) ||
		    img_push(s, pos[0], n == 2 ? pos[1] : NULL, &po, NULL, &err) < 0)
			status = cli_fail(err, 1);
		progress_free(pr);
	}
	reg_flags_clear(&rf);
	return status;
}

/* ---- login, logout ---- */

static char *prompt(const char *what, bool echo)
{
	if (what) {
		fprintf(stderr, "%s: ", what);
		fflush(stderr);
	}
	struct termios old, quiet;
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty && !echo) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (tty && !echo) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		if (what)
			fputc('\n', stderr);
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

int cmd_login(struct cli_opts *o, int argc, char **argv)
{
	struct reg_flags rf = {.tls_verify = true, .retry = -1};
	const char *user = NULL, *pass = NULL;
	bool pass_stdin = false;
	const struct flag flags[] = {
	    {"username", 'u', FLAG_STRING, &user, "Username", "string"},
	    {"password", 'p', FLAG_STRING, &pass, "Password", "string"},
	    {"password-stdin", 0, FLAG_BOOL, &pass_stdin, "Take the password from stdin"},
	    REG_FLAGS(rf),
	    FLAG_END};
	const struct flag_cmd cmd = {"berth login", "[OPTIONS] [SERVER]", "Log in to a registry",
				     true, FLAG_MAX_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	autofree char *domain = img_auth_domain(n ? pos[0] : "docker.io");
	struct img_http_opts ho;
	if (http_opts(&rf, &ho) < 0)
		return 125;
	autofree char *u = user ? xstrdup(user) : prompt("Username", true);
	autofree char *pw = NULL;
	if (pass_stdin)
		pw = prompt(NULL, false);
	else
		pw = pass ? xstrdup(pass) : prompt("Password", false);
	reg_flags_clear(&rf);
	if (!u || !*u || !pw)
		return cli_error(1, "login: a username and a password are needed");
	if (pass && !pass_stdin)
		fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use "
				"--password-stdin.\n");
	ho.user = u;
	ho.pass = pw;
	struct berr *err = NULL;
	if (img_login(domain, &ho, &err) < 0 || img_auth_set(domain, u, pw, &err) < 0)
		return cli_fail(err, 1);
	printf("Login Succeeded\n");
	return 0;
}

int cmd_logout(struct cli_opts *o, int argc, char **argv)
{
	const char *authfile = NULL;
	const struct flag flags[] = {
	    {"authfile", 0, FLAG_STRING, &authfile, "Path of the authentication file", "path"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth logout", "[SERVER]", "Log out from a registry", true,
				     FLAG_MAX_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	if (authfile)
		setenv("REGISTRY_AUTH_FILE", authfile, 1);
	autofree char *domain = img_auth_domain(n ? pos[0] : "docker.io");
	struct berr *err = NULL;
	if (img_auth_remove(domain, &err) < 0)
		return cli_fail(err, 1);
	printf("Removing login credentials for %s\n", domain);
	return 0;
}
