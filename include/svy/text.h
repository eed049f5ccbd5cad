/*
 * text.h - UTF-8 checks, display width and conversion from legacy code
 * pages.
 *
 * All text inside svykit is UTF-8.  Input in another encoding (CP1251, as
 * Russian-locale Excel writes it) is converted at the door with iconv; these
 * helpers say whether bytes are valid UTF-8 and how wide a string is on a
 * terminal, so that tables of Cyrillic labels line up (display columns, not
 * bytes).  Pure functions except the recoder, which owns an iconv handle.
 */
#ifndef SVY_TEXT_H
#define SVY_TEXT_H

#include <stddef.h>

#include "svy/buf.h"
#include "svy/err.h"

/*
 * Return the offset of the first byte of 's' (length 'n') that does not
 * begin a complete, valid UTF-8 sequence (overlongs, surrogates and values
 * above U+10FFFF are invalid), or 'n' when every byte is valid.  When the
 * bytes from that offset to the end are the start of a valid sequence cut
 * short by the end of the buffer, '*incomplete' is set to 1 (else 0), so a
 * streaming caller can carry them into the next chunk.
 */
size_t svy_utf8_check(const char *s, size_t n, int *incomplete);

/* How many of the 'n' bytes at 's' come before the first non-ASCII byte
 * (a byte with its top bit set); 'n' when there is none. */
size_t svy_ascii_len(const char *s, size_t n);

/*
 * Number of terminal columns the NUL-terminated UTF-8 string 's' takes:
 * combining marks count 0, East Asian wide and fullwidth characters 2,
 * everything else (Latin, Cyrillic, including Kyrgyz letters) 1.  Invalid
 * bytes count 1 each.
 */
size_t svy_utf8_width(const char *s);

/* Same for the first 'n' bytes. */
size_t svy_utf8_nwidth(const char *s, size_t n);

/*
 * Byte length of the longest prefix of 's' that fits in 'cols' display
 * columns without splitting a character.
 */
size_t svy_utf8_fit(const char *s, size_t cols);

/*
 * Append 's' (NUL-terminated) to 'b' as a JSON string literal, quotes
 * included: '"', '\\' and control characters are escaped, valid UTF-8 is
 * copied as is (labels in Kyrgyz and Russian stay readable), and a byte
 * that does not start a valid sequence becomes U+FFFD, so the output
 * always parses.  Returns SVY_OK or SVY_ENOMEM.
 */
svy_status svy_json_string(svy_buf *b, const char *s);

/*
 * A converter from a legacy single- or multi-byte encoding to UTF-8.
 * svy_recoder_new copies 'from' (an iconv name such as "CP1251").
 */
typedef struct svy_recoder svy_recoder;

svy_status svy_recoder_new(svy_recoder **out, const char *from, svy_err *err);

/*
 * Convert 'n' bytes and append the UTF-8 result to 'out'.  On a byte that
 * has no meaning in the source encoding, returns SVY_EPARSE with '*bad' set
 * to its offset in 'in' (the bytes before it have been appended), and no
 * message: the caller knows the file and line.
 */
svy_status svy_recoder_run(svy_recoder *r, const char *in, size_t n,
                           svy_buf *out, size_t *bad);

/* Free the converter; NULL is a no-op. */
void svy_recoder_free(svy_recoder *r);

#endif
