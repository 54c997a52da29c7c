/* Random bytes from the kernel (getrandom), and the random ids made of them: a container's,
 * an exec's, a network's, a volume's or a pod's id is 64 hex digits. */
#ifndef BERTH_UTIL_RANDID_H
#define BERTH_UTIL_RANDID_H

#include <stddef.h>

struct berr;

/* n random bytes into buf (getrandom, retried after a signal or a short read). */
int rand_bytes(void *buf, size_t n, struct berr **err);
/* n random lower-case hex digits and a NUL into out (n + 1 bytes). */
int rand_hex_id(char *out, size_t n, struct berr **err);

#endif
