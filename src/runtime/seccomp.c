/* Seccomp filters from config.json via libseccomp (runtime spec "Seccomp"). Syscall names the
 * library does not know on this architecture are skipped, as runc and crun do, so one profile
 * serves several kernels. */
#include "runtime/seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fdpass.h"
#include "util/json.h"
#include "util/xalloc.h"

static int parse_action(const char *name, int64_t errno_ret, bool has_errno, uint32_t *out,
			struct berr **err)
{
	int e = has_errno ? (int)errno_ret : EPERM;
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO((uint32_t)e);
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE((uint32_t)e);
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		*out = SCMP_ACT_NOTIFY;
	else
		return berr_set(err, EINVAL, "linux.seccomp: unknown action '%s'", name);
	return 0;
}

static int parse_op(const char *name, enum scmp_compare *out, struct berr **err)
{
	static const struct {
		const char *n;
		enum scmp_compare op;
	} ops[] = {{"SCMP_CMP_NE", SCMP_CMP_NE},
		   {"SCMP_CMP_LT", SCMP_CMP_LT},
		   {"SCMP_CMP_LE", SCMP_CMP_LE},
		   {"SCMP_CMP_EQ", SCMP_CMP_EQ},
		   {"SCMP_CMP_GE", SCMP_CMP_GE},
		   {"SCMP_CMP_GT", SCMP_CMP_GT},
		   {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].n, name)) {
			*out = ops[i].op;
			return 0;
		}
	return berr_set(err, EINVAL, "linux.seccomp: unknown operator '%s'", name);
}

static int add_rule(scmp_filter_ctx ctx, json_t *rule, uint32_t default_action, bool *notify,
		    struct berr **err)
{
	const char *w = "linux.seccomp.syscalls";
	const char *action_name = NULL;
	int64_t errno_ret = 0;
	bool has_errno = false;
	char **names = NULL;
	json_t *args = NULL;
	if (!json_is_object(rule))
		return berr_set(err, EINVAL, "%s: expected objects", w);
	int r;
	if ((r = json_opt_str(rule, w, "action", &action_name, err)) < 0 ||
	    (r = json_opt_i64(rule, w, "errnoRet", &errno_ret, &has_errno, err)) < 0 ||
	    (r = json_opt_strv(rule, w, "names", &names, err)) < 0 ||
	    (r = json_opt_array(rule, w, "args", &args, err)) < 0) {
		strv_free(names);
		return r;
	}
	uint32_t action;
	if (!action_name) {
		strv_free(names);
		return berr_set(err, EINVAL, "%s: action missing", w);
	}
	if ((r = parse_action(action_name, errno_ret, has_errno, &action, err)) < 0) {
		strv_free(names);
		return r;
	}
	*notify |= action == SCMP_ACT_NOTIFY;
	size_t nargs = json_array_size(args);
	if (nargs > 6) {
		strv_free(names);
		return berr_set(err, EINVAL, "%s: more than 6 args", w);
	}
	struct scmp_arg_cmp cmp[6];
	size_t i;
	json_t *a;
	json_array_foreach(args, i, a)
	{
		uint64_t index = 0, value = 0, two = 0;
		const char *op = NULL;
		if (json_opt_u64(a, "linux.seccomp.syscalls.args", "index", &index, NULL, err) <
			0 ||
		    json_opt_u64(a, "linux.seccomp.syscalls.args", "value", &value, NULL, err) <
			0 ||
		    json_opt_u64(a, "linux.seccomp.syscalls.args", "valueTwo", &two, NULL, err) <
			0 ||
		    json_opt_str(a, "linux.seccomp.syscalls.args", "op", &op, err) < 0 || !op ||
		    index > 5 || parse_op(op, &cmp[i].op, err) < 0) {
			strv_free(names);
			if (err && *err)
				return berr_ret(err);
			return berr_set(err, EINVAL, "%s.args[%zu]: index (0..5) and op required",
					w, i);
		}
		cmp[i].arg = (unsigned)index;
		cmp[i].datum_a = value;
		cmp[i].datum_b = two;
	}
	r = 0;
	for (char **n = names; n && *n && r == 0; n++) {
		int nr = seccomp_syscall_resolve_name(*n);
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown here: skip */
		if (action == default_action)
			continue; /* libseccomp refuses rules equal to the default */
		int rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)nargs, cmp);
		/* Several comparisons on one argument need one rule each (what runc does). */
		if (rc == -EINVAL && nargs > 1) {
			rc = 0;
			for (size_t k = 0; k < nargs && rc == 0; k++)
				rc = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[k]);
		}
		if (rc < 0 && rc != -EEXIST)
			r = berr_set(err, -rc, "linux.seccomp: add rule for '%s'", *n);
	}
	strv_free(names);
	return r;
}

static int set_flags(struct rt_seccomp *sc, char **flags, struct berr **err)
{
	scmp_filter_ctx ctx = sc->ctx;
	for (char **f = flags; f && *f; f++) {
		int rc = 0;
		if (!strcmp(*f, "SECCOMP_FILTER_FLAG_TSYNC")) {
			rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
			sc->kflags |= SECCOMP_FILTER_FLAG_TSYNC;
		} else if (!strcmp(*f, "SECCOMP_FILTER_FLAG_LOG")) {
			rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
			sc->kflags |= SECCOMP_FILTER_FLAG_LOG;
		} else if (!strcmp(*f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")) {
			rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
			sc->kflags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		} else if (!strcmp(*f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
			rc = 0; /* not in libseccomp 2.5; harmless to omit */
		else
			return berr_set(err, EINVAL, "linux.seccomp.flags: unknown flag '%s'", *f);
		if (rc < 0)
			return berr_set(err, -rc, "linux.seccomp.flags: '%s'", *f);
	}
	return 0;
}

/* listenerPath and listenerMetadata (they do not change the program) */
static int listener_fields(json_t *sj, struct rt_seccomp *sc, struct berr **err)
{
	const char *w = "linux.seccomp", *lpath = NULL, *lmeta = NULL;
	int r;
	if ((r = json_opt_str(sj, w, "listenerPath", &lpath, err)) < 0 ||
	    (r = json_opt_str(sj, w, "listenerMetadata", &lmeta, err)) < 0)
		return r;
	if (sc->notify && (!lpath || !*lpath))
		return berr_set(err, EINVAL, "%s.listenerPath: required with SCMP_ACT_NOTIFY", w);
	sc->listener_path = lpath ? xstrdup(lpath) : NULL;
	sc->listener_metadata = lmeta ? xstrdup(lmeta) : NULL;
	return 0;
}

/* What the program also depends on: libseccomp's version, the architecture, the kernel. */
static const char *build_id(char buf[160])
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	snprintf(buf, 160, "libseccomp %u.%u.%u arch %u kernel %.64s", v->major, v->minor, v->micro,
		 seccomp_arch_native(), u.release);
	return buf;
}

/* The filter from the config by libseccomp, into sc (ctx, notify, kflags, listener). */
static struct rt_seccomp *compile(json_t *sj, struct berr **err)
{
	const char *w = "linux.seccomp";
	const char *def = NULL;
	int64_t def_errno = 0;
	bool has_def_errno = false;
	char **arches = NULL, **flags = NULL;
	json_t *syscalls = NULL;
	if (json_opt_str(sj, w, "defaultAction", &def, err) < 0 ||
	    json_opt_i64(sj, w, "defaultErrnoRet", &def_errno, &has_def_errno, err) < 0 ||
	    json_opt_array(sj, w, "syscalls", &syscalls, err) < 0)
		return NULL;
	if (!def) {
		berr_set(err, EINVAL, "%s.defaultAction: missing", w);
		return NULL;
	}
	uint32_t default_action;
	if (parse_action(def, def_errno, has_def_errno, &default_action, err) < 0)
		return NULL;
	scmp_filter_ctx ctx = seccomp_init(default_action);
	if (!ctx) {
		berr_set(err, EINVAL, "%s: cannot initialise filter", w);
		return NULL;
	}
	struct rt_seccomp *sc = xzalloc(sizeof(*sc));
	sc->ctx = ctx;
	sc->notify = default_action == SCMP_ACT_NOTIFY;
	/* libseccomp sets no_new_privs itself unless told not to; whether the process gets it
	 * is process.noNewPrivileges' call alone. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) != 0) {
		berr_set(err, EINVAL, "%s: cannot clear the filter's no_new_privs attribute", w);
		goto fail;
	}
	if (json_opt_strv(sj, w, "architectures", &arches, err) < 0 ||
	    json_opt_strv(sj, w, "flags", &flags, err) < 0)
		goto fail;
	for (char **a = arches; a && *a; a++) {
		char name[64];
		const char *n = !strncmp(*a, "SCMP_ARCH_", 10) ? *a + 10 : *a;
		size_t k;
		for (k = 0; n[k] && k < sizeof(name) - 1; k++)
			name[k] = (char)(n[k] >= 'A' && n[k] <= 'Z' ? n[k] + 32 : n[k]);
		name[k] = '\0';
		uint32_t arch = seccomp_arch_resolve_name(name);
		if (!arch) {
			berr_set(err, EINVAL, "%s.architectures: unknown '%s'", w, *a);
			goto fail;
		}
		int rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST) {
			berr_set(err, -rc, "%s.architectures: add '%s'", w, *a);
			goto fail;
		}
	}
	if (set_flags(sc, flags, err) < 0)
		goto fail;
	size_t i;
	json_t *rule;
	json_array_foreach(syscalls, i, rule)
	{
		if (add_rule(ctx, rule, default_action, &sc->notify, err) < 0)
			goto fail;
	}
	if (listener_fields(sj, sc, err) < 0)
		goto fail;
	strv_free(arches);
	strv_free(flags);
	return sc;
fail:
	strv_free(arches);
	strv_free(flags);
	rt_seccomp_free(sc);
	return NULL;
}

/* Send the notify fd with the state to the listener (runtime spec: "containerProcessState"). */
int rt_seccomp_send_listener(const struct rt_seccomp *sc, int notify_fd, pid_t pid,
			     const char *state_json, struct berr **err)
{
	autoclose int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(sc->listener_path) >= sizeof(addr.sun_path))
		return berr_set(err, ENAMETOOLONG, "seccomp listener path");
	strcpy(addr.sun_path, sc->listener_path);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return berr_set(err, errno, "connect to seccomp listener '%s'", sc->listener_path);
	json_t *st = json_loads(state_json, 0, NULL);
	json_t *msg = json_pack("{s:s,s:[s],s:I,s:s?,s:o}", "ociVersion", "1.1.0", "fds",
				"seccompFd", "pid", (json_int_t)pid, "metadata",
				sc->listener_metadata, "state", st ? st : json_object());
	autofree char *text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	int r = fdpass_send(s, text, strlen(text), notify_fd);
	return r < 0 ? berr_set(err, -r, "send to seccomp listener") : 0;
}

/* The compiled program, as the kernel takes it. */
static int export_program(struct rt_seccomp *sc, struct berr **err)
{
	autoclose int mfd = memfd_create("berth-seccomp", MFD_CLOEXEC);
	if (mfd < 0)
		return berr_set(err, errno, "seccomp: memfd");
	int rc = seccomp_export_bpf(sc->ctx, mfd);
	if (rc < 0)
		return berr_set(err, -rc, "seccomp: export filter");
	off_t size = lseek(mfd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
	    size > RT_SECCOMP_INSNS_MAX * (off_t)sizeof(struct sock_filter))
		return berr_set(err, EINVAL, "seccomp: exported filter has a bad size");
	sc->insns = xmalloc((size_t)size);
	sc->n_insns = (size_t)size / sizeof(struct sock_filter);
	if (pread(mfd, sc->insns, (size_t)size, 0) != size)
		return berr_set(err, EIO, "seccomp: read exported filter");
	return 0;
}

struct rt_seccomp *rt_seccomp_build(json_t *sj, const char *cache_dir, struct berr **err)
{
	char key[SHA256_HEX_LEN + 1];
	char id[160];
	rt_seccomp_cache_key(sj, build_id(id), key);
	struct rt_seccomp *sc = NULL;
	if (cache_dir && rt_seccomp_cache_get(cache_dir, key, &sc) == 0) {
		if (listener_fields(sj, sc, err) < 0) {
			rt_seccomp_free(sc);
			return NULL;
		}
		return sc;
	}
	sc = compile(sj, err);
	if (!sc)
		return NULL;
	if (export_program(sc, err) < 0) {
		rt_seccomp_free(sc);
		return NULL;
	}
	/* the program is all the child needs; libseccomp's context can go */
	seccomp_release(sc->ctx);
	sc->ctx = NULL;
	if (cache_dir)
		rt_seccomp_cache_put(cache_dir, key, sc);
	return sc;
}

/* The program loaded with seccomp(2) itself: the flags libseccomp would have set are in
 * kflags (no_new_privs is not one: process.noNewPrivileges decides), and a listener is asked
 * for whenever a rule notifies or the config names a listenerPath (libseccomp asks only in
 * the first case; crun in both). */
int rt_seccomp_load(struct rt_seccomp *sc, int *notify_fd, struct berr **err)
{
	*notify_fd = -1;
	bool listener = sc->notify || (sc->listener_path && *sc->listener_path);
	struct sock_fprog prog = {.len = (unsigned short)sc->n_insns, .filter = sc->insns};
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  sc->kflags | (listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0), &prog);
	if (fd < 0)
		return berr_set(err, errno, "load seccomp filter");
	if (listener)
		*notify_fd = (int)fd;
	return 0;
}

void rt_seccomp_free(struct rt_seccomp *sc)
{
	if (!sc)
		return;
	int saved = errno;
	if (sc->ctx)
		seccomp_release(sc->ctx);
	free(sc->insns);
	free(sc->listener_path);
	free(sc->listener_metadata);
	free(sc);
	errno = saved;
}
