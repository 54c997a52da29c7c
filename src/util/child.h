/* A child of ours that does berth's own work after fork() (no exec: a namespace to join,
 * sockets to serve, a stream to write) and talks home through a pipe. A program berth runs
 * goes through util/spawn instead. */
#ifndef BERTH_UTIL_CHILD_H
#define BERTH_UTIL_CHILD_H

#include <sys/types.h>

/* fork() with a pipe from the child home, both ends close-on-exec. In the child: 0, *out_fd
 * the write end (the read end closed). In the parent: the child's pid, *out_fd the read end.
 * -errno when the pipe or the fork fails: nothing left open, *out_fd untouched. */
pid_t child_fork_piped(int *out_fd);

#endif
