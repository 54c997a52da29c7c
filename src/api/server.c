/* The service's listener (see api.h): the socket (unix, or tcp:// with TLS: api/tls.h), a
 * process a connection, the idle timeout. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/http.h"
#include "api/routes.h"
#include "api/tls.h"
#include "engine/container.h"
#include "engine/container_view.h"
#include "engine/record_cache.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define SD_LISTEN_FDS_START 3

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The socket systemd passed (LISTEN_PID is us, LISTEN_FDS one at least), or -1. */
static int activated(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds || strtol(pid, NULL, 10) != getpid() || strtol(fds, NULL, 10) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	int fd = SD_LISTEN_FDS_START;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* The path of the unix socket systemd made (berth.socket's ListenStream), or NULL. */
static char *activated_path(int fd)
{
	struct sockaddr_un a = {0};
	socklen_t n = sizeof(a);
	if (getsockname(fd, (struct sockaddr *)&a, &n) < 0 || a.sun_family != AF_UNIX ||
	    n <= offsetof(struct sockaddr_un, sun_path) || a.sun_path[0] != '/')
		return NULL;
	return xstrndup(a.sun_path, n - offsetof(struct sockaddr_un, sun_path));
}

/* "unix:///run/berth/berth.sock" -> "/run/berth/berth.sock"; "tcp://..." -> NULL and *out_tcp
 * the address after the scheme; other schemes refused. */
static int socket_path(const char *uri, char **out, const char **out_tcp, struct berr **err)
{
	if (!strncmp(uri, "unix://", 7) && uri[7] == '/') {
		*out = xstrdup(uri + 7);
		return 0;
	}
	if (!strncmp(uri, "tcp://", 6)) {
		*out_tcp = uri + 6;
		return 0;
	}
	return berr_plain(err, EINVAL, "%s: a unix:///path or tcp://host:port URI", uri);
}

/* A numeric "127.0.0.1:2376" or "[::1]:2376" (no port: 2376, dockerd's TLS port); names are
 * not resolved, so what is listened on is what was written. */
static int tcp_addr(const char *hp, struct sockaddr_storage *out, socklen_t *out_len,
		    struct berr **err)
{
	char host[64];
	const char *port = NULL, *end;
	if (hp[0] == '[') {
		end = strchr(hp, ']');
		if (end && end[1] == ':')
			port = end + 2;
		else if (end && end[1])
			end = NULL;
		hp++;
	} else {
		end = strrchr(hp, ':');
		port = end ? end + 1 : NULL;
		end = end ? end : hp + strlen(hp);
	}
	if (!end || (size_t)(end - hp) >= sizeof(host))
		return berr_plain(err, EINVAL, "tcp://%s: a numeric host:port", hp);
	memcpy(host, hp, (size_t)(end - hp));
	host[end - hp] = '\0';
	char *pe = NULL;
	long p = port ? strtol(port, &pe, 10) : 2376;
	if ((port && (!*port || *pe)) || p < 1 || p > 65535)
		return berr_plain(err, EINVAL, "tcp://%s: a port from 1 to 65535", hp);
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*out_len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*out_len = sizeof(*a6);
	} else {
		return berr_plain(err, EINVAL,
				  "tcp://%s: '%s' is not a numeric IPv4 or [IPv6] address", hp,
				  host);
	}
	return 0;
}

static int listen_tcp(const char *hp, struct berr **err)
{
	struct sockaddr_storage a;
	socklen_t len = 0;
	int r = tcp_addr(hp, &a, &len, err);
	if (r < 0)
		return r;
	int fd = socket(a.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berr_set(err, errno, "socket");
	int on = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, len) < 0 || listen(fd, 128) < 0) {
		r = berr_set(err, errno, "listen on tcp://%s", hp);
		(void)close(fd);
		return r;
	}
	return fd;
}

/* Who may use the socket at path: the group "berth" when there is one (Docker's "docker"
 * group: 0660), else root alone (0600). */
static int give_access(const char *path, struct berr **err)
{
	struct group *g = getgrnam("berth");
	if ((g && chown(path, 0, g->gr_gid) < 0) || chmod(path, g ? 0660 : 0600) < 0)
		return berr_set(err, errno, "chmod '%s'", path);
	return 0;
}

/* The socket at path: 0660, the group "berth" when there is one (Docker's "docker" group), else
 * root's alone. A socket file left by a service that is gone is replaced; a live one is not. */
static int listen_unix(const char *path, struct berr **err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path))
		return berr_plain(err, ENAMETOOLONG, "socket path '%s' too long", path);
	strcpy(a.sun_path, path);
	autofree char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		int r = fs_mkdir_p(dir, 0755, err);
		if (r < 0)
			return r;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berr_set(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		(void)close(fd);
		return berr_plain(err, EADDRINUSE, "%s: a service already answers there", path);
	}
	(void)unlink(path);
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0 || listen(fd, 128) < 0) {
		r = berr_set(err, errno, "listen on '%s'", path);
		(void)close(fd);
		return r;
	}
	if ((r = give_access(path, err)) < 0) {
		(void)close(fd);
		return r;
	}
	return fd;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connection's own process: served, then it ends. */
__attribute__((noreturn)) static void serve_child(const struct api_opts *o,
						  const struct api_tls *tls,
						  struct eng_record_cache *records, int lfd,
						  int cfd)
{
	(void)close(lfd);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	struct api_ctx ctx = {
	    .es = {(char *)o->root, (char *)o->runroot, records}, .tls = tls, .route = api_route};
	api_http_serve(&ctx, cfd);
	_exit(0);
}

/* The socket to serve: made from o->uri, or the one systemd passed; *tls set for tcp://. */
static int open_listener(const struct api_opts *o, char **path, struct api_tls **tls,
			 struct berr **err)
{
	const char *tcp = NULL;
	int lfd = activated();
	int r = lfd < 0 ? socket_path(o->uri ? o->uri : API_DEFAULT_URI, path, &tcp, err) : 0;
	if (r < 0)
		return r;
	r = api_tls_load(o, tcp != NULL, tls, err);
	if (r < 0) {
		if (lfd >= 0)
			(void)close(lfd);
		return r;
	}
	if (lfd < 0)
		lfd = tcp ? listen_tcp(tcp, err) : listen_unix(*path, err);
	if (lfd < 0)
		api_tls_free(take_ptr(tls));
	return lfd;
}

/* Each connection on lfd served in a child of its own, until a signal stops the service or
 * it has been idle o->idle_s seconds with no connection open. */
static void serve_loop(const struct api_opts *o, struct api_tls *tls, int lfd, struct eng_store *es)
{
	size_t live = 0;
	double idle_since = mono(), fresh_at = mono();
	while (!stopping) {
		for (pid_t p; (p = waitpid(-1, NULL, WNOHANG)) > 0;)
			if (live && --live == 0)
				idle_since = mono();
		if (o->idle_s > 0 && !live && mono() - idle_since >= o->idle_s)
			break;
		struct pollfd pf = {.fd = lfd, .events = POLLIN};
		if (poll(&pf, 1, 200) <= 0) {
			if (mono() - fresh_at >= 1) { /* idle: catch up with the store */
				eng_container_summaries_warm(es);
				fresh_at = mono();
			}
			continue;
		}
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			serve_child(o, tls, es->records, lfd, cfd);
		(void)close(cfd);
		if (pid > 0)
			live++;
		else
			log_warn("fork for a connection: %s", strerror(errno));
	}
}

int api_serve(const struct api_opts *o, struct berr **err)
{
	autofree char *path = NULL;
	struct api_tls *tls = NULL;
	int r = api_http_load(err);
	if (r < 0)
		return r;
	int lfd = open_listener(o, &path, &tls, err);
	if (lfd < 0)
		return lfd;
	if (!path && !tls) { /* systemd made it (and removes it): only who may use it is ours */
		autofree char *given = activated_path(lfd);
		r = given ? give_access(given, err) : 0;
		if (r < 0) {
			(void)close(lfd);
			return r;
		}
	}
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_debug("serving the Docker API on %s", path  ? path
						  : tls ? o->uri
							: "the socket systemd gave");
	/* the records parsed here and the list items made from them, between connections, are
	 * every connection's (inherited by fork): a list or a name lookup parses and makes only
	 * what changed since (engine/record_cache.h) */
	struct eng_store es = {(char *)o->root, (char *)o->runroot, eng_record_cache_new()};
	eng_container_summaries_warm(&es);
	serve_loop(o, tls, lfd, &es);
	(void)close(lfd);
	if (path)
		(void)unlink(path);
	api_tls_free(tls);
	eng_record_cache_free(es.records);
	return 0;
}
