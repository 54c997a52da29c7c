/* `RUN --mount=type=ssh`: the agents a build forwards (`berth build --ssh`, docker build's
 * flag) and the socket a RUN gets for one of them, as BuildKit's sshforward does.
 *
 * `--ssh ID[=SOCKET|KEY[,KEY...]]` (docker's parseSSH and sshprovider): without a path the
 * agent is $SSH_AUTH_SOCK; one path that is a socket is an agent; other paths are private keys,
 * which berth loads into an ssh-agent of the build's own (openssh's, started in the build's
 * session and stopped with it), where BuildKit's client serves them from memory.
 *
 * A RUN's ssh mount is never the agent's socket itself: as BuildKit's MountSSHSocket, a new
 * socket of the step's (in the session, owned uid:gid, mode 0600 unless given) whose
 * connections a relay process carries to the agent. So the container sees neither the user's
 * socket path nor its owner and mode, the socket goes when the RUN ends, and nothing of it is
 * in the layer or in the cache key (the mount's id and target are, as BuildKit keys them). */
#ifndef BERTH_BUILD_SSH_H
#define BERTH_BUILD_SSH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct berr;
struct bld_build;
struct bld_mount;
struct bld_ssh;

/* One --ssh value into out (bld_ssh_clear): ID and its paths, $SSH_AUTH_SOCK when none.
 * docker's messages: "invalid empty ssh agent socket, make sure SSH_AUTH_SOCK is set". */
int bld_ssh_parse(const char *value, struct bld_ssh *out, struct berr **err);
void bld_ssh_clear(struct bld_ssh *s);

/* The build's agents made ready before any stage runs (b->o->ssh): each id once ("invalid
 * duplicate id"), a socket checked, keys loaded into an agent of the build's (its socket in the
 * session). Stopped by bld_ssh_agents_stop (safe when none were started). */
int bld_ssh_agents_start(struct bld_build *b, struct berr **err);
void bld_ssh_agents_stop(struct bld_build *b);

/* The socket a RUN's ssh mount binds (1): *out_dir a new directory in the session whose
 * socket "agent" (mt's uid, gid, mode) *out_pid relays to the agent of mt->id; the caller
 * stops the relay and removes the directory. 0, nothing made, when that agent was not given
 * and the mount is optional. BuildKit's errors when it is required: "no SSH key "ID" forwarded
 * from the client" (no --ssh at all), "unset ssh forward key ID". */
int bld_ssh_socket(struct bld_build *b, const struct bld_mount *mt, char **out_dir, pid_t *out_pid,
		   struct berr **err);
/* The socket of the agent --ssh named id (the user's, or the build's own for keys), or NULL:
 * what git reaches ssh remotes with (ADD of git@host:repo, BuildKit's "default" agent). */
const char *bld_ssh_agent_sock(const struct bld_build *b, const char *id);

/* The relay stopped (SIGKILL, reaped); its socket stays for the caller's directory cleanup. */
void bld_ssh_relay_stop(pid_t pid);

#endif
