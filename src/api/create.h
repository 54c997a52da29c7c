/* Docker's create request (POST /containers/create: ContainerConfig with HostConfig and
 * NetworkingConfig) as struct eng_create, which is what `run`'s flags become: Cmd, Env,
 * Entrypoint (its first word as --entrypoint, the rest before Cmd: the engine takes one),
 * WorkingDir, User, Hostname, Tty, OpenStdin, Labels, StopSignal, StopTimeout,
 * ExposedPorts, Healthcheck; HostConfig's Binds, Mounts, Tmpfs, PortBindings,
 * PublishAllPorts, NetworkMode, Dns*, ExtraHosts, CapAdd/CapDrop, SecurityOpt, Ulimits,
 * Sysctls, Devices, the limits (engine/create.h's eng_host_config_limits), Init,
 * AutoRemove, RestartPolicy, Isolation, UsernsMode; the endpoint of NetworkMode's network
 * (Aliases, IPAMConfig.IPv4Address). The engine checks the values, as it does the flags'. */
#ifndef BERTH_API_CREATE_H
#define BERTH_API_CREATE_H

#include <jansson.h>
#include <stddef.h>

#include "engine/create.h"

struct berr;

/* The strings c points to, freed with api_create_owned_free once c is used. */
struct api_create_owned {
	char **v[32];
	size_t n;
	char *restart;
};

/* cfg (borrowed: c points into it too) into c (its stop_timeout -1 beforehand). EINVAL
 * for a field of the wrong type or a missing Image. */
int api_create_decode(json_t *cfg, struct eng_create *c, struct api_create_owned *own,
		      struct berr **err);
void api_create_owned_free(struct api_create_owned *own);

#endif
