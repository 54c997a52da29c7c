/* A container's probes → its healthcheck (podman 4.3 maps the liveness probe this way). berth
 * has one healthcheck a container, so the first of livenessProbe, readinessProbe and
 * startupProbe is it and the others are warned about. exec runs its command as it is (exec
 * form); httpGet and tcpSocket become a shell command run in the container, as podman's do
 * (curl, here also busybox's wget; nc -z), so the image must have those tools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/check.h"
#include "kube/kube.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

/* A port: a number, or a name of the pod's container ports. */
static int port(const struct kdoc *d, json_t *obj, const char *path, json_t *pod, int64_t *out,
		struct berr **err)
{
	json_t *v = json_object_get(obj, "port");
	autofree char *p = kpath(path, "port");
	if (json_is_string(v))
		v = json_object_get(json_object_get(pod, "port_names"), json_string_value(v));
	if (!json_is_integer(v))
		return kfail(d, p, err, "a port number or the name of a containerPort");
	*out = json_integer_value(v);
	if (*out < 1 || *out > 65535)
		return kfail(d, p, err, "must be 1 to 65535");
	return 0;
}

/* Text put in single quotes in a shell command: no quote of its own, nothing unprintable. */
static int shell_safe(const struct kdoc *d, const char *path, const char *s, struct berr **err)
{
	for (const char *c = s; *c; c++)
		if (*c == '\'' || (unsigned char)*c < 0x20)
			return kfail(d, path, err,
				     "'%s': quotes and control characters are not "
				     "supported here",
				     s);
	return 0;
}

static int http_get(const struct kdoc *d, json_t *h, const char *path, json_t *pod, json_t **out,
		    struct berr **err)
{
	static const char *const keys[] = {"path", "port", "host", "scheme", NULL};
	static const char *const inert[] = {"httpHeaders", NULL};
	const char *upath = "/", *host = "localhost", *scheme = "HTTP";
	int64_t n = 0;
	int r = kkeys(d, h, path, keys, inert, err);
	if (r == 0)
		r = kstr(d, h, path, "path", &upath, err);
	if (r == 0)
		r = kstr(d, h, path, "host", &host, err);
	if (r == 0)
		r = kstr(d, h, path, "scheme", &scheme, err);
	if (r == 0)
		r = port(d, h, path, pod, &n, err);
	if (r == 0 && strcmp(scheme, "HTTP") && strcmp(scheme, "HTTPS"))
		r = kfail(d, path, err, "scheme '%s': HTTP or HTTPS", scheme);
	if (r == 0)
		r = shell_safe(d, path, upath, err);
	if (r == 0)
		r = shell_safe(d, path, host, err);
	if (r < 0)
		return r;
	autofree char *url =
	    xasprintf("%s://%s:%lld%s%s", strcmp(scheme, "HTTP") ? "https" : "http", host,
		      (long long)n, *upath == '/' ? "" : "/", upath);
	*out =
	    json_pack("[s, o]", "CMD-SHELL",
		      json_sprintf("if command -v curl >/dev/null 2>&1; then curl -fsS -o "
				   "/dev/null '%s'; else wget -q -O /dev/null '%s'; fi || exit 1",
				   url, url));
	return 0;
}

static int tcp_socket(const struct kdoc *d, json_t *t, const char *path, json_t *pod, json_t **out,
		      struct berr **err)
{
	static const char *const keys[] = {"port", "host", NULL};
	const char *host = "localhost";
	int64_t n = 0;
	int r = kkeys(d, t, path, keys, NULL, err);
	if (r == 0)
		r = kstr(d, t, path, "host", &host, err);
	if (r == 0)
		r = port(d, t, path, pod, &n, err);
	if (r == 0)
		r = shell_safe(d, path, host, err);
	if (r == 0)
		*out = json_pack("[s, o]", "CMD-SHELL",
				 json_sprintf("nc -z '%s' %lld || exit 1", host, (long long)n));
	return r;
}

static int test(const struct kdoc *d, json_t *pr, const char *path, json_t *pod, json_t **out,
		struct berr **err)
{
	json_t *exec = NULL, *http = NULL, *tcp = NULL, *cmd = NULL;
	int r = kobj(d, pr, path, "exec", &exec, err);
	if (r == 0)
		r = kobj(d, pr, path, "httpGet", &http, err);
	if (r == 0)
		r = kobj(d, pr, path, "tcpSocket", &tcp, err);
	if (r == 0 && json_object_get(pr, "grpc"))
		r = kfail(d, path, err, "grpc probes are not supported by berth");
	if (r == 0 && !!exec + !!http + !!tcp != 1)
		r = kfail(d, path, err, "one of exec, httpGet and tcpSocket");
	if (r < 0)
		return r;
	if (http) {
		autofree char *p = kpath(path, "httpGet");
		return http_get(d, http, p, pod, out, err);
	}
	if (tcp) {
		autofree char *p = kpath(path, "tcpSocket");
		return tcp_socket(d, tcp, p, pod, out, err);
	}
	autofree char *p = kpath(path, "exec");
	static const char *const ekeys[] = {"command", NULL};
	r = kkeys(d, exec, p, ekeys, NULL, err);
	if (r == 0)
		r = kstrs(d, exec, p, "command", &cmd, err);
	if (r == 0 && !json_array_size(cmd))
		r = kfail(d, p, err, "command is required");
	if (r < 0)
		return r;
	*out = json_pack("[s]", "CMD");
	json_array_extend(*out, cmd);
	return 0;
}

int kube_probe(const struct kdoc *d, json_t *c, const char *path, json_t *pod, json_t *svc,
	       struct berr **err)
{
	static const char *const names[] = {"livenessProbe", "readinessProbe", "startupProbe"};
	static const char *const keys[] = {"exec",
					   "httpGet",
					   "tcpSocket",
					   "grpc",
					   "initialDelaySeconds",
					   "periodSeconds",
					   "timeoutSeconds",
					   "failureThreshold",
					   "successThreshold",
					   NULL};
	static const char *const inert[] = {"terminationGracePeriodSeconds", NULL};
	bool done = false;
	for (size_t i = 0; i < 3; i++) {
		json_t *pr = NULL, *t = NULL;
		autofree char *p = kpath(path, names[i]);
		int64_t delay = 0, period = 10, timeout = 1, failures = 3, ok = 1;
		int r = kobj(d, c, path, names[i], &pr, err);
		if (r == 0 && pr)
			r = kkeys(d, pr, p, keys, inert, err);
		if (r == 0)
			r = kint(d, pr, p, "initialDelaySeconds", 0, 86400, &delay, err);
		if (r == 0)
			r = kint(d, pr, p, "periodSeconds", 1, 86400, &period, err);
		if (r == 0)
			r = kint(d, pr, p, "timeoutSeconds", 1, 86400, &timeout, err);
		if (r == 0)
			r = kint(d, pr, p, "failureThreshold", 1, 1000, &failures, err);
		if (r == 0)
			r = kint(d, pr, p, "successThreshold", 1, 1000, &ok, err);
		if (r == 0 && pr)
			r = test(d, pr, p, pod, &t, err);
		if (r < 0)
			return r;
		if (!pr)
			continue;
		if (done) {
			json_decref(t);
			kwarn(d, p,
			      "ignored: berth has one healthcheck a container (the first probe)");
			continue;
		}
		done = true;
		json_object_set_new(svc, "healthcheck",
				    json_pack("{s:o, s:o, s:o, s:I, s:o}", "test", t, "interval",
					      json_sprintf("%llds", (long long)period), "timeout",
					      json_sprintf("%llds", (long long)timeout), "retries",
					      (json_int_t)failures, "start_period",
					      json_sprintf("%llds", (long long)delay)));
	}
	return 0;
}
