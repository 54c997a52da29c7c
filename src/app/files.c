/* Secrets and configs of a service (files.h). Compose v2 on a local engine binds the file of
 * the top-level secret or config into the container read-only (compose's
 * pkg/compose/secrets.go and create.go: buildContainerSecretMounts/ConfigMounts); what it
 * does beyond a file (an environment variable's or inline content copied in) is not done
 * here yet. */
#include "app/files.h"

#include <errno.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Where the file goes: a secret's relative target (or its name) under /run/secrets, a
 * config's at the root. */
static char *target_of(bool secret, const char *source, const char *target)
{
	if (target && target[0] == '/')
		return xstrdup(target);
	const char *name = target ? target : source;
	return secret ? xasprintf("/run/secrets/%s", name) : xasprintf("/%s", name);
}

static int one(const struct app_plan *p, const char *service, bool secret, json_t *ref,
	       json_t *mounts, struct berr **err)
{
	const char *kind = secret ? "secret" : "config";
	const char *source = str(ref, "source");
	json_t *def = json_object_get(json_object_get(p->model, secret ? "secrets" : "configs"),
				      source ? source : "");
	const char *file = str(def, "file");
	if (!def || !file)
		return berr_plain(err, ENOTSUP,
				  "service '%s': %s '%s': only a file source is supported by berth "
				  "compose yet",
				  service, kind, source ? source : "");
	if (strchr(file, ',') || strchr(file, '='))
		return berr_plain(err, EINVAL, "service '%s': %s '%s': file '%s' has a ',' or '='",
				  service, kind, source, file);
	static const char *const unkept[] = {"uid", "gid", "mode"};
	for (size_t i = 0; i < 3; i++)
		if (json_object_get(ref, unkept[i]))
			json_array_append_new(p->warnings,
					      json_sprintf("service \"%s\": %s %s: %s is ignored "
							   "(a bind keeps the file's)",
							   service, kind, source, unkept[i]));
	autofree char *target = target_of(secret, source, str(ref, "target"));
	if (strchr(target, ',') || strchr(target, '='))
		return berr_plain(err, EINVAL,
				  "service '%s': %s '%s': target '%s' has a ',' or '='", service,
				  kind, source, target);
	json_array_append_new(mounts,
			      json_sprintf("type=bind,source=%s,target=%s,readonly", file, target));
	return 0;
}

int app_service_files(const struct app_plan *p, const char *service, json_t *svc, json_t *mounts,
		      struct berr **err)
{
	static const char *const kinds[] = {"secrets", "configs"};
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		json_t *ref;
		json_array_foreach(json_object_get(svc, kinds[k]), i, ref)
		{
			int r = one(p, service, k == 0, ref, mounts, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
