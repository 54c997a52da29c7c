/* Pid files of the daemons berth starts and leaves running (pasta, passt, slirp4netns, the
 * port forwarder): read back only while the number still names one of those programs, since
 * a pid file that outlived its daemon (a killed monitor, a reboot of the run root's tmpfs
 * kept) may name a process that has taken the number since. */
#ifndef BERTH_UTIL_PIDFILE_H
#define BERTH_UTIL_PIDFILE_H

#include <stdbool.h>
#include <sys/types.h>

/* The pid pidfile names when /proc/<pid>/comm starts with one of names (NULL-terminated),
 * else 0. */
pid_t pidfile_read_named(const char *pidfile, const char *const *names);
/* That process sent sig (its process group when group), then the file removed either way. */
void pidfile_kill(const char *pidfile, const char *const *names, int sig, bool group);

#endif
