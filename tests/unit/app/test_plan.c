/* app/plan.c and app/service.c: a Compose model (the shape `berth compose config --format
 * json` prints) made into the engine's options: dependency order, Compose's names and labels,
 * each mapped field, the config hash, and the fields refused by name. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "app/files.h"
#include "app/plan.h"
#include "app/stop.h"
#include "app/up.h"
#include "util/err.h"
#include "util/json.h"

static const char *const model_text =
    "{\"name\": \"shop\","
    " \"services\": {"
    "  \"web\": {\"image\": \"berth/default\", \"command\": [\"httpd\", \"-f\"],"
    "   \"entrypoint\": [\"/bin/sh\", \"-c\"],"
    "   \"environment\": {\"A\": \"1\", \"UNSET\": null},"
    "   \"depends_on\": {\"db\": {\"condition\": \"service_healthy\", \"required\": true}},"
    "   \"ports\": [{\"mode\": \"ingress\", \"protocol\": \"tcp\", \"published\": \"8080\","
    "     \"target\": 80},"
    "    {\"host_ip\": \"127.0.0.1\", \"protocol\": \"udp\", \"target\": 53}],"
    "   \"networks\": {\"front\": {\"aliases\": [\"www\"]}, \"back\": {\"priority\": 10,"
    "     \"ipv4_address\": \"172.30.0.9\"}},"
    "   \"volumes\": [{\"type\": \"volume\", \"source\": \"data\", \"target\": \"/data\","
    "     \"read_only\": true},"
    "    {\"type\": \"bind\", \"source\": \"/srv\", \"target\": \"/srv\","
    "     \"bind\": {\"create_host_path\": true}},"
    "    {\"type\": \"tmpfs\", \"target\": \"/t\", \"tmpfs\": {\"size\": 1024}}],"
    "   \"ulimits\": {\"nofile\": {\"soft\": 10, \"hard\": 20}, \"nproc\": 5},"
    "   \"deploy\": {\"replicas\": 2, \"resources\": {\"limits\": {\"memory\": \"64m\","
    "     \"cpus\": \"0.5\", \"pids\": 100}}},"
    "   \"healthcheck\": {\"test\": [\"CMD-SHELL\", \"true\"], \"interval\": \"2s\","
    "     \"retries\": 4},"
    "   \"stop_grace_period\": \"1m30s\", \"restart\": \"unless-stopped\","
    "   \"labels\": {\"tier\": \"front\"}, \"extra_hosts\": [\"h=1.2.3.4\"]},"
    "  \"db\": {\"image\": \"pg\", \"container_name\": \"the-db\"}"
    " },"
    " \"networks\": {\"front\": {\"name\": \"shop_front\"}, \"back\": {\"name\": \"shop_back\","
    "   \"ipam\": {\"config\": [{\"subnet\": \"172.30.0.0/24\"}]}},"
    "   \"default\": {\"name\": \"shop_default\"}, \"ext\": {\"name\": \"outside\","
    "   \"external\": true}},"
    " \"volumes\": {\"data\": {\"name\": \"shop_data\"}}"
    "}";

/* The plan of a model (JSON text), the project's variables env (or NULL); or NULL and the
 * error's text. */
static struct app_plan *make_env(const char *text, json_t *env, char **out_err)
{
	json_error_t je;
	json_t *m = json_loads(text, 0, &je);
	assert_non_null(m);
	struct app_plan_opts o = {.workdir = "/w", .environment = env};
	struct app_plan *p = NULL;
	struct berr *err = NULL;
	*out_err = NULL;
	if (app_plan_make(m, &o, &p, &err) < 0) {
		*out_err = berr_string(err);
		berr_free(err);
	}
	json_decref(m);
	return p;
}

static struct app_plan *make(const char *text, char **out_err)
{
	return make_env(text, NULL, out_err);
}

static bool has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static void test_order_and_names(void **state)
{
	char *e;
	struct app_plan *p = make(model_text, &e);
	assert_non_null(p);
	assert_int_equal(p->n_services, 2);
	assert_string_equal(p->services[0].name, "db"); /* web depends on db */
	assert_string_equal(p->services[1].name, "web");
	const struct app_service *web = app_plan_service(p, "web");
	char *name = app_container_name(p, web, 2);
	assert_string_equal(name, "shop-web-2");
	free(name);
	name = app_container_name(p, app_plan_service(p, "db"), 1);
	assert_string_equal(name, "the-db");
	free(name);
	assert_int_equal(web->replicas, 2);
	char **l = app_container_labels(web, 2, false);
	assert_true(has(l, "com.docker.compose.project=shop"));
	assert_true(has(l, "com.docker.compose.service=web"));
	assert_true(has(l, "com.docker.compose.container-number=2"));
	assert_true(has(l, "com.docker.compose.oneoff=False"));
	assert_true(has(l, "com.docker.compose.project.working_dir=/w"));
	assert_true(has(l, "com.docker.compose.depends_on=db:service_healthy:true"));
	assert_true(has(l, "tier=front"));
	strv_free(l);
	assert_int_equal(p->n_networks, 4);
	assert_string_equal(p->networks[1].name, "shop_back");
	assert_string_equal(p->networks[1].net.subnet, "172.30.0.0/24");
	assert_true(has(p->networks[1].labels, "com.docker.compose.network=back"));
	assert_true(p->networks[3].external);
	assert_true(has(p->volumes[0].labels, "com.docker.compose.volume=data"));
	app_plan_free(p);
}

static void test_fields(void **state)
{
	char *e;
	struct app_plan *p = make(model_text, &e);
	assert_non_null(p);
	const struct eng_create *c = &app_plan_service(p, "web")->c;
	assert_string_equal(c->image, "berth/default");
	assert_string_equal(c->run.cmd[0], "httpd");
	assert_string_equal(c->run.entrypoint, "/bin/sh");
	assert_string_equal(c->run.entrypoint_rest[0], "-c");
	assert_true(has(c->run.env, "A=1"));
	assert_int_equal(strv_len(c->run.env), 1); /* null: left out */
	assert_true(has(c->publish, "8080:80/tcp"));
	assert_true(has(c->publish, "127.0.0.1::53/udp"));
	assert_true(has(c->mounts, "type=volume,source=shop_data,target=/data,readonly"));
	assert_true(has(c->mounts, "type=tmpfs,target=/t,tmpfs-size=1024"));
	assert_true(has(c->volumes, "/srv:/srv"));
	assert_true(has(c->run.ulimits, "nofile=10:20"));
	assert_true(has(c->run.ulimits, "nproc=5"));
	assert_int_equal(c->run.memory, 64 << 20);
	assert_true(c->run.cpus > 0.49 && c->run.cpus < 0.51);
	assert_int_equal(c->run.pids_limit, 100);
	assert_int_equal(c->stop_timeout, 90);
	assert_string_equal(c->restart, "unless-stopped");
	assert_true(has(c->add_hosts, "h:1.2.3.4"));
	assert_int_equal(json_integer_value(json_object_get(c->healthcheck, "Interval")),
			 2000000000LL);
	assert_int_equal(json_integer_value(json_object_get(c->healthcheck, "Retries")), 4);
	/* back (priority 10) first, with its address; front attached after, aliases kept */
	assert_string_equal(c->run.network, "shop_back");
	assert_string_equal(c->ip, "172.30.0.9");
	assert_true(has(c->aliases, "web"));
	const struct app_service *web = app_plan_service(p, "web");
	assert_int_equal(web->n_attach, 1);
	assert_string_equal(web->attach[0].name, "shop_front");
	assert_true(has(web->attach[0].aliases, "web"));
	assert_true(has(web->attach[0].aliases, "www"));
	/* no networks: the default one */
	assert_string_equal(app_plan_service(p, "db")->c.run.network, "shop_default");
	app_plan_free(p);
}

/* The hash follows the service's config, not its replicas. */
static void test_hash(void **state)
{
	char *e;
	struct app_plan *a = make(model_text, &e);
	json_error_t je;
	json_t *m = json_loads(model_text, 0, &je);
	json_t *web = json_object_get(json_object_get(m, "services"), "web");
	json_object_set_new(json_object_get(web, "deploy"), "replicas", json_integer(5));
	char *text = json_dumps(m, 0);
	struct app_plan *b = make(text, &e);
	free(text);
	assert_string_equal(app_plan_service(a, "web")->hash, app_plan_service(b, "web")->hash);
	json_object_set_new(web, "user", json_string("nobody"));
	text = json_dumps(m, 0);
	struct app_plan *c = make(text, &e);
	free(text);
	assert_string_not_equal(app_plan_service(a, "web")->hash, app_plan_service(c, "web")->hash);
	assert_string_equal(app_plan_service(a, "db")->hash, app_plan_service(c, "db")->hash);
	json_decref(m);
	app_plan_free(a);
	app_plan_free(b);
	app_plan_free(c);
}

static void refused(const char *svc, const char *want)
{
	char *text = NULL;
	if (asprintf(&text,
		     "{\"name\": \"p\", \"services\": {\"s\": %s}, \"networks\": {\"default\":"
		     " {\"name\": \"p_default\"}}}",
		     svc) < 0)
		fail();
	char *e;
	struct app_plan *p = make(text, &e);
	free(text);
	assert_null(p);
	assert_non_null(e);
	if (!strstr(e, want))
		fail_msg("'%s' does not say '%s'", e, want);
	free(e);
}

static void test_refused(void **state)
{
	refused("{\"image\": \"x\", \"secrets\": [{\"source\": \"a\"}]}",
		"secret 'a': it has no file, environment or content source");
	refused("{\"build\": {\"context\": \"/b\", \"ssh\": [\"default\"]}}",
		"build.ssh is not supported");
	refused("{\"image\": \"x\", \"container_name\": \"c\", \"deploy\": {\"replicas\": 2}}",
		"container_name");
	refused("{\"image\": \"x\", \"isolation\": \"hyperv\"}", "isolation 'hyperv'");
	refused("{\"image\": \"x\", \"logging\": {\"driver\": \"syslog\"}}", "logging driver");
	refused("{\"image\": \"x\", \"security_opt\": [\"apparmor=x\"]}", "security_opt");
}

static void test_warned(void **state)
{
	char *e;
	struct app_plan *p = make("{\"name\": \"p\", \"services\": {\"s\": {\"image\": \"x\","
				  " \"platform\": \"linux/amd64\"}}, \"networks\": {\"default\":"
				  " {\"name\": \"p_default\"}}}",
				  &e);
	assert_non_null(p);
	assert_int_equal(json_array_size(p->warnings), 1);
	assert_non_null(strstr(json_string_value(json_array_get(p->warnings, 0)), "platform"));
	app_plan_free(p);
}

/* A service built without image: is named <project>-<service>, its build section kept. */
static void test_build(void **state)
{
	char *e;
	struct app_plan *p =
	    make("{\"name\": \"p\", \"services\": {\"s\": {\"build\": {\"context\":"
		 " \"/b\", \"dockerfile\": \"Dockerfile\"}}}, \"networks\": "
		 "{\"default\": {\"name\": \"p_default\"}}}",
		 &e);
	assert_non_null(p);
	assert_string_equal(p->services[0].image, "p-s");
	assert_string_equal(p->services[0].c.image, "p-s");
	assert_non_null(p->services[0].build);
	app_plan_free(p);
}

/* Dependents stop first: web (nothing depends on it) before db, orphans in the first level. */
static void test_stop_levels(void **state)
{
	char *e;
	struct app_plan *p = make(model_text, &e);
	assert_non_null(p);
	json_t *cs = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}]", "Service", "db", "Service", "web",
			       "Service", "web", "Service", "gone");
	json_t *levels = app_stop_levels(p, cs);
	char *text = json_dumps(levels, JSON_COMPACT);
	assert_string_equal(text, "[[{\"Service\":\"web\"},{\"Service\":\"web\"},{\"Service\":"
				  "\"gone\"}],[{\"Service\":\"db\"}]]");
	free(text);
	json_decref(levels);
	json_decref(cs);
	app_plan_free(p);
}

/* Secrets and configs with a file: bound read-only, a secret under /run/secrets (its name or
 * a relative target), a config at /<name> or its absolute target; mode only warned about. */
static void test_files(void **state)
{
	char *e;
	struct app_plan *p = make(
	    "{\"name\": \"p\", \"services\": {\"s\": {\"image\": \"x\","
	    " \"secrets\": [{\"source\": \"api\"}, {\"source\": \"api\", \"target\": \"key\"}],"
	    " \"configs\": [{\"source\": \"web\"}, {\"source\": \"web\", \"target\":"
	    " \"/etc/w.conf\", \"mode\": 288}]}},"
	    " \"secrets\": {\"api\": {\"file\": \"/s/api.txt\"}, \"env\": {\"environment\": "
	    "\"X\"}},"
	    " \"configs\": {\"web\": {\"file\": \"/c/w.conf\"}},"
	    " \"networks\": {\"default\": {\"name\": \"p_default\"}}}",
	    &e);
	assert_non_null(p);
	char *const *m = p->services[0].c.mounts;
	assert_true(has(m, "type=bind,source=/s/api.txt,target=/run/secrets/api,readonly"));
	assert_true(has(m, "type=bind,source=/s/api.txt,target=/run/secrets/key,readonly"));
	assert_true(has(m, "type=bind,source=/c/w.conf,target=/web,readonly"));
	assert_true(has(m, "type=bind,source=/c/w.conf,target=/etc/w.conf,readonly"));
	assert_int_equal(json_array_size(p->warnings), 1);
	assert_non_null(strstr(json_string_value(json_array_get(p->warnings, 0)), "mode"));
	assert_int_equal(p->services[0].n_files, 0);
	app_plan_free(p);
	/* an environment secret whose variable is not set */
	p = make("{\"name\": \"p\", \"services\": {\"s\": {\"image\": \"x\","
		 " \"secrets\": [{\"source\": \"env\"}]}}, \"secrets\": {\"env\": "
		 "{\"environment\": \"X\", \"name\": \"p_env\"}},"
		 " \"networks\": {\"default\": {\"name\": \"p_default\"}}}",
		 &e);
	assert_null(p);
	assert_non_null(strstr(e, "secret 'env': environment variable \"X\" required by file "
				  "\"p_env\" is not set"));
	free(e);
	/* a target that would be read as more of the mount's options */
	p = make("{\"name\": \"p\", \"services\": {\"s\": {\"image\": \"x\","
		 " \"secrets\": [{\"source\": \"api\", \"target\": \"k,source=/etc\"}]}},"
		 " \"secrets\": {\"api\": {\"file\": \"/s/api.txt\"}},"
		 " \"networks\": {\"default\": {\"name\": \"p_default\"}}}",
		 &e);
	assert_null(p);
	assert_non_null(strstr(e, "has a ',' or '='"));
	free(e);
}

/* Secrets and configs of environment: or content: are files to copy in: their content read
 * from the project's variables or the model, targets cleaned as Go's path.Join, mode 0444 and
 * 0:0 unless given; the tar that carries one is a valid ustar entry. */
static void test_copied_files(void **state)
{
	char *e;
	json_t *env = json_pack("{s:s, s:s}", "TOKEN", "s3cret", "EMPTY", "");
	struct app_plan *p = make_env(
	    "{\"name\": \"p\", \"services\": {\"s\": {\"image\": \"x\","
	    " \"secrets\": [{\"source\": \"tok\"}, {\"source\": \"tok\", \"target\":"
	    " \"../../etc/./t\", \"mode\": 256, \"uid\": \"100\", \"gid\": \"101\"},"
	    " {\"source\": \"empty\"}],"
	    " \"configs\": [{\"source\": \"inline\"}, {\"source\": \"inline\", \"target\":"
	    " \"etc/app.conf\"}, {\"source\": \"none\"}]}},"
	    " \"secrets\": {\"tok\": {\"environment\": \"TOKEN\"}, \"empty\": {\"environment\":"
	    " \"EMPTY\"}},"
	    " \"configs\": {\"inline\": {\"content\": \"a=1\\n\"}, \"none\": {\"content\": \"\"}},"
	    " \"networks\": {\"default\": {\"name\": \"p_default\"}}}",
	    env, &e);
	json_decref(env);
	if (!p)
		fail_msg("%s", e);
	const struct app_service *s = &p->services[0];
	assert_int_equal(strv_len(s->c.mounts), 0);
	assert_int_equal(s->n_files, 5);
	assert_string_equal(s->files[0].target, "/run/secrets/tok");
	assert_string_equal(s->files[0].content, "s3cret");
	assert_int_equal(s->files[0].mode, 0444);
	assert_string_equal(s->files[1].target, "/etc/t"); /* path.Join's, above /run clamped */
	assert_int_equal(s->files[1].mode, 0400);
	assert_int_equal(s->files[1].uid, 100);
	assert_int_equal(s->files[1].gid, 101);
	/* a variable set but empty: an empty file; an empty content: none (warned), as v2 */
	assert_string_equal(s->files[2].target, "/run/secrets/empty");
	assert_int_equal(s->files[2].len, 0);
	assert_string_equal(s->files[3].target, "/inline");
	assert_int_equal(s->files[3].len, 4);
	assert_string_equal(s->files[4].target, "/etc/app.conf");
	assert_string_equal(s->files[4].kind, "config");
	assert_int_equal(json_array_size(p->warnings), 1);
	assert_non_null(strstr(json_string_value(json_array_get(p->warnings, 0)),
			       "config 'none': its content is empty"));
	/* the tar: one ustar entry, its checksum right, two zero blocks after its data */
	size_t len = 0;
	char *t = app_file_tar(&s->files[1], 1000, &len);
	assert_int_equal(len, 512 * 4);
	assert_string_equal(t, "etc/t");
	assert_string_equal(t + 100, "0000400");
	assert_string_equal(t + 108, "0000144");
	assert_string_equal(t + 116, "0000145");
	assert_string_equal(t + 124, "00000000006");
	assert_string_equal(t + 136, "00000001750");
	assert_int_equal(t[156], '0');
	assert_string_equal(t + 257, "ustar");
	unsigned sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += i >= 148 && i < 156 ? ' ' : (unsigned char)t[i];
	assert_int_equal(strtoul(t + 148, NULL, 8), sum);
	assert_memory_equal(t + 512, "s3cret", 6);
	for (size_t i = 512 + 6; i < len; i++)
		assert_int_equal(t[i], 0);
	free(t);
	app_plan_free(p);
	/* a long target: split into the header's prefix and name */
	struct app_file f = {
	    .target = "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
		      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    .content = "",
	    .mode = 0444};
	t = app_file_tar(&f, 0, &len);
	assert_string_equal(t,
			    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_string_equal(t + 345,
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	free(t);
	/* a uid that is not a number */
	env = json_pack("{s:s}", "T", "x");
	p = make_env("{\"name\": \"p\", \"services\": {\"s\": {\"image\": \"x\","
		     " \"secrets\": [{\"source\": \"t\", \"uid\": \"root\"}]}},"
		     " \"secrets\": {\"t\": {\"environment\": \"T\"}},"
		     " \"networks\": {\"default\": {\"name\": \"p_default\"}}}",
		     env, &e);
	json_decref(env);
	assert_null(p);
	assert_non_null(strstr(e, "secret 't': uid 'root' must be a number"));
	free(e);
	char *tg = app_file_target(false, "c", "/..");
	assert_string_equal(tg, "/");
	free(tg);
}

/* ipc, pid and volumes_from: service:x is x's first container (its container_name if it has
 * one), container:x is x; the engine's modes (engine/share.h) as they are, no ipc: Docker's
 * private; an ipc: service:x whose x is not shareable refused. */
static void test_shared(void **state)
{
	char *e;
	struct app_plan *p =
	    make("{\"name\": \"p\", \"services\": {"
		 " \"db\": {\"image\": \"i\", \"ipc\": \"shareable\"},"
		 " \"named\": {\"image\": \"i\", \"container_name\": \"the-named\"},"
		 " \"web\": {\"image\": \"i\", \"ipc\": \"service:db\", \"pid\":"
		 " \"service:named\", \"volumes_from\": [\"db\", \"named:ro\","
		 " \"container:ext:rw\", \"container:ext2\"]},"
		 " \"host\": {\"image\": \"i\", \"ipc\": \"host\", \"pid\": \"host\"},"
		 " \"other\": {\"image\": \"i\", \"ipc\": \"container:c1\", \"pid\":"
		 " \"container:c2\"}},"
		 " \"networks\": {\"default\": {\"name\": \"p_default\"}}}",
		 &e);
	if (!p)
		fail_msg("%s", e);
	const struct app_service *web = app_plan_service(p, "web");
	assert_string_equal(web->c.ipc, "container:p-db-1");
	assert_string_equal(web->c.pid, "container:the-named");
	assert_int_equal(strv_len(web->c.volumes_from), 4);
	assert_string_equal(web->c.volumes_from[0], "p-db-1");
	assert_string_equal(web->c.volumes_from[1], "the-named:ro");
	assert_string_equal(web->c.volumes_from[2], "ext:rw");
	assert_string_equal(web->c.volumes_from[3], "ext2");
	assert_string_equal(app_plan_service(p, "db")->c.ipc, "shareable");
	assert_null(app_plan_service(p, "db")->c.pid);
	assert_null(app_plan_service(p, "db")->c.volumes_from);
	assert_string_equal(app_plan_service(p, "host")->c.ipc, "host");
	assert_string_equal(app_plan_service(p, "host")->c.pid, "host");
	assert_string_equal(app_plan_service(p, "other")->c.ipc, "container:c1");
	assert_string_equal(app_plan_service(p, "other")->c.pid, "container:c2");
	/* no ipc: is dockerd's default, private (which no one may join) */
	assert_string_equal(app_plan_service(p, "named")->c.ipc, "private");
	app_plan_free(p);
	/* a donor that is not shareable (no ipc:, private, none) refused as dockerd does; host and
	 * a donor that joined another's are shareable */
	static const char *const donors[] = {"", ", \"ipc\": \"private\"", ", \"ipc\": \"none\"",
					     ", \"ipc\": \"host\"", ", \"ipc\": \"container:c\""};
	for (size_t i = 0; i < sizeof donors / sizeof *donors; i++) {
		char *text = NULL;
		if (asprintf(&text,
			     "{\"name\": \"p\", \"services\": {\"a\": {\"image\": \"i\","
			     " \"ipc\": \"service:b\"}, \"b\": {\"image\": \"i\"%s}},"
			     " \"networks\": {\"default\": {\"name\": \"p_default\"}}}",
			     donors[i]) < 0)
			fail();
		p = make(text, &e);
		free(text);
		if (i < 3) {
			assert_null(p);
			assert_string_equal(e, "service 'a': ipc 'service:b': container p-b-1: "
					       "non-shareable IPC (hint: use IpcMode:shareable for "
					       "the donor container)");
			free(e);
		} else {
			if (!p)
				fail_msg("%s", e);
			assert_string_equal(app_plan_service(p, "a")->c.ipc, "container:p-b-1");
			app_plan_free(p);
		}
	}
	refused("{\"image\": \"x\", \"ipc\": \"bogus\"}", "ipc 'bogus': invalid IPC mode");
	refused("{\"image\": \"x\", \"pid\": \"private\"}", "pid 'private': invalid PID mode");
	refused("{\"image\": \"x\", \"pid\": \"service:\"}", "invalid PID mode");
	refused("{\"image\": \"x\", \"volumes_from\": [\"a:z\"]}",
		"volumes_from 'a:z': the mode is ro or rw");
}

/* up's levels: independent services together, a dependent one level past its deepest
 * dependency; services not selected left out and not counted. */
static void test_up_levels(void **state)
{
	char *e;
	struct app_plan *p =
	    make("{\"name\": \"p\", \"services\": {"
		 " \"a\": {\"image\": \"i\"}, \"b\": {\"image\": \"i\"},"
		 " \"c\": {\"image\": \"i\", \"depends_on\": {\"a\": {}, \"b\": {}}},"
		 " \"d\": {\"image\": \"i\", \"depends_on\": {\"c\": {}}},"
		 " \"e\": {\"image\": \"i\", \"depends_on\": {\"a\": {}}}},"
		 " \"networks\": {\"default\": {\"name\": \"p_default\"}}}",
		 &e);
	assert_non_null(p);
	json_t *all =
	    json_pack("{s:b, s:b, s:b, s:b, s:b}", "a", 1, "b", 1, "c", 1, "d", 1, "e", 1);
	json_t *levels = app_up_levels(p, all);
	char *text = json_dumps(levels, JSON_COMPACT);
	assert_string_equal(text, "[[\"a\",\"b\"],[\"c\",\"e\"],[\"d\"]]");
	free(text);
	json_decref(levels);
	json_t *some = json_pack("{s:b, s:b}", "c", 1, "d", 1); /* --no-deps c d */
	levels = app_up_levels(p, some);
	text = json_dumps(levels, JSON_COMPACT);
	assert_string_equal(text, "[[\"c\"],[\"d\"]]");
	free(text);
	json_decref(levels);
	json_decref(some);
	json_decref(all);
	app_plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_and_names),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_warned),
	    cmocka_unit_test(test_stop_levels),
	    cmocka_unit_test(test_build),
	    cmocka_unit_test(test_up_levels),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_copied_files),
	    cmocka_unit_test(test_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
