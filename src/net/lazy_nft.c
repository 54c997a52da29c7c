/* The libnftables functions berth calls, forwarded to libnftables.so.1 once it is first needed
 * (see util/dlib.h). libnftables brings libnftnl, libxtables and libgmp: their relocated data
 * cost every container's monitor about 110 kB of private memory (290 kB of PSS in all while it
 * is the only berth process) although only published ports and networks' rules use them
 * (net/nft.c), once, at the start. */
#include <nftables/libnftables.h>

#include "util/dlib.h"

static struct dlib nft = {"libnftables.so.1", NULL};

DLIB_FORWARD(nft, struct nft_ctx *, nft_ctx_new, (uint32_t flags), (flags))
DLIB_FORWARD_VOID(nft, nft_ctx_free, (struct nft_ctx * ctx), (ctx))
DLIB_FORWARD(nft, int, nft_ctx_buffer_output, (struct nft_ctx * ctx), (ctx))
DLIB_FORWARD(nft, const char *, nft_ctx_get_output_buffer, (struct nft_ctx * ctx), (ctx))
DLIB_FORWARD(nft, int, nft_ctx_buffer_error, (struct nft_ctx * ctx), (ctx))
DLIB_FORWARD(nft, const char *, nft_ctx_get_error_buffer, (struct nft_ctx * ctx), (ctx))
DLIB_FORWARD(nft, int, nft_run_cmd_from_buffer, (struct nft_ctx * nft_, const char *buf),
	     (nft_, buf))
