/*
 * wformat.h - write a weight as the shortest decimal that reads back to
 * the same double, fast.
 *
 * The output is exactly svy_num_format's (num.h): the data stream's one
 * number form, so a weight survives any number of trips through the
 * pipeline.  Only the method differs: exact 128-bit integer arithmetic
 * instead of trial printf calls, about six times faster for the 16 and 17
 * significant digits that computed weights need.  svy-weight writes a
 * million of them; this belongs in num.c as svy_num_format's slow path
 * (TODO(#3)), and lives here until then.
 *
 * Pure: no allocation, no state.
 */
#ifndef SVY_WFORMAT_H
#define SVY_WFORMAT_H

#include <stddef.h>

/*
 * Write 'v' into 'buf' (at least SVY_NUM_BUFSZ bytes) exactly as
 * svy_num_format does, and return its length.
 */
size_t svy_wformat(double v, char *buf);

#endif
