/* The caller's end of a container terminal when no --console-socket is given: `run` and
 * `exec` in the foreground receive the pty master themselves and relay it to their own
 * stdio, as runc does. */
#ifndef BERTH_RUNTIME_TERMINAL_H
#define BERTH_RUNTIME_TERMINAL_H

#include <pthread.h>
#include <stdbool.h>
#include <termios.h>

struct berr;

struct rt_terminal {
	int sock[2]; /* [0] ours, [1] handed to the container as its console socket */
	int master;
	pthread_t relay;
	bool relaying;
	bool raw;
	struct termios saved;
};

int rt_terminal_open(struct rt_terminal *t, struct berr **err);
/* Start the relay thread: it receives the master the container sends on sock[0], sizes it
 * like our stdin, makes our terminal raw and copies both ways until the pty closes. */
int rt_terminal_start(struct rt_terminal *t, struct berr **err);
/* After a successful create: if the container sent its terminal (it does so before create
 * returns), take it and start the relay; else do nothing. Saves `run` of a container
 * without a terminal a thread. */
int rt_terminal_adopt(struct rt_terminal *t, struct berr **err);
/* Drop our copy of sock[1] once the container holds its own (so a container that fails
 * before sending a terminal ends the relay). */
void rt_terminal_handed_over(struct rt_terminal *t);
/* Async-signal-safe, for SIGWINCH: give the relayed pty our terminal's size. False when
 * nothing is relayed or we have no terminal. */
bool rt_terminal_resize(void);
/* Wait for the relay to drain (the container side closed) and restore our terminal. */
void rt_terminal_close(struct rt_terminal *t);

#endif
