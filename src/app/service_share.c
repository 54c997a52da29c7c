/* What a service shares with another container (service.h): ipc: and pid: (the engine's --ipc
 * and --pid, engine/share.h) and volumes_from:, a "service:x" made x's container as Compose v2
 * names it. Docker's rules where the engine's differ: a service without ipc: is dockerd's
 * "private", which no one may join, and a service:x whose x is not shareable is refused before
 * anything is made. */
#include <stdbool.h>
#include <string.h>

#include "app/plan_types.h"
#include "app/service.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The container a "service:x" names: x's first (or its container_name), as Compose v2 picks
 * it; "container:x" names x itself. */
static const char *peer_container(const struct app_plan *p, struct app_service *s, const char *ref)
{
	if (!strncmp(ref, "container:", 10))
		return ref + 10;
	const char *name = ref + 8;
	json_t *peer = json_object_get(json_object_get(p->model, "services"), name);
	const char *cn = str(peer, "container_name");
	return cn ? cn : app_service_keep(s, json_sprintf("%s-%s-1", p->project, name));
}

/* Whether a service's ipc: lets another join it, as dockerd's getIpcContainer decides (the
 * donor has a /dev/shm to share): shareable, host, or one that joined another's; not Docker's
 * default, "private", which a service without ipc: gets (daemon default-ipc-mode). */
static bool ipc_shareable(const char *m)
{
	return m && (!strcmp(m, "shareable") || !strcmp(m, "host") || !strncmp(m, "service:", 8) ||
		     !strncmp(m, "container:", 10));
}

/* ipc: and pid: (the engine's --ipc and --pid, engine/share.h); service:x becomes x's
 * container, x refused here, before anything is made, when Docker would refuse joining its IPC
 * at start (the engine checks a container:x itself). */
static int namespace_mode(const struct app_plan *p, struct app_service *s, json_t *svc,
			  const char *key, const char *const *names, const char **out,
			  struct berr **err)
{
	const char *v = str(svc, key);
	*out = NULL;
	if (!v)
		return 0;
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(v, names[i])) {
			*out = v;
			return 0;
		}
	bool ref = (!strncmp(v, "service:", 8) && v[8]) || (!strncmp(v, "container:", 10) && v[10]);
	if (!ref)
		return berr_plain(err, EINVAL, "service '%s': %s '%s': invalid %s mode", s->name,
				  key, v, !strcmp(key, "ipc") ? "IPC" : "PID");
	const char *peer = peer_container(p, s, v);
	json_t *donor = json_object_get(json_object_get(p->model, "services"), v + 8);
	if (!strcmp(key, "ipc") && !strncmp(v, "service:", 8) && !ipc_shareable(str(donor, "ipc")))
		return berr_plain(
		    err, EINVAL,
		    "service '%s': ipc '%s': container %s: non-shareable IPC (hint: use "
		    "IpcMode:shareable for the donor container)",
		    s->name, v, peer);
	*out = app_service_keep(s, json_sprintf("container:%s", peer));
	return 0;
}

/* volumes_from: "x[:ro|:rw]" a service's container, "container:x[:ro|:rw]" a container. */
static int volumes_from(const struct app_plan *p, struct app_service *s, json_t *svc,
			struct berr **err)
{
	json_auto_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(svc, "volumes_from"), i, e)
	{
		const char *v = json_string_value(e) ?: "";
		bool container = !strncmp(v, "container:", 10);
		autofree char *ref = container ? xstrdup(v) : xasprintf("service:%s", v);
		char *colon = strchr(ref + (container ? 10 : 8), ':');
		const char *mode = colon ? colon + 1 : NULL;
		if (colon)
			*colon = 0;
		if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
			return berr_plain(err, EINVAL,
					  "service '%s': volumes_from '%s': the mode is ro or rw",
					  s->name, v);
		const char *name = peer_container(p, s, ref);
		json_array_append_new(out,
				      mode ? json_sprintf("%s:%s", name, mode) : json_string(name));
	}
	s->c.volumes_from = json_array_size(out) ? app_service_vec(s, json_incref(out)) : NULL;
	return 0;
}

int app_service_shared(const struct app_plan *p, struct app_service *s, json_t *svc,
		       struct berr **err)
{
	static const char *const ipcs[] = {"none", "private", "shareable", "host", NULL};
	static const char *const pids[] = {"host", NULL};
	int r = namespace_mode(p, s, svc, "ipc", ipcs, &s->c.ipc, err);
	if (r == 0 && !s->c.ipc && !s->vm)
		s->c.ipc = "private"; /* dockerd's default, which no one may join */
	if (r == 0)
		r = namespace_mode(p, s, svc, "pid", pids, &s->c.pid, err);
	if (r == 0)
		r = volumes_from(p, s, svc, err);
	return r;
}
