/* sd_notify proxy (see notify.h). */
#include "runtime/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/spec.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

const char *rt_notify_socket(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	return s && s[0] == '/' ? s : NULL;
}

/* The host id container id 0 maps to (the host's own 0 without a user namespace). */
static uint32_t host_root(const struct rt_idmap *maps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (maps[i].container_id == 0)
			return maps[i].host_id;
	return 0;
}

int rt_notify_prepare(struct rt_spec *spec, const char *state_dir, const char *host_socket,
		      struct berr **err)
{
	if (!spec->process)
		return 0;
	autofree char *dir = xasprintf("%s/notify", state_dir);
	if (mkdir(dir, 0755) < 0)
		return berr_set(err, errno, "notify socket directory '%s'", dir);
	if (chown(dir, host_root(spec->uid_mappings, spec->n_uid_mappings),
		  host_root(spec->gid_mappings, spec->n_gid_mappings)) < 0)
		return berr_set(err, errno, "chown '%s'", dir);
	int r = rt_spec_add_bind(spec, dir, host_socket, err);
	if (r < 0)
		return r;
	char **env = spec->process->env;
	size_t n = strv_len(env);
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(env[i], "NOTIFY_SOCKET=", 14)) {
			free(env[i]);
			env[i] = env[--n];
			env[n] = NULL;
			i--;
		}
	}
	env = xrealloc(env, (n + 2) * sizeof(*env));
	env[n] = xasprintf("NOTIFY_SOCKET=%s/notify", host_socket);
	env[n + 1] = NULL;
	spec->process->env = env;
	return 0;
}

int rt_notify_listen(const char *state_dir, int *out_fd, struct berr **err)
{
	*out_fd = -1;
	autofree char *dir = xasprintf("%s/notify", state_dir);
	struct stat sb;
	if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return 0;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/notify", dir);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path))
		return berr_set(err, ENAMETOOLONG, "notify socket path in '%s'", dir);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berr_set(err, errno, "notify socket");
	(void)unlink(addr.sun_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chown(addr.sun_path, sb.st_uid, sb.st_gid) < 0) {
		int e = errno;
		(void)close(fd);
		return berr_set(err, e, "bind notify socket '%s'", addr.sun_path);
	}
	*out_fd = fd;
	return 0;
}

static int send_to(const char *path, const char *msg, size_t len, struct berr **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return berr_set(err, ENAMETOOLONG, "NOTIFY_SOCKET '%s'", path);
	strcpy(addr.sun_path, path);
	autoclose int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || sendto(s, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return berr_set(err, errno, "send to NOTIFY_SOCKET '%s'", path);
	return 0;
}

int rt_notify_forward(int fd, const char *host_socket, pid_t pid, uint64_t start, struct berr **err)
{
	int r = 0;
	char buf[4096];
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, 100);
		if (n < 0 && errno != EINTR) {
			r = berr_set(err, errno, "wait on notify socket");
			break;
		}
		if (n <= 0) {
			if (rt_proc_start_time(pid) != start)
				break; /* the container ended without READY=1 */
			continue;
		}
		ssize_t len = recv(fd, buf, sizeof(buf) - 1, 0);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		if ((r = send_to(host_socket, buf, (size_t)len, err)) < 0)
			break;
		if (!strncmp(buf, "READY=1", 7) || strstr(buf, "\nREADY=1"))
			break;
	}
	(void)close(fd);
	return r;
}
