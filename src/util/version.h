/* berth's version, one for every binary and output that names it. */
#ifndef BERTH_UTIL_VERSION_H
#define BERTH_UTIL_VERSION_H

#define BERTH_VERSION "0.1.0"

#endif
