/* The stream between a container's monitor and the commands attached to it (`run` in the
 * foreground, `start -a`, `attach`), over the Unix socket <runroot>/<id>/attach. Frames as
 * Docker's attach stream has them: 8 bytes (stream, 0, 0, 0, length big-endian) then the
 * payload, with streams of our own for the exit status, window sizes and the end of stdin. */
#ifndef BERTH_ENGINE_ATTACH_H
#define BERTH_ENGINE_ATTACH_H

#include "util/frame.h"

struct berr;
struct eng_store;

/* Connect to the container's attach socket (waiting a little for the monitor to make it). */
int eng_attach_connect(const struct eng_store *s, const char *id, struct berr **err);

#endif
