/*
 * wreport.h - the diagnostics of a weighting run (weight.h) written out:
 * as JSON for programs (svy-report prints it on its methods sheet) and as
 * a few lines of text for the person at the terminal.
 *
 * The JSON object's fields are listed in svy-weight(1); they are a
 * contract: add fields, never rename or remove them.  Numbers are written
 * in svy_num_format's shortest round-trip form, so a reader gets the
 * engine's doubles back exactly; a value that is not finite is null.
 *
 * Ownership: the result is borrowed for the call.  The library never
 * prints: the JSON goes to an svy_output the caller opened and commits,
 * the text to the caller's svy_buf.
 */
#ifndef SVY_WREPORT_H
#define SVY_WREPORT_H

#include "svy/buf.h"
#include "svy/err.h"
#include "svy/io.h"
#include "svy/weight.h"

/* Write the diagnostics of 'r' as one JSON object and a newline to 'o'. */
svy_status svy_wreport_json(const svy_weight_result *r, svy_output *o,
                            svy_err *err);

/*
 * Append a short human summary of 'r' to 'b': three or four lines, each
 * ending in '\n' (method and convergence; the weights' range; Kish's
 * design effect and effective sample size; trimming and the largest
 * margin error).  Returns SVY_OK or SVY_ENOMEM.
 */
svy_status svy_wreport_text(const svy_weight_result *r, svy_buf *b);

#endif
