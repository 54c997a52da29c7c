/* berth's guest init: PID 1 in a VM (issue #7, docs/DESIGN.md "VM isolation"). Static, no
 * library but libc; it trusts nothing but its initramfs and what the host sends on berth.ctl.
 *
 *   1. /dev, /proc, /sys; the kernel modules listed in /modules, in order (virtio over MMIO,
 *      virtio-serial, fuse and virtiofs: the cloud kernel has them as modules)
 *   2. the control port berth.ctl, waited for, and its first frame: the config (vm/proto.h,
 *      NUL-separated "key=value" records: arg, env, cwd, uid, gid, group, hostname, rlimit,
 *      caps, nnp, readonly, rootdev, file, volume, tmpfs, tty, net, wait, systemd). Nothing
 *      before this point is a container's: a template is saved here (docs/DESIGN.md "VM templates")
 *   3. the container's root, a virtiofs share tagged "root" (or, "rootdev", a read-only
 *      disk under a tmpfs overlay: a copy-on-write clone's), at /rootfs; each volume (tag
 *      "volN") at its destination, each share waited for; /proc, /sys, /dev, /dev/pts,
 *      /dev/shm and the files the config gives (hosts, hostname, resolv.conf) inside it; then
 *      the root is entered
 *   4. the process as the config says: stdin, stdout and stderr are virtio-serial ports named
 *      berth.stdin, berth.stdout, berth.stderr; with "tty" the process gets a pty, relayed
 *      both ways on berth.stdout
 *   5. then berth.ctl carries lines: with "wait=1" the init says "ready\n" and waits for
 *      "go\n" (an OCI create, then start); the host sends "signal N\n" and "resize ROWS
 *      COLS\n"; the init answers "started\n" when the process runs and "exit N\n" when it
 *      ends, then powers the VM off
 *   6. the port berth.exec: processes run into the VM while it runs (session.c, vm/proto.h)
 *   7. or, with "systemd" (a system image: --systemd), instead of 4 to 6 in this process: the
 *      image's init exec'd as PID 1, a pty as its /dev/console, and a child of ours, the
 *      agent, keeping the ports (hand_over())
 * Anything that fails before the process runs is written to the serial console and to the
 * control port as "error CODE MESSAGE\n" (CODE as `docker run`'s: 126, 127, 125). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "vm/proto.h"

#define PORT_WAIT_S   10
#define CTL_WAIT_S    120 /* a template's clone plugs it in after the restore */
#define CONFIG_WAIT_S 60
#define SHARE_WAIT_S  10

int ctl = -1;

void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	int con = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (con >= 0) {
		(void)!write(con, buf, (size_t)n);
		close(con);
	}
	if (ctl >= 0)
		(void)write_full(ctl, buf, (size_t)n);
}

void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

void fail(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say("error %d %s\n", code, msg);
	power_off();
}

/* ---- the config ---- */

void config_index(struct config *c)
{
	c->n = 0;
	for (size_t off = 0; off < c->len && c->n < ITEMS_MAX;) {
		c->items[c->n++] = c->data + off;
		off += strlen(c->data + off) + 1;
	}
}

/* n bytes from the control port, waited for until deadline (CLOCK_MONOTONIC seconds). The
 * port is non-blocking (see main), and nothing past the config is read: the lines after it
 * are the loop's. */
static void read_ctl(void *buf, size_t n, time_t deadline)
{
	for (size_t have = 0; have < n;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= deadline)
			fail(125, "no config from the host on berth.ctl in %d s (%zu of %zu bytes)",
			     CONFIG_WAIT_S, have, n);
		struct pollfd pf = {.fd = ctl, .events = POLLIN};
		if (poll(&pf, 1, 100) <= 0)
			continue;
		ssize_t k = read(ctl, (char *)buf + have, n - have);
		if (k > 0)
			have += (size_t)k;
		else if (k < 0 && errno != EAGAIN && errno != EINTR)
			fail(125, "read berth.ctl: %s", strerror(errno));
		else if (k == 0) /* the host's end is not connected (yet): a port reads 0 */
			nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
	}
}

/* The VM's config: the first frame on berth.ctl (vm/proto.h), not a file of the initramfs, so
 * the initramfs is the same for every VM and a template can be saved before it comes. */
static void read_config(struct config *c)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	time_t deadline = now.tv_sec + CONFIG_WAIT_S;
	unsigned char h[VM_FRAME_HEADER];
	read_ctl(h, sizeof(h), deadline);
	long len = vm_config_parse(h);
	if (len < 0)
		fail(125, "berth.ctl: not a config frame (type %u, %u bytes at most)", h[0],
		     VM_CONFIG_MAX);
	c->data = malloc((size_t)len + 1);
	if (!c->data)
		fail(125, "out of memory for a config of %ld bytes", len);
	read_ctl(c->data, (size_t)len, deadline);
	c->len = (size_t)len;
	c->data[c->len] = '\0';
	config_index(c);
}

const char **config_values(const struct config *c, const char *key, size_t *out_n)
{
	static const char *v[ITEMS_MAX + 1];
	size_t n = 0, kl = strlen(key);
	for (size_t i = 0; i < c->n; i++)
		if (!strncmp(c->items[i], key, kl) && c->items[i][kl] == '=')
			v[n++] = c->items[i] + kl + 1;
	v[n] = NULL;
	if (out_n)
		*out_n = n;
	return v;
}

const char *config_value(const struct config *c, const char *key)
{
	return config_values(c, key, NULL)[0];
}

/* ---- devices ---- */

static void load_modules(void)
{
	FILE *f = fopen("/modules", "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		int fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST))
			say("berth-init: module %s: %s\n", line, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (f)
		fclose(f);
}

/* The balloon's free page reporting (virtio_balloon: the host takes back what the guest frees)
 * reports free blocks of 2^order pages and more. The kernel's order is 9 (2 MiB), and most of a
 * small guest's free memory is in smaller pieces: with 0 a clone's RAM copy was 67 MiB, with 9
 * 85 (2026-12-08, docs/DESIGN.md "VM templates"). No balloon: nothing reports. */
static void report_order(const char *order)
{
	int fd = open("/sys/module/page_reporting/parameters/page_reporting_order",
		      O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, order, strlen(order));
		close(fd);
	}
}

/* The /dev node of the virtio-serial port named name, waited for wait_s seconds (the driver
 * probes the devices after the modules load; a template's clone plugs them in after its
 * restore). */
static int open_port(const char *name, int flags, int wait_s)
{
	for (int tries = 0; tries < wait_s * 100; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char p[300], got[128] = "";
			snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", de->d_name);
			int fd = open(p, O_RDONLY | O_CLOEXEC);
			ssize_t k = fd >= 0 ? read(fd, got, sizeof(got) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (k <= 0)
				continue;
			got[strcspn(got, "\n")] = '\0';
			if (strcmp(got, name))
				continue;
			snprintf(p, sizeof(p), "/dev/%s", de->d_name);
			closedir(d);
			int port = open(p, flags | O_CLOEXEC | O_NOCTTY);
			if (port < 0)
				fail(125, "open port %s (%s): %s", name, p, strerror(errno));
			return port;
		}
		if (d)
			closedir(d);
		/* on the console only (no port yet): where a template is saved
		 * (vm/template.c waits for this line) */
		if (tries == 0 && ctl < 0)
			say("berth-init: waiting for port %s\n", name);
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	fail(125, "no virtio-serial port named %s after %d s", name, wait_s);
}

static void mount_or_fail(const char *src, const char *dst, const char *type, unsigned long flags,
			  const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		fail(125, "mount %s on %s: %s", type ? type : src, dst, strerror(errno));
}

/* A clone of a template restores the template's clock and the state of its random number
 * generator: the host's time ("time=SEC.NSEC", taken as the config was made: set only when
 * ours is behind it, so a cold boot keeps its RTC's, which is later) and 32 random bytes of
 * the host's ("seed=HEX", credited and the CRNG reseeded, so no two VMs share a stream;
 * random(4), RNDADDENTROPY and RNDRESEEDCRNG). */
static void take_identity(const struct config *c)
{
	const char *t = config_value(c, "time");
	long long sec = 0;
	long nsec = 0;
	struct timespec now;
	if (t && sscanf(t, "%lld.%ld", &sec, &nsec) == 2 && nsec >= 0 && nsec < 1000000000L &&
	    clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec < sec) {
		struct timespec host = {.tv_sec = (time_t)sec, .tv_nsec = nsec};
		if (clock_settime(CLOCK_REALTIME, &host) < 0)
			say("berth-init: set the clock: %s\n", strerror(errno));
	}
	const char *seed = config_value(c, "seed");
	struct {
		int entropy_count, buf_size;
		unsigned char buf[32];
	} e = {.entropy_count = 256, .buf_size = 32};
	for (size_t i = 0; seed && i < sizeof(e.buf); i++)
		if (sscanf(seed + 2 * i, "%2hhx", &e.buf[i]) != 1)
			fail(125, "bad seed record");
	int fd = seed ? open("/dev/urandom", O_RDWR | O_CLOEXEC) : -1;
	if (seed && (fd < 0 || ioctl(fd, RNDADDENTROPY, &e) < 0 || ioctl(fd, RNDRESEEDCRNG) < 0))
		fail(125, "seed the guest's random numbers: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	memset(&e, 0, sizeof(e));
}

/* ---- the root ---- */

/* The virtiofs share tagged tag on where, waited for: a template's clone plugs its shares in
 * after the restore, and the guest's probe of a hot-plugged device takes a while, during
 * which the mount fails with EINVAL (fs/fuse/virtio_fs.c: "virtio-fs: tag <%s> not found").
 * A cold boot's shares are there when the module has loaded: its first try mounts. */
static void mount_share(const char *tag, const char *where, unsigned long flags)
{
	mkdir(where, 0755);
	for (int tries = 0;; tries++) {
		if (mount(tag, where, "virtiofs", flags, NULL) == 0)
			return;
		if (errno != EINVAL)
			fail(125, "mount virtiofs '%s' on %s: %s", tag, where, strerror(errno));
		if (tries >= SHARE_WAIT_S * 100)
			fail(125, "no virtiofs share tagged '%s' after %d s (mount on %s: %s)", tag,
			     SHARE_WAIT_S, where, strerror(errno));
		nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
	}
}

/* "rootdev=DEV": a template's clone with no virtiofs (its RAM is the template's, copy-on-
 * write, which no vhost-user device can use): the root is a read-only ext4 disk of the
 * container's files, plugged in after the restore (waited for as a share is), under an
 * overlay whose upper layer is a tmpfs of the guest's: the mount points made below and
 * nothing else land there (the host gives a clone this root only when it is read-only). */
static void mount_block_root(const char *dev)
{
	struct stat st;
	for (int tries = 0; stat(dev, &st) < 0 || !S_ISBLK(st.st_mode); tries++) {
		if (tries >= SHARE_WAIT_S * 100)
			fail(125, "no disk %s after %d s", dev, SHARE_WAIT_S);
		nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
	}
	mkdir("/berth/lower", 0755);
	mkdir("/berth/rw", 0755);
	mkdir("/rootfs", 0755);
	mount_or_fail(dev, "/berth/lower", "ext4", MS_RDONLY | MS_NODEV, NULL);
	mount_or_fail("tmpfs", "/berth/rw", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
	mkdir("/berth/rw/upper", 0755);
	mkdir("/berth/rw/work", 0755);
	mount_or_fail("overlay", "/rootfs", "overlay", 0,
		      "lowerdir=/berth/lower,upperdir=/berth/rw/upper,workdir=/berth/rw/work");
}

#define BOUND_MAX 16
static struct bound {
	const char *path;
	int fd;
} bound[BOUND_MAX];
static size_t n_bound;

int bound_file(const char *path)
{
	for (size_t i = 0; i < n_bound; i++)
		if (!strcmp(bound[i].path, path))
			return bound[i].fd;
	return -1;
}

/* A path inside the root, made (as a directory, or a file when file) if missing. The
 * container's own files decide nothing about where a mount lands outside /rootfs: the guest
 * has nothing else to protect but itself, and the host's files are not in it. */
static void make_target(const char *path, bool file)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "/rootfs%s", path);
	for (char *p = buf + 8; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	if (file) {
		int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	} else {
		mkdir(buf, 0755);
	}
}

static void setup_root(const struct config *c)
{
	/* read-write while the mount points are made; read-only after, when asked */
	const char *dev = config_value(c, "rootdev");
	if (dev)
		mount_block_root(dev);
	else
		mount_share("root", "/rootfs", 0);
	/* volumes: "volume=TAG:DEST:ro|rw" */
	for (const char **v = config_values(c, "volume", NULL); *v; v++) {
		char tag[64], dest[4096], mode[4];
		if (sscanf(*v, "%63[^:]:%4095[^:]:%3s", tag, dest, mode) != 3)
			fail(125, "bad volume '%s'", *v);
		make_target(dest, false);
		char where[4200];
		snprintf(where, sizeof(where), "/rootfs%s", dest);
		mount_share(tag, where, strcmp(mode, "ro") ? 0 : MS_RDONLY);
	}
	for (const char **v = config_values(c, "tmpfs", NULL); *v; v++) {
		make_target(*v, false);
		char where[4200];
		snprintf(where, sizeof(where), "/rootfs%s", *v);
		mount_or_fail("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	}
	make_target("/proc", false);
	make_target("/sys", false);
	make_target("/dev", false);
	mount_or_fail("proc", "/rootfs/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_fail("sysfs", "/rootfs/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_fail("devtmpfs", "/rootfs/dev", "devtmpfs", MS_NOSUID, NULL);
	mount_or_fail("devpts", "/rootfs/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		      "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_or_fail("shm", "/rootfs/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		      "mode=1777,size=65536k");
	unlink("/rootfs/dev/ptmx");
	symlink("pts/ptmx", "/rootfs/dev/ptmx");
	/* "file=PATH" followed by the item with its content: on a tmpfs of the guest's own,
	 * bound over PATH, so the container's files are not changed */
	mount_or_fail("tmpfs", "/berth/files", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
	for (size_t i = 0; i + 1 < c->n; i++) {
		if (strncmp(c->items[i], "file=", 5))
			continue;
		const char *path = c->items[i] + 5, *content = c->items[i + 1];
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "/berth/files/%zu", i);
		int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, content, strlen(content)) < 0)
			fail(125, "write %s: %s", path, strerror(errno));
		/* kept: the host sends a bound file again when it changes (hosts) */
		if (n_bound < BOUND_MAX)
			bound[n_bound++] = (struct bound){path, fd};
		else
			close(fd);
		make_target(path, true);
		char where[4200];
		snprintf(where, sizeof(where), "/rootfs%s", path);
		if (mount(tmp, where, NULL, MS_BIND, NULL) < 0)
			fail(125, "bind %s: %s", path, strerror(errno));
	}
	if (config_value(c, "readonly") &&
	    mount(NULL, "/rootfs", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
		fail(125, "make the root read-only: %s", strerror(errno));
}

/* Tell the host the VM is ready, and wait for its "go". */
static void wait_go(void)
{
	(void)!write(ctl, "ready\n", 6);
	char buf[64];
	size_t have = 0;
	for (;;) {
		struct pollfd pf = {.fd = ctl, .events = POLLIN};
		if (poll(&pf, 1, -1) <= 0)
			continue;
		ssize_t k = read(ctl, buf + have, sizeof(buf) - 1 - have);
		if (k <= 0)
			continue;
		have += (size_t)k;
		buf[have] = '\0';
		if (strstr(buf, "go\n"))
			return;
		if (have == sizeof(buf) - 1)
			have = 0;
	}
}

/* The console a system's init writes to: a new pty's slave bound over /dev/console (what
 * berth gives a system container), its master relayed to the host's berth.stdout, so that
 * `logs` has systemd's boot and shutdown. The slave stays open in the agent: a pty's master
 * reads EIO whenever no one has the slave open, and systemd opens and closes the console for
 * each message. The serial port (the kernel's console=ttyS0) stays the kernel's. */
static int console_pty(int *out_slave)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	unsigned n;
	int unlock = 0;
	char slave[64];
	if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0)
		fail(125, "open the console's terminal: %s", strerror(errno));
	snprintf(slave, sizeof(slave), "/dev/pts/%u", n);
	*out_slave = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*out_slave < 0 || mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
		fail(125, "bind %s on /dev/console: %s", slave, strerror(errno));
	return m;
}

/* systemd mode ("systemd=1"): hand over to the image's init as PID 1, as any Linux system
 * boots, with the root, network and ports ready. The channel stays ours: a child made before
 * the exec (the agent) keeps the ports, the console and the exec sessions; it says "started"
 * once the exec has happened (the close-on-exec pipe closes) and "exit 0" when the machine
 * powers off. Never returns: the init runs, or the VM ends with the reason. */
static void __attribute__((noreturn)) hand_over(const struct config *c, int tty_port, int exec_port)
{
	int slave = -1, master = console_pty(&slave), sync_pipe[2];
	if (pipe2(sync_pipe, O_CLOEXEC) < 0)
		fail(125, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fail(125, "fork the agent: %s", strerror(errno));
	if (pid == 0) {
		close(sync_pipe[1]);
		char b;
		ssize_t k;
		do
			k = read(sync_pipe[0], &b, 1);
		while (k < 0 && errno == EINTR);
		if (k != 0)
			_exit(1); /* the exec failed: PID 1 says why and powers off */
		close(sync_pipe[0]);
		setsid();
		/* named for `ps` and systemctl status in the guest (its cmdline stays /init) */
		(void)prctl(PR_SET_NAME, "berth-agent");
		(void)write_full(ctl, "started\n", 8);
		int code = agent(master, tty_port, exec_port);
		char line[32];
		int n = snprintf(line, sizeof(line), "exit %d\n", code);
		(void)write_full(ctl, line, (size_t)n);
		fsync(ctl);
		_exit(0);
	}
	close(sync_pipe[0]);
	close(master);
	close(slave);
	char why[600];
	int code = proc_exec_init(c, why, sizeof(why));
	(void)!write(sync_pipe[1], "x", 1);
	fail(code, "%s", why);
}

int main(void)
{
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL);
	mount_or_fail("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_fail("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	load_modules();
	report_order("0");
	/* SIGCHLD through supervise's signalfd; the processes start with nothing blocked */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	/* non-blocking: a port whose host end has nothing to send may still poll readable. A
	 * template is saved while the init waits here: nothing of a container is in the guest
	 * yet, and what comes next (the config, the ports, shares and NICs) is the clone's */
	ctl = open_port("berth.ctl", O_RDWR | O_NONBLOCK, CTL_WAIT_S);
	struct config c = {0};
	read_config(&c);
	take_identity(&c);
	int exec_port = open_port("berth.exec", O_RDWR | O_NONBLOCK, PORT_WAIT_S);
	const char *host = config_value(&c, "hostname");
	if (host)
		sethostname(host, strlen(host));
	setup_network(&c);
	bool tty = config_value(&c, "tty");
	int in = tty ? -1 : open_port("berth.stdin", O_RDONLY, PORT_WAIT_S);
	int out = open_port("berth.stdout", tty ? O_RDWR : O_WRONLY, PORT_WAIT_S);
	int err_ = tty ? -1 : open_port("berth.stderr", O_WRONLY, PORT_WAIT_S);
	setup_root(&c);
	if (chdir("/rootfs") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		fail(125, "enter the root: %s", strerror(errno));
	/* "wait=1": an OCI create; the process runs when the host says "go" (its start) */
	if (config_value(&c, "wait"))
		wait_go();
	wait_network(&c);
	if (config_value(&c, "systemd"))
		hand_over(&c, out, exec_port);
	int code = 125, master = -1;
	char why[600];
	pid_t pid = proc_spawn(&c, in, out, err_, &master, &code, why, sizeof(why));
	if (pid < 0)
		fail(code, "%s", why);
	(void)write_full(ctl, "started\n", 8);
	code = supervise(pid, master, out, exec_port);
	close(out);
	if (err_ >= 0)
		close(err_);
	/* the host's log must have the last output before it hears of the exit */
	char line[32];
	int n = snprintf(line, sizeof(line), "exit %d\n", code);
	(void)write_full(ctl, line, (size_t)n);
	fsync(ctl);
	power_off();
}
