/* A pod's lifecycle (see pod.h): each step is the container's own engine function, applied to
 * the pod's containers in podman's order: the infra first at a start, last at a stop or rm. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container_proc.h"
#include "engine/event.h"
#include "engine/monitor.h"
#include "engine/pod.h"
#include "engine/pod_vm.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static bool running(const struct eng_store *s, const char *id)
{
	json_t *st = eng_state_load(s, id);
	bool r = json_is_true(json_object_get(st, "Running"));
	json_decref(st);
	return r;
}

/* The pod's record and its infra's id ("" when it has none); NULL with err. */
static json_t *pod_and_infra(const struct eng_store *s, const char *id, const char **out_infra,
			     struct berr **err)
{
	json_t *pod = eng_pod_load(s, id, err);
	if (pod)
		*out_infra = json_string_value(json_object_get(pod, "InfraContainerId")) ?: "";
	return pod;
}

static void pod_event(const struct eng_store *s, json_t *pod, const char *action)
{
	eng_event_pod(s, json_string_value(json_object_get(pod, "Id")),
		      json_string_value(json_object_get(pod, "Name")), action);
}

/* Keep the first error: later ones are dropped. */
static int first(int r, int more, struct berr **err, struct berr **more_err)
{
	if (r < 0 || more >= 0) {
		berr_free(*more_err);
		*more_err = NULL;
		return r;
	}
	*err = *more_err;
	*more_err = NULL;
	return more;
}

static int start_one(const struct eng_store *s, const char *id, struct berr **err)
{
	if (running(s, id))
		return 0;
	int sock = -1, status = 0;
	int r = eng_monitor_start(s, id, false, &sock, &status, err);
	if (sock >= 0)
		(void)close(sock);
	return r;
}

int eng_pod_start(const struct eng_store *s, const char *id, struct berr **err)
{
	const char *infra;
	json_t *pod = pod_and_infra(s, id, &infra, err);
	if (!pod)
		return berr_ret(err);
	int r = *infra ? start_one(s, infra, err) : 0;
	char **members = r == 0 ? eng_pod_containers(s, id, false) : NULL;
	for (size_t i = 0; members && members[i]; i++) {
		struct berr *e = NULL;
		r = first(r, start_one(s, members[i], &e), err, &e);
	}
	strv_free(members);
	if (r == 0)
		pod_event(s, pod, "start");
	json_decref(pod);
	return r;
}

int eng_pod_stop(const struct eng_store *s, const char *id, int timeout_s, struct berr **err)
{
	const char *infra;
	json_t *pod = pod_and_infra(s, id, &infra, err);
	if (!pod)
		return berr_ret(err);
	char **members = eng_pod_containers(s, id, false);
	int r = 0;
	for (size_t i = 0; members[i]; i++) {
		struct berr *e = NULL;
		r = first(r, eng_container_stop(s, members[i], timeout_s, &e), err, &e);
	}
	strv_free(members);
	if (*infra) {
		struct berr *e = NULL;
		r = first(r, eng_container_stop(s, infra, timeout_s, &e), err, &e);
	}
	if (r == 0)
		pod_event(s, pod, "stop");
	json_decref(pod);
	return r;
}

int eng_pod_restart(const struct eng_store *s, const char *id, struct berr **err)
{
	int r = eng_pod_stop(s, id, -1, err);
	return r < 0 ? r : eng_pod_start(s, id, err);
}

int eng_pod_kill(const struct eng_store *s, const char *id, int sig, struct berr **err)
{
	const char *infra;
	json_t *pod = pod_and_infra(s, id, &infra, err);
	if (!pod)
		return berr_ret(err);
	char **all = eng_pod_containers(s, id, false);
	size_t n = 0;
	while (all[n])
		n++;
	if (*infra) {
		all = xrealloc(all, (n + 2) * sizeof(char *));
		all[n++] = xstrdup(infra);
		all[n] = NULL;
	}
	int r = 0, killed = 0;
	for (size_t i = 0; i < n; i++) {
		if (!running(s, all[i]))
			continue;
		struct berr *e = NULL;
		int k = eng_container_kill(s, all[i], sig, &e);
		killed += k == 0;
		r = first(r, k, err, &e);
	}
	strv_free(all);
	if (r == 0 && !killed)
		r = berr_plain(err, EINVAL, "no containers in pod %.12s are running", id);
	if (r == 0)
		pod_event(s, pod, "kill");
	json_decref(pod);
	return r;
}

int eng_pod_remove(const struct eng_store *s, const char *id, bool force, struct berr **err)
{
	const char *infra;
	json_t *pod = pod_and_infra(s, id, &infra, err);
	if (!pod)
		return berr_ret(err);
	char **members = eng_pod_containers(s, id, false);
	int r = 0;
	/* podman's: stopped containers go with the pod, running ones only with force */
	for (size_t i = 0; !force && members[i] && r == 0; i++)
		if (running(s, members[i]))
			r = berr_plain(err, EBUSY,
				       "pod %s has running containers: stop the pod first or "
				       "remove it with force",
				       json_string_value(json_object_get(pod, "Name")));
	for (size_t i = 0; r == 0 && members[i]; i++)
		r = eng_container_destroy(s, members[i], true, true, err);
	strv_free(members);
	/* the record first: the infra goes only when its pod is gone (eng_pod_infra_guard); one
	 * that then fails to go is an ordinary container, for rm. A pod whose infra alone runs
	 * is not refused: nothing of the user's runs. */
	if (r == 0) {
		eng_pod_shm_remove(s, id); /* before its directory: a mount point in it */
		eng_pod_vm_share_remove(s, id);
		autofree char *dir = xasprintf("%s/pods/%s", s->root, id);
		r = fs_rm_rf(AT_FDCWD, dir, err);
	}
	char ignore[ENG_ID_LEN + 1];
	if (r == 0 && *infra && eng_container_resolve(s, infra, ignore, NULL) == 0)
		r = eng_container_destroy(s, infra, true, true, err); /* its -v /anon too */
	if (r == 0) {
		eng_pod_cgroup_remove(pod);
		pod_event(s, pod, "remove");
	}
	json_decref(pod);
	return r;
}

int eng_pod_pause(const struct eng_store *s, const char *id, bool pause, struct berr **err)
{
	json_t *pod = eng_pod_load(s, id, err);
	if (!pod)
		return berr_ret(err);
	char **all = eng_pod_containers(s, id, true);
	int r = 0;
	/* podman's: a pod with nothing to pause (unpause) is no error */
	for (size_t i = 0; all[i]; i++) {
		json_t *st = eng_state_load(s, all[i]);
		bool paused = json_is_true(json_object_get(st, "Paused"));
		bool up = json_is_true(json_object_get(st, "Running"));
		json_decref(st);
		if (!up || paused == pause)
			continue;
		struct berr *e = NULL;
		/* a pod of one VM: the infra's VM pauses as a whole, its members are marked */
		r = first(r, eng_container_pause_in_pod(s, all[i], pause, &e), err, &e);
	}
	strv_free(all);
	if (r == 0)
		pod_event(s, pod, pause ? "pause" : "unpause");
	json_decref(pod);
	return r;
}

int eng_pod_prune(const struct eng_store *s, json_t *out_removed, struct berr **err)
{
	char **ids = NULL;
	int r = eng_pod_list(s, &ids, err);
	if (r < 0)
		return r;
	for (size_t i = 0; ids[i]; i++) {
		char **all = eng_pod_containers(s, ids[i], true);
		bool any = false;
		for (size_t k = 0; all[k]; k++)
			any = any || running(s, all[k]);
		strv_free(all);
		if (any)
			continue;
		struct berr *e = NULL;
		int one = eng_pod_remove(s, ids[i], false, &e);
		if (one == 0)
			json_array_append_new(out_removed, json_string(ids[i]));
		r = first(r, one, err, &e);
	}
	strv_free(ids);
	return r;
}

void eng_pod_after_exit(const struct eng_store *s, const char *id, json_t *rec)
{
	const char *pod_id = json_string_value(json_object_get(rec, "Pod"));
	if (!pod_id || json_is_true(json_object_get(rec, "PodInfra")))
		return;
	json_t *pod = eng_pod_load(s, pod_id, NULL);
	const char *infra = json_string_value(json_object_get(pod, "InfraContainerId")) ?: "";
	bool stop = !strcmp(json_string_value(json_object_get(pod, "ExitPolicy")) ?: "", "stop");
	char **members = stop ? eng_pod_containers(s, pod_id, false) : NULL;
	/* podman's: any member that has not exited (created, running, paused) keeps the pod */
	for (size_t i = 0; members && members[i] && stop; i++) {
		if (!strcmp(members[i], id))
			continue;
		json_t *st = eng_state_load(s, members[i]);
		const char *status = json_string_value(json_object_get(st, "Status")) ?: "created";
		stop = !strcmp(status, "exited") || !strcmp(status, "dead");
		json_decref(st);
	}
	strv_free(members);
	/* the infra alone runs: the pod stops (its members have; this one's monitor is ours) */
	struct berr *e = NULL;
	if (stop && *infra && running(s, infra)) {
		if (eng_container_stop(s, infra, -1, &e) == 0)
			pod_event(s, pod, "stop");
		berr_free(e);
	}
	json_decref(pod);
}
