/* QMP, QEMU's control socket: one command and its reply ("quit", "system_powerdown",
 * "query-status"), within a deadline. */
#ifndef BERTH_VM_QMP_H
#define BERTH_VM_QMP_H

struct berr;

int vm_qmp_command(const char *socket_path, const char *command, int timeout_ms, struct berr **err);

#endif
