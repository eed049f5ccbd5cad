/*
 * num.h - the one place where text becomes a number and back.
 *
 * Every program reads and writes numbers through these two functions, so
 * the data stream has one numeric grammar and one output form:
 *
 *   number  = ["-"] digits ["." digits] [exponent] | ["-"] "." digits ...
 *   exponent = ("e" | "E") ["+" | "-"] digits
 *
 * with optional blanks around it.  Not numbers, on purpose: a leading '+'
 * (phone numbers), "nan", "inf", hexadecimal, thousands separators.
 * svy_num_format writes the shortest decimal that reads back to the same
 * double, so a value survives any number of trips through the pipeline.
 * Both functions are pure.  svy_num_format never allocates; svy_num_parse
 * allocates only a scratch copy for the rare text of 512 bytes or more
 * that needs strtod (and reads it as not a number if that fails).
 */
#ifndef SVY_NUM_H
#define SVY_NUM_H

#include <stddef.h>

/* Flags for svy_num_parse. */
enum svy_num_flags {
    SVY_NUM_COMMA = 1 << 0, /* accept ',' as the decimal separator */
    SVY_NUM_CODE = 1 << 1,  /* refuse "007"-style leading zeros and
                             * integers of more than 15 digits, which
                             * are identifiers or codes, not numbers */
};

/*
 * Parse the 'n' bytes at 's' as a number under 'flags'.  Returns 1 and
 * stores the correctly rounded double in '*out' when the whole text is a
 * number, 0 otherwise ('*out' untouched).  Empty text is not a number.
 */
int svy_num_parse(const char *s, size_t n, int flags, double *out);

/* Buffer size that svy_num_format never exceeds, terminator included. */
#define SVY_NUM_BUFSZ 32

/*
 * Write 'v' into 'buf' (at least SVY_NUM_BUFSZ bytes) as the shortest
 * decimal text that svy_num_parse reads back to exactly 'v', and return
 * its length.  Integers print without a point or exponent up to 1e15.
 * NaN (system missing) prints as the empty string; infinities as "inf"
 * and "-inf", which no reader accepts as a number, so they cannot pass
 * silently.
 */
size_t svy_num_format(double v, char *buf);

#endif
