/* Random bytes and hex ids (see randid.h). */
#include "util/randid.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include "util/err.h"

int rand_bytes(void *buf, size_t n, struct berr **err)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return berr_set(err, got < 0 ? errno : EIO, "random id");
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

int rand_hex_id(char *out, size_t n, struct berr **err)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[64];
	size_t done = 0;
	while (done < n) {
		size_t bytes = (n - done + 1) / 2;
		bytes = bytes < sizeof(raw) ? bytes : sizeof(raw);
		int r = rand_bytes(raw, bytes, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < bytes && done < n; i++) {
			out[done++] = hex[raw[i] >> 4];
			if (done < n)
				out[done++] = hex[raw[i] & 15];
		}
	}
	out[n] = '\0';
	return 0;
}
