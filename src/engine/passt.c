/* passt for a rootless VM (see passt.h). */
#include "engine/passt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/pasta.h"
#include "engine/port.h"
#include "net/iface.h"
#include "net/netlink.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/spawn.h"
#include "util/xalloc.h"
#include "vm/netns.h"

/* The host's interfaces passt copies: *out4 the one with an IPv4 address and a default route
 * (needed), *out6 the one with a global IPv6 address and a default route (family 0: none,
 * and passt then has no IPv6 either: its -6 needs both). */
static int host_links(struct net_iface *out4, struct net_addr out6[2], struct berr **err)
{
	struct net_nl nl;
	int r = net_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	struct net_iface *ifs = NULL;
	size_t n = 0;
	r = net_iface_list(&nl, &ifs, &n, err);
	net_nl_close(&nl);
	if (r < 0)
		return r;
	r = -ENETUNREACH;
	memset(out6, 0, 2 * sizeof(*out6));
	for (size_t i = 0; i < n; i++) {
		if (r < 0 && ifs[i].addr4.family && ifs[i].gw4.family) {
			*out4 = ifs[i];
			r = 0;
		}
		if (!out6[0].family && ifs[i].addr6.family && ifs[i].gw6.family) {
			out6[0] = ifs[i].addr6;
			out6[1] = ifs[i].gw6;
		}
	}
	free(ifs);
	if (r < 0)
		return berr_plain(err, ENETUNREACH,
				  "passt: the host has no interface with an IPv4 address and a "
				  "default route for the VM to copy");
	return 0;
}

/* Run passt with sock as its fd 3; it forks its daemon (pid in pidfile) and returns. The
 * daemon outlives us: nothing of ours but stdio and its socket, and none of our blocked
 * signals (SIGTERM stops it). */
static int run_passt(int sock, char *const argv[], struct berr **err)
{
	struct spawn_opts o = {.argv = (const char *const *)argv,
			       .err_max = 511,
			       .fd3 = sock,
			       .has_fd3 = true,
			       .close_others = true};
	struct spawn_result res;
	int r = spawn_run(&o, &res, NULL);
	if (r < 0)
		r = res.not_found
			? berr_plain(err, ENOENT, "passt is not installed (Debian's package passt)")
			: berr_plain(err, EIO, "passt: %s",
				     *res.err ? spawn_last_line(res.err) : "failed");
	spawn_result_free(&res);
	return r;
}

/* A locally administered MAC from the container's id, as the bridge's endpoints have. */
static void mac_of(const char *id, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		sscanf(id + 2 * i, "%2x", &v);
		mac[2 + i] = (uint8_t)v;
	}
}

int eng_passt_attach_vm(const struct eng_store *s, const char *id, json_t *rec, struct vm_nic *nic,
			json_t **out_settings, struct berr **err)
{
	struct net_iface host;
	struct net_addr v6[2];
	int r = host_links(&host, v6, err);
	if (r < 0)
		return r;
	struct eng_port_hold *h = NULL;
	size_t n = 0;
	r = eng_usermode_ports(rec, &h, &n, out_settings, err);
	if (r < 0)
		return r;
	char tcp[1024], udp[1024];
	eng_port_specs(h, n, tcp, udp, sizeof(tcp));
	autofree char *dir = xasprintf("%s/%s", s->runroot, id);
	autofree char *pidfile = xasprintf("%s/pasta.pid", dir);
	int sv[2] = {-1, -1};
	r = fs_mkdir_p(dir, 0700, err);
	if (r == 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		r = berr_set(err, errno, "socketpair");
	/* passt binds the ports itself: ours are let go just before */
	eng_port_release(h, n);
	char *argv[] = {"passt", "--quiet", "--one-off", "--fd", "3", "-P",
			pidfile, "-t",      tcp,         "-u",   udp, NULL};
	if (r == 0)
		r = run_passt(sv[1], argv, err);
	if (sv[1] >= 0)
		(void)close(sv[1]);
	if (r < 0) {
		if (sv[0] >= 0)
			(void)close(sv[0]);
		json_decref(*out_settings);
		*out_settings = NULL;
		return r;
	}
	uint8_t mac[6];
	mac_of(id, mac);
	vm_nic_describe(nic, mac, "eth0", 1500, &host.addr4, &host.gw4, &v6[0], &v6[1]);
	nic->fd = sv[0];
	nic->stream = true;
	return 0;
}
