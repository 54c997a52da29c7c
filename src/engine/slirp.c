/* slirp4netns for a network namespace (see slirp.h). */
#include "engine/slirp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/addr.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/pidfile.h"
#include "util/spawn.h"
#include "util/xalloc.h"

#define SLIRP_ARGS_MAX 24
#define SLIRP_NAME     "slirp4netns"

bool eng_slirp_mode(const char *mode)
{
	return mode && !strncmp(mode, SLIRP_NAME, 11) && (!mode[11] || mode[11] == ':');
}

bool eng_usermode_available(const char *name)
{
	const char *path = getenv("PATH");
	autofree char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		autofree char *p = xasprintf("%s/%s", d, name);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

bool eng_slirp_available(void)
{
	return eng_usermode_available(SLIRP_NAME);
}

/* The messages are podman 4's (libpod/networking_slirp4netns.go). */
static int parse_bool(const char *key, const char *v, bool *out, struct berr **err)
{
	if (!strcmp(v, "true") || !strcmp(v, "false")) {
		*out = !strcmp(v, "true");
		return 0;
	}
	return berr_plain(err, EINVAL, "invalid value of %s for slirp4netns: \"%s\"", key, v);
}

/* cidr (IPv4, a prefix of 1 to 25: slirp4netns's guest is the network's .100), or an
 * outbound address of family or the name of an interface here (podman's). */
static int parse_addr(const char *key, const char *v, int family, char *out, size_t cap,
		      struct berr **err)
{
	struct net_addr a;
	bool cidr = !strcmp(key, "cidr");
	bool ok = net_addr_parse(v, &a) == 0 && a.family == family && strlen(v) < cap &&
		  (cidr ? strchr(v, '/') && a.prefix >= 1 && a.prefix <= 25 : !strchr(v, '/'));
	if (!ok && !cidr && strlen(v) < IF_NAMESIZE && if_nametoindex(v))
		ok = true;
	if (!ok && cidr)
		return berr_plain(err, EINVAL, "invalid cidr \"%s\"", v);
	if (!ok)
		return berr_plain(err, EINVAL, "invalid %s%s \"%s\"", key,
				  family == AF_INET6 ? ":" : "", v);
	snprintf(out, cap, "%s", v);
	return 0;
}

/* One "key=value" of mode's options. */
static int parse_one(const char *kv, struct eng_slirp_opts *o, struct berr **err)
{
	const char *eq = strchr(kv, '=');
	if (!eq)
		return berr_plain(err, EINVAL, "unknown option for slirp4netns: \"%s\"", kv);
	autofree char *k = xstrndup(kv, (size_t)(eq - kv));
	const char *v = eq + 1;
	if (!strcmp(k, "allow_host_loopback"))
		return parse_bool(k, v, &o->host_loopback, err);
	if (!strcmp(k, "enable_ipv6"))
		return parse_bool(k, v, &o->ipv6, err);
	if (!strcmp(k, "cidr"))
		return parse_addr(k, v, AF_INET, o->cidr, sizeof(o->cidr), err);
	if (!strcmp(k, "outbound_addr"))
		return parse_addr(k, v, AF_INET, o->outbound4, sizeof(o->outbound4), err);
	if (!strcmp(k, "outbound_addr6"))
		return parse_addr(k, v, AF_INET6, o->outbound6, sizeof(o->outbound6), err);
	if (!strcmp(k, "mtu")) {
		char *end = NULL;
		long m = strtol(v, &end, 10);
		if (!*v || *end || m < 68 || m > 65521)
			return berr_plain(err, EINVAL, "invalid mtu \"%s\"", v);
		o->mtu = (unsigned)m;
		return 0;
	}
	if (!strcmp(k, "port_handler")) {
		if (strcmp(v, "rootlesskit") && strcmp(v, "slirp4netns"))
			return berr_plain(err, EINVAL,
					  "unknown port_handler for slirp4netns: \"%s\"", v);
		return 0;
	}
	return berr_plain(err, EINVAL, "unknown option for slirp4netns: \"%s\"", kv);
}

int eng_slirp_parse(const char *mode, struct eng_slirp_opts *out, struct berr **err)
{
	/* podman 4's defaults: IPv6 on, the host's loopback not reachable */
	struct eng_slirp_opts o = {.mtu = 65520, .ipv6 = true};
	const char *opts = mode && mode[11] == ':' ? mode + 12 : "";
	autofree char *copy = xstrdup(opts);
	if (strlen(opts) > 1024)
		return berr_plain(err, EINVAL, "slirp4netns options too long");
	for (char *save = NULL, *kv = strtok_r(copy, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save))
		if (parse_one(kv, &o, err) < 0)
			return berr_ret(err);
	if (*o.outbound6 && !o.ipv6)
		return berr_plain(err, EINVAL, "enable_ipv6=true is required for outbound_addr6");
	*out = o;
	return 0;
}

void eng_slirp_guest_addr(const struct eng_slirp_opts *o, char out[48])
{
	struct in_addr a = {htonl(0x0a000200)}; /* 10.0.2.0 */
	char net[48];
	snprintf(net, sizeof(net), "%s", o->cidr);
	char *slash = strchr(net, '/');
	if (slash)
		*slash = '\0';
	if (*net && inet_pton(AF_INET, net, &a) != 1)
		a.s_addr = htonl(0x0a000200);
	a.s_addr = htonl(ntohl(a.s_addr) + 100);
	inet_ntop(AF_INET, &a, out, 48);
}

/* slirp4netns started through util/spawn (a session of its own, stdin and stdout on
 * /dev/null, nothing else of ours but the ready pipe as its fd 3, none of the monitor's
 * blocked signals: SIGTERM stops it); it writes to fd 3 once the namespace is configured
 * (--ready-fd 3), and ends at its start with its reason on stderr. Not waited for after. */
static int run(char *const argv[], const char *pidfile, struct berr **err)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	struct spawn_opts o = {.argv = (const char *const *)argv,
			       .err_max = 511,
			       .setsid = true,
			       .close_others = true,
			       .fd3 = ready[1],
			       .has_fd3 = true};
	struct spawn_proc p;
	spawn_start(&o, &p);
	(void)close(ready[1]);
	char c = 0;
	ssize_t got = p.r == 0 ? read(ready[0], &c, 1) : -1;
	(void)close(ready[0]);
	if (got != 1) {
		if (p.r == 0)
			(void)kill(p.pid, SIGKILL);
		struct spawn_result res;
		struct berr *why = NULL;
		int failed = p.r; /* spawn_finish closes p */
		int r = spawn_finish(&p, &res, &why);
		berr_clear(&why);
		if (res.not_found)
			r = berr_plain(
			    err, ENOENT,
			    "slirp4netns is not installed (Debian's package slirp4netns)");
		else if (failed < 0)
			r = berr_set(err, -failed, "run slirp4netns");
		else
			r = berr_plain(err, EIO, "slirp4netns: %s",
				       *res.err ? spawn_last_line(res.err)
						: "it ended at its start");
		spawn_result_free(&res);
		return r;
	}
	pid_t pid = p.pid;
	spawn_proc_close(&p);
	char text[32];
	int len = snprintf(text, sizeof(text), "%d\n", (int)pid);
	int r = fs_write_file_atomic(pidfile, text, (size_t)len, 0600, err);
	if (r < 0)
		(void)kill(pid, SIGKILL);
	return r;
}

int eng_slirp_start(const char *ns_path, const struct eng_slirp_opts *o, const char *pidfile,
		    struct berr **err)
{
	char mtu[32], cidr[64], out4[80], out6[96];
	char *argv[SLIRP_ARGS_MAX];
	size_t n = 0;
	snprintf(mtu, sizeof(mtu), "--mtu=%u", o->mtu ? o->mtu : 65520);
	argv[n++] = SLIRP_NAME;
	argv[n++] = "--configure";
	argv[n++] = mtu;
	argv[n++] = "--ready-fd=3";
	argv[n++] = "--netns-type=path";
	/* podman's default: the host's 127.0.0.1 is not the container's 10.0.2.2 */
	if (!o->host_loopback)
		argv[n++] = "--disable-host-loopback";
	if (o->ipv6)
		argv[n++] = "--enable-ipv6";
	if (*o->cidr) {
		snprintf(cidr, sizeof(cidr), "--cidr=%s", o->cidr);
		argv[n++] = cidr;
	}
	if (*o->outbound4) {
		snprintf(out4, sizeof(out4), "--outbound-addr=%s", o->outbound4);
		argv[n++] = out4;
	}
	if (*o->outbound6) {
		snprintf(out6, sizeof(out6), "--outbound-addr6=%s", o->outbound6);
		argv[n++] = out6;
	}
	argv[n++] = (char *)ns_path;
	argv[n++] = "tap0";
	argv[n] = NULL;
	return run(argv, pidfile, err);
}

void eng_slirp_stop(const char *pidfile)
{
	/* only our slirp4netns: the number may be another process's by now */
	static const char *const names[] = {SLIRP_NAME, NULL};
	pidfile_kill(pidfile, names, SIGTERM, false);
}
