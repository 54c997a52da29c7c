/* The engine run by an ordinary user (issue #22), as rootless podman 4 runs: the user's own
 * store and run root, and one user namespace per user (with a mount namespace of its own)
 * that every berth command of that user joins, held open by a pause process. Inside it the
 * user is root: the store's files carry the ids the namespace maps (the user's own id as 0,
 * the user's ranges from /etc/subuid and /etc/subgid from 1 on), overlayfs is mounted there
 * (Linux 5.11), and berth-runtime's rootless rules apply (no cgroups without delegation).
 * Nothing here needs a privilege of berth's own: the wide maps are written by Debian's setuid
 * newuidmap/newgidmap, which check them against those files. */
#ifndef BERTH_ENGINE_ROOTLESS_H
#define BERTH_ENGINE_ROOTLESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct berr;
struct rt_idmap;

/* At most this many ranges of one user are mapped (the kernel takes 340 lines). */
#define ENG_ROOTLESS_RANGES_MAX 32

/* The store of a user who is not root: $XDG_DATA_HOME/berth, else $HOME/.local/share/berth
 * (HOME from the password database when unset), as podman's ~/.local/share/containers. */
char *eng_rootless_default_root(void);
/* The run root of a user who is not root: $XDG_RUNTIME_DIR/berth when that is a directory of
 * the user's, else /tmp/berth-run-UID (podman: /tmp/podman-run-UID), made 0700 and used only
 * when it is then a directory of the user's that no one else may enter (another user making
 * it first would own our state). */
int eng_rootless_default_runroot(char **out_path, struct berr **err);

/* The ranges that text (the contents of /etc/subuid or /etc/subgid) gives the user, by name
 * or by number, in order, as maps from container id first_id on (each range follows the one
 * before). Returns how many (0: none); lines that are not "who:start:count" are skipped. */
size_t eng_rootless_parse_subids(const char *text, const char *name, unsigned id, unsigned first_id,
				 struct rt_idmap *out_maps, size_t max);
/* The first id after every range text lists (at least 100000), for the fix we suggest. */
unsigned long eng_rootless_free_start(const char *text);

/* Join the user's namespaces, or make them: a user namespace mapping 0 to the caller's uid
 * and gid and 1.. to its subordinate ranges, and a mount namespace it owns, held by a pause
 * process whose pid is kept in <runroot>/pause.pid. On success the caller is uid 0 there with
 * every capability of that namespace, its working directory the same path as before. Fails
 * (nothing changed) when the user has no ranges, naming the file and the usermod line that
 * adds them. Call it single-threaded, before anything is opened in the store. */
int eng_rootless_enter(const char *runroot, struct berr **err);

/* What a rootless container cannot have, refused before anything is made (nothing for root):
 * limits in the planned config's linux.resources without delegated cgroups (the reason and
 * the way out said), and a network mode that needs root on the host (a bridge: veths,
 * nftables). EPERM. */
int eng_rootless_check(json_t *spec, const char *net_mode, struct berr **err);

/* The network a rootless container gets for mode: the default "bridge" is pasta when pasta
 * is installed (podman 4's rootless default is slirp4netns, pasta with --network pasta;
 * Docker's rootless "bridge" is user-mode networking too). Anything else, and as root: mode. */
const char *eng_rootless_network(const char *mode);
/* The same for what the user asked, telling none from "bridge" said (podman 4's rule): NULL,
 * "" or "default" (nothing asked) is eng_rootless_network's default (pasta, else
 * slirp4netns); "bridge" said is the user's default bridge network, which for a rootless
 * engine lives in the rootless network namespace (rootless_netns.h: containers on it reach
 * each other by address, the way out through that namespace's pasta), as podman 4's
 * --network bridge joins its "podman" network there. Anything else, and as root: asked (the
 * default "bridge" for nothing). engine/create.c's check_network and check_vm ask it of
 * eng_create's run.network, which every creator leaves NULL for nothing asked (the CLI, the
 * API's "" and "default", a build's RUN, a pod's infra container). */
const char *eng_rootless_network_asked(const char *asked);

/* Whether this berth runs inside a user namespace (the rootless engine after
 * eng_rootless_enter, or root inside someone's container): what it cannot do there (a bridge,
 * nftables, cgroups without delegation) is refused with the reason. */
bool eng_rootless(void);

#endif
