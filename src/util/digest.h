/* SHA-256 (FIPS 180-4, OpenSSL's block function) and OCI digest strings ("sha256:<64 hex>").
 * Images verify every blob and every unpacked layer with it. */
#ifndef BERTH_UTIL_DIGEST_H
#define BERTH_UTIL_DIGEST_H

#define OPENSSL_API_COMPAT 0x10100000L /* SHA256_CTX by value (digest.c) */
#include <openssl/sha.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

struct sha256 {
	SHA256_CTX ctx;
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
