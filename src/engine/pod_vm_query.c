/* top, stats and update of a member of a pod of one VM (see pod_vm.h): the member's processes
 * and cgroup are the guest's, so the guest answers (vm/guest/query.c) an exec session of the
 * infra's monitor whose records are a query ("query=top|stats|update", "member=ID", and the
 * query's own) with its output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/container_proc.h"
#include "engine/pod.h"
#include "engine/pod_vm.h"
#include "engine/stats.h"
#include "runtime/cgroup_stats.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/frame.h"
#include "util/xalloc.h"

#define ANSWER_MAX (4u << 20)

/* The guest's answer to query about member id (its record rec), NUL-terminated; more: further
 * records (more_len bytes) or NULL. */
static int query(const struct eng_store *s, json_t *rec, const char *id, const char *what,
		 const char *more, size_t more_len, char **out, struct berr **err)
{
	const char *pod_id = json_string_value(json_object_get(rec, "Pod"));
	json_t *pod = pod_id ? eng_pod_load(s, pod_id, err) : NULL;
	if (!pod)
		return pod_id ? berr_ret(err) : -ENOENT;
	autofree char *infra =
	    xstrdup(json_string_value(json_object_get(pod, "InfraContainerId")) ?: "");
	json_decref(pod);
	autoclose int sock = eng_attach_connect(s, infra, err);
	if (sock < 0)
		return berr_wrap(err, "the VM of pod %.12s", pod_id);
	size_t n = strlen("query=") + strlen(what) + 1 + strlen("member=") + strlen(id) + 1;
	if (n + more_len > FRAME_MAX)
		return berr_plain(err, EINVAL, "%s of container %.12s: too long", what, id);
	autofree char *recs = xmalloc(n + more_len + 1);
	snprintf(recs, n + 1, "query=%s%cmember=%s", what, '\0', id);
	if (more_len)
		memcpy(recs + n, more, more_len);
	/* the guest may answer, and the monitor end the session, before the end of stdin is
	 * written (a loaded host): the answer is read all the same */
	if (frame_exec_send(sock, recs, n + more_len, false) < 0)
		return berr_plain(err, EIO, "the pod's VM went away");
	autofree char *buf = xmalloc(FRAME_MAX + 1);
	char *text = xstrdup("");
	size_t have = 0;
	bool started = false;
	for (;;) {
		enum frame_stream st;
		size_t len;
		if (frame_read(sock, &st, buf, &len) <= 0) {
			free(text);
			return berr_plain(err, EIO, "the pod's VM went away");
		}
		if (frame_exec_early(&started, &st, buf, &len))
			continue;
		if (st == FRAME_ERROR || (st == FRAME_EXIT && strcmp(buf, "0"))) {
			/* the guest's reason: its output's last line (an error frame's text) */
			char *nl = have ? strrchr(text, '\n') : NULL;
			while (nl && nl > text && !nl[1]) {
				*nl = '\0';
				nl = strrchr(text, '\n');
			}
			int r =
			    berr_plain(err, EIO, "%s of container %.12s in its pod's VM: %s", what,
				       id, st == FRAME_EXIT && have ? (nl ? nl + 1 : text) : buf);
			free(text);
			return r;
		}
		if (st == FRAME_EXIT)
			break;
		if (st == FRAME_STDOUT && have + len < ANSWER_MAX) {
			text = xrealloc(text, have + len + 1);
			memcpy(text + have, buf, len);
			have += len;
			text[have] = '\0';
		}
	}
	*out = text;
	return 0;
}

bool eng_pod_vm_infra(const struct eng_store *s, const char *id)
{
	json_t *rec = eng_container_load(s, id, NULL);
	const char *pod_id = json_string_value(json_object_get(rec, "Pod"));
	json_t *pod = pod_id && json_is_true(json_object_get(rec, "PodInfra"))
			  ? eng_pod_load(s, pod_id, NULL)
			  : NULL;
	bool vm = pod && eng_pod_is_vm(pod);
	json_decref(pod);
	json_decref(rec);
	return vm;
}

int eng_pod_vm_top(const struct eng_store *s, json_t *rec, const char *id, const char *ps_args,
		   json_t **out_doc, struct berr **err)
{
	autofree char *cols = eng_pod_vm_ps_columns(ps_args, err);
	if (!cols)
		return berr_ret(err);
	autofree char *more = xasprintf("ps=%s", cols);
	autofree char *text = NULL;
	int r = query(s, rec, id, "top", more, strlen(more) + 1, &text, err);
	if (r < 0)
		return r;
	/* "PIDS p..." first: the member's processes (its cgroup's) */
	char *nl = strchr(text, '\n');
	if (strncmp(text, "PIDS", 4) || !nl)
		return berr_plain(err, EIO, "top of container %.12s: a bad answer", id);
	*nl = '\0';
	pid_t *pids = xcalloc(strlen(text) / 2 + 1, sizeof(*pids));
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(text + 4, " ", &save); t;
	     t = strtok_r(NULL, " ", &save))
		pids[n++] = (pid_t)atoi(t);
	*out_doc = eng_top_parse(nl + 1, pids, n, err);
	free(pids);
	return *out_doc ? 0 : berr_ret(err);
}

/* The lines of text that begin with prefix, without it (caller frees). */
static char *prefixed_lines(const char *text, const char *prefix)
{
	size_t pl = strlen(prefix), have = 0;
	char *out = xstrdup("");
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= pl && !strncmp(p, prefix, pl)) {
			out = xrealloc(out, have + len - pl + 2);
			memcpy(out + have, p + pl, len - pl);
			have += len - pl;
			out[have++] = '\n';
			out[have] = '\0';
		}
		p = nl ? nl + 1 : NULL;
	}
	return out;
}

int eng_pod_vm_stats(const struct eng_store *s, json_t *rec, const char *id,
		     struct eng_stats_sample *x, struct berr **err)
{
	autofree char *t = NULL;
	int r = query(s, rec, id, "stats", NULL, 0, &t, err);
	if (r < 0)
		return r;
	/* the guest's lines (vm/guest/query.c): cpu.stat's as they are, the one-number files
	 * as "FILE N", memory.events' as "events.KEY N", memory.stat's as "stat.KEY N" and
	 * io.stat's as "io LINE" */
	autofree char *cur = prefixed_lines(t, "memory.current ");
	autofree char *max = prefixed_lines(t, "memory.max ");
	autofree char *events = prefixed_lines(t, "events.");
	autofree char *mem = prefixed_lines(t, "stat.");
	autofree char *pids = prefixed_lines(t, "pids.current ");
	autofree char *pids_max = prefixed_lines(t, "pids.max ");
	autofree char *io = prefixed_lines(t, "io ");
	const struct rt_cgroup_v2_files f = {t, cur, max, events, mem, pids, pids_max, io};
	rt_cgroup_v2_usage_parse(&f, &x->cg);
	x->running = true;
	x->system_cpu_ns = rt_cgroup_keyed(t, "system_ns");
	x->online_cpus = (unsigned)rt_cgroup_keyed(t, "cpus");
	/* no limit of its own: the VM's memory */
	uint64_t vm = rt_cgroup_keyed(t, "memtotal"), lim = x->cg.mem_limit;
	x->mem_limit = lim && (!vm || lim < vm) ? lim : vm;
	/* the VM's /proc/net/dev ("net LINE") */
	autofree char *net = prefixed_lines(t, "net ");
	x->networks = eng_stats_parse_netdev(net, &x->net_rx_bytes, &x->net_tx_bytes);
	return 0;
}

int eng_pod_vm_update(const struct eng_store *s, json_t *rec, const char *id, json_t *res,
		      json_t *hc, struct berr **err)
{
	/* the cgroup's cpu.max is quota and period together: both from the record */
	json_t *full = json_deep_copy(res);
	json_t *cpu = json_object_get(full, "cpu");
	if (json_object_get(cpu, "quota") || json_object_get(cpu, "period")) {
		json_int_t nano = json_integer_value(json_object_get(hc, "NanoCpus"));
		json_int_t quota = json_integer_value(json_object_get(hc, "CpuQuota"));
		json_int_t period = json_integer_value(json_object_get(hc, "CpuPeriod"));
		if (nano > 0)
			quota = nano * 100000 / 1000000000, period = 100000;
		json_object_set_new(cpu, "quota", json_integer(quota > 0 ? quota : -1));
		json_object_set_new(cpu, "period", json_integer(period > 0 ? period : 100000));
	}
	size_t len = 0;
	autofree char *recs = eng_pod_vm_limit_records(NULL, &len, full);
	json_decref(full);
	if (!len)
		return 0;
	autofree char *text = NULL;
	return query(s, rec, id, "update", recs, len, &text, err);
}
