/*
 * test_xlsx.c - the SHA-256 of the Methods sheet, against the FIPS 180-4
 * examples and coreutils' sha256sum (lengths around the 55/56/64-byte
 * padding boundaries), and the error paths of svy_xlsx_report that need
 * no workbook.  The workbook itself is checked by the CLI goldens
 * (tests/cli/svy-report), read back with openpyxl.
 */
#include "svy/xlsx.h"

#include <string.h>

#include "check.h"

static void
test_xlsx_sha256_vectors(void)
{
    char hex[65], buf[200];

    svy_sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                   "27ae41e4649b934ca495991b7852b855");
    svy_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
                   "b00361a396177a9cb410ff61f20015ad");
    /* 56 bytes: the padding needs a second block. */
    svy_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                   56, hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039"
                   "a33ce45964ff2167f6ecedd419db06c1");
    /* 64 and 119 bytes of 'a' (printf 'a%.0s' ... | sha256sum). */
    memset(buf, 'a', sizeof buf);
    svy_sha256_hex(buf, 64, hex);
    CHECK_STR(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209"
                   "f439851db43d0ba5997337df154668eb");
    svy_sha256_hex(buf, 119, hex);
    CHECK_STR(hex, "31eba51c313a5c08226adf18d4a359cf"
                   "dfd8d2e816b13f4af952f7ea6584dcfb");
}

static void
test_xlsx_report_missing_input(void)
{
    svy_xlsx_opts opts = {0};
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_xlsx_report("never.xlsx", "no-such-stream.csv", &opts, &err),
              SVY_EIO);
    CHECK(strstr(err.msg, "no-such-stream.csv") != NULL);
}

static const struct check_case cases[] = {
    CASE(test_xlsx_sha256_vectors),
    CASE(test_xlsx_report_missing_input),
};

CHECK_MAIN(cases)
