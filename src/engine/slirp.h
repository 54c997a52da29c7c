/* slirp4netns (podman's rootless network before pasta, issue #22): a user-mode TCP/IP stack
 * for one network namespace, the fallback where pasta is not installed and a mode of its own,
 * `--network slirp4netns[:OPTION,...]`, with podman's options: allow_host_loopback=BOOL,
 * enable_ipv6=BOOL, cidr=CIDR, mtu=N, outbound_addr=IPv4|IF, outbound_addr6=IPv6|IF and
 * port_handler=rootlesskit|slirp4netns (berth's own forwarder, portfwd.h, serves both). The
 * container gets 10.0.2.100 (the cidr's .100), its gateway .2 and DNS .3, as podman's. */
#ifndef BERTH_ENGINE_SLIRP_H
#define BERTH_ENGINE_SLIRP_H

#include <stdbool.h>

struct berr;

struct eng_slirp_opts {
	bool host_loopback, ipv6;
	unsigned mtu;
	char cidr[48], outbound4[48], outbound6[64];
};

/* Whether the program name is in PATH (slirp4netns, pasta). */
bool eng_usermode_available(const char *name);
/* Whether mode is "slirp4netns" or "slirp4netns:OPTIONS". */
bool eng_slirp_mode(const char *mode);
bool eng_slirp_available(void);
/* The options of mode into out (podman's defaults for what is not said); EINVAL naming an
 * option that is not one of podman's or a value that is not valid. */
int eng_slirp_parse(const char *mode, struct eng_slirp_opts *out, struct berr **err);
/* The container's address under o (the cidr's .100). */
void eng_slirp_guest_addr(const struct eng_slirp_opts *o, char out[48]);
/* slirp4netns for the namespace at ns_path (the caller's user namespace owns it), configured
 * (tap0, its address and default route) when this returns; its pid in pidfile. It is a
 * child of the caller's, in a session of its own. */
int eng_slirp_start(const char *ns_path, const struct eng_slirp_opts *o, const char *pidfile,
		    struct berr **err);
/* The slirp4netns in pidfile ended, the file removed. */
void eng_slirp_stop(const char *pidfile);

#endif
