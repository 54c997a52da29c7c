/* The loopback interface of a container's network namespace: a new namespace has `lo` down,
 * and Docker's containers have it up (127.0.0.1 works inside). */
#ifndef BERTH_NET_LOOPBACK_H
#define BERTH_NET_LOOPBACK_H

#include <sys/types.h>

struct berr;

/* Bring up lo in the network namespace of pid (a helper process joins it: ours stays). */
int net_loopback_up(pid_t pid, struct berr **err);

#endif
