# R's survey package on the svy-tab benchmark file: the estimation calls
# only, timed after the data are read and the design is built.
#
#   Rscript tests/bench/tab.R FILE
#
# For each of q1..q20 (code 8, don't know, is NA: out of the base, as
# svy-tab's --base valid): svymean(~factor(q)) over everyone and
# svyby(~factor(q), ~BY, des, svymean) for BY in region, sex and agegrp,
# all with na.rm = TRUE: the proportions and linearized SEs of svy-tab's
# total and banner columns.  Prints "estimation_seconds S" and, as a
# check, "check EST SE" for the share of code 1 of q1 in region 1.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript tests/bench/tab.R FILE")
d <- read.csv(args[1])
qs <- paste0("q", 1:20)
for (q in qs) d[[q]][d[[q]] == 8] <- NA
des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d,
                 nest = TRUE)
t0 <- proc.time()[["elapsed"]]
res <- NULL
for (q in qs) {
    f <- as.formula(paste0("~factor(", q, ")"))
    svymean(f, des, na.rm = TRUE)
    for (by in c("region", "sex", "agegrp")) {
        r <- svyby(f, as.formula(paste0("~", by)), des, svymean, na.rm = TRUE)
        if (q == "q1" && by == "region") res <- r
    }
}
t1 <- proc.time()[["elapsed"]]
cat(sprintf("estimation_seconds %.3f\n", t1 - t0))
cat(sprintf("check %.17g %.17g\n", unlist(coef(res))[1], unlist(SE(res))[1]))
