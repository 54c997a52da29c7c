/* volumes of a service in their long form (normalize_parts.h), as `docker compose config` (v2)
 * prints them: a short bind gets `bind: {create_host_path: true}`, a short volume `volume: {}`;
 * a bind's source made absolute against the file's directory. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/normalize.h"
#include "compose/normalize_parts.h"
#include "compose/schema.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char *const volume_keys[] = {"type", "source", "target", "read_only", "consistency",
					  "bind", "volume", "tmpfs",  "image",     NULL};

static bool is_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

/* A short volume's MODE, a comma list, onto v (read_only, consistency) and opts (its bind: or
 * volume:): ro, rw, z, Z, nocopy (a volume's), a propagation (a bind's), a consistency. The
 * first word that is none of them, or NULL. */
static const char *volume_modes(char *modes, bool bind, json_t *v, json_t *opts)
{
	for (char *m = modes, *tok; m && (tok = strsep(&m, ","));) {
		if (!strcmp(tok, "ro"))
			json_object_set_new(v, "read_only", json_true());
		else if (!strcmp(tok, "rw"))
			;
		else if (!strcmp(tok, "z") || !strcmp(tok, "Z"))
			json_object_set_new(opts, "selinux", json_string(tok));
		else if (!strcmp(tok, "nocopy") && !bind)
			json_object_set_new(opts, "nocopy", json_true());
		else if (strstr(":shared:rshared:slave:rslave:private:rprivate:", tok) && bind &&
			 *tok)
			json_object_set_new(opts, "propagation", json_string(tok));
		else if (!strcmp(tok, "consistent") || !strcmp(tok, "cached") ||
			 !strcmp(tok, "delegated"))
			json_object_set_new(v, "consistency", json_string(tok));
		else
			return tok;
	}
	return NULL;
}

/* SOURCE:TARGET[:MODE], TARGET alone an anonymous volume (as compose-go's ParseVolume). */
static int volume_short(const char *spec, const char *dir, json_t *out, const char *path,
			json_t *pos, struct berr **err)
{
	autofree char *s = xstrdup(spec);
	char *parts[4] = {0};
	int n = 0;
	for (char *p = s, *tok; (tok = strsep(&p, ":"));) {
		if (n == 3)
			return cmp_errf(err, pos, path, "invalid volume '%s'", spec);
		parts[n++] = tok;
	}
	json_auto_t *v = json_object();
	if (n == 1) {
		json_object_set_new(v, "type", json_string("volume"));
		json_object_set_new(v, "target", json_string(parts[0]));
		json_object_set_new(v, "volume", json_object());
		json_array_append(out, v);
		return 0;
	}
	if (!*parts[0] || !*parts[1])
		return cmp_errf(err, pos, path, "invalid volume '%s'", spec);
	bool bind = is_path(parts[0]);
	json_object_set_new(v, "type", json_string(bind ? "bind" : "volume"));
	autofree char *src = bind ? cmp_abs_path(dir, parts[0]) : xstrdup(parts[0]);
	json_object_set_new(v, "source", json_string(src));
	json_object_set_new(v, "target", json_string(parts[1]));
	json_auto_t *opts = bind ? json_pack("{sb}", "create_host_path", 1) : json_object();
	const char *bad = volume_modes(parts[2], bind, v, opts);
	if (bad)
		return cmp_errf(err, pos, path, "invalid mode '%s' in volume '%s'", bad, spec);
	json_object_set(v, bind ? "bind" : "volume", opts);
	json_array_append(out, v);
	return 0;
}

static int volume_long(json_t *e, const char *dir, json_t *out, const char *path, json_t *pos,
		       struct berr **err)
{
	int r = cmp_norm_unknown_keys(e, volume_keys, path, pos, err);
	if (r < 0)
		return r;
	const char *type = json_string_value(json_object_get(e, "type"));
	if (!type || !strstr(" bind volume tmpfs npipe cluster image ", type) || !*type ||
	    strchr(type, ' '))
		return cmp_errf(err, pos, path,
				"a volume needs a type (bind, volume, tmpfs, npipe, cluster, "
				"image)");
	if (!json_is_string(json_object_get(e, "target")))
		return cmp_errf(err, pos, path, "a volume needs a target (a string)");
	const char *src = json_string_value(json_object_get(e, "source"));
	if (!strcmp(type, "bind")) {
		if (!src)
			return cmp_errf(err, pos, path, "a bind mount needs a source");
		autofree char *abs = cmp_abs_path(dir, src);
		json_object_set_new(e, "source", json_string(abs));
	}
	json_t *ro = json_object_get(e, "read_only");
	if (json_is_string(ro))
		json_object_set_new(e, "read_only",
				    json_boolean(!strcmp(json_string_value(ro), "true")));
	json_array_append(out, e);
	return 0;
}

static int volume_one(json_t *e, json_t *out, const char *path, json_t *pos, const void *dir,
		      struct berr **err)
{
	if (json_is_string(e))
		return volume_short(json_string_value(e), dir, out, path, pos, err);
	if (json_is_object(e))
		return volume_long(e, dir, out, path, pos, err);
	return cmp_errf(err, pos, path, "a volume must be a string or a mapping");
}

int cmp_norm_volumes(json_t *svc, const char *dir, bool raw, const char *path, json_t *pos,
		     struct berr **err)
{
	return cmp_norm_each(svc, "volumes", raw, path, pos, volume_one, dir, err);
}
