/* A running container's links, ports and peers (see endpoint.h). */
#include "engine/endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/event.h"
#include "engine/executor.h"
#include "engine/hosts.h"
#include "engine/network.h"
#include "engine/network_firewall.h"
#include "engine/passt.h"
#include "engine/pasta.h"
#include "engine/rootless.h"
#include "engine/rootless_netns.h"
#include "net/link.h"
#include "net/netlink.h"
#include "net/nft.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/userns.h"
#include "util/xalloc.h"
#include "vm/netns.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *networks_of(json_t *rec)
{
	return json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
}

void eng_endpoint_name(const char *id, const char *network_id, char out[16])
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	sha256_init(&h);
	sha256_update(&h, id, strlen(id));
	sha256_update(&h, "/", 1);
	sha256_update(&h, network_id, strlen(network_id));
	sha256_final(&h, d);
	digest_to_hex(d, sizeof(d), hex);
	snprintf(out, 16, "veth%.11s", hex);
}

static int open_netns(pid_t pid, struct berr **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	return fd;
}

/* The interface ifname of the container on network n (its record entry), host_if its
 * host end's name. */
static void plan_interface(const char *id, json_t *n, json_t *net, const char *ifname,
			   bool default_route, char host_if[16], struct net_endpoint *e)
{
	eng_endpoint_name(id, str(net, "Id"), host_if);
	*e = (struct net_endpoint){.bridge = eng_network_bridge(net),
				   .host_if = host_if,
				   .if_name = ifname,
				   .mtu = eng_network_mtu(net)};
	if (net_mac_parse(str(n, "MacAddress"), e->mac) < 0)
		memcpy(e->mac, (uint8_t[]){0x02, 0x42, 0, 0, 0, 1}, 6);
	struct net_addr sn;
	const char *a4 = str(n, "IPAddress"), *a6 = str(n, "GlobalIPv6Address");
	if (a4 && *a4 && net_addr_parse(a4, &e->addr4) == 0) {
		e->addr4.prefix = (unsigned)json_integer_value(json_object_get(n, "IPPrefixLen"));
		if (!default_route || !eng_network_subnet(net, AF_INET, &sn, &e->gw4))
			e->gw4.family = 0;
	}
	if (a6 && *a6 && net_addr_parse(a6, &e->addr6) == 0) {
		e->addr6.prefix =
		    (unsigned)json_integer_value(json_object_get(n, "GlobalIPv6PrefixLen"));
		if (!default_route || !eng_network_subnet(net, AF_INET6, &sn, &e->gw6))
			e->gw6.family = 0;
	}
	/* an internal network has no way out: no default route through it */
	if (eng_network_internal(net))
		e->gw4.family = e->gw6.family = 0;
	/* what a killed monitor may have left under the same name */
	(void)net_endpoint_remove(host_if, NULL);
}

/* A VM's NIC from the endpoint: a TAP, and what the guest sets on its interface. */
static int add_tap(const struct net_endpoint *e, struct vm_nic *nic, struct berr **err)
{
	memset(nic, 0, sizeof(*nic));
	int r = net_tap_add(e, &nic->fd, err);
	if (r < 0)
		return r;
	vm_nic_describe(nic, e->mac, e->if_name, e->mtu, &e->addr4, &e->gw4, &e->addr6, &e->gw6);
	return 0;
}

/* Into netns: a veth pair; or, without one (netns < 0), a TAP for a VM's next NIC. */
static int add_interface(const char *id, json_t *n, json_t *net, int netns, const char *ifname,
			 bool default_route, struct eng_vm_nics *nics, struct berr **err)
{
	char host_if[16];
	struct net_endpoint e;
	plan_interface(id, n, net, ifname, default_route, host_if, &e);
	if (!nics)
		return net_endpoint_add(netns, &e, err);
	if (nics->n == VM_NICS_MAX)
		return berr_plain(err, E2BIG, "a VM takes %d networks at most", VM_NICS_MAX);
	int r = add_tap(&e, &nics->nic[nics->n], err);
	if (r < 0)
		return r;
	nics->n++;
	return 0;
}

static void remove_interfaces(const char *id, json_t *rec)
{
	const char *k;
	json_t *n;
	json_object_foreach(networks_of(rec), k, n)
	{
		char host_if[16];
		const char *nid = str(n, "NetworkID");
		if (!nid)
			continue;
		eng_endpoint_name(id, nid, host_if);
		(void)net_endpoint_remove(host_if, NULL);
	}
}

/* The nft elements for the holds, to the container's addresses on its first network. */
static char *port_rules(const struct eng_port_hold *h, size_t n, const char *a4, const char *a6,
			bool add)
{
	struct net_nft_port *p = xcalloc(n + 1, sizeof(*p));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *to = h[i].family == AF_INET6 ? a6 : a4;
		if (!to || !*to)
			continue;
		p[k++] = (struct net_nft_port){.proto = h[i].proto,
					       .host_ip = h[i].any ? NULL : h[i].host_ip,
					       .host_port = h[i].host_port,
					       .addr = to,
					       .port = h[i].port};
	}
	char *cmds = k ? net_nft_ports(p, k, add) : NULL;
	free(p);
	return cmds;
}

static int publish(json_t *rec, json_t *first, struct eng_endpoints *out, struct berr **err)
{
	json_t *hc = json_object_get(rec, "HostConfig");
	json_t *bindings = json_object_get(hc, "PortBindings");
	json_t *exposed = json_object_get(json_object_get(rec, "Config"), "ExposedPorts");
	bool all = json_is_true(json_object_get(hc, "PublishAllPorts"));
	const char *a4 = first ? str(first, "IPAddress") : NULL;
	const char *a6 = first ? str(first, "GlobalIPv6Address") : NULL;
	if (!json_object_size(bindings) && !all) {
		out->settings = eng_port_settings(exposed, bindings, NULL, 0);
		return 0;
	}
	int r = eng_port_reserve(bindings, json_is_object(exposed) ? exposed : NULL, all, a6 && *a6,
				 &out->ports, &out->n_ports, err);
	if (r < 0)
		return r;
	autofree char *add = port_rules(out->ports, out->n_ports, a4, a6, true);
	out->unpublish = port_rules(out->ports, out->n_ports, a4, a6, false);
	if (add && net_nft_run(add, err) < 0)
		return berr_wrap(err, "publish ports");
	out->settings = eng_port_settings(exposed, bindings, out->ports, out->n_ports);
	return 0;
}

static void unpublish(struct eng_endpoints *e)
{
	if (e->unpublish)
		net_nft_run_each(e->unpublish);
	free(e->unpublish);
	e->unpublish = NULL;
	eng_port_release(e->ports, e->n_ports);
	e->ports = NULL;
	e->n_ports = 0;
	json_decref(e->settings);
	e->settings = NULL;
}

/* Under the networks lock: every network's interface, then the ports. */
static int attach_locked(const struct eng_store *s, const char *id, json_t *rec, int netns,
			 struct eng_vm_nics *nics, struct eng_endpoints *out, struct berr **err)
{
	const char *k;
	json_t *n, *first = NULL;
	size_t i = 0;
	int r = 0;
	json_object_foreach(networks_of(rec), k, n)
	{
		if (r < 0 || i >= ENG_IFS_MAX)
			break;
		json_t *net = eng_network_load(s, str(n, "NetworkID"), err);
		if (!net) {
			r = berr_wrap(err, "network %s", k);
			break;
		}
		char ifname[16];
		snprintf(ifname, sizeof(ifname), "eth%zu", i);
		r = eng_network_ensure(s, net, err);
		if (r == 0)
			r = add_interface(id, n, net, netns, ifname, i == 0, nics, err);
		json_decref(net);
		if (!first)
			first = n;
		i++;
	}
	if (r == 0)
		r = publish(rec, first, out, err);
	if (r < 0) {
		unpublish(out);
		eng_vm_nics_close(nics);
		remove_interfaces(id, rec);
	}
	return r;
}

void eng_vm_nics_close(struct eng_vm_nics *nics)
{
	for (size_t i = 0; nics && i < nics->n; i++)
		if (nics->nic[i].fd >= 0)
			(void)close(nics->nic[i].fd);
	if (nics)
		nics->n = 0;
}

static int attach_rootless(const struct eng_store *s, const char *id, json_t *rec, int netns,
			   struct eng_vm_nics *nics, struct eng_endpoints *out, struct berr **err);

int eng_endpoints_attach_vm(const struct eng_store *s, const char *id, json_t *rec,
			    struct eng_vm_nics *nics, struct eng_endpoints *out, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	nics->n = 0;
	/* rootless (issue #22): passt on a socket for the default network (passt.h) */
	const char *mode = str(json_object_get(rec, "HostConfig"), "NetworkMode");
	if (mode && !strcmp(mode, "pasta")) {
		int r = eng_passt_attach_vm(s, id, rec, &nics->nic[0], &out->settings, err);
		nics->n = r == 0;
		return r;
	}
	if (!json_object_size(networks_of(rec)))
		return 0;
	if (eng_rootless())
		return attach_rootless(s, id, rec, -1, nics, out, err);
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return lock;
	int r = attach_locked(s, id, rec, -1, nics, out, err);
	if (r == 0)
		eng_hosts_refresh(s, rec, NULL, id);
	return r;
}

/* dockerd's connect and disconnect events, one per network of the container's */
static void endpoint_events(const struct eng_store *s, const char *id, json_t *rec,
			    const char *action)
{
	const char *name;
	json_t *n;
	json_object_foreach(networks_of(rec), name, n)
	{
		if (str(n, "NetworkID"))
			eng_event_network(s, str(n, "NetworkID"), name, action, id);
	}
}

/* The rootless engine's user networks: the same interfaces, made inside the rootless network
 * namespace (rootless_netns.h), in a child that has joined it. A VM's TAPs (nics) come back
 * over sock, each NIC with its fd, as the child ends. */
struct rootless_ctx {
	const struct eng_store *s;
	const char *id;
	int netns, sock;
	struct eng_vm_nics *nics;
};

static int attach_inside(void *p, json_t *rec, struct berr **err)
{
	struct rootless_ctx *c = p;
	struct eng_endpoints none = {0};
	autoclose int lock = eng_network_lock(c->s, err);
	int r = lock < 0 ? lock : attach_locked(c->s, c->id, rec, c->netns, c->nics, &none, err);
	for (size_t i = 0; r == 0 && c->nics && i < c->nics->n; i++)
		if ((r = fdpass_send(c->sock, &c->nics->nic[i], sizeof(struct vm_nic),
				     c->nics->nic[i].fd)) < 0)
			r = berr_set(err, -r, "hand over the TAP of '%s'", c->nics->nic[i].ifname);
	return r;
}

/* What attach_inside sent: the NICs with their fds. */
static void take_nics(int sock, struct eng_vm_nics *nics)
{
	struct vm_nic nic;
	int fd = -1;
	while (nics->n < VM_NICS_MAX &&
	       fdpass_recv(sock, &nic, sizeof(nic), MSG_DONTWAIT, &fd) == sizeof(nic)) {
		nic.fd = fd;
		nics->nic[nics->n++] = nic;
	}
}

static int attach_rootless(const struct eng_store *s, const char *id, json_t *rec, int netns,
			   struct eng_vm_nics *nics, struct eng_endpoints *out, struct berr **err)
{
	int sv[2] = {-1, -1};
	if (nics && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return berr_set(err, errno, "socketpair");
	struct rootless_ctx c = {s, id, netns, sv[1], nics};
	int r = eng_rlnet_attach(s, id, rec, attach_inside, &c, &out->settings, err);
	if (nics) {
		take_nics(sv[0], nics);
		(void)close(sv[0]);
		(void)close(sv[1]);
		if (r < 0)
			eng_vm_nics_close(nics);
	}
	if (r == 0) {
		eng_hosts_refresh(s, rec, NULL, id);
		endpoint_events(s, id, rec, "connect");
	}
	return r;
}

int eng_endpoints_attach(const struct eng_store *s, const char *id, json_t *rec, pid_t pid,
			 struct eng_endpoints *out, struct berr **err)
{
	memset(out, 0, sizeof(*out));
	const char *mode = str(json_object_get(rec, "HostConfig"), "NetworkMode");
	if (mode && (!strcmp(mode, "host") || !strncmp(mode, "container:", 10)))
		return 0;
	autoclose int netns = open_netns(pid, err);
	if (netns < 0)
		return netns;
	/* pasta brings the loopback up itself, before the routes its attach waits for */
	int r = mode && !strcmp(mode, "pasta") ? 0 : net_loopback_up(netns, err);
	if (r < 0)
		return r;
	if (eng_pasta_mode(mode))
		return eng_pasta_attach(s, id, rec, pid, &out->settings, err);
	if (!json_object_size(networks_of(rec)))
		return 0;
	if (eng_rootless())
		return attach_rootless(s, id, rec, netns, NULL, out, err);
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return lock;
	r = attach_locked(s, id, rec, netns, NULL, out, err);
	if (r == 0) {
		eng_hosts_refresh(s, rec, NULL, id);
		endpoint_events(s, id, rec, "connect");
	}
	return r;
}

/* Whether a container other than id joins id's network namespace. */
static bool shares_namespace(const struct eng_store *s, const char *id)
{
	char **ids = NULL;
	bool shared = false;
	if (eng_container_list(s, &ids, NULL) < 0)
		return true;
	autofree char *mode = xasprintf("container:%s", id);
	for (size_t i = 0; ids[i] && !shared; i++) {
		json_t *rec = eng_container_load(s, ids[i], NULL);
		const char *m = str(json_object_get(rec, "HostConfig"), "NetworkMode");
		shared = m && !strcmp(m, mode);
		json_decref(rec);
	}
	strv_free(ids);
	return shared;
}

void eng_endpoints_detach(const struct eng_store *s, const char *id, json_t *rec,
			  struct eng_endpoints *e)
{
	/* first: its lock is taken before the networks' (as attach's child does) */
	if (eng_rootless())
		eng_rlnet_detach(s, id);
	autoclose int lock = json_object_size(networks_of(rec)) ? eng_network_lock(s, NULL) : -1;
	if (eng_pasta_mode(str(json_object_get(rec, "HostConfig"), "NetworkMode")))
		eng_pasta_detach(s, id);
	unpublish(e);
	/* the record as it is now: network connect may have added to it */
	json_t *now = eng_container_load(s, id, NULL);
	/* Its interfaces go with its network namespace, which the kernel tears down on its
	 * own once the last process has left: removing them here would cost 10 to 20 ms (the
	 * kernel waits for an RCU grace period), a third of a run. Unless another container
	 * (--network container:) still lives in that namespace. */
	if (shares_namespace(s, id))
		remove_interfaces(id, now ? now : rec);
	if (lock >= 0)
		eng_hosts_refresh(s, now ? now : rec, id, NULL);
	endpoint_events(s, id, now ? now : rec, "disconnect");
	json_decref(now);
}

static int connect_here(const struct eng_store *s, const char *id, json_t *rec, const char *name,
			int netns, struct berr **err)
{
	json_t *n = json_object_get(networks_of(rec), name);
	if (!n)
		return berr_plain(err, ENOENT, "container is not connected to network %s", name);
	autoclose int lock = eng_network_lock(s, err);
	if (lock < 0)
		return lock;
	json_t *net = eng_network_load(s, str(n, "NetworkID"), err);
	if (!net)
		return berr_ret(err);
	/* the next ethN the container does not have */
	struct net_nl nl;
	char ifname[16] = "eth0";
	int r = net_nl_open(&nl, netns, err);
	for (int i = 0; r == 0 && i < ENG_IFS_MAX; i++) {
		snprintf(ifname, sizeof(ifname), "eth%d", i);
		if (!net_nl_ifindex(&nl, ifname))
			break;
	}
	if (r == 0)
		net_nl_close(&nl);
	bool only = json_object_size(networks_of(rec)) == 1;
	if (r == 0)
		r = eng_network_ensure(s, net, err);
	if (r == 0)
		r = add_interface(id, n, net, netns, ifname, only, NULL, err);
	json_decref(net);
	if (r == 0)
		eng_hosts_refresh(s, rec, NULL, id);
	return r;
}

/* The rootless engine's connect and disconnect: inside the rootless network namespace. */
struct connect_ctx {
	const struct eng_store *s;
	const char *id, *name;
	int netns;
};

static int connect_inside(void *p, json_t *rec, struct berr **err)
{
	struct connect_ctx *c = p;
	return connect_here(c->s, c->id, rec, c->name, c->netns, err);
}

int eng_endpoint_connect(const struct eng_store *s, const char *id, json_t *rec, const char *name,
			 int netns, struct berr **err)
{
	struct connect_ctx c = {s, id, name, netns};
	if (eng_rootless())
		return eng_rlnet_run(s, id, true, connect_inside, &c, rec, err);
	return connect_here(s, id, rec, name, netns, err);
}

static int disconnect_inside(void *p, json_t *rec, struct berr **err)
{
	(void)net_endpoint_remove(p, NULL);
	return 0;
}

void eng_endpoint_disconnect(const struct eng_store *s, const char *id, json_t *rec,
			     const char *name)
{
	json_t *n = json_object_get(networks_of(rec), name);
	const char *nid = str(n, "NetworkID");
	if (!nid)
		return;
	char host_if[16];
	eng_endpoint_name(id, nid, host_if);
	if (eng_rootless())
		(void)eng_rlnet_run(s, id, false, disconnect_inside, host_if, rec, NULL);
	else
		(void)net_endpoint_remove(host_if, NULL);
}

/* ---- network connect and disconnect ---- */

static bool is_running(const struct eng_store *s, const char *id)
{
	json_t *st = eng_state_load(s, id);
	bool running = json_is_true(json_object_get(st, "Running")) &&
		       json_integer_value(json_object_get(st, "Pid")) > 0;
	json_decref(st);
	return running;
}

/* The running container's network namespace, or -1. The pid in its state must still be its
 * process (eng_state_proc_open): a number reused by another process would have us add the
 * interface to that one's namespace, the host's perhaps. */
static int running_netns(const struct eng_store *s, const char *id)
{
	json_t *st = eng_state_load(s, id);
	int fd = json_is_true(json_object_get(st, "Running"))
		     ? eng_state_proc_open(st, "ns/net", O_RDONLY, NULL)
		     : -1;
	json_decref(st);
	return fd < 0 ? -1 : fd;
}

int eng_network_connect(const struct eng_store *s, const char *net_ref, const char *cid,
			const char *ip, char *const *aliases, struct berr **err)
{
	autoclose int lock = eng_container_lock(s, err);
	if (lock < 0)
		return lock;
	json_auto_t *rec = eng_container_load(s, cid, err);
	if (!rec)
		return berr_ret(err);
	const char *mode = str(json_object_get(rec, "HostConfig"), "NetworkMode");
	if (!eng_network_mode_is_net(mode))
		return berr_plain(err, EINVAL,
				  "container sharing network namespace with another container or "
				  "host cannot be connected to any other network");
	/* a VM's NICs are made at its boot: connect while it runs would need a hot-plug */
	autoclose int netns = running_netns(s, cid);
	if (eng_is_vm(rec) && netns >= 0)
		return berr_plain(err, EINVAL,
				  "a running VM (--isolation vm) cannot be connected to a network: "
				  "stop it first");
	json_auto_t *net = eng_network_load(s, net_ref, err);
	if (!net)
		return berr_ret(err);
	const char *name = str(net, "Name");
	int r = eng_network_claim(s, rec, net_ref, ip, NULL, aliases, err);
	if (r < 0)
		return r;
	if ((r = eng_container_save(s, cid, rec, err)) < 0) {
		eng_network_release(s, rec, name);
		return r;
	}
	if (netns >= 0 && (r = eng_endpoint_connect(s, cid, rec, name, netns, err)) < 0) {
		/* as it was: no interface, no lease, not in the record */
		eng_network_release(s, rec, name);
		json_object_del(networks_of(rec), name);
		(void)eng_container_save(s, cid, rec, NULL);
		return r;
	}
	eng_event_network(s, str(net, "Id"), name, "connect", cid);
	return 0;
}

int eng_network_disconnect(const struct eng_store *s, const char *net_ref, const char *cid,
			   struct berr **err)
{
	autoclose int lock = eng_container_lock(s, err);
	if (lock < 0)
		return lock;
	json_auto_t *rec = eng_container_load(s, cid, err);
	json_auto_t *net = rec ? eng_network_load(s, net_ref, err) : NULL;
	if (!net)
		return berr_ret(err);
	const char *name = str(net, "Name");
	if (!json_object_get(networks_of(rec), name))
		/* dockerd's words and its 500 (a plain error there) */
		return berr_plain(err, ENOTCONN, "container %s is not connected to network %s", cid,
				  name);
	if (is_running(s, cid))
		eng_endpoint_disconnect(s, cid, rec, name);
	eng_network_release(s, rec, name);
	json_auto_t *old = json_deep_copy(rec);
	json_object_del(networks_of(rec), name);
	int r = eng_container_save(s, cid, rec, err);
	{
		/* the peers that knew it by that network forget it */
		autoclose int nlock = eng_network_lock(s, NULL);
		eng_hosts_refresh(s, old, NULL, NULL);
	}
	if (r == 0)
		eng_event_network(s, str(net, "Id"), name, "disconnect", cid);
	return r;
}

/* ---- system check ---- */

/* The addresses of running containers on berth's networks. */
static json_t *live_addresses(const struct eng_store *s, json_t **out_stopped)
{
	json_t *live = json_object(), *stopped = json_array();
	char **ids = NULL;
	if (eng_container_list(s, &ids, NULL) == 0) {
		for (size_t i = 0; ids[i]; i++) {
			json_t *rec = eng_container_load(s, ids[i], NULL);
			bool running = is_running(s, ids[i]);
			const char *k;
			json_t *n;
			json_object_foreach(networks_of(rec), k, n)
			{
				const char *a[] = {str(n, "IPAddress"),
						   str(n, "GlobalIPv6Address")};
				for (int f = 0; f < 2 && running; f++)
					if (a[f] && *a[f])
						json_object_set_new(live, a[f], json_true());
			}
			if (rec && !running)
				json_array_append(stopped, rec);
			json_decref(rec);
		}
		strv_free(ids);
	}
	*out_stopped = stopped;
	return live;
}

/* "tcp . 8080 : 172.17.0.2 . 80": the container's address, the part after ':'. */
static const char *element_target(const char *e, char *buf, size_t len)
{
	const char *colon = strstr(e, " : ");
	if (!colon)
		return NULL;
	const char *a = colon + 3, *dot = strstr(a, " . ");
	snprintf(buf, len, "%.*s", (int)(dot ? (size_t)(dot - a) : strlen(a)), a);
	return buf;
}

static void add_finding(json_t *out, bool fixed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_finding(json_t *out, bool fixed, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(out, json_pack("{s:s, s:b}", "what", msg, "fixed", fixed));
}

/* Interfaces of containers that do not run. */
static void check_interfaces(json_t *out, json_t *stopped, bool repair)
{
	struct net_nl nl;
	if (net_nl_open(&nl, -1, NULL) < 0)
		return;
	size_t i;
	json_t *rec;
	json_array_foreach(stopped, i, rec)
	{
		const char *k, *id = str(rec, "Id");
		json_t *n;
		json_object_foreach(networks_of(rec), k, n)
		{
			char host_if[16];
			if (!str(n, "NetworkID"))
				continue;
			eng_endpoint_name(id, str(n, "NetworkID"), host_if);
			if (!net_nl_ifindex(&nl, host_if))
				continue;
			bool fixed = repair && net_endpoint_remove(host_if, NULL) == 0;
			add_finding(out, fixed, "interface %s of stopped container %.12s", host_if,
				    id);
		}
	}
	net_nl_close(&nl);
}

/* Published ports that lead to no running container (`live`: addresses of those that run). */
static void check_ports(json_t *out, json_t *live, bool repair)
{
	static const char *const maps[] = {"pub4", "pub6", "pub4_ip", "pub6_ip"};
	for (size_t m = 0; m < 4 && net_nft_table_exists(); m++) {
		json_t *elems = net_nft_elements(maps[m]);
		size_t i;
		json_t *e;
		json_array_foreach(elems, i, e)
		{
			char addr[64];
			const char *to = element_target(json_string_value(e), addr, sizeof(addr));
			if (!to || json_object_get(live, to))
				continue;
			bool fixed = false;
			if (repair) {
				autofree char *cmd =
				    xasprintf("delete element inet " NET_NFT_TABLE " %s { %s }\n",
					      maps[m], json_string_value(e));
				fixed = net_nft_run(cmd, NULL) == 0;
			}
			add_finding(out, fixed, "published port %s leads to no running container",
				    json_string_value(e));
		}
		json_decref(elems);
	}
}

/* A network's chains someone flushed while its bridge is up; its leases of containers that
 * are gone. */
static void check_network(const struct eng_store *s, json_t *out, json_t *net, bool repair)
{
	struct net_bridge b;
	struct net_nft_network nn;
	char s4[NET_ADDR_STRLEN], s6[NET_ADDR_STRLEN];
	eng_network_describe(net, &b, &nn, s4, s6);
	unsigned index = 0;
	struct net_nl nl;
	if (userns_is_initial() && net_nl_open(&nl, -1, NULL) == 0) {
		index = b.name ? net_nl_ifindex(&nl, b.name) : 0;
		net_nl_close(&nl);
	}
	autofree char *chain = xasprintf("in-%s", b.name ? b.name : "");
	if (index && !net_nft_chain_exists(chain)) {
		bool fixed = repair && eng_network_firewall(&nn, NULL) == 0;
		if (fixed)
			eng_network_firewall_mark(s, net, index);
		add_finding(out, fixed, "network %s: its bridge is up without its firewall chains",
			    str(net, "Name"));
	}
	int stale = eng_network_stale_leases(s, net, repair);
	if (stale > 0)
		add_finding(out, repair, "network %s: %d leases of removed containers",
			    str(net, "Name"), stale);
}

json_t *eng_network_check(const struct eng_store *s, bool repair)
{
	json_t *out = json_array(), *stopped = NULL;
	/* the list first: making the default network's record takes the lock */
	json_t *nets = eng_network_list(s, NULL);
	autoclose int lock = eng_network_lock(s, NULL);
	json_t *live = live_addresses(s, &stopped);
	/* rootless (issue #22): the host's interfaces, bridges and nftables are root's, which
	 * the user's namespace neither owns nor may repair (a bridge named as the user's
	 * network's would be root's, not its) */
	if (userns_is_initial()) {
		check_interfaces(out, stopped, repair);
		check_ports(out, live, repair);
	}
	size_t i;
	json_t *net;
	json_array_foreach(nets, i, net) check_network(s, out, net, repair);
	json_decref(nets);
	json_decref(live);
	json_decref(stopped);
	return out;
}
