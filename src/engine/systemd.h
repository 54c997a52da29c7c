/* System containers (issue #20): a container whose PID 1 is systemd, set up as podman's
 * `--systemd` does and as systemd's container interface asks (systemd's
 * docs/CONTAINER_INTERFACE.md): `container=berth` and `container_uuid` in PID 1's environment,
 * tmpfs on /run, /run/lock, /tmp and /var/log/journal, /run/host/container-manager and
 * /run/host/os-release, SIGRTMIN+3 as the stop signal (systemd's "halt"), and a cgroup
 * systemd may write: its own subtree, in its own cgroup namespace. Whether a container runs in
 * systemd mode is decided once, at create (Config.SystemdMode, podman's field); the rest is
 * applied to the bundle at every start. */
#ifndef BERTH_ENGINE_SYSTEMD_H
#define BERTH_ENGINE_SYSTEMD_H

#include <jansson.h>
#include <stdbool.h>

struct berr;

/* systemd's shutdown request (systemd(1), "SIGRTMIN+3: Halts the machine"): the stop signal
 * of a container in systemd mode when neither --stop-signal nor the image names one. */
#define ENG_SYSTEMD_STOP_SIGNAL "SIGRTMIN+3"

/* --systemd's value ("true", the default when NULL; "false"; "always") and the container's
 * process args: whether it runs in systemd mode. "true" turns it on when the command is
 * /sbin/init, /usr/sbin/init, /usr/local/sbin/init or a file named systemd (podman's list; a
 * leading "/bin/sh -c" is looked past, as podman does). EINVAL for another value. */
int eng_systemd_decide(const char *value, json_t *args, bool *out_on, struct berr **err);

/* The bundle's changes for systemd mode (spec: the config.json made by eng_bundle_spec; id:
 * the container's; dir: its directory, where /run/host's files are). For a VM (vm) only the
 * annotation that tells the guest init to hand over (vm/guestcfg.h): the guest is a machine,
 * not a container, so none of the container interface (its environment, /run/host, tmpfs
 * mounts the guest's systemd makes itself or keeps on its disk, a cgroup: the guest kernel's
 * are its own). */
void eng_systemd_spec(json_t *spec, const char *id, const char *dir, bool vm);

/* Drop systemd mode's tmpfs mounts where the user mounts something of their own (plan:
 * HostConfig.Mounts), as podman does. */
void eng_systemd_unshadow(json_t *spec, json_t *plan);

/* Whether this host can give systemd a cgroup of its own: cgroup2 (the whole tree, or the
 * hybrid host's "unified") or a name=systemd v1 hierarchy. ENOTSUP saying so otherwise. */
int eng_systemd_host_check(struct berr **err);

/* Whether the image (its record's "layers", bottom first; image: its name, for the message)
 * has systemd, once systemd mode is on (*inout_on): /usr/lib/systemd/systemd or
 * /lib/systemd/systemd in its layers. Without it, `--systemd=always` (value) is refused
 * (EINVAL, naming the image and what is missing: nothing is made), and `true`'s decision
 * (the command is an init, but another one, as busybox's /sbin/init) becomes off, so that
 * such an init runs as with Docker, with its own stop signal. */
struct img_store;
int eng_systemd_image(struct img_store *is, json_t *layers, const char *image, const char *value,
		      bool *inout_on, struct berr **err);

/* Write <dir>/host/container-manager ("berth") and <dir>/host/os-release (the host's), which
 * the container sees read-only at /run/host. */
int eng_systemd_host_files(const char *dir, struct berr **err);

#endif
