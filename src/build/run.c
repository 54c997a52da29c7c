/* RUN steps (see run.h). The container is an ordinary engine container, not --rm: its upper
 * directory must outlive the process, the builder takes it and removes the container. Its
 * labels say it is a build's, and whose (`ps -a` shows it while it runs; session.h). */
#include "build/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/copy.h"
#include "build/instruction.h"
#include "build/mount.h"
#include "build/ssh.h"
#include "build/step.h"
#include "engine/attach.h"
#include "engine/create.h"
#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

/* Output frames until the exit status. */
static int relay(int sock, const struct bld_run *r, int *out_status, struct berr **err)
{
	autofree char *buf = xmalloc(FRAME_MAX + 1);
	sigset_t block, open_mask;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	for (;;) {
		/* the flag is read with the signals held, and ppoll lets them in atomically: a
		 * signal between the two cannot be missed */
		sigprocmask(SIG_BLOCK, &block, &open_mask);
		bool stop = r->interrupted && *r->interrupted;
		struct pollfd pf = {.fd = sock, .events = POLLIN};
		int pr = stop ? 0 : ppoll(&pf, 1, NULL, &open_mask);
		sigprocmask(SIG_SETMASK, &open_mask, NULL);
		if (stop)
			return berr_plain(err, EINTR, "the build was interrupted");
		if (pr <= 0)
			continue;
		enum frame_stream st;
		size_t len;
		int n = frame_read(sock, &st, buf, &len);
		if (n <= 0)
			return berr_plain(err, EIO, "the RUN container's monitor went away");
		if (st == FRAME_EXIT) {
			*out_status = (int)strtol(buf, NULL, 10);
			return 0;
		}
		if ((st == FRAME_STDOUT || st == FRAME_STDERR) && r->output)
			r->output(r->ctx, (int)st, buf, len);
	}
}

/* Start under a monitor that waits for us, attach, relay. */
static int start_attached(const struct eng_store *s, const char *id, const struct bld_run *r,
			  int *out_status, struct berr **err)
{
	autoclose int sock = -1;
	int status = 125;
	int rr = eng_monitor_start(s, id, true, &sock, &status, err);
	if (rr < 0)
		return rr;
	return relay(sock, r, out_status, err);
}

int bld_run_step(const struct eng_store *s, struct img_store *is, const struct bld_run *r,
		 char out_id[ENG_ID_LEN + 1], int *out_status, struct berr **err)
{
	struct eng_create c = {
	    .image = r->image,
	    .run = {.cmd = r->argv,
		    .entrypoint = "", /* RUN ignores the image's ENTRYPOINT */
		    .env = r->env,
		    /* the build's default is the engine's (pasta as a user), not "bridge" said */
		    .network = r->network && strcmp(r->network, "bridge") ? r->network : NULL,
		    .labels = (char *const[]){"org.berth.build=1", (char *)r->session, NULL},
		    .ulimits = r->ulimits,
		    .shm_size = r->shm_size,
		    .privileged = r->privileged},
	    .add_hosts = r->add_hosts,
	    .stop_timeout = -1,
	    .attach_stdout = true,
	    .attach_stderr = true,
	    .mounts = r->mounts,
	    .isolation = r->isolation,
	    .vm_init_path = r->vm_init_path,
	};
	int cr = eng_create(s, is, &c, out_id, err);
	if (cr < 0)
		return cr;
	int rr = start_attached(s, out_id, r, out_status, err);
	if (rr < 0)
		(void)eng_container_destroy(s, out_id, true, true, NULL);
	return rr;
}

/* ---- RUN as a build step ---- */

/* What a RUN's mounts hold while it runs, released after. */
struct run_mounts {
	char **specs; /* --mount specs for the container */
	size_t n;
	char **extra; /* the cache key's words */
	size_t n_extra;
	int *fds; /* sources held open (their /proc/<pid>/fd paths are the specs') */
	size_t n_fds;
	char **mounts; /* image roots and overlays mounted for them */
	size_t n_mounts;
	char **dirs; /* directories to remove */
	size_t n_dirs;
	int *locks; /* cache mounts' flocks */
	size_t n_locks;
	char **env; /* secrets given as variables */
	size_t n_env;
	char **dests; /* where they go in the container */
	size_t n_dests;
	pid_t *relays; /* ssh agent relays (ssh.h) */
	size_t n_relays;
	char *ssh_sock; /* the first ssh mount's target: SSH_AUTH_SOCK, or NULL */
};

#define PUSH(arr, n, v)                                                                            \
	do {                                                                                       \
		(arr) = xrealloc((arr), ((n) + 2) * sizeof(*(arr)));                               \
		(arr)[(n)++] = (v);                                                                \
		(arr)[(n)] = 0;                                                                    \
	} while (0)

static void run_mounts_release(struct run_mounts *m)
{
	for (size_t i = 0; i < m->n_relays; i++)
		bld_ssh_relay_stop(m->relays[i]);
	free(m->relays);
	free(m->ssh_sock);
	for (size_t i = 0; i < m->n_fds; i++)
		(void)close(m->fds[i]);
	for (size_t i = m->n_mounts; i-- > 0;) {
		(void)umount2(m->mounts[i], MNT_DETACH);
		free(m->mounts[i]);
	}
	for (size_t i = 0; i < m->n_dirs; i++) {
		(void)fs_rm_rf(AT_FDCWD, m->dirs[i], NULL);
		free(m->dirs[i]);
	}
	for (size_t i = 0; i < m->n_locks; i++)
		(void)close(m->locks[i]);
	strv_free(m->specs);
	strv_free(m->extra);
	strv_free(m->env);
	strv_free(m->dests);
	free(m->fds);
	free(m->mounts);
	free(m->dirs);
	free(m->locks);
	*m = (struct run_mounts){0};
}

/* The host path of what fd (resolved inside its root) is, kept open until the RUN ends. Not
 * "/proc/<pid>/fd/N": the runtime binds it from a mount namespace of the container's, where
 * that magic link leads to a mount of ours, which bind refuses (EINVAL). The path is the
 * kernel's own name for the file, with no link in it; what it names is a read-only image root
 * of ours or the user's context, which the build's steps cannot change. */
static char *held_path(struct run_mounts *m, int fd, struct berr **err)
{
	PUSH(m->fds, m->n_fds, fd);
	char link[32], real[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, real, sizeof(real) - 1);
	if (n <= 0 || real[0] != '/') {
		berr_set(err, n < 0 ? errno : ENOENT, "resolve a bind mount's source");
		return NULL;
	}
	real[n] = '\0';
	if (strchr(real, ',')) {
		berr_plain(err, ENOTSUP, "a bind mount source with a comma in its path ('%s')",
			   real);
		return NULL;
	}
	return xstrdup(real);
}

/* A bind mount's source: the context, a stage's image or an image, with source inside it. */
static int bind_source(struct bld_build *b, const struct bld_mount *mt, const struct bld_ref *from,
		       struct run_mounts *m, char **out_src, struct berr **err)
{
	int rootfd = -1;
	autoclose int own = -1;
	char id[BLD_ID_LEN + 1] = "";
	if (from->kind == BLD_REF_NONE || from->kind == BLD_REF_CONTEXT) {
		struct bld_context *ctx = bld_ref_context(b, from);
		if (!ctx)
			return berr_plain(err, EINVAL, "a bind mount needs a build context");
		struct bld_root r;
		bld_context_root(ctx, &r);
		rootfd = r.fd;
		/* what the RUN reads from the context is part of its key, as a COPY's */
		char *src = mt->source ? mt->source : ".";
		struct bld_copy_opts co = {.srcs = &src, .n_srcs = 1, .dest = "/"};
		struct bld_copy_plan *plan = NULL;
		char sum[BLD_COPY_DIGEST_LEN + 1];
		int cr = bld_copy_plan(&r, &co, &plan, err);
		if (cr == 0)
			cr = bld_copy_checksum(plan, sum, err);
		bld_copy_plan_free(plan);
		if (cr < 0)
			return berr_wrap(err, "bind mount source '%s'", src);
		PUSH(m->extra, m->n_extra, xasprintf("bind-sum=%s", sum));
	} else {
		if (from->kind == BLD_REF_STAGE && !b->states[from->stage].done)
			return berr_plain(err, EINVAL, "stage %s is not built yet",
					  b->plan->stages[from->stage].name);
		const char *image = from->kind == BLD_REF_STAGE ? b->states[from->stage].id : id;
		int ir = from->kind == BLD_REF_IMAGE
			     ? b->o->image(b->o->image_ctx, from->image, id, err)
			     : 0;
		char *dir = NULL;
		if (ir == 0)
			ir = bld_image_root_make(b, from->kind == BLD_REF_SCRATCH ? "" : image,
						 &dir, err);
		if (ir < 0)
			return ir;
		PUSH(m->mounts, m->n_mounts, dir);
		rootfd = own = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return berr_set(err, errno, "open '%s'", dir);
		PUSH(m->extra, m->n_extra, xasprintf("bind-from=%s", image));
	}
	int fd = path_open_in_root(rootfd, mt->source ? mt->source : "/", O_PATH, 0, err);
	if (fd < 0)
		return berr_wrap(err, "bind mount source '%s'", mt->source ? mt->source : "/");
	*out_src = held_path(m, fd, err);
	return *out_src ? 0 : -EINVAL;
}

/* A writable bind: BuildKit's writes go nowhere, so an overlay on the source with an upper
 * that is thrown away. */
static int bind_writable(struct bld_build *b, struct run_mounts *m, char **src, struct berr **err)
{
	char *dir = bld_work_dir(b, "bind", err);
	if (!dir)
		return berr_ret(err);
	PUSH(m->dirs, m->n_dirs, dir);
	autofree char *upper = xasprintf("%s/u", dir), *work = xasprintf("%s/w", dir);
	char *merged = xasprintf("%s/m", dir);
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(merged, 0755) < 0) {
		free(merged);
		return berr_set(err, errno, "create '%s'", dir);
	}
	autofree char *opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", *src, upper, work);
	if (mount("overlay", merged, "overlay", 0, opts) < 0) {
		free(merged);
		return berr_set(err, errno, "writable bind mount");
	}
	PUSH(m->mounts, m->n_mounts, merged);
	free(*src);
	*src = xstrdup(merged);
	return 0;
}

/* A cache mount's directory, kept between builds under <work>/cache/<id's digest>, with its
 * sharing mode: shared as it is, locked behind a flock, private a fresh directory when another
 * RUN holds it. */
static int cache_dir(struct bld_build *b, const struct bld_mount *mt, struct run_mounts *m,
		     char **out, struct berr **err)
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(mt->id, strlen(mt->id), hex);
	autofree char *root = xasprintf("%s/cache", b->workdir);
	char *dir = xasprintf("%s/%s", root, hex);
	int r = fs_mkdir_p(root, 0700, err);
	if (r < 0) {
		free(dir);
		return r;
	}
	if (mkdir(dir, mt->mode ? mt->mode : 0755) == 0) {
		if (chown(dir, mt->uid, mt->gid) < 0 ||
		    chmod(dir, mt->mode ? mt->mode : 0755) < 0) {
			free(dir);
			return berr_set(err, errno, "cache mount '%s'", mt->id);
		}
	} else if (errno != EEXIST) {
		free(dir);
		return berr_set(err, errno, "cache mount '%s'", mt->id);
	}
	if (mt->sharing != BLD_SHARING_SHARED) {
		autofree char *lockpath = xasprintf("%s.lock", dir);
		int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock < 0) {
			free(dir);
			return berr_set(err, errno, "lock cache mount '%s'", mt->id);
		}
		int how = mt->sharing == BLD_SHARING_LOCKED ? LOCK_EX : LOCK_EX | LOCK_NB;
		if (flock(lock, how) < 0) {
			(void)close(lock);
			free(dir);
			/* private and taken: a directory of this RUN's own */
			dir = bld_work_dir(b, "cache", err);
			if (!dir)
				return berr_ret(err);
			PUSH(m->dirs, m->n_dirs, xstrdup(dir));
		} else {
			PUSH(m->locks, m->n_locks, lock);
		}
	}
	*out = dir;
	return 0;
}

/* A secret as a file of its own (its value from --secret's file or variable), or none. */
static const struct bld_secret *find_secret(struct bld_build *b, const char *id)
{
	for (size_t i = 0; i < b->o->n_secrets; i++)
		if (!strcmp(b->o->secrets[i].id, id))
			return &b->o->secrets[i];
	return NULL;
}

static int secret_mount(struct bld_build *b, const struct bld_mount *mt, const char *dest,
			struct run_mounts *m, struct berr **err)
{
	const struct bld_secret *s = find_secret(b, mt->id);
	autofree char *value = NULL;
	size_t len = 0;
	if (s && s->src && fs_read_file(AT_FDCWD, s->src, 1 << 20, &value, &len, err) < 0)
		return berr_wrap(err, "secret '%s'", mt->id);
	if (s && s->env) {
		const char *v = getenv(s->env);
		value = v ? xstrdup(v) : NULL;
		len = v ? strlen(v) : 0;
	}
	if (!value) {
		if (mt->required)
			return berr_plain(err, ENOENT, "secret %s: not found", mt->id);
		return 0;
	}
	if (mt->env)
		PUSH(m->env, m->n_env, xasprintf("%s=%s", mt->env, value));
	if (!dest)
		return 0;
	char *dir = bld_work_dir(b, "secret", err);
	if (!dir)
		return berr_ret(err);
	PUSH(m->dirs, m->n_dirs, dir);
	autofree char *file = xasprintf("%s/s", dir);
	if (fs_write_file(AT_FDCWD, file, value, len, mt->mode ? mt->mode : 0400, err) < 0 ||
	    chown(file, mt->uid, mt->gid) < 0 || chmod(file, mt->mode ? mt->mode : 0400) < 0)
		return err && *err ? -EIO : berr_set(err, errno, "secret '%s'", mt->id);
	PUSH(m->specs, m->n, xasprintf("type=bind,source=%s,target=%s,readonly", file, dest));
	return 0;
}

/* An ssh agent's socket for the RUN (ssh.h), read-only unless rw: a relay's socket of this
 * step's, never the agent's own; nothing when the agent was not given and it is optional. */
static int ssh_mount(struct bld_build *b, const struct bld_mount *mt, const char *dest,
		     struct run_mounts *m, struct berr **err)
{
	if (!m->ssh_sock)
		m->ssh_sock = xstrdup(dest);
	if (b->o->isolation)
		return berr_plain(err, ENOTSUP,
				  "RUN --mount=type=ssh with --isolation vm: an agent's socket "
				  "cannot reach a VM");
	char *dir = NULL;
	pid_t pid = 0;
	int r = bld_ssh_socket(b, mt, &dir, &pid, err);
	if (r <= 0)
		return r;
	PUSH(m->dirs, m->n_dirs, dir);
	PUSH(m->relays, m->n_relays, pid);
	PUSH(m->specs, m->n,
	     xasprintf("type=bind,source=%s/agent,target=%s%s", dir, dest,
		       mt->readonly ? ",readonly" : ""));
	return 0;
}

/* Every --mount of the RUN into container --mount specs and key words. */
static int run_mounts(struct bld_build *b, struct bld_state *st, const struct bld_plan_step *step,
		      const struct bld_run_flags *f, struct run_mounts *m, struct berr **err)
{
	const char *wd =
	    json_string_value(json_object_get(json_object_get(st->config, "config"), "WorkingDir"));
	for (size_t i = 0; i < f->n_mounts; i++) {
		const struct bld_mount *mt = &f->mounts[i];
		autofree char *dest = NULL;
		int r = mt->target ? bld_mount_dest(mt, wd && *wd ? wd : "/", &dest, err) : 0;
		if (r < 0)
			return r;
		if (dest && strchr(dest, ','))
			return berr_plain(err, ENOTSUP, "a mount target with a comma ('%s')", dest);
		const struct bld_ref none = {0};
		const struct bld_ref *from = i < step->n_mount_from ? &step->mount_from[i] : &none;
		char *src = NULL;
		r = 0;
		switch (mt->type) {
		case BLD_MOUNT_BIND:
			r = bind_source(b, mt, from, m, &src, err);
			if (r == 0 && !mt->readonly)
				r = bind_writable(b, m, &src, err);
			if (r == 0)
				PUSH(m->specs, m->n,
				     xasprintf("type=bind,source=%s,target=%s%s", src, dest,
					       mt->readonly ? ",readonly" : ""));
			break;
		case BLD_MOUNT_CACHE:
			r = cache_dir(b, mt, m, &src, err);
			if (r == 0)
				PUSH(m->specs, m->n,
				     xasprintf("type=bind,source=%s,target=%s%s", src, dest,
					       mt->readonly ? ",readonly" : ""));
			break;
		case BLD_MOUNT_TMPFS:
			PUSH(m->specs, m->n,
			     mt->size ? xasprintf("type=tmpfs,target=%s,tmpfs-size=%lld", dest,
						  (long long)mt->size)
				      : xasprintf("type=tmpfs,target=%s", dest));
			break;
		case BLD_MOUNT_SECRET:
			r = secret_mount(b, mt, dest, m, err);
			break;
		case BLD_MOUNT_SSH:
			r = ssh_mount(b, mt, dest, m, err);
			break;
		}
		free(src);
		if (r < 0)
			return r;
		if (dest)
			PUSH(m->dests, m->n_dests, xstrdup(dest));
		/* what the step depends on: the mount's kind and place (a secret's value and a
		 * cache's content are not, as BuildKit keys them) */
		PUSH(m->extra, m->n_extra,
		     xasprintf("mount=%d,%s,%s,%s,%d", (int)mt->type, dest ? dest : "",
			       mt->id ? mt->id : "", mt->source ? mt->source : "", mt->readonly));
	}
	return 0;
}

/* The command: the exec form as it is; the shell form through the stage's shell, with its
 * here-documents' bodies after it for the shell to read (BuildKit's way), except a RUN that is
 * a here-document alone, whose body is the script (a "#!" one run as the file it is). */
static char **run_argv(struct bld_build *b, json_t *config, const struct bld_instr *in,
		       struct run_mounts *m, struct berr **err)
{
	if (in->exec_form) {
		char **v = xcalloc(in->n_args + 1, sizeof(*v));
		for (size_t i = 0; i < in->n_args; i++)
			v[i] = xstrdup(in->args[i]);
		return v;
	}
	json_t *shell = bld_config_shell(config);
	size_t n = json_array_size(shell);
	char **v = xcalloc(n + 2, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(json_string_value(json_array_get(shell, i)) ?: "");
	json_decref(shell);
	const char *line = in->n_args ? in->args[0] : "";
	struct bld_heredoc only = {0};
	bool alone = in->n_heredocs == 1 && bld_heredoc_word(line, &only, NULL) == 1;
	free(only.name);
	if (alone && !strncmp(in->heredocs[0].content ?: "", "#!", 2)) {
		/* a script with its own interpreter: a file it is run as */
		char *dir = bld_work_dir(b, "script", err);
		if (!dir) {
			strv_free(v);
			return NULL;
		}
		PUSH(m->dirs, m->n_dirs, dir);
		autofree char *file = xasprintf("%s/script", dir);
		const char *c = in->heredocs[0].content;
		if (fs_write_file(AT_FDCWD, file, c, strlen(c), 0755, err) < 0 ||
		    chmod(file, 0755) < 0) {
			strv_free(v);
			return NULL;
		}
		PUSH(m->specs, m->n,
		     xasprintf("type=bind,source=%s,target=/dev/pipes/%s,readonly", file,
			       in->heredocs[0].name));
		strv_free(v);
		v = xcalloc(2, sizeof(*v));
		v[0] = xasprintf("/dev/pipes/%s", in->heredocs[0].name);
		return v;
	}
	char *cmd = xstrdup(alone ? in->heredocs[0].content ?: "" : line);
	for (size_t i = 0; !alone && i < in->n_heredocs; i++) {
		char *t =
		    xasprintf("%s\n%s%s", cmd, in->heredocs[i].content ?: "", in->heredocs[i].name);
		free(cmd);
		cmd = t;
	}
	v[n] = cmd;
	return v;
}

/* env (the stage's ENV and ARGs) has a "key=..." entry. */
static bool strv_has_key(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return true;
	return false;
}

/* BuildKit's history line for a RUN with ARGs: "RUN |2 A=1 B=2 /bin/sh -c ...". */
static char *run_created_by(const struct bld_instr *in, json_t *config, char *const *args)
{
	json_t *shell = bld_config_shell(config);
	char *by = bld_config_created_by(in, shell);
	json_decref(shell);
	size_t n = strv_len(args);
	if (!n)
		return by;
	char *pre = xasprintf("|%zu", n);
	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s %s", pre, args[i]);
		free(pre);
		pre = t;
	}
	char *out = xasprintf("RUN %s %s", pre, by + 4);
	free(pre);
	free(by);
	return out;
}

struct output_ctx {
	struct bld_build *b;
};

static void on_output(void *ctx, int stream, const char *data, size_t len)
{
	struct output_ctx *o = ctx;
	bld_event(o->b, (struct bld_event){
			    .kind = BLD_EV_OUTPUT, .stream = stream, .data = data, .len = len});
}

static const char *run_network(const struct bld_build *b, const struct bld_run_flags *f)
{
	if (f->network == BLD_RUN_NET_NONE)
		return "none";
	if (f->network == BLD_RUN_NET_HOST)
		return "host";
	return b->o->network ? b->o->network : "bridge";
}

/* The mount points the runtime made for the RUN's mounts are not the RUN's doing: what it made
 * (an empty directory or file at a target, and the empty directories above it) and the image
 * before did not have goes from the upper directory before it becomes a layer (BuildKit's
 * executor removes its mount stubs the same way). */
/* The directory rel ("/a/b", "" the root) below dirfd, each name opened O_NOFOLLOW. */
static int open_nofollow(int dirfd, const char *rel)
{
	int cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	autofree char *copy = xstrdup(rel);
	for (char *save = NULL, *name = strtok_r(copy, "/", &save); cur >= 0 && name;
	     name = strtok_r(NULL, "/", &save)) {
		int next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		(void)close(cur);
		cur = next;
	}
	return cur;
}

static int clean_stubs(struct bld_build *b, const char *parent, const struct run_mounts *m,
		       const char *upper, struct berr **err)
{
	if (!m->n_dests)
		return 0;
	char *lower = NULL;
	int r = bld_image_root_make(b, parent, &lower, err);
	if (r < 0)
		return r;
	autoclose int lowerfd = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
	autoclose int upperfd = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; lowerfd >= 0 && upperfd >= 0 && i < m->n_dests; i++) {
		autofree char *path = xstrdup(m->dests[i]);
		/* the target, then each directory above it, while each is a stub */
		for (char *slash; *path && strcmp(path, "/"); *slash = '\0') {
			autoclose int had =
			    path_open_in_root(lowerfd, path, O_PATH | O_NOFOLLOW, 0, NULL);
			if (had >= 0)
				break;
			/* the upper directory is on the host, and the RUN's process made what is
			 * in it: its parent reached one directory at a time, no link followed */
			slash = strrchr(path, '/');
			*slash = '\0';
			autoclose int dir = open_nofollow(upperfd, path);
			*slash = '/';
			struct stat sb;
			if (dir < 0 || fstatat(dir, slash + 1, &sb, AT_SYMLINK_NOFOLLOW) < 0)
				break;
			int flags = S_ISDIR(sb.st_mode) ? AT_REMOVEDIR : 0;
			if ((!S_ISDIR(sb.st_mode) && !(S_ISREG(sb.st_mode) && sb.st_size == 0)) ||
			    unlinkat(dir, slash + 1, flags) < 0)
				break; /* not empty: the RUN put something there, it stays */
			if (slash == path)
				break;
		}
	}
	bld_image_root_release(lower);
	return 0;
}

/* Run it, and its container's changes become the step's image. */
static int run_and_commit(struct bld_build *b, struct bld_state *st, const struct bld_instr *in,
			  char *const *argv, char *const *env, const struct bld_run_flags *f,
			  struct run_mounts *m, const char *key, const char *created_by,
			  struct berr **err)
{
	struct output_ctx oc = {.b = b};
	struct bld_run r = {.image = st->id,
			    .argv = argv,
			    .env = env,
			    .network = run_network(b, f),
			    .privileged = f->security == BLD_RUN_INSECURE,
			    .mounts = m->specs,
			    .isolation = b->o->isolation,
			    .vm_init_path = b->o->vm_init_path,
			    .session = b->session.label,
			    .add_hosts = b->o->add_hosts,
			    .ulimits = b->o->ulimits,
			    .shm_size = b->o->shm_size,
			    .output = on_output,
			    .ctx = &oc,
			    .interrupted = b->o->interrupted};
	char id[ENG_ID_LEN + 1];
	int status = 0;
	int rr = bld_run_step(b->s, b->is, &r, id, &status, err);
	if (rr < 0)
		return rr;
	if (status != 0) {
		autofree char *cmd = xstrdup("");
		for (char *const *a = argv; *a; a++) {
			char *t = xasprintf("%s%s%s", cmd, *cmd ? " " : "", *a);
			free(cmd);
			cmd = t;
		}
		rr = berr_plain(err, EIO,
				"process \"%s\" did not complete successfully: exit code: %d", cmd,
				status);
	} else {
		autofree char *upper = eng_container_path(b->s, id, "diff");
		rr = clean_stubs(b, st->id, m, upper, err);
		if (rr == 0)
			rr = bld_step_commit(b, st, created_by, upper, true, key, err);
	}
	(void)eng_container_destroy(b->s, id, true, true, NULL);
	return rr;
}

/* The RUN's environment: the stage's variables, then what its mounts add (a secret's env=),
 * and SSH_AUTH_SOCK the first ssh mount's unless the RUN sets one (llb's ExecState). */
static char **run_env(const struct bld_state *st, const struct run_mounts *m)
{
	char **env = bld_vars_run_env(&st->vars);
	for (size_t i = 0; i < m->n_env; i++) {
		size_t n = strv_len(env);
		env = xrealloc(env, (n + 2) * sizeof(*env));
		env[n] = xstrdup(m->env[i]);
		env[n + 1] = NULL;
	}
	if (m->ssh_sock && !strv_has_key(env, "SSH_AUTH_SOCK")) {
		size_t n = strv_len(env);
		env = xrealloc(env, (n + 2) * sizeof(*env));
		env[n] = xasprintf("SSH_AUTH_SOCK=%s", m->ssh_sock);
		env[n + 1] = NULL;
	}
	return env;
}

int bld_run_instr(struct bld_build *b, size_t stage, struct bld_state *st,
		  const struct bld_plan_step *step, const struct bld_instr *in, struct berr **err)
{
	(void)stage;
	if (!*st->id)
		return berr_plain(err, EINVAL,
				  "RUN in a stage FROM scratch: there is nothing to run");
	struct bld_expand x;
	bld_vars_expander(&st->vars, &x);
	struct bld_run_flags f = {0};
	struct run_mounts m = {0};
	char **argv = NULL, **env = NULL, **args = NULL;
	int r = bld_run_flags_parse(in, &x, &f, err);
	/* BuildKit's ValidateEntitlements: the build must be given the entitlement */
	if (r == 0 && f.security == BLD_RUN_INSECURE && !b->o->allow_insecure)
		r = berr_plain(err, EPERM, "security.insecure is not allowed");
	if (r == 0)
		r = run_mounts(b, st, step, &f, &m, err);
	if (r == 0 && !(argv = run_argv(b, st->config, in, &m, err)))
		r = berr_ret(err);
	char key[BLD_KEY_LEN + 1];
	const char *network = run_network(b, &f);
	if (r == 0) {
		env = run_env(st, &m);
		args = bld_vars_run_args(&st->vars);
		for (char **a = args; *a; a++)
			PUSH(m.extra, m.n_extra, xasprintf("arg=%s", *a));
		PUSH(m.extra, m.n_extra, xasprintf("network=%s", network));
		if (f.security == BLD_RUN_INSECURE)
			PUSH(m.extra, m.n_extra, xstrdup("security=insecure"));
		PUSH(m.extra, m.n_extra,
		     xasprintf("isolation=%s", b->o->isolation ? b->o->isolation : ""));
		bld_cache_key(st->id, in, m.extra, key);
		r = bld_step_cached(b, st, key, err);
		if (r == 0) {
			autofree char *by = run_created_by(in, st->config, args);
			r = run_and_commit(b, st, in, argv, env, &f, &m, key, by, err);
		}
	}
	strv_free(argv);
	strv_free(env);
	strv_free(args);
	run_mounts_release(&m);
	bld_run_flags_clear(&f);
	return r;
}
