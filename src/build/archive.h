/* What ADD takes for a tar archive, as Docker decides it: by the first bytes (moby's
 * DetectCompression), then a first header Go's archive/tar would read. */
#ifndef BERTH_BUILD_ARCHIVE_H
#define BERTH_BUILD_ARCHIVE_H

#include <stdint.h>

struct berr;

enum bld_archive {
	BLD_ARCHIVE_NONE, /* copied */
	BLD_ARCHIVE_TAR,
	BLD_ARCHIVE_GZIP,
	BLD_ARCHIVE_BZIP2,
	BLD_ARCHIVE_XZ,
	BLD_ARCHIVE_ZSTD,
};

/* What ADD does with the regular file fd: NONE when it is not a tar. */
enum bld_archive bld_archive_sniff(int fd);
/* A bzip2 or xz tar decompressed into an unlinked file in tmpdir (at most max bytes), rewound:
 * img_layer_untar reads plain, gzip and zstd tars itself. */
int bld_archive_decompress(int fd, enum bld_archive kind, const char *tmpdir, uint64_t max,
			   struct berr **err);

#endif
