/* hosts, hostname and resolv.conf of containers (see hosts.h). */
#include "engine/hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/network.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *networks_of(json_t *rec)
{
	return json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
}

static const char *mode_of(json_t *rec)
{
	return str(json_object_get(rec, "HostConfig"), "NetworkMode");
}

char *eng_hosts_text(json_t *rec, const char *hostname, json_t *peers)
{
	struct strbuf t = {0};
	strbuf_addf(&t, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			"fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
			"ff02::2\tip6-allrouters\n");
	size_t i;
	json_t *h;
	/* --add-host NAME:IP (or NAME=IP); an IPv6 address has colons of its own */
	json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "ExtraHosts"), i, h)
	{
		const char *e = json_string_value(h);
		const char *sep = e ? strpbrk(e, ":=") : NULL;
		if (sep)
			strbuf_addf(&t, "%s\t%.*s\n", sep + 1, (int)(sep - e), e);
	}
	const char *k;
	json_t *n;
	bool own = false;
	json_object_foreach(networks_of(rec), k, n)
	{
		const char *a4 = str(n, "IPAddress"), *a6 = str(n, "GlobalIPv6Address");
		const char *mine[] = {a4, a6};
		for (int f = 0; f < 2; f++) {
			if (!mine[f] || !*mine[f])
				continue;
			strbuf_addf(&t, "%s\t%s\n", mine[f], hostname);
			own = true;
		}
	}
	const char *mode = mode_of(rec);
	if (!own && !(mode && !strcmp(mode, "host")))
		strbuf_addf(&t, "127.0.1.1\t%s\n", hostname);
	json_t *p;
	json_array_foreach(peers, i, p)
	{
		strbuf_addf(&t, "%s\t", json_string_value(json_array_get(p, 0)));
		for (size_t j = 1; j < json_array_size(p); j++)
			strbuf_addf(&t, "%s%s", j > 1 ? " " : "",
				    json_string_value(json_array_get(p, j)));
		strbuf_addf(&t, "\n");
	}
	return t.s;
}

char *eng_resolv_text(json_t *rec, const char *host_resolv)
{
	json_t *hc = json_object_get(rec, "HostConfig");
	json_t *dns = json_object_get(hc, "Dns"), *search = json_object_get(hc, "DnsSearch"),
	       *opts = json_object_get(hc, "DnsOptions");
	const char *mode = mode_of(rec);
	bool host_net = mode && !strcmp(mode, "host");
	struct strbuf t = {0};
	strbuf_addf(&t, "%s", "");
	size_t i;
	json_t *v;
	bool any_ns = false;
	if (json_array_size(dns)) {
		json_array_foreach(dns, i, v)
		    strbuf_addf(&t, "nameserver %s\n", json_string_value(v));
		any_ns = true;
	}
	/* the host's lines, without what the flags replace; loopback name servers would be
	 * the container's own loopback (unless it has the host's network) */
	autofree char *copy = xstrdup(host_resolv ? host_resolv : "");
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool ns = !strncmp(line, "nameserver", 10);
		if ((ns && json_array_size(dns)) ||
		    (!strncmp(line, "search", 6) && json_array_size(search)) ||
		    (!strncmp(line, "options", 7) && json_array_size(opts)))
			continue;
		if (ns && !host_net) {
			const char *ip = line + 10 + strspn(line + 10, " \t");
			if (!strncmp(ip, "127.", 4) || !strncmp(ip, "::1", 3))
				continue;
		}
		any_ns |= ns;
		strbuf_addf(&t, "%s\n", line);
	}
	if (json_array_size(search)) {
		strbuf_addf(&t, "search");
		json_array_foreach(search, i, v) strbuf_addf(&t, " %s", json_string_value(v));
		strbuf_addf(&t, "\n");
	}
	if (json_array_size(opts)) {
		strbuf_addf(&t, "options");
		json_array_foreach(opts, i, v) strbuf_addf(&t, " %s", json_string_value(v));
		strbuf_addf(&t, "\n");
	}
	/* Docker's fallback when nothing is left */
	if (!any_ns)
		strbuf_addf(&t, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	return t.s;
}

static bool is_running(const struct eng_store *s, const char *id)
{
	json_t *st = eng_state_load(s, id);
	bool r = json_is_true(json_object_get(st, "Running")) ||
		 json_is_true(json_object_get(st, "Restarting"));
	json_decref(st);
	return r;
}

/* Lines for peer on network n: [addr, name, aliases..., short id] (two if it has v6). */
static void add_peer(json_t *peers, json_t *peer, json_t *n)
{
	const char *name = str(peer, "Name");
	const char *addrs[] = {str(n, "IPAddress"), str(n, "GlobalIPv6Address")};
	for (int i = 0; i < 2; i++) {
		if (!addrs[i] || !*addrs[i])
			continue;
		json_t *line = json_pack("[s, s]", addrs[i], name && *name == '/' ? name + 1 : "");
		size_t k;
		json_t *a;
		json_array_foreach(json_object_get(n, "Aliases"), k, a) json_array_append(line, a);
		char short_id[13];
		snprintf(short_id, sizeof(short_id), "%.12s", str(peer, "Id") ?: "");
		json_array_append_new(line, json_string(short_id));
		json_array_append_new(peers, line);
	}
}

static bool on_user_network(json_t *rec, json_t *of)
{
	const char *k;
	json_t *v;
	json_object_foreach(networks_of(of), k, v)
	{
		if (strcmp(k, ENG_NET_DEFAULT) && json_object_get(networks_of(rec), k))
			return true;
	}
	return false;
}

/* The running containers (records) that share a user network with rec: each loaded once.
 * skip is left out; also counts as running. */
static json_t *members(const struct eng_store *s, json_t *rec, const char *skip, const char *also)
{
	json_t *out = json_array();
	char **ids = NULL;
	if (eng_container_list(s, &ids, NULL) < 0)
		return out;
	for (size_t i = 0; ids[i]; i++) {
		if (skip && !strcmp(ids[i], skip))
			continue;
		json_t *other = eng_container_load(s, ids[i], NULL);
		if (other && on_user_network(rec, other) &&
		    ((also && !strcmp(ids[i], also)) || is_running(s, ids[i])))
			json_array_append(out, other);
		json_decref(other);
	}
	strv_free(ids);
	return out;
}

/* rec's peers among the members: their entries on the user networks rec is on. */
static json_t *peers_among(json_t *rec, json_t *all)
{
	json_t *peers = json_array();
	size_t i;
	json_t *other;
	json_array_foreach(all, i, other)
	{
		const char *k;
		json_t *v;
		json_object_foreach(networks_of(rec), k, v)
		{
			json_t *n = json_object_get(networks_of(other), k);
			if (strcmp(k, ENG_NET_DEFAULT) && n)
				add_peer(peers, other, n);
		}
	}
	return peers;
}

json_t *eng_hosts_peers(const struct eng_store *s, json_t *rec, const char *skip, const char *also)
{
	json_t *all = members(s, rec, skip, also);
	json_t *peers = peers_among(rec, all);
	json_decref(all);
	return peers;
}

static char *hostname_of(json_t *rec)
{
	const char *h = str(json_object_get(rec, "Config"), "Hostname");
	return h && *h ? xstrdup(h) : xasprintf("%.12s", str(rec, "Id") ?: "");
}

/* The host's resolv.conf, as Docker takes it: behind systemd-resolved's stub (127.0.0.53, which
 * a container's own loopback does not have) the upstream servers it names in
 * /run/systemd/resolve/resolv.conf; the stub itself with the host's network. */
static char *host_resolv(json_t *rec)
{
	char *text = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 20, &text, &len, NULL) < 0)
		return xstrdup("");
	const char *mode = mode_of(rec);
	bool stub = false;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		stub = stub || !strncmp(l, "nameserver 127.0.0.53", 21);
	char *up = NULL;
	if (stub && !(mode && !strcmp(mode, "host")) &&
	    fs_read_file(AT_FDCWD, "/run/systemd/resolve/resolv.conf", 1 << 20, &up, &len, NULL) ==
		0) {
		free(text);
		return up;
	}
	return text;
}

int eng_hosts_write(const struct eng_store *s, const char *id, json_t *rec, const char *hostname,
		    uid_t uid, gid_t gid, struct berr **err)
{
	autofree char *dir = eng_container_path(s, id, NULL);
	json_t *peers = eng_hosts_peers(s, rec, NULL, id);
	autofree char *hosts = eng_hosts_text(rec, hostname, peers);
	json_decref(peers);
	autofree char *name = xasprintf("%s\n", hostname);
	autofree char *host = host_resolv(rec);
	autofree char *resolv = eng_resolv_text(rec, host);
	const char *files[][2] = {{"hosts", hosts}, {"hostname", name}, {"resolv.conf", resolv}};
	for (size_t i = 0; i < 3; i++) {
		autofree char *p = xasprintf("%s/%s", dir, files[i][0]);
		int r = fs_replace_file(p, files[i][1], strlen(files[i][1]), 0644, err);
		if (r < 0)
			return r;
		if ((uid || gid) && chown(p, uid, gid) < 0)
			return berr_set(err, errno, "chown '%s'", p);
	}
	return 0;
}

void eng_hosts_refresh(const struct eng_store *s, json_t *rec, const char *skip, const char *also)
{
	/* everyone who shares a network with rec; each of them is rewritten from the others
	 * that share one with it, all of whom are among these or on networks rec is not on */
	json_t *all = members(s, rec, skip, also);
	size_t i;
	json_t *other;
	json_array_foreach(all, i, other)
	{
		const char *id = str(other, "Id");
		bool wide = false;
		const char *k;
		json_t *v;
		json_object_foreach(networks_of(other), k, v) wide |=
		    strcmp(k, ENG_NET_DEFAULT) && !json_object_get(networks_of(rec), k);
		/* on a network rec is not on: its peers there are not among ours */
		json_t *theirs = wide ? members(s, other, skip, also) : json_incref(all);
		json_t *peers = peers_among(other, theirs);
		autofree char *name = hostname_of(other);
		autofree char *text = eng_hosts_text(other, name, peers);
		autofree char *p = eng_container_path(s, id, "hosts");
		/* in place: the container has this inode bound at /etc/hosts */
		(void)fs_write_file(AT_FDCWD, p, text, strlen(text), 0644, NULL);
		json_decref(peers);
		json_decref(theirs);
	}
	json_decref(all);
}
