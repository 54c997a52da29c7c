/* A child that outlives its parent as a daemon of berth's own (the rootless engine's pause
 * process, the rootless network namespace's holder): detached from everything of the
 * parent's, then asleep until killed. Programs berth runs as daemons go through util/spawn
 * (setsid, close_others) instead. */
#ifndef BERTH_UTIL_DAEMON_H
#define BERTH_UTIL_DAEMON_H

/* A session of its own (no terminal), "/" as its directory (no mount kept busy), /dev/null
 * as stdin, stdout and stderr, every other descriptor closed (a test's pipe would stay
 * open). 0, or -errno when "/" or /dev/null cannot be had (stdio then left as it was). */
int daemon_detach(void);
/* Named name (comm), no signal blocked, SIGHUP, SIGINT, SIGPIPE, SIGUSR1, SIGUSR2 and
 * SIGQUIT ignored, asleep until a signal ends it (SIGTERM, SIGKILL). */
_Noreturn void daemon_sleep(const char *name);

#endif
