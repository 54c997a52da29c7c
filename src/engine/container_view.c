/* Docker's documents of a container: the list item, Status text and the list's filters (see
 * container_view.h; the inspect document is container_inspect.c's). Read from the record and the
 * state alone (and the disk for sizes); nothing here changes a container. */
#include "engine/container_view.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/record_cache.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

char *eng_container_status_text(json_t *st, time_t now)
{
	const char *status = str(st, "Status");
	char d[48];
	if (!strcmp(status, "running") || !strcmp(status, "paused")) {
		time_t t = timefmt_parse(str(st, "StartedAt"));
		const char *health = str(json_object_get(st, "Health"), "Status");
		const char *h = !*health                      ? ""
				: !strcmp(health, "starting") ? " (health: starting)"
				: !strcmp(health, "healthy")  ? " (healthy)"
							      : " (unhealthy)";
		return xasprintf("Up %s%s%s", timefmt_duration((long)difftime(now, t), d),
				 !strcmp(status, "paused") ? " (Paused)" : "", h);
	}
	if (!strcmp(status, "exited") || !strcmp(status, "restarting")) {
		time_t t = timefmt_parse(str(st, "FinishedAt"));
		const char *word = !strcmp(status, "exited") ? "Exited" : "Restarting";
		long long code = (long long)json_integer_value(json_object_get(st, "ExitCode"));
		/* a monitor that died recorded no end: no age rather than "2027 years ago" */
		if (t <= 0)
			return xasprintf("%s (%lld)", word, code);
		return xasprintf("%s (%lld) %s ago", word, code,
				 timefmt_duration((long)difftime(now, t), d));
	}
	return xstrdup("Created");
}

char *eng_container_command(json_t *rec)
{
	char *out = xstrdup(str(rec, "Path"));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(rec, "Args"), i, v)
	{
		/* as dockerd's list (daemon/list.go): an argument with a space in single quotes */
		const char *arg = json_string_value(v) ?: "";
		const char *q = strchr(arg, ' ') ? "'" : "";
		char *next = xasprintf("%s %s%s%s", out, q, arg, q);
		free(out);
		out = next;
	}
	return out;
}

void eng_container_size(const struct eng_store *s, json_t *rec, const char *id, int64_t *out_rw,
			int64_t *out_rootfs)
{
	autofree char *diff = eng_container_path(s, id, "diff");
	int64_t own = fs_disk_usage(AT_FDCWD, diff), layers = 0;
	size_t k;
	json_t *v;
	json_array_foreach(json_object_get(rec, "Layers"), k, v)
	{
		const char *chain = json_string_value(v);
		if (!chain || strncmp(chain, "sha256:", 7))
			continue;
		autofree char *dir = xasprintf("%s/layers/%s/diff", s->root, chain + 7);
		layers += fs_disk_usage(AT_FDCWD, dir);
	}
	*out_rw = own;
	*out_rootfs = own + layers;
}

/* Docker's Port list of a running container: a published port once per binding (IP,
 * PrivatePort, PublicPort, Type), an exposed one without a binding as PrivatePort and Type. */
static json_t *summary_ports(json_t *st)
{
	json_t *out = json_array();
	if (!json_is_true(json_object_get(st, "Running")))
		return out;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(st, "Ports"), k, v)
	{
		char type[8] = "tcp";
		int priv = 0;
		if (sscanf(k, "%d/%7s", &priv, type) < 1)
			continue;
		size_t i;
		json_t *b;
		if (!json_array_size(v))
			json_array_append_new(
			    out, json_pack("{s:i, s:s}", "PrivatePort", priv, "Type", type));
		json_array_foreach(v, i, b)
		{
			json_array_append_new(out, json_pack("{s:s, s:i, s:i, s:s}", "IP",
							     str(b, "HostIp"), "PrivatePort", priv,
							     "PublicPort", atoi(str(b, "HostPort")),
							     "Type", type));
		}
	}
	return out;
}

json_t *eng_container_mounts(const struct eng_store *s, json_t *rec)
{
	json_t *out = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "Mounts"), i, m)
	{
		const char *type = str(m, "Type");
		bool volume = !strcmp(type, "volume");
		autofree char *data = volume ? eng_volume_data(s, str(m, "Source")) : NULL;
		json_t *mp = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "Type", type,
				       "Name", volume ? str(m, "Source") : "", "Source",
				       volume ? data : str(m, "Source"), "Destination",
				       str(m, "Destination"), "Driver", volume ? "local" : "",
				       "Mode", "", "RW", json_is_true(json_object_get(m, "RW")),
				       "Propagation", !strcmp(type, "bind") ? "rprivate" : "");
		/* omitempty in dockerd's MountPoint: only a volume has them */
		if (!volume) {
			json_object_del(mp, "Name");
			json_object_del(mp, "Driver");
		}
		/* a bind's or volume's idmap option in podman's Options (dockerd has none) */
		json_t *opts = json_object_get(m, "Options");
		if (strcmp(type, "tmpfs") && json_array_size(opts))
			json_object_set(mp, "Options", opts);
		json_array_append_new(out, mp);
	}
	return out;
}

json_t *eng_container_summary(const struct eng_store *s, json_t *rec, json_t *st, const char *id,
			      bool size)
{
	autofree char *command = eng_container_command(rec);
	autofree char *status = eng_container_status_text(st, time(NULL));
	json_t *labels = json_object_get(json_object_get(rec, "Config"), "Labels");
	json_t *nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	json_t *out = json_pack(
	    "{s:s, s:[s], s:s, s:s, s:s, s:I, s:o}", "Id", id, "Names", str(rec, "Name"), "Image",
	    str(rec, "ImageName"), "ImageID", str(rec, "Image"), "Command", command, "Created",
	    (json_int_t)timefmt_parse(str(rec, "Created")), "Ports", summary_ports(st));
	if (size) {
		int64_t rw = 0, rootfs = 0;
		eng_container_size(s, rec, id, &rw, &rootfs);
		json_object_set_new(out, "SizeRw", json_integer(rw));
		json_object_set_new(out, "SizeRootFs", json_integer(rootfs));
	}
	json_object_set_new(out, "Labels",
			    json_is_object(labels) ? json_incref(labels) : json_object());
	json_object_set_new(out, "State", json_string(str(st, "Status")));
	json_object_set_new(out, "Status", json_string(status));
	json_object_set_new(out, "HostConfig",
			    json_pack("{s:s}", "NetworkMode",
				      str(json_object_get(rec, "HostConfig"), "NetworkMode")));
	json_object_set_new(out, "NetworkSettings",
			    json_pack("{s:O}", "Networks", nets ? nets : json_object()));
	json_object_set_new(out, "Mounts", eng_container_mounts(s, rec));
	return out;
}

char *eng_container_summary_text(const struct eng_store *s, json_t *rec, json_t *state,
				 const char *id)
{
	/* what of the state the item shows: State, the Status wording, a running one's Ports */
	autofree char *status = eng_container_status_text(state, time(NULL));
	bool running = json_is_true(json_object_get(state, "Running"));
	autofree char *ports = running ? json_dumps(json_object_get(state, "Ports"),
						    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
				       : NULL;
	autofree char *key =
	    xasprintf("%s\n%s\n%s", str(state, "Status"), status, ports ? ports : "");
	const char *made = eng_record_cache_view(s->records, id, rec, key);
	if (made)
		return xstrdup(made);
	json_t *sum = eng_container_summary(s, rec, state, id, false);
	char *text = json_dumps(sum, JSON_COMPACT);
	json_decref(sum);
	if (!text)
		abort(); /* jansson fails only for want of memory */
	eng_record_cache_set_view(s->records, id, rec, key, text);
	return text;
}

void eng_container_summaries_warm(const struct eng_store *s)
{
	char **ids = NULL;
	eng_record_cache_refresh(s);
	if (!s->records || eng_container_list(s, &ids, NULL) < 0)
		return;
	for (size_t i = 0; ids[i]; i++) {
		json_t *rec = eng_container_peek(s, ids[i], NULL);
		json_t *st = rec ? eng_state_peek(s, ids[i]) : NULL;
		if (rec)
			free(eng_container_summary_text(s, rec, st, ids[i]));
		json_decref(rec);
		json_decref(st);
	}
	strv_free(ids);
}

/* The filters. */

static const char *const filter_keys[] = {"ancestor",       "before", "exited", "health",  "id",
					  "is-task",        "label",  "name",   "network", "since",
					  "restart-policy", "status", "volume", NULL};

static bool one_of(const char *v, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (!strcmp(v, set[i]))
			return true;
	return false;
}

/* Values a key allows (NULL: any); Docker's daemon refuses the others. */
static const char *const *allowed(const char *key)
{
	static const char *const status[] = {"created", "restarting", "running", "removing",
					     "paused",  "exited",     "dead",    NULL};
	static const char *const health[] = {"starting", "healthy", "unhealthy", "none", NULL};
	static const char *const boolean[] = {"true", "false", NULL};
	return !strcmp(key, "status")    ? status
	       : !strcmp(key, "health")  ? health
	       : !strcmp(key, "is-task") ? boolean
					 : NULL;
}

int eng_container_filter_check(const struct eng_store *s, json_t *filters, struct berr **err)
{
	int r = filter_check(filters, filter_keys, err);
	if (r < 0)
		return r;
	const char *k;
	json_t *vals;
	json_object_foreach(filters, k, vals)
	{
		const char *const *set = allowed(k);
		size_t i;
		json_t *v;
		json_array_foreach(vals, i, v)
		{
			const char *x = json_string_value(v);
			if (set && !one_of(x, set))
				return berr_plain(err, EINVAL, "invalid filter '%s=%s'", k, x);
			if (!strcmp(k, "exited") && (!*x || strspn(x, "-0123456789") != strlen(x)))
				return berr_plain(err, EINVAL, "invalid filter 'exited=%s'", x);
			if (strcmp(k, "before") && strcmp(k, "since"))
				continue;
			char id[ENG_ID_LEN + 1];
			if ((r = eng_container_resolve(s, x, id, err)) < 0)
				return r;
			json_t *rec = eng_container_load(s, id, err);
			if (!rec)
				return berr_ret(err);
			/* the engine's times are fixed-width RFC 3339 UTC: text order is time
			 * order */
			json_array_set_new(vals, i, json_string(str(rec, "Created")));
			json_decref(rec);
		}
	}
	return 0;
}

/* Docker's filters.Match: the value as a regular expression anywhere in s. */
static bool matches(const char *pattern, const char *s)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
		return strstr(s, pattern) != NULL;
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static bool any_value(json_t *filters, const char *key, bool (*ok)(const char *v, void *arg),
		      void *arg)
{
	json_t *vals = filter_values(filters, key);
	if (!vals)
		return true;
	size_t i;
	json_t *v;
	json_array_foreach(vals, i, v) if (ok(json_string_value(v), arg)) return true;
	return false;
}

struct subject {
	json_t *rec, *st;
	const char *id;
};

static bool by_status(const char *v, void *arg)
{
	return !strcmp(v, str(((struct subject *)arg)->st, "Status"));
}

static bool by_name(const char *v, void *arg)
{
	const char *name = str(((struct subject *)arg)->rec, "Name");
	return matches(v, *name == '/' ? name + 1 : name);
}

static bool by_id(const char *v, void *arg)
{
	return !strncmp(((struct subject *)arg)->id, v, strlen(v));
}

static bool by_exited(const char *v, void *arg)
{
	struct subject *c = arg;
	return !strcmp(str(c->st, "Status"), "exited") &&
	       json_integer_value(json_object_get(c->st, "ExitCode")) == atoi(v);
}

/* An image as the user named it (a pattern), or a prefix of its id (sha256: or not). */
static bool by_ancestor(const char *v, void *arg)
{
	struct subject *c = arg;
	const char *image = str(c->rec, "Image");
	const char *hex = strncmp(image, "sha256:", 7) ? image : image + 7;
	const char *want = strncmp(v, "sha256:", 7) ? v : v + 7;
	return !fnmatch(v, str(c->rec, "ImageName"), 0) ||
	       (*want && !strncmp(hex, want, strlen(want)));
}

static bool by_restart(const char *v, void *arg)
{
	json_t *hc = json_object_get(((struct subject *)arg)->rec, "HostConfig");
	const char *name = str(json_object_get(hc, "RestartPolicy"), "Name");
	return !strcmp(*name ? name : "no", v);
}

static bool by_health(const char *v, void *arg)
{
	const char *h = str(json_object_get(((struct subject *)arg)->st, "Health"), "Status");
	return !strcmp(*h ? h : "none", v);
}

static bool by_network(const char *v, void *arg)
{
	json_t *rec = ((struct subject *)arg)->rec;
	const char *k;
	json_t *ep;
	json_object_foreach(json_object_get(json_object_get(rec, "NetworkSettings"), "Networks"), k,
			    ep)
	{
		const char *nid = str(ep, "NetworkID");
		if (!strcmp(k, v) || (*nid && *v && !strncmp(nid, v, strlen(v))))
			return true;
	}
	return false;
}

static bool by_volume(const char *v, void *arg)
{
	json_t *rec = ((struct subject *)arg)->rec;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "Mounts"), i, m)
	{
		if (!strcmp(str(m, "Source"), v) || !strcmp(str(m, "Destination"), v))
			return true;
	}
	return false;
}

/* berth has no swarm: no container is a task */
static bool by_task(const char *v, void *arg)
{
	return !strcmp(v, "false");
}

bool eng_container_filter(json_t *filters, json_t *rec, json_t *st, const char *id)
{
	struct subject c = {rec, st, id};
	static const struct {
		const char *key;
		bool (*ok)(const char *v, void *arg);
	} keys[] = {{"status", by_status},
		    {"name", by_name},
		    {"id", by_id},
		    {"exited", by_exited},
		    {"ancestor", by_ancestor},
		    {"health", by_health},
		    {"restart-policy", by_restart},
		    {"network", by_network},
		    {"volume", by_volume},
		    {"is-task", by_task}};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!any_value(filters, keys[i].key, keys[i].ok, &c))
			return false;
	const char *created = str(rec, "Created");
	json_t *v;
	size_t i;
	json_array_foreach(filter_values(filters, "before"), i, v)
	{
		if (strcmp(created, json_string_value(v)) >= 0)
			return false;
	}
	json_array_foreach(filter_values(filters, "since"), i, v)
	{
		if (strcmp(created, json_string_value(v)) <= 0)
			return false;
	}
	return filter_labels(filters, "label",
			     json_object_get(json_object_get(rec, "Config"), "Labels"));
}
