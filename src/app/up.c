/* compose up (up.h): images, networks, volumes, then containers service by service, the
 * services of one level of the dependency graph at once (a child process each, as stop.c
 * stops them: the engine is single-threaded), as Compose v2 starts independent services
 * together. */
#include "app/up.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/files.h"
#include "engine/container.h"
#include "engine/create.h"
#include "engine/endpoint.h"
#include "engine/monitor.h"
#include "engine/network.h"
#include "engine/volume.h"
#include "image/builtin.h"
#include "image/http.h"
#include "image/image.h"
#include "image/pull.h"
#include "image/store.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void select_deps(const struct app_plan *p, const struct app_service *svc, json_t *sel)
{
	if (json_object_get(sel, svc->name))
		return;
	json_object_set_new(sel, svc->name, json_true());
	const char *k;
	json_t *v;
	json_object_foreach(svc->depends_on, k, v)
	{
		const struct app_service *d = app_plan_service(p, k);
		if (d)
			select_deps(p, d, sel);
	}
	if (svc->network_service && app_plan_service(p, svc->network_service))
		select_deps(p, app_plan_service(p, svc->network_service), sel);
}

json_t *app_selected(const struct app_plan *p, char *const *services, bool no_deps,
		     struct berr **err)
{
	json_t *sel = json_object();
	if (!services || !services[0]) {
		for (size_t i = 0; i < p->n_services; i++)
			json_object_set_new(sel, p->services[i].name, json_true());
		return sel;
	}
	for (size_t i = 0; services[i]; i++) {
		const struct app_service *svc = app_plan_service(p, services[i]);
		if (!svc) {
			json_decref(sel);
			berr_plain(err, EINVAL, "no such service: %s", services[i]);
			return NULL;
		}
		if (no_deps)
			json_object_set_new(sel, svc->name, json_true());
		else
			select_deps(p, svc, sel);
	}
	return sel;
}

static int image_present(struct img_store *is, const char *image, const char *pull,
			 const struct app_progress *pr, const char *svc, struct berr **err)
{
	if (img_builtin_is(image))
		return img_builtin_ensure(is, err);
	json_t *rec = img_image_lookup(is, image, NULL);
	json_decref(rec);
	if (rec && strcmp(pull, "always"))
		return 0;
	if (!rec && !strcmp(pull, "never"))
		return berr_plain(err, ENOENT, "no such image: %s (pull_policy never)", image);
	app_report(pr, "Service", svc, "Pulling");
	struct img_pull_opts po = {0};
	img_http_opts_default(&po.http);
	int r = img_pull(is, image, &po, NULL, NULL, err);
	if (r == 0)
		app_report(pr, "Service", svc, "Pulled");
	return r;
}

int app_pull(struct img_store *is, const struct app_plan *p, json_t *selected, const char *pull,
	     const struct app_progress *progress, struct berr **err)
{
	for (size_t i = 0; i < p->n_services; i++) {
		const struct app_service *svc = &p->services[i];
		if (!json_object_get(selected, svc->name))
			continue;
		if (svc->build && (!pull || strcmp(pull, "always"))) {
			/* built (app/build.h) when missing; pulled only when asked for */
			json_t *rec = img_image_lookup(is, svc->image, NULL);
			json_decref(rec);
			if (!rec)
				return berr_plain(err, ENOENT,
						  "service '%s': image %s is not built", svc->name,
						  svc->image);
			continue;
		}
		const char *policy = pull ? pull : svc->pull_policy ? svc->pull_policy : "missing";
		if (!strcmp(policy, "if_not_present"))
			policy = "missing";
		if (strcmp(policy, "missing") && strcmp(policy, "always") &&
		    strcmp(policy, "never"))
			return berr_plain(err, EINVAL, "service '%s': invalid pull policy '%s'",
					  svc->name, policy);
		if (image_present(is, svc->image, policy, progress, svc->name, err) < 0)
			return berr_wrap(err, "service '%s'", svc->name);
	}
	return 0;
}

static int networks(const struct eng_store *s, const struct app_plan *p,
		    const struct app_progress *pr, struct berr **err)
{
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct app_resource *n = &p->networks[i];
		json_t *rec = eng_network_load(s, n->name, NULL);
		json_decref(rec);
		if (rec)
			continue;
		if (n->external)
			return berr_plain(err, ENOENT,
					  "network %s declared as external, but could not be found",
					  n->name);
		char id[65];
		app_report(pr, "Network", n->name, "Creating");
		if (eng_network_create(s, &n->net, id, err) < 0)
			return berr_wrap(err, "network %s", n->name);
		app_report(pr, "Network", n->name, "Created");
	}
	return 0;
}

static int volumes(const struct eng_store *s, const struct app_plan *p,
		   const struct app_progress *pr, struct berr **err)
{
	for (size_t i = 0; i < p->n_volumes; i++) {
		const struct app_resource *v = &p->volumes[i];
		json_t *rec = eng_volume_load(s, v->name, NULL);
		json_decref(rec);
		if (rec)
			continue;
		if (v->external)
			return berr_plain(err, ENOENT, "external volume \"%s\" not found", v->name);
		autofree char *quoted = xasprintf("\"%s\"", v->name);
		app_report(pr, "Volume", quoted, "Creating");
		if (eng_volume_create(s, v->name, v->labels, false, true, NULL, err) < 0)
			return berr_wrap(err, "volume %s", v->name);
		app_report(pr, "Volume", quoted, "Created");
	}
	return 0;
}

/* labels with each "k=v" of more put in: a label of the same key replaced (run --label). */
static char **labels_with(char **labels, char *const *more)
{
	for (size_t i = 0; more && more[i]; i++) {
		const char *eq = strchr(more[i], '=');
		size_t klen = eq ? (size_t)(eq - more[i]) : strlen(more[i]);
		size_t n = strv_len(labels), k = 0;
		while (k < n && !(strncmp(labels[k], more[i], klen) == 0 && labels[k][klen] == '='))
			k++;
		if (k == n) {
			labels = xrealloc(labels, (n + 2) * sizeof(*labels));
			labels[n + 1] = NULL;
		} else {
			free(labels[k]);
		}
		labels[k] = eq ? xstrdup(more[i]) : xasprintf("%s=", more[i]);
	}
	return labels;
}

int app_resources(const struct eng_store *s, const struct app_plan *p,
		  const struct app_progress *pr, struct berr **err)
{
	int r = networks(s, p, pr, err);
	return r < 0 ? r : volumes(s, p, pr, err);
}

/* ipc: container:X (a service's is checked by the plan): X must be shareable as dockerd's
 * getIpcContainer wants (IpcMode shareable or host, or X joined another's); the engine also
 * lets in a container of berth's unset mode, which Docker's default ("private") would not. One
 * that does not resolve is left to eng_create's message. */
static int ipc_donor(const struct eng_store *s, const struct app_service *svc, const char *ipc,
		     struct berr **err)
{
	char id[ENG_ID_LEN + 1];
	if (!ipc || strncmp(ipc, "container:", 10) || eng_container_resolve(s, ipc + 10, id, NULL))
		return 0;
	json_auto_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	const char *m = str(json_object_get(rec, "HostConfig"), "IpcMode");
	if (m && (!strcmp(m, "shareable") || !strcmp(m, "host") || !strncmp(m, "container:", 10)))
		return 0;
	return berr_plain(err, EINVAL,
			  "service '%s': ipc '%s': container %s: non-shareable IPC (hint: use "
			  "IpcMode:shareable for the donor container)",
			  svc->name, ipc, ipc + 10);
}

int app_container_create(const struct eng_store *s, struct img_store *is, const struct app_plan *p,
			 const struct app_service *svc, const struct eng_create *c,
			 const char *name, int number, bool oneoff, char out_id[65],
			 struct berr **err)
{
	struct eng_create cc = c ? *c : svc->c;
	char **labels = labels_with(app_container_labels(svc, number, oneoff), cc.run.labels);
	autofree char *init = NULL, *vm_init = NULL, *mode = NULL;
	cc.name = name;
	cc.run.labels = labels;
	int r = 0;
	if (svc->init && !(init = img_builtin_file("berth-init", err)))
		r = berr_ret(err);
	cc.run.init = svc->init;
	cc.run.init_path = init;
	if (r == 0 && svc->vm && !(vm_init = img_builtin_file("berth-vm-init", err)))
		r = berr_ret(err);
	cc.vm_init_path = vm_init;
	if (r == 0 && svc->network_service) {
		const struct app_service *peer = app_plan_service(p, svc->network_service);
		autofree char *peer_name =
		    peer ? app_container_name(p, peer, 1) : xstrdup(svc->network_service);
		mode = xasprintf("container:%s", peer_name);
		cc.run.network = mode;
	}
	if (r == 0)
		r = ipc_donor(s, svc, cc.ipc, err);
	if (r == 0)
		r = eng_create(s, is, &cc, out_id, err);
	for (size_t i = 0; r == 0 && i < svc->n_attach; i++) {
		const struct app_attach *a = &svc->attach[i];
		r = eng_network_connect(s, a->name, out_id, a->ip, a->aliases, err);
		if (r < 0) {
			(void)eng_container_destroy(s, out_id, true, true, NULL);
			berr_wrap(err, "connect to network %s", a->name);
		}
	}
	/* secrets and configs of environment: or content:, copied in before it starts */
	if (r == 0 && (r = app_files_copy(s, svc, out_id, err)) < 0)
		(void)eng_container_destroy(s, out_id, true, true, NULL);
	strv_free(labels);
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Until the container is healthy; EIO when it is unhealthy or stops. */
static int wait_healthy(const struct eng_store *s, json_t *c, struct berr **err)
{
	const char *id = str(c, "Id"), *name = str(c, "Name");
	for (;;) {
		json_t *st = eng_state_load(s, id);
		const char *status = str(st, "Status");
		json_t *h = json_object_get(st, "Health");
		const char *hs = str(h, "Status");
		bool running = status && !strcmp(status, "running");
		int r = 1;
		if (!h && running)
			r = berr_plain(
			    err, EINVAL,
			    "dependency failed to start: container %s has no healthcheck "
			    "configured",
			    name);
		else if (hs && !strcmp(hs, "healthy"))
			r = 0;
		else if (hs && !strcmp(hs, "unhealthy"))
			r = berr_plain(err, EIO,
				       "dependency failed to start: container %s is unhealthy",
				       name);
		else if (!running && status && strcmp(status, "created") &&
			 strcmp(status, "restarting"))
			r = berr_plain(err, EIO,
				       "dependency failed to start: container %s exited (%d)", name,
				       (int)json_integer_value(json_object_get(st, "ExitCode")));
		json_decref(st);
		if (r <= 0)
			return r;
		sleep_ms(100);
	}
}

static int wait_one(const struct eng_store *s, json_t *c, const char *cond,
		    const struct app_progress *pr, struct berr **err)
{
	const char *name = str(c, "Name");
	if (!strcmp(cond, "service_healthy")) {
		app_report(pr, "Container", name, "Waiting");
		int r = wait_healthy(s, c, err);
		if (r == 0)
			app_report(pr, "Container", name, "Healthy");
		return r;
	}
	if (!strcmp(cond, "service_completed_successfully")) {
		app_report(pr, "Container", name, "Waiting");
		int code = 0;
		int r = eng_container_wait(s, str(c, "Id"), &code, err);
		if (r < 0)
			return r;
		if (code != 0)
			return berr_plain(err, EIO,
					  "service \"%s\" didn't complete successfully: exit %d",
					  str(c, "Service"), code);
		app_report(pr, "Container", name, "Exited");
	}
	return 0;
}

int app_wait_deps(const struct eng_store *s, const struct app_plan *p,
		  const struct app_service *svc, json_t *selected,
		  const struct app_progress *progress, struct berr **err)
{
	if (!json_object_size(svc->depends_on))
		return 0;
	json_t *all = app_containers(s, p->project, err);
	if (!all)
		return berr_ret(err);
	int r = 0;
	const char *k;
	json_t *v;
	json_object_foreach(svc->depends_on, k, v)
	{
		const char *cond = str(v, "condition") ? str(v, "condition") : "service_started";
		bool required = !json_is_false(json_object_get(v, "required"));
		size_t i, found = 0;
		json_t *c;
		json_array_foreach(all, i, c)
		{
			if (strcmp(str(c, "Service"), k) ||
			    json_is_true(json_object_get(c, "OneOff")))
				continue;
			found++;
			if ((r = wait_one(s, c, cond, progress, err)) < 0)
				break;
		}
		if (r < 0)
			break;
		if (!found && required && json_object_get(selected, k) && app_plan_service(p, k) &&
		    app_plan_service(p, k)->replicas > 0) {
			r = berr_plain(err, ENOENT, "service %s has no container to depend on", k);
			break;
		}
	}
	json_decref(all);
	return r;
}

static int start(const struct eng_store *s, const char *name, const char *id,
		 const struct app_progress *pr, struct berr **err)
{
	int sock = -1, status = 0;
	app_report(pr, "Container", name, "Starting");
	if (eng_monitor_start(s, id, false, &sock, &status, err) < 0)
		return berr_wrap(err, "start container %s", name);
	app_report(pr, "Container", name, "Started");
	return 0;
}

static int remove_one(const struct eng_store *s, json_t *c, const struct app_progress *pr,
		      struct berr **err)
{
	const char *name = str(c, "Name"), *id = str(c, "Id");
	if (!strcmp(str(c, "State"), "running") || !strcmp(str(c, "State"), "paused")) {
		app_report(pr, "Container", name, "Stopping");
		if (eng_container_stop(s, id, -1, err) < 0)
			return berr_wrap(err, "stop container %s", name);
		app_report(pr, "Container", name, "Stopped");
	}
	app_report(pr, "Container", name, "Removing");
	if (eng_container_destroy(s, id, true, false, err) < 0)
		return berr_wrap(err, "remove container %s", name);
	app_report(pr, "Container", name, "Removed");
	return 0;
}

static json_t *find(json_t *all, const char *service, int number)
{
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		if (!strcmp(str(c, "Service"), service) &&
		    json_integer_value(json_object_get(c, "Number")) == number &&
		    !json_is_true(json_object_get(c, "OneOff")))
			return c;
	}
	return NULL;
}

static int replicas(const struct app_service *svc, const struct app_up_opts *o)
{
	json_t *n = json_object_get(o->scale, svc->name);
	return json_is_integer(n) ? (int)json_integer_value(n) : svc->replicas;
}

/* Whether the service's image (name) is now another than the container was made from (pulled
 * or built since), which Compose v2 makes the container again for too. */
static bool image_changed(struct img_store *is, const char *image, json_t *have)
{
	json_t *img = img_image_lookup(is, image, NULL);
	const char *now = str(img, "id"), *was = str(json_object_get(have, "Record"), "Image");
	bool changed = now && was && strcmp(now, was);
	json_decref(img);
	return changed;
}

/* What up does, for the rooms of one service. */
struct up_ctx {
	const struct eng_store *s;
	struct img_store *is;
	const struct app_plan *p;
	const struct app_up_opts *o;
	json_t *made; /* {service: true}: a container of it made (again) */
};

/* A container kept whose dependency was made again (depends_on's restart: true). */
static int restart_kept(const struct eng_store *s, const char *name, const char *id,
			const struct app_progress *pr, struct berr **err)
{
	app_report(pr, "Container", name, "Restarting");
	if (eng_container_restart(s, id, -1, err) < 0)
		return berr_wrap(err, "restart container %s", name);
	app_report(pr, "Container", name, "Started");
	return 0;
}

/* One container of the service: kept, started, made again or made (1). */
static int converge_one(const struct up_ctx *u, const struct app_service *svc, int number,
			json_t *have, bool restart, struct berr **err)
{
	const struct eng_store *s = u->s;
	const struct app_up_opts *o = u->o;
	const struct app_progress *pr = &o->progress;
	autofree char *name = app_container_name(u->p, svc, number);
	bool stale = have && (o->force_recreate || strcmp(str(have, "Hash"), svc->hash) ||
			      image_changed(u->is, svc->image, have));
	if (have && (!stale || o->no_recreate)) {
		const char *state = str(have, "State");
		if (restart && !strcmp(state, "running") && !o->no_start)
			return restart_kept(s, name, str(have, "Id"), pr, err);
		if (!strcmp(state, "running") || !strcmp(state, "paused")) {
			app_report(pr, "Container", name, "Running");
			return 0;
		}
		return o->no_start ? 0 : start(s, name, str(have, "Id"), pr, err);
	}
	/* Compose v2 says Recreate before it stops the old one */
	app_report(pr, "Container", name, have ? "Recreate" : "Creating");
	int r = have ? remove_one(s, have, NULL, err) : 0;
	if (r < 0)
		return r;
	char id[ENG_ID_LEN + 1];
	if (app_container_create(s, u->is, u->p, svc, NULL, name, number, false, id, err) < 0)
		return berr_wrap(err, "create container %s", name);
	app_report(pr, "Container", name, have ? "Recreated" : "Created");
	json_object_set_new(u->made, svc->name, json_true());
	return o->no_start ? 0 : start(s, name, id, pr, err);
}

/* Whether a dependency with restart: true was made (again) by this up. */
static bool dep_made(const struct up_ctx *u, const struct app_service *svc)
{
	const char *k;
	json_t *v;
	json_object_foreach(svc->depends_on, k, v)
	{
		if (json_is_true(json_object_get(v, "restart")) && json_object_get(u->made, k))
			return true;
	}
	return false;
}

static int service_up(const struct up_ctx *u, const struct app_service *svc, json_t *selected,
		      struct berr **err)
{
	const struct eng_store *s = u->s;
	const struct app_plan *p = u->p;
	const struct app_up_opts *o = u->o;
	int r =
	    o->no_start || o->no_deps ? 0 : app_wait_deps(s, p, svc, selected, &o->progress, err);
	if (r < 0)
		return r;
	json_t *all = app_containers(s, p->project, err);
	if (!all)
		return berr_ret(err);
	int n = replicas(svc, o);
	bool restart = dep_made(u, svc);
	for (int i = 1; i <= n && r == 0; i++)
		r = converge_one(u, svc, i, find(all, svc->name, i), restart, err);
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		if (r == 0 && !strcmp(str(c, "Service"), svc->name) &&
		    !json_is_true(json_object_get(c, "OneOff")) &&
		    json_integer_value(json_object_get(c, "Number")) > n)
			r = remove_one(s, c, &o->progress, err);
	}
	json_decref(all);
	return r;
}

/* Containers of services the project no longer has. */
static int orphans(const struct eng_store *s, const struct app_plan *p, const struct app_up_opts *o,
		   struct berr **err)
{
	json_t *all = app_containers(s, p->project, err);
	if (!all)
		return berr_ret(err);
	autofree char *names = xstrdup("");
	int r = 0;
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		if (app_plan_service(p, str(c, "Service")) || r < 0)
			continue;
		if (o->remove_orphans) {
			r = remove_one(s, c, &o->progress, err);
			continue;
		}
		char *more = xasprintf("%s%s%s", names, *names ? " " : "", str(c, "Name"));
		free(names);
		names = more;
	}
	json_decref(all);
	if (*names) {
		autofree char *msg = xasprintf(
		    "Found orphan containers ([%s]) for this project. If you removed or renamed "
		    "this service in your compose file, you can run this command with the "
		    "--remove-orphans flag to clean it up.",
		    names);
		app_report(&o->progress, "WARN", msg, "");
	}
	return r;
}

/* --wait: every selected container running, and healthy when it has a check. */
static int wait_all(const struct eng_store *s, const struct app_plan *p, json_t *selected,
		    const struct app_progress *pr, struct berr **err)
{
	json_t *all = app_containers(s, p->project, err);
	if (!all)
		return berr_ret(err);
	int r = 0;
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		if (!json_object_get(selected, str(c, "Service")) ||
		    json_is_true(json_object_get(c, "OneOff")))
			continue;
		json_t *st = json_object_get(c, "Stateful");
		if (json_object_get(st, "Health"))
			r = wait_one(s, c, "service_healthy", pr, err);
		else if (strcmp(str(c, "State"), "running"))
			r = berr_plain(err, EIO, "container %s exited (%d)", str(c, "Name"),
				       (int)json_integer_value(json_object_get(c, "ExitCode")));
		if (r < 0)
			break;
	}
	json_decref(all);
	return r;
}

json_t *app_up_levels(const struct app_plan *p, json_t *selected)
{
	int *level = xcalloc(p->n_services + 1, sizeof(*level));
	json_t *levels = json_array();
	for (size_t i = 0; i < p->n_services; i++) {
		const struct app_service *svc = &p->services[i];
		if (!json_object_get(selected, svc->name))
			continue;
		for (size_t j = 0; j < i; j++) {
			const char *dep = p->services[j].name;
			bool on = json_object_get(svc->depends_on, dep) ||
				  (svc->network_service && !strcmp(svc->network_service, dep));
			if (on && json_object_get(selected, dep) && level[j] + 1 > level[i])
				level[i] = level[j] + 1;
		}
		while ((int)json_array_size(levels) <= level[i])
			json_array_append_new(levels, json_array());
		json_array_append_new(json_array_get(levels, (size_t)level[i]),
				      json_string(svc->name));
	}
	free(level);
	return levels;
}

#define APP_UP_MSG_MAX 4096

/* What a child tells its parent: the error's code (0: none), whether a container was made. */
struct up_word {
	int32_t code;
	uint8_t made;
};

static void up_child(struct up_ctx *u, const struct app_service *svc, json_t *sel, int fd)
{
	struct berr *err = NULL;
	struct up_word w = {0};
	int r = img_store_fork(u->is, &err);
	if (r == 0 && service_up(u, svc, sel, &err) < 0)
		r = berr_wrap(&err, "service %s", svc->name);
	w.code = r < 0 ? -r : 0; /* the chain's code (DESIGN.md "Errors") */
	w.made = json_object_get(u->made, svc->name) != NULL;
	autofree char *msg = r < 0 ? berr_string(err) : NULL;
	(void)!write(fd, &w, sizeof(w));
	if (msg)
		(void)!write(fd, msg, strnlen(msg, APP_UP_MSG_MAX));
	_exit(r < 0);
}

static int up_reap(struct up_ctx *u, const struct app_service *svc, pid_t pid, int fd, int r,
		   struct berr **err)
{
	char buf[sizeof(struct up_word) + APP_UP_MSG_MAX + 1];
	ssize_t n, got = 0;
	while (got < (ssize_t)sizeof(buf) - 1 &&
	       ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	buf[got] = 0;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	struct up_word w = {EIO, 0};
	if (got >= (ssize_t)sizeof(w))
		memcpy(&w, buf, sizeof(w));
	if (w.made)
		json_object_set_new(u->made, svc->name, json_true());
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && w.code == 0;
	if (!ok && r == 0)
		r = berr_plain(err, w.code > 0 ? w.code : EIO, "%s",
			       got > (ssize_t)sizeof(w) ? buf + sizeof(w)
							: "service up ended abnormally");
	return r;
}

/* One level's services: in this process when there is one, else a child each; the first
 * failure once all have ended (what the others made stays, as Compose leaves it). */
static int up_level(struct up_ctx *u, json_t *level, json_t *sel, struct berr **err)
{
	size_t n = json_array_size(level);
	const struct app_plan *p = u->p;
	if (n == 1) {
		const struct app_service *svc =
		    app_plan_service(p, json_string_value(json_array_get(level, 0)));
		return service_up(u, svc, sel, err) < 0 ? berr_wrap(err, "service %s", svc->name)
							: 0;
	}
	pid_t *pids = xcalloc(n, sizeof(*pids));
	int *fds = xcalloc(n, sizeof(*fds));
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		const struct app_service *svc =
		    app_plan_service(p, json_string_value(json_array_get(level, i)));
		fds[i] = -1;
		if (r < 0)
			continue;
		pids[i] = child_fork_piped(&fds[i]);
		if (pids[i] == 0)
			up_child(u, svc, sel, fds[i]);
		if (pids[i] < 0)
			r = berr_set(err, (int)-pids[i], "fork");
	}
	for (size_t i = 0; i < n; i++) {
		const struct app_service *svc =
		    app_plan_service(p, json_string_value(json_array_get(level, i)));
		if (pids[i] > 0)
			r = up_reap(u, svc, pids[i], fds[i], r, err);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	free(pids);
	free(fds);
	return r;
}

int app_up(const struct eng_store *s, struct img_store *is, const struct app_plan *p,
	   const struct app_up_opts *o, struct berr **err)
{
	json_t *sel = app_selected(p, o->services, o->no_deps, err);
	if (!sel)
		return berr_ret(err);
	int r = app_pull(is, p, sel, o->pull, &o->progress, err);
	if (r == 0)
		r = app_resources(s, p, &o->progress, err);
	if (r == 0)
		r = orphans(s, p, o, err);
	struct up_ctx u = {s, is, p, o, json_object()};
	json_t *levels = app_up_levels(p, sel);
	size_t i;
	json_t *level;
	json_array_foreach(levels, i, level)
	{
		if (r == 0)
			r = up_level(&u, level, sel, err);
	}
	json_decref(levels);
	json_decref(u.made);
	if (r == 0 && o->wait && !o->no_start)
		r = wait_all(s, p, sel, &o->progress, err);
	json_decref(sel);
	return r;
}
