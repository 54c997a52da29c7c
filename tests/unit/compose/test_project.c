/* compose/project.c and the rooms it drives: files merged, short syntax normalized, extends,
 * include, profiles, project names, and each validation error with its file:line. Files are
 * written to a temporary directory; the environment is the test's own. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "compose/project.h"
#include "compose/variables.h"
#include "util/err.h"
#include "util/xalloc.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/berth-compose-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	char *sub = xasprintf("%s/sub", dir);
	mkdir(sub, 0755);
	free(sub);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static char *const env[] = {"TAG=1.2", "EMPTY=", "HOME=/home/u", NULL};

/* Load files (NULL-terminated list; NULL: discovery) and return the model or the error. */
static struct cmp_project *load(const char *const *files, const char *const *profiles,
				char **out_err)
{
	struct cmp_options o = {
	    .files = files, .profiles = profiles, .workdir = dir, .environ = env};
	struct cmp_project *p = NULL;
	struct berr *err = NULL;
	*out_err = NULL;
	if (cmp_project_load(&o, &p, &err) < 0) {
		*out_err = berr_string(err);
		berr_free(err);
	}
	return p;
}

/* The JSON at a path of "a.b.c" keys, compact with sorted keys. */
static char *at(struct cmp_project *p, const char *path)
{
	json_t *j = p->model;
	char *copy = xstrdup(path);
	for (char *s = copy, *tok; j && (tok = strsep(&s, "."));)
		j = json_object_get(j, tok);
	free(copy);
	return j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY)
		 : xstrdup("absent");
}

static void check(struct cmp_project *p, const char *path, const char *want)
{
	char *got = at(p, path);
	char *w = xstrdup(want);
	for (char *c = w; *c; c++)
		if (*c == '\'')
			*c = '"';
	if (strcmp(got, w))
		fail_msg("%s: got %s\nwant %s", path, got, w);
	free(got);
	free(w);
}

static void test_normalize(void **state)
{
	put("compose.yaml",
	    "services:\n"
	    "  web:\n"
	    "    image: nginx:${TAG}\n"
	    "    ports: ['8080:80', '127.0.0.1::53/udp', 9000, {target: 1, published: 2}]\n"
	    "    volumes: ['./d:/d:ro,z', 'data:/var/lib:nocopy', '/anon', '~/x:/x']\n"
	    "    depends_on: [db]\n"
	    "    environment: [A=1, TAG, NOPE]\n"
	    "    env_file: sub/e.env\n"
	    "    labels: [l=v, bare]\n"
	    "    networks: [front]\n"
	    "    command: echo \"a b\" c\n"
	    "    healthcheck: {test: curl x}\n"
	    "    expose: [80]\n"
	    "  db:\n"
	    "    image: pg\n"
	    "    build: ./sub\n"
	    "networks: {front: {}}\n"
	    "volumes: {data: {}, unused: {}}\n");
	put("sub/e.env", "A=from-file\nB=2\n");
	char *msg;
	struct cmp_project *p = load(NULL, NULL, &msg);
	if (!p)
		fail_msg("%s", msg);
	char *base = strrchr(dir, '/') + 1;
	char *want_name = xstrdup(base);
	for (char *c = want_name; *c;) /* the name's rules: lower case, no dots */
		if (*c == '.')
			memmove(c, c + 1, strlen(c)); /* c is the next character now */
		else
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c), c++;
	assert_string_equal(p->name, want_name);
	check(p, "services.web.image", "'nginx:1.2'");
	check(p, "services.web.ports",
	      "[{'mode':'ingress','protocol':'tcp','published':'8080','target':80},"
	      "{'host_ip':'127.0.0.1','mode':'ingress','protocol':'udp','target':53},"
	      "{'mode':'ingress','protocol':'tcp','target':9000},"
	      "{'mode':'ingress','protocol':'tcp','published':'2','target':1}]");
	char *vols = xasprintf(
	    "[{'bind':{'create_host_path':true,'selinux':'z'},'read_only':true,'source':'%s/d',"
	    "'target':'/d','type':'bind'},"
	    "{'source':'data','target':'/var/lib','type':'volume','volume':{'nocopy':true}},"
	    "{'target':'/anon','type':'volume','volume':{}},"
	    "{'bind':{'create_host_path':true},'source':'%s/x','target':'/x','type':'bind'}]",
	    dir, getenv("HOME")); /* ~ is the process's $HOME, as Go's os.UserHomeDir */
	check(p, "services.web.volumes", vols);
	free(vols);
	check(p, "services.web.depends_on",
	      "{'db':{'condition':'service_started','required':true}}");
	check(p, "services.web.environment", "{'A':'1','B':'2','NOPE':null,'TAG':'1.2'}");
	check(p, "services.web.env_file", "absent");
	check(p, "services.web.labels", "{'bare':'','l':'v'}");
	check(p, "services.web.networks", "{'front':null}");
	check(p, "services.db.networks", "{'default':null}");
	check(p, "services.web.command", "['echo','a b','c']");
	check(p, "services.web.healthcheck.test", "['CMD-SHELL','curl x']");
	check(p, "services.web.expose", "['80']");
	char *build = xasprintf("{'context':'%s/sub','dockerfile':'Dockerfile'}", dir);
	check(p, "services.db.build", build);
	free(build);
	char *nets = xasprintf("{'default':{'name':'%s_default'},'front':{'name':'%s_front'}}",
			       want_name, want_name);
	check(p, "networks", nets);
	free(nets);
	char *v = xasprintf("{'data':{'name':'%s_data'}}", want_name);
	check(p, "volumes", v);
	free(v);
	free(want_name);
	cmp_project_free(p);
}

static void test_merge(void **state)
{
	put("a.yaml", "name: demo\n"
		      "services:\n"
		      "  web:\n"
		      "    image: a\n"
		      "    command: [one, two]\n"
		      "    ports: ['80:80']\n"
		      "    volumes: ['./x:/data', 'v:/keep']\n"
		      "    environment: {A: '1', B: '2'}\n"
		      "    cap_add: [NET_ADMIN]\n"
		      "volumes: {v: {}}\n");
	put("b.yaml", "services:\n"
		      "  web:\n"
		      "    image: b\n"
		      "    command: three\n"
		      "    ports: ['80:80', '81:81']\n"
		      "    volumes: ['./y:/data']\n"
		      "    environment: [B=3, C=4]\n"
		      "    cap_add: [NET_ADMIN, SYS_TIME]\n");
	const char *files[] = {"a.yaml", "b.yaml", NULL};
	char *msg;
	struct cmp_project *p = load(files, NULL, &msg);
	if (!p)
		fail_msg("%s", msg);
	assert_string_equal(p->name, "demo");
	check(p, "services.web.image", "'b'");
	check(p, "services.web.command", "['three']");
	check(p, "services.web.ports",
	      "[{'mode':'ingress','protocol':'tcp','published':'80','target':80},"
	      "{'mode':'ingress','protocol':'tcp','published':'81','target':81}]");
	char *vols =
	    xasprintf("[{'bind':{'create_host_path':true},'source':'%s/y','target':'/data',"
		      "'type':'bind'},"
		      "{'source':'v','target':'/keep','type':'volume','volume':{}}]",
		      dir);
	check(p, "services.web.volumes", vols);
	free(vols);
	check(p, "services.web.environment", "{'A':'1','B':'3','C':'4'}");
	check(p, "services.web.cap_add", "['NET_ADMIN','SYS_TIME']");
	cmp_project_free(p);
}

static void test_extends_include(void **state)
{
	put("sub/base.yaml", "services:\n"
			     "  base:\n"
			     "    image: base\n"
			     "    volumes: ['./here:/here']\n"
			     "    environment: {X: base}\n");
	put("sub/inc.yaml", "services:\n  cache:\n    image: redis:${V}\n");
	put("sub/inc.env", "V=7\n");
	put("main.yaml", "include:\n"
			 "  - path: sub/inc.yaml\n"
			 "    env_file: sub/inc.env\n"
			 "services:\n"
			 "  mid:\n"
			 "    extends: {file: sub/base.yaml, service: base}\n"
			 "    environment: {Y: mid}\n"
			 "  top:\n"
			 "    extends: mid\n"
			 "    environment: {X: top}\n");
	const char *files[] = {"main.yaml", NULL};
	char *msg;
	struct cmp_project *p = load(files, NULL, &msg);
	if (!p)
		fail_msg("%s", msg);
	check(p, "services.top.image", "'base'");
	check(p, "services.top.environment", "{'X':'top','Y':'mid'}");
	check(p, "services.top.extends", "absent");
	char *vols = xasprintf("[{'bind':{'create_host_path':true},'source':'%s/sub/here',"
			       "'target':'/here','type':'bind'}]",
			       dir);
	check(p, "services.top.volumes", vols);
	free(vols);
	check(p, "services.cache.image", "'redis:7'");
	cmp_project_free(p);
}

static void test_profiles(void **state)
{
	put("p.yaml", "name: prof\n"
		      "services:\n"
		      "  app: {image: a}\n"
		      "  debug: {image: d, profiles: [dbg, tools]}\n"
		      "  other: {image: o, profiles: [x]}\n");
	const char *files[] = {"p.yaml", NULL};
	char *msg;
	struct cmp_project *p = load(files, NULL, &msg);
	assert_non_null(p);
	check(p, "services.debug", "absent");
	check(p, "services.app.image", "'a'");
	char *all = json_dumps(p->profiles, JSON_COMPACT);
	assert_string_equal(all, "[\"dbg\",\"tools\",\"x\"]");
	free(all);
	cmp_project_free(p);
	const char *on[] = {"tools", NULL};
	p = load(files, on, &msg);
	check(p, "services.debug.image", "'d'");
	check(p, "services.other", "absent");
	cmp_project_free(p);
}

static void test_errors(void **state)
{
	static const struct {
		const char *yaml, *msg;
	} cases[] = {
	    {"services:\n  web:\n    image: x\n    imagee: y\n",
	     "e.yaml:4: services.web.imagee: unknown key 'imagee'"},
	    {"services:\n  web:\n    image: x\n    privileged: maybe\n",
	     "e.yaml:4: services.web.privileged: must be a boolean, not a string"},
	    {"services:\n  web:\n    image: x\n    ports: ['80:x']\n",
	     "e.yaml:4: services.web.ports[0]: invalid port '80:x'"},
	    {"services:\n  web:\n    image: x\n    ports: 80\n",
	     "e.yaml:4: services.web.ports: must be a sequence"},
	    {"services:\n  web:\n    image: x\n    ports: [80, true]\n",
	     "e.yaml:4: services.web.ports[1]: a port must be a string, an integer or a mapping"},
	    {"services:\n  web:\n    image: x\n    volumes: x\n",
	     "e.yaml:4: services.web.volumes: must be a sequence"},
	    {"services:\n  web:\n    image: x\n    volumes: ['/a:/b', 3]\n",
	     "e.yaml:4: services.web.volumes[1]: a volume must be a string or a mapping"},
	    {"services:\n  web:\n    image: x\n    secrets: [s, 3]\n"
	     "secrets: {s: {environment: X}}\n",
	     "e.yaml:4: services.web.secrets[1]: must be a name or a mapping with a source"},
	    {"services:\n  web:\n    image: x\n    configs: x\n",
	     "e.yaml:4: services.web.configs: must be a sequence"},
	    {"services:\n  web:\n    image: x\n    depends_on: [db]\n",
	     "e.yaml:4: services.web.depends_on.db: service 'web' depends on undefined service "
	     "'db'"},
	    {"services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n"
	     "    depends_on: [a]\n",
	     "e.yaml:4: services.a.depends_on: dependency cycle detected at service 'a'"},
	    {"services:\n  web:\n    image: x\n    networks: [nope]\n",
	     "e.yaml:4: services.web.networks.nope: service 'web' refers to undefined network "
	     "'nope'"},
	    {"services:\n  web:\n    image: x\n    volumes: ['nope:/x']\n",
	     "e.yaml:4: services.web.volumes[0]: service 'web' refers to undefined volume 'nope'"},
	    {"services:\n  web:\n    image: x\n    secrets: [s]\n",
	     "e.yaml:4: services.web.secrets[0]: service 'web' refers to undefined secret 's'"},
	    {"services:\n  a:\n    image: x\n    container_name: c\n  b:\n    image: x\n"
	     "    container_name: c\n",
	     "e.yaml:7: services.b.container_name: services 'a' and 'b' have the same "
	     "container_name 'c'"},
	    {"services:\n  web:\n    image: ${NEED:?please}\n",
	     "e.yaml:3: services.web.image: required variable NEED is missing a value: please"},
	    {"servics: {}\n", "e.yaml:1: servics: unknown key 'servics'"},
	    {"services:\n  web:\n    build: {context: ., bogus: 1}\n",
	     "e.yaml:3: services.web.build.bogus: unknown key 'bogus'"},
	    {"services:\n  web:\n    extends: web\n",
	     "e.yaml:3: services.web.extends: extends nested deeper than 16 (a cycle?)"},
	    {"services:\n  web: {}\n",
	     "e.yaml:2: services.web: service 'web' has neither an image nor a build context "
	     "specified"},
	    {"services:\n  web:\n    image: x\n    secrets:\n      - {source: s, mode: '9'}\n"
	     "secrets: {s: {environment: X}}\n",
	     "e.yaml:5: services.web.secrets[0].mode: must be a file mode from 0 to 07777"},
	    {"services:\n  web:\n    image: x\n    configs:\n      - {source: c, mode: 010000}\n"
	     "configs: {c: {content: x}}\n",
	     "e.yaml:5: services.web.configs[0].mode: must be a file mode from 0 to 07777"},
	    {"services:\n  web:\n    image: x\n    configs:\n      - {source: c, path: /x}\n"
	     "configs: {c: {content: x}}\n",
	     "e.yaml:5: services.web.configs[0].path: unknown key 'path'"},
	};
	const char *files[] = {"e.yaml", NULL};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		put("e.yaml", cases[i].yaml);
		char *msg;
		struct cmp_project *p = load(files, NULL, &msg);
		if (p)
			fail_msg("case %zu: no error", i);
		if (strcmp(msg, cases[i].msg))
			fail_msg("case %zu: got '%s'\nwant '%s'", i, msg, cases[i].msg);
		free(msg);
	}
	/* no file at all: ENOENT, which the command line turns into Compose's exit 14 */
	struct cmp_options o = {.workdir = "/nonexistent-dir", .environ = env};
	struct cmp_project *p = NULL;
	struct berr *err = NULL;
	assert_true(cmp_project_load(&o, &p, &err) < 0);
	assert_int_equal(berr_code(err), ENOENT);
	berr_free(err);
}

/* Secrets and configs: the long syntax's mode an octal string or a number (YAML's 0440 is
 * octal, as yaml.v3 reads it), uid and gid strings; an environment: source kept as written,
 * the project's variables kept for up to read it. */
static void test_file_refs(void **state)
{
	put("f.yaml",
	    "services:\n  web:\n    image: x\n    secrets:\n"
	    "      - tok\n      - {source: tok, mode: 0440, uid: 100, gid: '101'}\n"
	    "      - {source: tok, mode: '0640'}\n    configs: [{source: c, mode: 384}]\n"
	    "secrets: {tok: {environment: TAG}}\nconfigs: {c: {content: 'a ${TAG} $$b'}}\n");
	const char *files[] = {"f.yaml", NULL};
	char *msg;
	struct cmp_project *p = load(files, NULL, &msg);
	if (!p)
		fail_msg("%s", msg);
	check(p, "services.web.secrets",
	      "[{'source':'tok'},{'gid':'101','mode':288,'source':'tok','uid':'100'},"
	      "{'mode':416,'source':'tok'}]");
	check(p, "services.web.configs", "[{'mode':384,'source':'c'}]");
	check(p, "secrets.tok.environment", "'TAG'");
	check(p, "configs.c.content", "'a 1.2 $b'");
	assert_string_equal(json_string_value(json_object_get(p->environment, "TAG")), "1.2");
	cmp_project_free(p);
}

/* ipc, pid and volumes_from name services: they are dependencies, as compose-go adds them
 * (volumes_from's without restart); container: names no service. */
static void test_implicit_deps(void **state)
{
	put("d.yaml", "services:\n  a:\n    image: x\n    ipc: service:b\n"
		      "    volumes_from: ['c:ro', 'container:ext']\n  b:\n    image: x\n"
		      "  c:\n    image: x\n    pid: service:b\n");
	const char *files[] = {"d.yaml", NULL};
	char *msg;
	struct cmp_project *p = load(files, NULL, &msg);
	if (!p)
		fail_msg("%s", msg);
	check(p, "services.a.depends_on",
	      "{'b':{'condition':'service_started','required':true,'restart':true},"
	      "'c':{'condition':'service_started','required':true,'restart':false}}");
	check(p, "services.c.depends_on",
	      "{'b':{'condition':'service_started','required':true,'restart':true}}");
	check(p, "services.a.volumes_from", "['c:ro','container:ext']");
	cmp_project_free(p);
}

/* config SERVICE: the services named and their dependencies, the resources they use; a
 * named service of an inactive profile active; --services' order dependencies first. */
static void test_select(void **state)
{
	put("s.yaml",
	    "services:\n  web:\n    image: x\n    depends_on: [db]\n    networks: [front]\n"
	    "  db:\n    image: x\n    volumes: [data:/d]\n    networks: [back]\n"
	    "  a:\n    image: x\n    depends_on: [web]\n"
	    "  tool:\n    image: x\n    profiles: [t]\n"
	    "networks: {front: {}, back: {}}\nvolumes: {data: {}}\n");
	const char *files[] = {"s.yaml", NULL};
	char *msg;
	struct cmp_project *p = load(files, NULL, &msg);
	if (!p)
		fail_msg("%s", msg);
	json_t *order = cmp_project_service_order(p);
	char *text = json_dumps(order, JSON_COMPACT);
	assert_string_equal(text, "[\"db\",\"web\",\"a\"]");
	free(text);
	json_decref(order);
	struct berr *err = NULL;
	const char *bad[] = {"web", "nope", NULL};
	assert_int_equal(cmp_project_select(p, bad, &err), -ENOENT);
	berr_free(err);
	err = NULL;
	const char *sel[] = {"web", NULL};
	assert_int_equal(cmp_project_select(p, sel, &err), 0);
	check(p, "services.a", "absent");
	check(p, "services.db.image", "'x'");
	json_t *m = p->model;
	assert_non_null(json_object_get(json_object_get(m, "volumes"), "data"));
	assert_int_equal(json_object_size(json_object_get(m, "networks")), 2);
	assert_non_null(json_object_get(json_object_get(m, "networks"), "front"));
	cmp_project_free(p);
	/* a named service's profiles are active */
	const char *tool[] = {"tool", NULL};
	struct cmp_options o = {.files = files, .workdir = dir, .environ = env, .services = tool};
	p = NULL;
	assert_int_equal(cmp_project_load(&o, &p, &err), 0);
	assert_int_equal(cmp_project_select(p, tool, &err), 0);
	check(p, "services.tool.profiles", "['t']");
	check(p, "services.web", "absent");
	check(p, "volumes", "absent");
	assert_int_equal(json_object_size(json_object_get(p->model, "networks")), 1);
	assert_non_null(json_object_get(json_object_get(p->model, "networks"), "default"));
	cmp_project_free(p);
}

static void test_names(void **state)
{
	char *n = cmp_project_name_normalize("My App_1-x.y");
	assert_string_equal(n, "myapp_1-xy");
	free(n);
	put("n.yaml", "name: Bad Name\nservices: {a: {image: x}}\n");
	const char *files[] = {"n.yaml", NULL};
	char *msg;
	assert_null(load(files, NULL, &msg));
	assert_non_null(strstr(msg, "invalid project name 'Bad Name'"));
	free(msg);
}

/* config --variables: compose-go's ExtractVariables and combineVariable */
static void test_variables(void **state)
{
	json_t *m = json_pack("{s:[s,s], s:{s:s}, s:s, s:s}", "a",
			      "$$NOT ${REQ:?need ${MSG}} $PLAIN-x ${1BAD} $", "${D:-one} ${D:-two}",
			      "env", "k", "${ALT:+on} ${REQ} ${N:-${INNER:-deep}}", "open",
			      "${UNCLOSED:-x", "keys-${ARE}", "");
	json_t *v = json_object();
	cmp_variables_extract(m, v);
	char *got = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(
	    got, "{\"ALT\":{\"DefaultValue\":\"\",\"Name\":\"ALT\",\"PresenceValue\":\"on\","
		 "\"Required\":false},\"D\":{\"DefaultValue\":\"one\",\"Name\":\"D\","
		 "\"PresenceValue\":\"\",\"Required\":false},\"INNER\":{\"DefaultValue\":"
		 "\"deep\",\"Name\":\"INNER\",\"PresenceValue\":\"\",\"Required\":false},"
		 "\"MSG\":{\"DefaultValue\":\"\",\"Name\":\"MSG\",\"PresenceValue\":\"\","
		 "\"Required\":false},\"N\":{\"DefaultValue\":\"${INNER:-deep}\",\"Name\":"
		 "\"N\",\"PresenceValue\":\"\",\"Required\":false},\"PLAIN\":{"
		 "\"DefaultValue\":\"\",\"Name\":\"PLAIN\",\"PresenceValue\":\"\","
		 "\"Required\":false},\"REQ\":{\"DefaultValue\":\"\",\"Name\":\"REQ\","
		 "\"PresenceValue\":\"\",\"Required\":true}}");
	free(got);
	json_decref(v);
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalize),       cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_extends_include), cmocka_unit_test(test_profiles),
	    cmocka_unit_test(test_errors),          cmocka_unit_test(test_names),
	    cmocka_unit_test(test_file_refs),       cmocka_unit_test(test_implicit_deps),
	    cmocka_unit_test(test_select),          cmocka_unit_test(test_variables),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
