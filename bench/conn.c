/* bench/conn, for bench/net: the two ends of a connection-rate measurement, with no
 * process made per connection (busybox httpd forks one per connection, and on a small
 * machine that fork was the whole cost: 600 connections/s, whatever the path).
 *   conn serve PORT        answers each connection with a short HTTP response, closes it
 *   conn rate HOST PORT N  N connections one after another, each sending a request and
 *                          reading the answer to its end; prints connections per second */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char req[] = "GET / HTTP/1.0\r\n\r\n";
static const char resp[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

static int serve(int port)
{
	int one = 1;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 512) < 0) {
		perror("conn: serve");
		return 1;
	}
	for (;;) {
		char buf[512];
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (read(c, buf, sizeof(buf)) > 0 && write(c, resp, sizeof(resp) - 1) < 0)
			perror("conn: write");
		close(c);
	}
}

static int rate(const char *host, int port, long n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timespec t0, t1;
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "conn: bad address %s\n", host);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		char buf[512];
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    write(s, req, sizeof(req) - 1) < 0) {
			perror("conn: rate");
			return 1;
		}
		while (read(s, buf, sizeof(buf)) > 0)
			;
		close(s);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.0f\n", n / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "rate"))
		return rate(argv[2], atoi(argv[3]), atol(argv[4]));
	fprintf(stderr, "usage: conn serve PORT | conn rate HOST PORT N\n");
	return 2;
}
