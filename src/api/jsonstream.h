/* Docker's JSON message streams (pull, push, load, build) written by a child of the
 * connection's process into a pipe: the reply is that stream, unless the child failed before
 * it said anything; then its first line is a marked error, {"berth-status": N, "message": M},
 * and the reply is that status with Docker's error body. */
#ifndef BERTH_API_JSONSTREAM_H
#define BERTH_API_JSONSTREAM_H

#include <sys/types.h>

#include "api/http.h"

/* The reply for the child pid writing into fd (both taken). */
int api_reply_jsonstream(struct api_req *r, int fd, pid_t pid);

#endif
