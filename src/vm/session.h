/* Exec sessions the monitor relays to an executor that runs them itself: a VM's guest init,
 * on its exec channel (vm/proto.h). A `berth exec` connects to the attach socket and sends
 * FRAME_EXEC with the process's records; the monitor opens a session for that client, passes
 * its stdin, end of stdin, window sizes and signals to the guest, and the guest's output,
 * "started", error and exit status back to that client alone. Many at once; a client that
 * goes away ends its process's stdin, not the process (as `docker exec`). */
#ifndef BERTH_VM_SESSION_H
#define BERTH_VM_SESSION_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/frame.h"

struct vm_sessions {
	int fd; /* the channel, or -1 */
	unsigned next;
	unsigned char *buf;
	size_t len, cap;
};

/* A frame of the guest's for session id; end: its last (the client is done). */
typedef void (*vm_session_deliver)(void *ctx, unsigned id, enum frame_stream s, const char *data,
				   size_t len, bool end);

void vm_sessions_init(struct vm_sessions *x, int fd);
void vm_sessions_clear(struct vm_sessions *x);
/* A new session for the records: its id (> 0), or 0 when there is no channel. in_use(ctx,
 * id) says whether an id is still some client's. */
unsigned vm_session_open(struct vm_sessions *x, const char *records, size_t len,
			 bool (*in_use)(void *ctx, unsigned id), void *ctx);
/* A client's frame for its session (STDIN, STDIN_EOF, RESIZE, SIGNAL; others are dropped). */
void vm_session_input(struct vm_sessions *x, unsigned id, enum frame_stream s, const char *data,
		      size_t len);
/* The channel is readable: what it has, frame by frame, to deliver. false when it ended or
 * the guest sent something malformed (the channel is closed then). */
bool vm_sessions_read(struct vm_sessions *x, vm_session_deliver deliver, void *ctx);

/* The sessions' clients, each an attach-socket connection whose first frame was FRAME_EXEC, for
 * whoever holds a VM's channel (the monitor, berth-runtime-vm's shim). */
#define VM_SESSION_CLIENTS 32
struct vm_session_clients {
	struct vm_sessions x;
	int fd[VM_SESSION_CLIENTS];
	unsigned id[VM_SESSION_CLIENTS];
	size_t n;
};

void vm_session_clients_init(struct vm_session_clients *c, int channel);
/* Closes the clients, each told FRAME_ERROR "137 the container stopped during the exec"
 * first (the executor ended, their processes with it), not the channel. */
void vm_session_clients_clear(struct vm_session_clients *c);
/* A client (fd, taken) whose FRAME_EXEC brought records: a session for it, or FRAME_ERROR
 * "125 ..." and it is closed. */
void vm_session_clients_add(struct vm_session_clients *c, int fd, const char *records, size_t len);
/* Its pollfds into p (room for 1 + VM_SESSION_CLIENTS): the channel, then the clients. */
size_t vm_session_clients_poll(const struct vm_session_clients *c, struct pollfd *p);
/* After poll: what came from the guest to its client, what came from clients to the guest. */
void vm_session_clients_handle(struct vm_session_clients *c, const struct pollfd *p, size_t n);

/* The client's side, for a process with no input (a health check): connect to the attach
 * socket, run the records, their stdout and stderr to out; its exit status, or 125/126/127
 * with the reason written to out. Past timeout_ms the process is sent SIGKILL and 137 is
 * the status. */
/* The caller ignores SIGPIPE. */
int vm_session_run(const char *attach_path, const char *records, size_t len, int out,
		   int timeout_ms);

#endif
