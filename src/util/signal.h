/* Signals as users write them: "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3". */
#ifndef BERTH_UTIL_SIGNAL_H
#define BERTH_UTIL_SIGNAL_H

/* The number, or -1 for an unknown name or a number out of range. */
int sig_parse(const char *s);

#endif
