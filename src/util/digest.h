/* SHA-256 (FIPS 180-4) and OCI digest strings ("sha256:<64 hex>"). Our own small implementation
 * so the foundation needs no crypto library; images verify every blob with it. */
#ifndef BERTH_UTIL_DIGEST_H
#define BERTH_UTIL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct berr;

struct sha256 {
	uint32_t h[8];
	uint64_t len_bytes;
	uint8_t buf[64];
	size_t buf_len;
};

#define SHA256_LEN     32
#define SHA256_HEX_LEN 64

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* out_hex needs SHA256_HEX_LEN + 1 bytes. */
void sha256_hex(const void *data, size_t len, char out_hex[SHA256_HEX_LEN + 1]);
void digest_to_hex(const uint8_t *bin, size_t len, char *out_hex);
/* Accepts "sha256:<64 lower-case hex>" only; writes the hex part. */
int digest_parse(const char *digest, char out_hex[SHA256_HEX_LEN + 1], struct berr **err);

#endif
