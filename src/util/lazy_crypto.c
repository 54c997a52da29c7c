/* The libcrypto functions berth calls, forwarded to libcrypto.so.3 once it is first needed
 * (see util/dlib.h): mapping and relocating it took 1.5 ms of CPU at every start of berth and
 * berth-runtime, which hash only short strings on the way to a container (digest.c). */
#define OPENSSL_API_COMPAT 0x10100000L /* SHA256_CTX by value, as digest.h */
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "util/dlib.h"

static struct dlib crypto = {"libcrypto.so.3", NULL};

DLIB_FORWARD(crypto, int, SHA256_Update, (SHA256_CTX * c, const void *data, size_t len),
	     (c, data, len))
DLIB_FORWARD(crypto, int, SHA256_Final, (unsigned char *md, SHA256_CTX *c), (md, c))
DLIB_FORWARD(crypto, int, EVP_EncodeBlock, (unsigned char *to, const unsigned char *from, int n),
	     (to, from, n))
DLIB_FORWARD(crypto, int, EVP_DecodeBlock, (unsigned char *to, const unsigned char *from, int n),
	     (to, from, n))
