/*
 * survey.h - a survey definition folder, surveys/NAME/, loaded as one
 * object: survey.conf settings, the codebook (codebook.csv + values.csv).
 * Later modules add the rules, targets and table specs.
 *
 * survey.conf is "key = value" lines; '#' starts a comment line; blank
 * lines are ignored; keys are [A-Za-z0-9_@.-]+; values are taken verbatim
 * after trimming blanks (no quoting).  Keys svykit reads: title,
 * title@ru, title@ky, id, strata, cluster, fpc, base_weight, weight,
 * language, fieldwork_start, fieldwork_end, interviewer, duration.  Other
 * keys are kept and may be read by name, so a survey can carry notes.
 *
 * Ownership: the survey owns its codebook and settings; returned pointers
 * are borrowed until svy_survey_free.  Errors name file:line.
 */
#ifndef SVY_SURVEY_H
#define SVY_SURVEY_H

#include "svy/codebook.h"
#include "svy/err.h"

typedef struct svy_survey svy_survey;

/*
 * Load the folder 'dir': survey.conf (optional), codebook.csv (required),
 * values.csv (optional).  Errors: SVY_EIO when the folder or codebook.csv
 * cannot be read, SVY_EPARSE with file:line for malformed content.
 */
svy_status svy_survey_open(svy_survey **out, const char *dir, svy_err *err);

/* Free; NULL is a no-op. */
void svy_survey_free(svy_survey *s);

/* The value of 'key' in survey.conf, or NULL when it is not set. */
const char *svy_survey_get(const svy_survey *s, const char *key);

/* The codebook.  Borrowed. */
const svy_codebook *svy_survey_codebook(const svy_survey *s);

/* The folder as given. */
const char *svy_survey_dir(const svy_survey *s);

/*
 * "DIR/NAME" as a new string the caller frees, or NULL when out of memory.
 */
char *svy_survey_path(const svy_survey *s, const char *name);

/*
 * The survey's default language ('language' key), SVY_LANG_EN when unset.
 */
svy_lang svy_survey_lang(const svy_survey *s);

/*
 * Parse survey.conf text: exposed for the fuzz target and tests.  'name'
 * is used in messages.  On success '*out' owns a survey with no codebook.
 */
svy_status svy_survey_parse_conf(svy_survey **out, const char *name,
                                 const char *text, size_t len, svy_err *err);

#endif
