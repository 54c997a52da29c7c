/* Run-configuration instructions (see change.h). */
#include "image/change.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

#define WORDS_MAX 4096

char **img_change_words(const char *s, struct berr **err)
{
	size_t n = 0;
	char **out = xcalloc(1, sizeof(char *));
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		size_t cap = strlen(s) + 1, len = 0;
		char *w = xmalloc(cap);
		char quote = 0;
		for (; *s && (quote || !isspace((unsigned char)*s)); s++) {
			if (quote && *s == quote) {
				quote = 0;
			} else if (!quote && (*s == '"' || *s == '\'')) {
				quote = *s;
			} else if (*s == '\\' && quote != '\'' && s[1]) {
				w[len++] = *++s;
			} else {
				w[len++] = *s;
			}
		}
		w[len] = '\0';
		if (quote || n >= WORDS_MAX) {
			free(w);
			strv_free(out);
			berr_plain(err, EINVAL, quote ? "unterminated quote" : "too many words");
			return NULL;
		}
		out = xrealloc(out, (n + 2) * sizeof(char *));
		out[n++] = w;
		out[n] = NULL;
	}
	return out;
}

/* ["a", "b"] or shell form → a JSON array of strings. */
static json_t *command(const char *args, bool shell_form_ok, struct berr **err)
{
	json_error_t je;
	if (args[0] == '[') {
		json_t *a = json_loads(args, 0, &je);
		bool ok = json_is_array(a);
		size_t i;
		json_t *v;
		json_array_foreach(a, i, v) ok &= json_is_string(v);
		if (ok)
			return a;
		json_decref(a);
	}
	if (!shell_form_ok) {
		berr_plain(err, EINVAL, "expected a JSON array of strings: %s", args);
		return NULL;
	}
	return json_pack("[s, s, s]", "/bin/sh", "-c", args);
}

static json_t *object_in(json_t *cfg, const char *key)
{
	json_t *o = json_object_get(cfg, key);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(cfg, key, o);
	}
	return o;
}

/* ENV: replace an existing "KEY=" entry or append. */
static void set_env(json_t *cfg, const char *key, const char *value)
{
	json_t *env = json_object_get(cfg, "Env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(cfg, "Env", env);
	}
	autofree char *entry = xasprintf("%s=%s", key, value);
	size_t klen = strlen(key), i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && !strncmp(s, key, klen) && s[klen] == '=') {
			json_array_set_new(env, i, json_string(entry));
			return;
		}
	}
	json_array_append_new(env, json_string(entry));
}

/* ENV and LABEL: key=value pairs, or the old one-pair "KEY value with spaces". */
static int pairs(json_t *cfg, bool env, const char *args, struct berr **err)
{
	char **w = img_change_words(args, err);
	if (!w)
		return berr_ret(err);
	int r = 0;
	if (w[0] && !strchr(w[0], '=')) {
		const char *rest = args + strcspn(args, " \t");
		rest += strspn(rest, " \t");
		if (!*rest)
			r = berr_plain(err, EINVAL, "%s needs a value", w[0]);
		else if (env)
			set_env(cfg, w[0], rest);
		else
			json_object_set_new(object_in(cfg, "Labels"), w[0], json_string(rest));
		strv_free(w);
		return r;
	}
	for (size_t i = 0; w[i] && r == 0; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq || eq == w[i]) {
			r = berr_plain(err, EINVAL, "expected key=value, not '%s'", w[i]);
			break;
		}
		*eq = '\0';
		if (env)
			set_env(cfg, w[i], eq + 1);
		else
			json_object_set_new(object_in(cfg, "Labels"), w[i], json_string(eq + 1));
	}
	strv_free(w);
	return r;
}

static int expose(json_t *cfg, const char *args, struct berr **err)
{
	char **w = img_change_words(args, err);
	if (!w)
		return berr_ret(err);
	int r = 0;
	for (size_t i = 0; w[i] && r == 0; i++) {
		char *slash = strchr(w[i], '/');
		const char *proto = slash ? slash + 1 : "tcp";
		if (slash)
			*slash = '\0';
		char *end = NULL;
		long port = strtol(w[i], &end, 10);
		if (!*w[i] || *end || port < 1 || port > 65535 ||
		    (strcasecmp(proto, "tcp") && strcasecmp(proto, "udp") &&
		     strcasecmp(proto, "sctp"))) {
			r = berr_plain(err, EINVAL, "invalid port '%s'", w[i]);
			break;
		}
		autofree char *key = xasprintf("%ld/%s", port, proto);
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		json_object_set_new(object_in(cfg, "ExposedPorts"), key, json_object());
	}
	strv_free(w);
	return r;
}

static int volume(json_t *cfg, const char *args, struct berr **err)
{
	json_auto_t *list = NULL;
	if (args[0] == '[') {
		list = command(args, false, err);
		if (!list)
			return berr_ret(err);
	} else {
		char **w = img_change_words(args, err);
		if (!w)
			return berr_ret(err);
		list = json_array();
		for (size_t i = 0; w[i]; i++)
			json_array_append_new(list, json_string(w[i]));
		strv_free(w);
	}
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	    json_object_set_new(object_in(cfg, "Volumes"), json_string_value(v), json_object());
	return 0;
}

int img_change_apply(json_t *cfg, const char *instruction, struct berr **err)
{
	while (isspace((unsigned char)*instruction))
		instruction++;
	size_t klen = strcspn(instruction, " \t");
	autofree char *key = xstrndup(instruction, klen);
	const char *args = instruction + klen;
	args += strspn(args, " \t");
	if (!*args)
		return berr_plain(err, EINVAL, "%s needs an argument", key);
	if (!strcasecmp(key, "CMD") || !strcasecmp(key, "ENTRYPOINT")) {
		json_t *c = command(args, true, err);
		if (!c)
			return berr_ret(err);
		json_object_set_new(cfg, !strcasecmp(key, "CMD") ? "Cmd" : "Entrypoint", c);
		return 0;
	}
	if (!strcasecmp(key, "ENV") || !strcasecmp(key, "LABEL"))
		return pairs(cfg, !strcasecmp(key, "ENV"), args, err);
	if (!strcasecmp(key, "EXPOSE"))
		return expose(cfg, args, err);
	if (!strcasecmp(key, "VOLUME"))
		return volume(cfg, args, err);
	static const char *const simple[][2] = {
	    {"USER", "User"}, {"WORKDIR", "WorkingDir"}, {"STOPSIGNAL", "StopSignal"}};
	for (size_t i = 0; i < 3; i++)
		if (!strcasecmp(key, simple[i][0])) {
			json_object_set_new(cfg, simple[i][1], json_string(args));
			return 0;
		}
	return berr_plain(err, EINVAL, "unsupported change instruction '%s'", key);
}
