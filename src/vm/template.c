/* VM templates: made once per guest shape, restored per clone (see template.h). Single-
 * threaded; forks QEMU, which execs at once. */
#include "vm/template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "vm/child.h"
#include "vm/qmp_conn.h"
#include "vm/rootimg.h"

#define MAKE_TIMEOUT_S     120 /* a q35 boot to the init's wait, under TCG on a busy host */
#define MIGRATE_TIMEOUT_MS 30000
#define READY_LINE         "berth-init: waiting for port berth.ctl"

static void stat_id(char *buf, size_t cap, const char *path)
{
	struct stat st = {0};
	(void)stat(path, &st);
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s %lld %lld|", path, (long long)st.st_size,
		 (long long)st.st_mtime);
}

/* QEMU's binary as execvp finds it (its identity is part of the key: another QEMU may
 * restore nothing of this one's state). */
static char *qemu_binary(const char *name)
{
	const char *path = getenv("PATH");
	autofree char *copy = xstrdup(path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup(name);
}

/* The template's name: everything a clone must share with it, as text (id, kept in the
 * template as "shape": the files first, "PATH SIZE MTIME|" each) and its digest (out). */
static void template_key(const struct vm_plan *p, char id[4096], char out[65])
{
	id[0] = '\0';
	autofree char *qemu = qemu_binary(vm_qemu_q35.binary);
	stat_id(id, 4096, qemu);
	stat_id(id, 4096, p->kernel);
	stat_id(id, 4096, p->initrd);
	size_t n = strlen(id);
	/* a clone mapping the template's RAM copy-on-write has one of its own, with no balloon */
	snprintf(id + n, 4096 - n, "%s|%u %u %d %u%s", p->cmdline, p->mem_mb, p->cpus,
		 (int)p->accel, VM_TEMPLATE_ROOT_PORTS, vm_qemu_balloon(p) ? " balloon" : "");
	sha256_hex(id, strlen(id), out);
}

/* Whether the files a template was made of (its shape's first three) are unchanged. */
static bool still_current(const char *shape)
{
	const char *s = shape;
	for (int i = 0; i < 3; i++) {
		char path[1024];
		long long size, mtime;
		int used = 0;
		struct stat st;
		if (sscanf(s, "%1023s %lld %lld|%n", path, &size, &mtime, &used) != 3 || !used ||
		    stat(path, &st) < 0 || st.st_size != size || st.st_mtime != mtime)
			return false;
		s += used;
	}
	return true;
}

/* Templates of files since changed (a new kernel, guest init or QEMU) are removed once a new
 * one is made: nothing will restore them again. One being made (locked) is left alone. */
static void prune_stale(const char *cache_dir, const char *keep)
{
	autoclosedir DIR *d = opendir(cache_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *name = de->d_name;
		if (strncmp(name, "template-", 9) || strchr(name, '.'))
			continue;
		autofree char *dir = xasprintf("%s/%s", cache_dir, name);
		autofree char *shape_path = xasprintf("%s/shape", dir);
		autofree char *shape = NULL;
		size_t len = 0;
		if (!strcmp(dir, keep) ||
		    (fs_read_file(AT_FDCWD, shape_path, 8192, &shape, &len, NULL) == 0 &&
		     still_current(shape)))
			continue;
		autofree char *lockp = xasprintf("%s.lock", dir);
		autoclose int lock = open(lockp, O_RDWR | O_CLOEXEC);
		if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0)
			continue;
		log_debug("VM template '%s' removed: made of files since changed", dir);
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
		(void)unlink(lockp);
	}
}

static bool console_says(const char *dir, const char *line)
{
	autofree char *path = xasprintf("%s/console.log", dir);
	autofree char *data = NULL;
	size_t len = 0;
	return fs_read_file(AT_FDCWD, path, 1 << 20, &data, &len, NULL) == 0 && strstr(data, line);
}

static pid_t spawn(const struct vm_plan *p, const char *dir, struct berr **err)
{
	pid_t pid =
	    vm_qemu_start(vm_qemu_q35.command_line(&vm_qemu_q35, p), dir, NULL, NULL, 0, 0, err);
	return pid < 0 ? berr_wrap(err, "a template's QEMU") : pid;
}

static int migrate_wait(struct vm_qmp *q, struct berr **err)
{
	for (;;) {
		json_t *st = NULL;
		int r = vm_qmp_run(q, "query-migrate", NULL, -1, &st, err);
		if (r < 0)
			return r;
		const char *s = json_string_value(json_object_get(st, "status"));
		bool done = s && !strcmp(s, "completed"), failed = s && !strcmp(s, "failed");
		autofree char *why =
		    failed ? xstrdup(json_string_value(json_object_get(st, "error-desc"))
					 ?: "(no reason)")
			   : NULL;
		json_decref(st);
		if (done)
			return 0;
		if (failed)
			return berr_plain(err, EIO, "migration failed: %s", why);
		(void)poll(NULL, 0, 10);
	}
}

static json_t *caps(void)
{
	return json_pack("{s:[{s:s,s:b}]}", "capabilities", "capability", "x-ignore-shared",
			 "state", 1);
}

/* Until the init in dir waits for berth.ctl; *pid is 0 once its QEMU has ended. */
static int wait_ready(const char *dir, pid_t *pid, struct berr **err)
{
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!console_says(dir, READY_LINE)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			return berr_plain(err, EIO, "its QEMU ended before the guest was ready");
		}
		if (now.tv_sec - t0.tv_sec > MAKE_TIMEOUT_S)
			return berr_plain(err, ETIMEDOUT, "its guest was not ready in %d s",
					  MAKE_TIMEOUT_S);
		(void)poll(NULL, 0, 50);
	}
	return 0;
}

/* Until the guest has given back what it freed while it booted (the unpacked initramfs, the
 * modules' loading): its balloon driver reports free pages 2 s after they are freed, and QEMU
 * punches them out of the RAM file, which every clone copies. Done when the file has not
 * shrunk for a second, at least 3 s after the init's word, 15 s at most. */
static void wait_reported(const char *dir)
{
	autofree char *ram = xasprintf("%s/ram", dir);
	struct stat st;
	blkcnt_t first = -1, last = -1;
	int ms = 0, still_ms = 0;
	for (; ms < 15000 && stat(ram, &st) == 0; ms += 250, (void)poll(NULL, 0, 250)) {
		still_ms = last < 0 || st.st_blocks < last ? 0 : still_ms + 250;
		first = first < 0 ? st.st_blocks : first;
		last = st.st_blocks;
		if (ms >= 3000 && still_ms >= 1000)
			break;
	}
	log_debug("VM template '%s': its RAM file %lld to %lld KiB in %d ms", dir,
		  (long long)first / 2, (long long)last / 2, ms);
}

/* Boot the template in dir until the init waits for berth.ctl, then save it. */
static int make(const struct vm_plan *base, const char *dir, struct berr **err)
{
	struct vm_plan p = {.accel = base->accel,
			    .kernel = base->kernel,
			    .initrd = base->initrd,
			    .cmdline = base->cmdline,
			    .mem_mb = base->mem_mb,
			    .cpus = base->cpus,
			    .ram_path = "ram",
			    .no_balloon = !vm_qemu_balloon(base),
			    .root_ports = VM_TEMPLATE_ROOT_PORTS,
			    .console_log = "console.log",
			    .qmp_socket = "qmp.sock"};
	pid_t pid = spawn(&p, dir, err);
	if (pid < 0)
		return (int)pid;
	int r = wait_ready(dir, &pid, err);
	if (r == 0 && !p.no_balloon)
		wait_reported(dir);
	autofree char *qmp = xasprintf("%s/qmp.sock", dir);
	autofree char *state = xasprintf("%s/state", dir);
	struct vm_qmp q = {.fd = -1};
	autoclose int out = -1;
	if (r == 0)
		r = vm_qmp_open(qmp, MIGRATE_TIMEOUT_MS, &q, err);
	if (r == 0 && (out = open(state, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		r = berr_set(err, errno, "create '%s'", state);
	/* stopped first: a clone restores paused, and is let go once its devices are in */
	if (r == 0)
		r = vm_qmp_run(&q, "migrate-set-capabilities", caps(), -1, NULL, err);
	if (r == 0)
		r = vm_qmp_run(&q, "stop", NULL, -1, NULL, err);
	if (r == 0)
		r = vm_qmp_run(&q, "getfd", json_pack("{s:s}", "fdname", "out"), out, NULL, err);
	if (r == 0)
		r = vm_qmp_run(&q, "migrate", json_pack("{s:s}", "uri", "fd:out"), -1, NULL, err);
	if (r == 0)
		r = migrate_wait(&q, err);
	if (r == 0 && fsync(out) < 0)
		r = berr_set(err, errno, "write '%s'", state);
	if (q.fd >= 0)
		(void)vm_qmp_run(&q, "quit", NULL, -1, NULL, NULL);
	vm_qmp_close(&q);
	for (int i = 0; pid > 0 && i < 300; i++, (void)poll(NULL, 0, 10))
		if (waitpid(pid, NULL, WNOHANG) == pid)
			pid = 0;
	if (pid > 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
	return r;
}

char *vm_template_get(const char *cache_dir, const struct vm_plan *p, struct berr **err)
{
	char key[65], shape[4096];
	template_key(p, shape, key);
	char *dir = xasprintf("%s/template-%.16s", cache_dir, key);
	autofree char *ready = xasprintf("%s/state", dir);
	if (access(ready, R_OK) == 0)
		return dir;
	/* one maker at a time; whoever waited finds it made */
	autofree char *lockp = xasprintf("%s/template-%.16s.lock", cache_dir, key);
	autoclose int lock = -1;
	if (fs_mkdir_p(cache_dir, 0700, err) < 0) {
		free(dir);
		return NULL;
	}
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		berr_set(err, errno, "lock '%s'", lockp);
		free(dir);
		return NULL;
	}
	if (access(ready, R_OK) == 0)
		return dir;
	autofree char *tmp = xasprintf("%s.tmp", dir);
	(void)fs_rm_rf(AT_FDCWD, tmp, NULL);
	(void)fs_rm_rf(AT_FDCWD, dir, NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	autofree char *shape_path = xasprintf("%s/shape", tmp);
	int r = mkdir(tmp, 0700) < 0
		    ? berr_set(err, errno, "create '%s'", tmp)
		    : fs_write_file_atomic(shape_path, shape, strlen(shape), 0600, err);
	if (r == 0)
		r = make(p, tmp, err);
	/* the state is written last, and the directory renamed whole: a template with a state
	 * is complete */
	if (r == 0 && rename(tmp, dir) < 0)
		r = berr_set(err, errno, "rename '%s'", tmp);
	if (r < 0) {
		autofree char *tail = NULL;
		autofree char *con = xasprintf("%s/console.log", tmp);
		size_t len = 0;
		if (fs_read_file(AT_FDCWD, con, 1 << 20, &tail, &len, NULL) == 0 && len > 300)
			memmove(tail, tail + len - 300, 301);
		log_debug("VM template '%s': console: %s", dir, tail ? tail : "(none)");
		(void)fs_rm_rf(AT_FDCWD, tmp, NULL);
		berr_wrap(err, "make the VM template '%s'", dir);
		free(dir);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("VM template '%s' made in %ld ms", dir,
		  (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	prune_stale(cache_dir, dir);
	return dir;
}

/* buf (len bytes of the RAM at pos) into out, its pages of zeros left holes: they read as
 * zeros, and take no memory until the guest writes them (a fifth of what a template
 * touched, here). */
static int write_nonzero(int out, const char *buf, size_t len, off_t pos)
{
	static const char zero[4096];
	for (size_t off = 0; off < len;) {
		size_t n = len - off < sizeof(zero) ? len - off : sizeof(zero);
		if (memcmp(buf + off, zero, n) &&
		    pwrite(out, buf + off, n, pos + (off_t)off) != (ssize_t)n)
			return -1;
		off += n;
	}
	return 0;
}

int vm_template_copy_ram(const char *tpl_dir, const char *path, struct berr **err)
{
	autofree char *src = xasprintf("%s/ram", tpl_dir);
	autoclose int in = open(src, O_RDONLY | O_CLOEXEC);
	autoclose int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct stat st;
	if (in < 0 || out < 0 || fstat(in, &st) < 0)
		return berr_set(err, errno, "copy '%s'", src);
	if (ftruncate(out, st.st_size) < 0)
		return berr_set(err, errno, "size '%s'", path);
	autofree char *buf = xmalloc(1 << 20);
	/* only the extents with data: most of a guest's RAM was never touched */
	for (off_t pos = 0;;) {
		off_t data = lseek(in, pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			return 0;
		off_t hole = data < 0 ? -1 : lseek(in, data, SEEK_HOLE);
		if (data < 0 || hole < 0)
			return berr_set(err, errno, "read '%s'", src);
		for (pos = data; pos < hole;) {
			size_t want =
			    (size_t)(hole - pos) < (1 << 20) ? (size_t)(hole - pos) : 1 << 20;
			ssize_t k = pread(in, buf, want, pos);
			if (k <= 0)
				return berr_set(err, k < 0 ? errno : EIO, "read '%s'", src);
			if (write_nonzero(out, buf, (size_t)k, pos) < 0)
				return berr_set(err, errno, "write '%s'", path);
			pos += k;
		}
	}
}

/* device_add of dev (its driver and own keys; taken) as id_prefix<i> on the next root port. */
static int add_on_port(struct vm_qmp *q, json_t *dev, const char *id_prefix, size_t i,
		       unsigned *port, struct berr **err)
{
	char id[32], bus[32];
	snprintf(id, sizeof(id), "%s%zu", id_prefix, i);
	snprintf(bus, sizeof(bus), "rp%u", (*port)++);
	json_object_set_new(dev, "bus", json_string(bus));
	json_object_set_new(dev, "id", json_string(id));
	return vm_qmp_run(q, "device_add", dev, -1, NULL, err);
}

/* The clone's own devices, each added once it runs: disks, shares and NICs into root ports,
 * the ports on the template's virtio-serial bus. */
static int plug(struct vm_qmp *q, const struct vm_plan *p, struct berr **err)
{
	unsigned port = 1;
	int r = 0;
	for (size_t i = 0; r == 0 && i < p->n_disks; i++) {
		char drive[32];
		snprintf(drive, sizeof(drive), "disk%zu", i);
		r = add_on_port(q,
				json_pack("{s:s,s:s}", "driver", "virtio-blk-pci", "drive", drive),
				"blk", i, &port, err);
	}
	for (size_t i = 0; r == 0 && i < p->n_shares; i++) {
		char chardev[32];
		snprintf(chardev, sizeof(chardev), "fs%zu", i);
		r = add_on_port(q,
				json_pack("{s:s,s:s,s:s}", "driver", "vhost-user-fs-pci", "chardev",
					  chardev, "tag", p->shares[i].tag),
				"fsdev", i, &port, err);
	}
	for (size_t i = 0; r == 0 && i < p->n_nics; i++) {
		const uint8_t *m = p->nics[i].mac;
		char netdev[32], mac[18];
		snprintf(netdev, sizeof(netdev), "net%zu", i);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
		r = add_on_port(q,
				json_pack("{s:s,s:s,s:s}", "driver", "virtio-net-pci", "netdev",
					  netdev, "mac", mac),
				"nic", i, &port, err);
	}
	for (size_t i = 0; r == 0 && i < p->n_ports; i++) {
		char chardev[32], id[32];
		snprintf(chardev, sizeof(chardev), "port%zu", i);
		snprintf(id, sizeof(id), "vport%zu", i);
		r = vm_qmp_run(q, "device_add",
			       json_pack("{s:s,s:s,s:s,s:s,s:s}", "driver", "virtserialport", "bus",
					 "vser.0", "chardev", chardev, "name", p->ports[i].name,
					 "id", id),
			       -1, NULL, err);
	}
	return r;
}

int vm_template_restore(const char *qmp_path, const char *tpl_dir, const struct vm_plan *p,
			struct berr **err)
{
	if (p->n_disks + p->n_shares + p->n_nics > VM_TEMPLATE_ROOT_PORTS)
		return berr_plain(err, E2BIG, "%zu disks, shares and NICs, %d root ports",
				  p->n_disks + p->n_shares + p->n_nics, VM_TEMPLATE_ROOT_PORTS);
	autofree char *state = xasprintf("%s/state", tpl_dir);
	autoclose int in = open(state, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return berr_set(err, errno, "open '%s'", state);
	struct vm_qmp q = {.fd = -1};
	int r = vm_qmp_open(qmp_path, MIGRATE_TIMEOUT_MS, &q, err);
	if (r == 0)
		r = vm_qmp_run(&q, "migrate-set-capabilities", caps(), -1, NULL, err);
	if (r == 0)
		r = vm_qmp_run(&q, "getfd", json_pack("{s:s}", "fdname", "in"), in, NULL, err);
	if (r == 0)
		r = vm_qmp_run(&q, "migrate-incoming", json_pack("{s:s}", "uri", "fd:in"), -1, NULL,
			       err);
	if (r == 0)
		r = migrate_wait(&q, err);
	if (r == 0)
		r = vm_qmp_run(&q, "cont", NULL, -1, NULL, err);
	if (r == 0)
		r = plug(&q, p, err);
	vm_qmp_close(&q);
	return r;
}

void vm_template_note(const char *cache_dir, const char *id, const char *why)
{
	autofree char *path = xasprintf("%s/template.log", cache_dir);
	struct stat st;
	int trunc = stat(path, &st) == 0 && st.st_size > (64 << 10) ? O_TRUNC : 0;
	autoclose int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | trunc, 0600);
	time_t now = time(NULL);
	struct tm tm;
	char when[32] = "";
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (fd >= 0)
		(void)dprintf(fd, "%s %s boots cold: %s\n", when, id ? id : "-", why ? why : "");
}

/* Bytes on disk of the files in dir (a template is flat; its RAM file is sparse). */
static int64_t dir_blocks(const char *dir)
{
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	int64_t sum = 0;
	struct stat st;
	while (d && (de = readdir(d)))
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			sum += (int64_t)st.st_blocks * 512;
	return sum;
}

/* Remove the template (or the half-made one) at cache_dir/name unless it is being made, or
 * was made at or after until_ns (0: any time). */
static void prune_one(const char *cache_dir, const char *name, int64_t until_ns, int *count,
		      int64_t *bytes)
{
	size_t base = strcspn(name, ".");
	autofree char *dir = xasprintf("%s/%s", cache_dir, name);
	autofree char *lockp = xasprintf("%s/%.*s.lock", cache_dir, (int)base, name);
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	if (until_ns && (int64_t)st.st_mtime * 1000000000 >= until_ns)
		return;
	autoclose int lock = open(lockp, O_RDWR | O_CLOEXEC);
	if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0)
		return; /* being made */
	int64_t size = dir_blocks(dir);
	if (fs_rm_rf(AT_FDCWD, dir, NULL) < 0)
		return;
	if (!name[base]) {
		(*count)++;
		(void)unlink(lockp);
	}
	*bytes += size;
}

int vm_template_prune(const char *cache_dir, int64_t until_ns, int *count, int64_t *bytes,
		      struct berr **err)
{
	*count = 0;
	*bytes = 0;
	autoclosedir DIR *d = opendir(cache_dir);
	if (!d)
		return errno == ENOENT ? 0 : berr_set(err, errno, "open '%s'", cache_dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *dot = strchr(de->d_name, '.');
		if (!strncmp(de->d_name, "template-", 9) && (!dot || !strcmp(dot, ".tmp")))
			prune_one(cache_dir, de->d_name, until_ns, count, bytes);
	}
	/* the clones' root images go with them (their space counted, not their number) */
	int images = 0;
	vm_rootimg_prune(cache_dir, until_ns, &images, bytes);
	return 0;
}

bool vm_template_default(void)
{
	const char *v = getenv("BERTH_VM_TEMPLATE");
	if (v && (!strcmp(v, "1") || !strcmp(v, "true")))
		return true;
	if (v && (!strcmp(v, "0") || !strcmp(v, "false")))
		return false;
	return true;
}

bool vm_template_wanted(const json_t *annotations)
{
	const char *v =
	    json_string_value(json_object_get((json_t *)annotations, VM_TEMPLATE_ANNOTATION));
	if (v && !strcmp(v, "true"))
		return true;
	if (v && !strcmp(v, "false"))
		return false;
	return vm_template_default();
}
