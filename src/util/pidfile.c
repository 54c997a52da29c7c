/* Pid files of berth's daemons (see pidfile.h). */
#include "util/pidfile.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

pid_t pidfile_read_named(const char *pidfile, const char *const *names)
{
	autofree char *text = NULL;
	int pid = 0;
	if (fs_read_file(AT_FDCWD, pidfile, 64, &text, NULL, NULL) < 0 ||
	    sscanf(text, "%d", &pid) != 1 || pid <= 1)
		return 0;
	char path[64];
	autofree char *comm = NULL;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (fs_read_file(AT_FDCWD, path, 64, &comm, NULL, NULL) < 0)
		return 0;
	for (size_t i = 0; names[i]; i++)
		if (!strncmp(comm, names[i], strlen(names[i])))
			return pid;
	return 0;
}

void pidfile_kill(const char *pidfile, const char *const *names, int sig, bool group)
{
	pid_t pid = pidfile_read_named(pidfile, names);
	if (pid > 1)
		(void)kill(group ? -pid : pid, sig);
	(void)unlink(pidfile);
}
