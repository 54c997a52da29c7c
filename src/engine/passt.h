/* A rootless VM's network (issue #22): passt, pasta's sibling for VMs (Debian's passt), on one
 * end of a socketpair and QEMU on the other (QEMU 7.2's -netdev stream with addr.type=fd), as
 * podman machine and libvirt's passt backend connect them. passt copies the host's address
 * and default route, IPv4's and (where the host has them) IPv6's, as pasta does for a
 * container; the guest's NIC is given the same, and passt makes its connections from the
 * host's sockets and forwards -p's ports. It runs as the user, ends with QEMU (--one-off: its
 * one client gone), and is killed by its pid file at detach as pasta is
 * (<runroot>/<id>/pasta.pid, eng_pasta_detach). */
#ifndef BERTH_ENGINE_PASST_H
#define BERTH_ENGINE_PASST_H

#include <jansson.h>

struct berr;
struct eng_store;
struct vm_nic;

/* The VM's one NIC (its fd QEMU's end of the socket, stream set) with passt started on the
 * other end, the record's ports published; NetworkSettings.Ports in *out_settings. */
int eng_passt_attach_vm(const struct eng_store *s, const char *id, json_t *rec, struct vm_nic *nic,
			json_t **out_settings, struct berr **err);

#endif
