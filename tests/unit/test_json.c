/*
 * test_json.c - the JSON reader: values of every type, escapes, member
 * order, the report shape svy-report reads, and malformed input refused
 * with the line of the problem.
 */
#include "svy/json.h"

#include <string.h>

#include "check.h"

static svy_json *
parse(const char *s)
{
    svy_json *v = NULL;
    svy_err err = SVY_ERR_INIT;
    if (svy_json_parse(&v, "t.json", s, strlen(s), &err) != SVY_OK)
        fprintf(stderr, "unexpected: %s\n", err.msg);
    return v;
}

/* The message for malformed 's', or "" when it parsed. */
static const char *
error_of(const char *s)
{
    static svy_err err;
    svy_json *v = NULL;
    err = (svy_err)SVY_ERR_INIT;
    if (svy_json_parse(&v, "t.json", s, strlen(s), &err) == SVY_OK) {
        svy_json_free(v);
        return "";
    }
    CHECK(v == NULL);
    CHECK_INT(err.code, SVY_EPARSE);
    return err.msg;
}

static void
test_json_scalars(void)
{
    svy_json *v = parse(" [null, true, false, 0, -1.5e2, 1E-3, \"x\"] \n");
    CHECK_INT(svy_json_type_of(v), SVY_JSON_ARRAY);
    CHECK_INT(svy_json_count(v), 7);
    CHECK_INT(svy_json_type_of(svy_json_at(v, 0)), SVY_JSON_NULL);
    CHECK_INT(svy_json_bool(svy_json_at(v, 1)), 1);
    CHECK_INT(svy_json_bool(svy_json_at(v, 2)), 0);
    CHECK_INT(svy_json_bool(svy_json_at(v, 0)), -1);
    CHECK_DBL(svy_json_number(svy_json_at(v, 3)), 0.0);
    CHECK_DBL(svy_json_number(svy_json_at(v, 4)), -150.0);
    CHECK_DBL(svy_json_number(svy_json_at(v, 5)), 0.001);
    CHECK_STR(svy_json_string_value(svy_json_at(v, 6)), "x");
    /* Wrong questions get neutral answers. */
    CHECK(isnan(svy_json_number(svy_json_at(v, 6))));
    CHECK(svy_json_string_value(svy_json_at(v, 3)) == NULL);
    CHECK(svy_json_at(v, 7) == NULL);
    CHECK(svy_json_key(v, 0) == NULL);
    CHECK(svy_json_get(v, "x") == NULL);
    svy_json_free(v);
    svy_json_free(NULL);
}

static void
test_json_escapes(void)
{
    svy_json *v = parse("\"a\\\"b\\\\c\\/\\n\\t\\u0041\\u0436\\u20ac"
                        "\\ud83d\\ude00\"");
    /* A, zhe (2 bytes), euro (3 bytes), U+1F600 (4 bytes, a pair). */
    CHECK_STR(svy_json_string_value(v),
              "a\"b\\c/\n\tA\xd0\xb6\xe2\x82\xac\xf0\x9f\x98\x80");
    svy_json_free(v);
    v = parse("\"Бишкек\"");
    CHECK_STR(svy_json_string_value(v), "Бишкек");
    svy_json_free(v);
}

static void
test_json_object_order(void)
{
    svy_json *v = parse("{\"b\": 1, \"a\": {\"x\": [1, 2]}, \"b\": 3, "
                        "\"e\": {}, \"f\": []}");
    CHECK_INT(svy_json_count(v), 5);
    CHECK_STR(svy_json_key(v, 0), "b");
    CHECK_STR(svy_json_key(v, 1), "a");
    CHECK_DBL(svy_json_number(svy_json_get(v, "b")), 1.0); /* the first */
    CHECK_DBL(svy_json_number(svy_json_at(v, 2)), 3.0);
    CHECK_DBL(svy_json_number(
                  svy_json_at(svy_json_get(svy_json_get(v, "a"), "x"), 1)),
              2.0);
    CHECK_INT(svy_json_type_of(svy_json_get(v, "e")), SVY_JSON_OBJECT);
    CHECK_INT(svy_json_count(svy_json_get(v, "e")), 0);
    CHECK_INT(svy_json_type_of(svy_json_get(v, "f")), SVY_JSON_ARRAY);
    CHECK(svy_json_get(v, "zz") == NULL);
    svy_json_free(v);
}

/* The shape of svy-weight --report, as svy-report walks it. */
static void
test_json_weighting_report(void)
{
    svy_json *v =
        parse("{\n  \"method\": \"rake\",\n  \"n\": 20,\n  \"deff\": 1.5,\n"
              "  \"bounds\": null,\n  \"margins\": [\n"
              "    {\"margin\": \"sex\", \"type\": \"categorical\", "
              "\"categories\": [\n"
              "      {\"category\": \"1\", \"n\": 15, \"unweighted\": 0.75, "
              "\"target\": 0.48, \"achieved\": 0.47999999999999987}\n"
              "    ]}\n  ]\n}\n");
    const svy_json *m = svy_json_at(svy_json_get(v, "margins"), 0);
    const svy_json *cat = svy_json_at(svy_json_get(m, "categories"), 0);
    CHECK_STR(svy_json_string_value(svy_json_get(v, "method")), "rake");
    CHECK_DBL(svy_json_number(svy_json_get(v, "n")), 20.0);
    CHECK_STR(svy_json_string_value(svy_json_get(m, "margin")), "sex");
    CHECK_DBL(svy_json_number(svy_json_get(cat, "achieved")),
              0.47999999999999987);
    svy_json_free(v);
}

static void
test_json_malformed(void)
{
    CHECK_STR(error_of(""), "t.json:1: unexpected end of text");
    CHECK_STR(error_of("{\n\"a\": 1,\n}"), "t.json:3: expected a string key");
    CHECK_STR(error_of("[1,\n2\n"), "t.json:3: expected ',' or ']'");
    CHECK_STR(error_of("{\"a\" 1}"), "t.json:1: expected ':'");
    CHECK_STR(error_of("{\"a\": 1 \"b\": 2}"), "t.json:1: expected ',' or '}'");
    CHECK_STR(error_of("\n\n\"abc"), "t.json:3: unterminated string");
    CHECK_STR(error_of("\"a\\x\""), "t.json:1: bad escape in string");
    CHECK_STR(error_of("\"\\ud800\""), "t.json:1: bad escape in string");
    CHECK_STR(error_of("\"\\u0000\""), "t.json:1: bad escape in string");
    CHECK_STR(error_of("\"\\u12\""), "t.json:1: bad escape in string");
    CHECK_STR(error_of("\"a\tb\""), "t.json:1: control character in string");
    CHECK_STR(error_of("01"), "t.json:1: text after the value");
    CHECK_STR(error_of("1.}"), "t.json:1: bad number");
    CHECK_STR(error_of("1e+"), "t.json:1: bad number");
    CHECK_STR(error_of("+1"), "t.json:1: expected a value");
    CHECK_STR(error_of("nan"), "t.json:1: expected a value");
    CHECK_STR(error_of("tru"), "t.json:1: expected a value");
    CHECK_STR(error_of("{} {}"), "t.json:1: text after the value");
    CHECK_STR(error_of("\n[\n0x1]"), "t.json:3: expected ',' or ']'");
    /* A stack-safe limit on nesting. */
    char deep[SVY_JSON_MAX_DEPTH + 3];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    CHECK_STR(error_of(deep), "t.json:1: nested too deeply");
    deep[SVY_JSON_MAX_DEPTH] = '\0';
    CHECK_STR(error_of(deep), "t.json:1: unexpected end of text");
}

static const struct check_case cases[] = {
    CASE(test_json_scalars),      CASE(test_json_escapes),
    CASE(test_json_object_order), CASE(test_json_weighting_report),
    CASE(test_json_malformed),
};

CHECK_MAIN(cases)
