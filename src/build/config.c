/* Instructions applied to an image config (see config.h). The rules are BuildKit's dispatch*
 * functions in frontend/dockerfile/dockerfile2llb/convert.go, which Docker's reference
 * describes per instruction. */
#include "build/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/path.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define PORT_RANGE_MAX 65536 /* ports one EXPOSE word may stand for */

static json_t *object_in(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

json_t *bld_config_shell(json_t *image_config)
{
	json_t *shell = json_object_get(json_object_get(image_config, "config"), "Shell");
	if (json_is_array(shell) && json_array_size(shell))
		return json_deep_copy(shell);
	return json_pack("[s,s]", "/bin/sh", "-c");
}

/* CMD, ENTRYPOINT: the exec form as it is, the shell form through the stage's shell. */
static json_t *command(json_t *image_config, const struct bld_instr *in)
{
	if (in->exec_form)
		return json_strv(in->args, in->n_args);
	json_t *cmd = bld_config_shell(image_config);
	json_array_append_new(cmd, json_string(in->n_args ? in->args[0] : ""));
	return cmd;
}

static void set_env(json_t *run, const char *key, const char *value)
{
	json_t *env = json_object_get(run, "Env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(run, "Env", env);
	}
	autofree char *kv = xasprintf("%s=%s", key, value ? value : "");
	size_t klen = strlen(key), i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && !strncmp(s, key, klen) && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

static int parse_port(const char *s, const char *word, long *out, struct berr **err)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || (*end && *end != '-' && *end != '/') || v < 1 || v > 65535)
		return berr_plain(err, EINVAL, "EXPOSE: invalid port '%s'", word);
	*out = v;
	return (int)(end - s);
}

/* "80", "80/udp", "8000-8010/tcp" (nat.ParsePortSpecs' container side) into ports. */
static int expose_word(json_t *ports, const char *word, struct berr **err)
{
	const char *slash = strchr(word, '/');
	const char *proto = slash ? slash + 1 : "tcp";
	autofree char *lower = xstrdup(proto);
	for (char *c = lower; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	if (strcmp(lower, "tcp") && strcmp(lower, "udp") && strcmp(lower, "sctp"))
		return berr_plain(err, EINVAL, "EXPOSE: invalid protocol in '%s'", word);
	long lo, hi;
	int n = parse_port(word, word, &lo, err);
	if (n < 0)
		return n;
	hi = lo;
	if (word[n] == '-') {
		int m = parse_port(word + n + 1, word, &hi, err);
		if (m < 0)
			return m;
		if (word[n + 1 + m] && word[n + 1 + m] != '/')
			return berr_plain(err, EINVAL, "EXPOSE: invalid port '%s'", word);
	}
	if (hi < lo || hi - lo >= PORT_RANGE_MAX)
		return berr_plain(err, EINVAL, "EXPOSE: invalid port range '%s'", word);
	for (long p = lo; p <= hi; p++) {
		char key[32];
		snprintf(key, sizeof(key), "%ld/%s", p, lower);
		json_object_set_new(ports, key, json_object());
	}
	return 0;
}

static json_t *healthcheck(const struct bld_instr *in)
{
	const struct bld_health *h = &in->health;
	json_t *test = h->test == BLD_HEALTH_NONE        ? json_pack("[s]", "NONE")
		       : h->test == BLD_HEALTH_CMD_SHELL ? json_pack("[s]", "CMD-SHELL")
							 : json_pack("[s]", "CMD");
	for (size_t i = 0; h->test != BLD_HEALTH_NONE && i < in->n_args; i++)
		json_array_append_new(test, json_string(in->args[i]));
	json_t *hc = json_pack("{s:o}", "Test", test);
	static const struct {
		const char *key;
		size_t off;
	} times[] = {
	    {"Interval", offsetof(struct bld_health, interval_ns)},
	    {"Timeout", offsetof(struct bld_health, timeout_ns)},
	    {"StartPeriod", offsetof(struct bld_health, start_period_ns)},
	    {"StartInterval", offsetof(struct bld_health, start_interval_ns)},
	};
	for (size_t i = 0; i < sizeof(times) / sizeof(*times); i++) {
		int64_t v = *(const int64_t *)((const char *)h + times[i].off);
		if (v)
			json_object_set_new(hc, times[i].key, json_integer(v));
	}
	if (h->retries)
		json_object_set_new(hc, "Retries", json_integer(h->retries));
	return hc;
}

char *bld_config_workdir(json_t *image_config, const char *path)
{
	const char *cur = json_string_value(
	    json_object_get(json_object_get(image_config, "config"), "WorkingDir"));
	autofree char *joined =
	    path[0] == '/' ? xstrdup(path) : xasprintf("/%s/%s", cur ?: "", path);
	return path_clean(joined);
}

/* in's effect on run (the "config" object) and image_config. */
/* ENV LABEL EXPOSE VOLUME: each adds its arguments to a map of the run config. */
static int apply_map(json_t *run, const struct bld_instr *in, struct berr **err)
{
	switch (in->kind) {
	case BLD_ENV:
		for (size_t i = 0; i < in->n_pairs; i++)
			set_env(run, in->pairs[i].key, in->pairs[i].value);
		return 0;
	case BLD_LABEL:
		for (size_t i = 0; i < in->n_pairs; i++)
			json_object_set_new(object_in(run, "Labels"), in->pairs[i].key,
					    json_string(in->pairs[i].value ?: ""));
		return 0;
	case BLD_EXPOSE:
		for (size_t i = 0; i < in->n_args; i++) {
			int r = expose_word(object_in(run, "ExposedPorts"), in->args[i], err);
			if (r < 0)
				return r;
		}
		return 0;
	case BLD_VOLUME:
		for (size_t i = 0; i < in->n_args; i++) {
			if (!*in->args[i])
				return berr_plain(err, EINVAL,
						  "VOLUME specified can not be an empty string");
			json_object_set_new(object_in(run, "Volumes"), in->args[i], json_object());
		}
		return 0;
	default:
		return 0;
	}
}

static int apply(json_t *image_config, json_t *run, struct bld_config_state *st,
		 const struct bld_instr *in, struct berr **err)
{
	switch (in->kind) {
	case BLD_ENV:
	case BLD_LABEL:
	case BLD_EXPOSE:
	case BLD_VOLUME:
		return apply_map(run, in, err);
	case BLD_MAINTAINER:
		json_object_set_new(image_config, "author",
				    json_string(in->n_args ? in->args[0] : ""));
		return 0;
	case BLD_USER:
		json_object_set_new(run, "User", json_string(in->n_args ? in->args[0] : ""));
		return 0;
	case BLD_WORKDIR: {
		char *wd = bld_config_workdir(image_config, in->n_args ? in->args[0] : "/");
		json_object_set_new(run, "WorkingDir", json_string(wd));
		free(wd);
		return 0;
	}
	case BLD_CMD:
		json_object_set_new(run, "Cmd", command(image_config, in));
		st->cmd_set = true;
		return 0;
	case BLD_ENTRYPOINT:
		json_object_set_new(run, "Entrypoint", command(image_config, in));
		/* a CMD the base image gave makes no sense with another entrypoint */
		if (!st->cmd_set)
			json_object_set_new(run, "Cmd", json_null());
		return 0;
	case BLD_SHELL:
		json_object_set_new(run, "Shell", json_strv(in->args, in->n_args));
		return 0;
	case BLD_STOPSIGNAL:
		json_object_set_new(run, "StopSignal", json_string(in->n_args ? in->args[0] : ""));
		return 0;
	case BLD_HEALTHCHECK:
		json_object_set_new(run, "Healthcheck", healthcheck(in));
		return 0;
	case BLD_ONBUILD: {
		json_t *list = json_object_get(run, "OnBuild");
		if (!json_is_array(list)) {
			list = json_array();
			json_object_set_new(run, "OnBuild", list);
		}
		json_array_append_new(list, json_string(in->trigger_text ?: ""));
		return 0;
	}
	default:
		return 0;
	}
}

int bld_config_apply(json_t *image_config, struct bld_config_state *st, const struct bld_instr *in,
		     struct berr **err)
{
	/* on a copy: a failure leaves the caller's config as it was */
	json_auto_t *copy = json_deep_copy(image_config);
	struct bld_config_state s = *st;
	int r = apply(copy, object_in(copy, "config"), &s, in, err);
	if (r == 0) {
		json_object_update(image_config, copy);
		*st = s;
	}
	return r;
}

/* The words of a JSON array as Go's %q of a []string prints them: ["a" "b c"]. */
static void append_quoted(char **out, char *const *v, size_t n)
{
	char *s = xstrdup("[");
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_string(v[i]);
		autofree char *w = json_dumps(j, JSON_ENCODE_ANY);
		json_decref(j);
		char *t = xasprintf("%s%s%s", s, i ? " " : "", w ? w : "\"\"");
		free(s);
		s = t;
	}
	char *t = xasprintf("%s%s]", *out, s);
	free(s);
	free(*out);
	*out = t;
}

static void append(char **out, const char *s)
{
	char *t = xasprintf("%s%s", *out, s);
	free(*out);
	*out = t;
}

char *bld_config_created_by(const struct bld_instr *in, json_t *shell)
{
	char *out = xasprintf("%s", bld_kind_name(in->kind));
	switch (in->kind) {
	case BLD_RUN:
	case BLD_COPY:
	case BLD_ADD:
		for (size_t i = 0; i < in->n_flags; i++) {
			autofree char *f =
			    xasprintf(" --%s=%s", in->flags[i].name, in->flags[i].value);
			append(&out, f);
		}
		if (in->kind == BLD_RUN && !in->exec_form) {
			size_t i;
			json_t *v;
			json_array_foreach(shell, i, v)
			{
				append(&out, " ");
				append(&out, json_string_value(v) ?: "");
			}
		}
		for (size_t i = 0; i < in->n_args; i++) {
			append(&out, " ");
			append(&out, in->args[i]);
		}
		append(&out, " # buildkit");
		return out;
	case BLD_ENV:
	case BLD_LABEL:
	case BLD_ARG:
		for (size_t i = 0; i < in->n_pairs; i++) {
			autofree char *kv =
			    in->pairs[i].value
				? xasprintf(" %s=%s", in->pairs[i].key, in->pairs[i].value)
				: xasprintf(" %s", in->pairs[i].key);
			append(&out, kv);
		}
		return out;
	case BLD_CMD:
	case BLD_ENTRYPOINT:
	case BLD_SHELL:
	case BLD_VOLUME:
		append(&out, " ");
		if (in->exec_form || in->kind == BLD_VOLUME)
			append_quoted(&out, in->args, in->n_args);
		else
			append(&out, in->n_args ? in->args[0] : "");
		return out;
	case BLD_ONBUILD:
		append(&out, " ");
		append(&out, in->trigger_text ?: "");
		return out;
	default:
		for (size_t i = 0; i < in->n_args; i++) {
			append(&out, " ");
			append(&out, in->args[i]);
		}
		return out;
	}
}

void bld_config_history(json_t *image_config, const char *created_by, bool empty_layer)
{
	json_t *hist = json_object_get(image_config, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(image_config, "history", hist);
	}
	char now[40];
	json_t *h = json_pack("{s:s,s:s,s:s}", "created", timefmt_now(now), "created_by",
			      created_by, "comment", "buildkit.dockerfile.v0");
	if (empty_layer)
		json_object_set_new(h, "empty_layer", json_true());
	json_array_append_new(hist, h);
}
