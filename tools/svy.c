/*
 * svy - run a svykit program: "svy import ..." runs "svy-import ...".
 * The program is looked for first beside this executable, so a build tree
 * works without installing, then on PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static const char usage[] =
    "usage: svy [--help] [--version] COMMAND [ARG ...]\n";

static const struct {
    const char *name, *what;
} commands[] = {
    {"import", "read, append and check fieldwork batches into canonical CSV"},
    {"info", "describe a dataset; frequencies; draft a codebook"},
    {"clean", "apply cleaning rules with an audit log"},
    {"qc", "fieldwork quality checks: duplicates, speeders, interviewers"},
    {"weight", "weight to population margins (raking, calibration)"},
    {"tab", "weighted tables with design-based standard errors"},
    {"report", "write the Excel report from the table stream"},
    {"pvt", "quick count of an election from a polling-station sample"},
};

/* 1 when svy-NAME is executable beside 'self' or in a PATH folder. */
static int
installed(const char *self, const char *name)
{
    const char *slash = strrchr(self, '/'), *p = getenv("PATH");
    char path[PATH_MAX];

    if (slash != NULL) {
        snprintf(path, sizeof(path), "%.*s/svy-%s", (int)(slash - self), self,
                 name);
        if (access(path, X_OK) == 0)
            return 1;
    }
    /* Empty PATH entries are skipped, not read as the current directory. */
    while (p != NULL && *p) {
        size_t n = strcspn(p, ":");
        snprintf(path, sizeof(path), "%.*s/svy-%s", (int)n, p, name);
        if (n > 0 && access(path, X_OK) == 0)
            return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

/* Only installed programs are listed: help never offers a command that
 * cannot run. */
static void
list(const char *self)
{
    size_t i;

    fputs(usage, stdout);
    fputs("\ncommands (run 'svy COMMAND --help' for each):\n", stdout);
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (installed(self, commands[i].name))
            printf("  %-8s %s\n", commands[i].name, commands[i].what);
    fputs("\n" TOOL_EXIT_HELP, stdout);
}

int
main(int argc, char **argv)
{
    char prog[64], path[PATH_MAX];
    const char *slash;

    tool_init(argv[0]);
    if (argc < 2)
        tool_usage(usage);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        list(argv[0]);
        return tool_finish(EXIT_OK);
    }
    if (strcmp(argv[1], "--version") == 0)
        tool_version();
    /* A plain word only: no option, no path (which would run any program),
     * and short enough for 'prog'. */
    if (argv[1][0] == '-' || strchr(argv[1], '/') ||
        strlen(argv[1]) > sizeof(prog) - 5)
        tool_usage(usage);
    snprintf(prog, sizeof(prog), "svy-%s", argv[1]);
    /* The child's argv[0] is "svy-NAME", so its messages name it. */
    argv[1] = prog;
    slash = strrchr(argv[0], '/');
    if (slash != NULL &&
        (size_t)(slash - argv[0]) + strlen(prog) + 2 < sizeof(path)) {
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - argv[0]), argv[0],
                 prog);
        execv(path, argv + 1);
    }
    /* The exec calls return only on failure: then try PATH, then give up. */
    execvp(prog, argv + 1);
    if (errno == ENOENT)
        tool_die(EXIT_USAGE, "'%s' is not a svykit command; see 'svy help'",
                 argv[1] + 4);
    tool_die(EXIT_IO, "cannot run '%s': %s", prog, strerror(errno));
}
