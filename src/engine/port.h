/* Published ports: `-p`/`--publish` and `-P` as Docker reads them, into HostConfig's
 * PortBindings ({"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}); at each start the monitor
 * reserves every host port with a socket bound to it (so a port that is taken fails the
 * start, and nothing else takes it while the container runs; an empty HostPort gets one the
 * kernel picks), and the firewall sends the port's traffic to the container (net/nft.h). */
#ifndef BERTH_ENGINE_PORT_H
#define BERTH_ENGINE_PORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

/* -p specs into bindings (added to out, an object) and their container ports to exposed
 * (an object of "80/tcp": {}). EINVAL names a bad spec. */
int eng_port_parse(char *const *specs, json_t *out, json_t *exposed, struct berr **err);
/* --expose PORT[-PORT][/tcp|udp]: each port's "N/proto" added to exposed (an object). */
int eng_port_expose(char *const *specs, json_t *exposed, struct berr **err);

/* One reservation: the socket holding host_ip:host_port. */
struct eng_port_hold {
	int fd;
	int family;
	char proto[4];
	char host_ip[48]; /* as bound: "0.0.0.0", "::", "127.0.0.1" */
	bool any;         /* every address of the host */
	uint16_t host_port, port;
};

/* The bindings (and, publish_all, every port in exposed without one, on a port of the
 * kernel's choosing) reserved. v6: the container has an IPv6 address, so an empty HostIp is
 * bound on :: too (where the host has IPv6). *out gets n holds; on failure none is left. */
int eng_port_reserve(json_t *bindings, json_t *exposed, bool publish_all, bool v6,
		     struct eng_port_hold **out, size_t *out_n, struct berr **err);
void eng_port_release(struct eng_port_hold *h, size_t n);
/* The holds as pasta's and passt's -t and -u take them: "[ADDR/]HOSTPORT:PORT" joined with
 * commas, "none" for none; what does not fit in cap is left out. */
void eng_port_specs(const struct eng_port_hold *h, size_t n, char *tcp, char *udp, size_t cap);
/* NetworkSettings.Ports: every exposed or bound port, with its holds (null: none). */
json_t *eng_port_settings(json_t *exposed, json_t *bindings, const struct eng_port_hold *h,
			  size_t n);

#endif
