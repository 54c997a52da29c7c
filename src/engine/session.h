/* Exec sessions the monitor relays to an executor that runs them itself: a VM's guest init,
 * on its exec channel (vm/proto.h). A `berth exec` connects to the attach socket and sends
 * ENG_EXEC with the process's records; the monitor opens a session for that client, passes
 * its stdin, end of stdin, window sizes and signals to the guest, and the guest's output,
 * "started", error and exit status back to that client alone. Many at once; a client that
 * goes away ends its process's stdin, not the process (as `docker exec`). */
#ifndef BERTH_ENGINE_SESSION_H
#define BERTH_ENGINE_SESSION_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/attach.h"

struct eng_sessions {
	int fd; /* the channel, or -1 */
	unsigned next;
	unsigned char *buf;
	size_t len, cap;
};

/* A frame of the guest's for session id; end: its last (the client is done). */
typedef void (*eng_session_deliver)(void *ctx, unsigned id, enum eng_stream s, const char *data,
				    size_t len, bool end);

void eng_sessions_init(struct eng_sessions *x, int fd);
void eng_sessions_clear(struct eng_sessions *x);
/* A new session for the records: its id (> 0), or 0 when there is no channel. in_use(ctx,
 * id) says whether an id is still some client's. */
unsigned eng_session_open(struct eng_sessions *x, const char *records, size_t len,
			  bool (*in_use)(void *ctx, unsigned id), void *ctx);
/* A client's frame for its session (STDIN, STDIN_EOF, RESIZE, SIGNAL; others are dropped). */
void eng_session_input(struct eng_sessions *x, unsigned id, enum eng_stream s, const char *data,
		       size_t len);
/* The channel is readable: what it has, frame by frame, to deliver. false when it ended or
 * the guest sent something malformed (the channel is closed then). */
bool eng_sessions_read(struct eng_sessions *x, eng_session_deliver deliver, void *ctx);

/* The sessions' clients, each an attach-socket connection whose first frame was ENG_EXEC, for
 * whoever holds a VM's channel (the monitor, berth-runtime-vm's shim). */
#define ENG_SESSION_CLIENTS 32
struct eng_session_clients {
	struct eng_sessions x;
	int fd[ENG_SESSION_CLIENTS];
	unsigned id[ENG_SESSION_CLIENTS];
	size_t n;
};

void eng_session_clients_init(struct eng_session_clients *c, int channel);
/* Closes the clients (their processes' stdin ends), not the channel. */
void eng_session_clients_clear(struct eng_session_clients *c);
/* A client (fd, taken) whose ENG_EXEC brought records: a session for it, or ENG_ERROR
 * "125 ..." and it is closed. */
void eng_session_clients_add(struct eng_session_clients *c, int fd, const char *records,
			     size_t len);
/* Its pollfds into p (room for 1 + ENG_SESSION_CLIENTS): the channel, then the clients. */
size_t eng_session_clients_poll(const struct eng_session_clients *c, struct pollfd *p);
/* After poll: what came from the guest to its client, what came from clients to the guest. */
void eng_session_clients_handle(struct eng_session_clients *c, const struct pollfd *p, size_t n);

/* The client's side, for a process with no input (a health check): connect to the attach
 * socket, run the records, their stdout and stderr to out; its exit status, or 125/126/127
 * with the reason written to out. Past timeout_ms the process is sent SIGKILL and 137 is
 * the status. */
/* The caller ignores SIGPIPE. */
int eng_session_run(const char *attach_path, const char *records, size_t len, int out,
		    int timeout_ms);

#endif
