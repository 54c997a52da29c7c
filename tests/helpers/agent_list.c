/* agent_list: what `ssh-add -l` asks an ssh agent, for images without openssh (build_ssh.bats
 * links it statically and runs it in a RUN). Connects to $SSH_AUTH_SOCK, sends
 * SSH_AGENTC_REQUEST_IDENTITIES (draft-miller-ssh-agent, section 4.4) and prints the number of
 * keys, then each key's comment, one a line. Exit 2: no SSH_AUTH_SOCK; 1: no agent there or a
 * reply that is not SSH_AGENT_IDENTITIES_ANSWER. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REQUEST_IDENTITIES 11
#define IDENTITIES_ANSWER  12
#define REPLY_MAX          (256 << 10)

static int read_all(int fd, void *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = read(fd, (char *)buf + off, len - off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int main(void)
{
	const char *path = getenv("SSH_AUTH_SOCK");
	if (!path || !*path) {
		fprintf(stderr, "agent_list: SSH_AUTH_SOCK is not set\n");
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "agent_list: connect %s: %s\n", path, strerror(errno));
		return 1;
	}
	const unsigned char req[5] = {0, 0, 0, 1, REQUEST_IDENTITIES};
	unsigned char hdr[4];
	if (write(fd, req, sizeof(req)) != sizeof(req) || read_all(fd, hdr, 4) < 0) {
		fprintf(stderr, "agent_list: no reply\n");
		return 1;
	}
	uint32_t len = be32(hdr);
	if (len < 5 || len > REPLY_MAX) {
		fprintf(stderr, "agent_list: a reply of %u bytes\n", len);
		return 1;
	}
	unsigned char *msg = malloc(len);
	if (!msg || read_all(fd, msg, len) < 0 || msg[0] != IDENTITIES_ANSWER) {
		fprintf(stderr, "agent_list: not an identities answer\n");
		return 1;
	}
	uint32_t n = be32(msg + 1), off = 5;
	printf("%u keys\n", n);
	for (uint32_t i = 0; i < n; i++) {
		for (int field = 0; field < 2; field++) { /* the key blob, then its comment */
			if (len - off < 4 || len - off - 4 < be32(msg + off)) {
				fprintf(stderr, "agent_list: a short answer\n");
				return 1;
			}
			uint32_t flen = be32(msg + off);
			if (field == 1)
				printf("%.*s\n", (int)flen, (const char *)msg + off + 4);
			off += 4 + flen;
		}
	}
	return 0;
}
