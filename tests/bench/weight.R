# tests/bench/weight.R -- the R side of the svy-weight benchmark.
#
#   Rscript tests/bench/weight.R DATA.csv TARGETS.csv [WEIGHTS_OUT]
#
# Reads DATA.csv with read.csv, builds svydesign(id = ~1, weights = ~base)
# and rakes it with rake(..., control = list(maxit = 100, epsilon = 1e-7))
# on every margin of TARGETS.csv (svykit's variable,category,target; shares
# are turned into counts that sum to the sample size n, as svy-weight does
# without --population; counts are used as they are).  Prints
#
#   rake_seconds S       elapsed time of the rake() call alone
#   script_seconds S     elapsed time from the first line of this script
#                        (library loading, read.csv, svydesign, rake)
#
# With WEIGHTS_OUT, it then writes the final weights, one per line with 17
# significant digits and no header, so that they can be compared with
# svy-weight's; that is done after the timings and is not part of them.

t0 <- proc.time()[["elapsed"]]
suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2 || length(args) > 3)
    stop("usage: Rscript weight.R DATA.csv TARGETS.csv [WEIGHTS_OUT]")

dat <- read.csv(args[1])
tg <- read.csv(args[2], colClasses = "character")
n <- nrow(dat)

vars <- unique(tg$variable)
margins <- lapply(vars, function(v) as.formula(paste0("~", v)))
pops <- lapply(vars, function(v) {
    r <- tg[tg$variable == v, ]
    target <- as.numeric(r$target)
    if (abs(sum(target) - 1) < 0.005)          # shares
        target <- target / sum(target) * n
    cat <- if (is.numeric(dat[[v]])) as.numeric(r$category) else r$category
    p <- data.frame(cat, Freq = target)
    names(p)[1] <- v
    p
})

des <- svydesign(id = ~1, weights = ~base, data = dat)
rake_seconds <- system.time(
    rdes <- rake(des, margins, pops, control = list(maxit = 100, epsilon = 1e-7))
)[["elapsed"]]
w <- weights(rdes)
script_seconds <- proc.time()[["elapsed"]] - t0

cat(sprintf("rows %d\n", n))
cat(sprintf("rake_seconds %.3f\n", rake_seconds))
cat(sprintf("script_seconds %.3f\n", script_seconds))

if (length(args) == 3) {
    con <- file(args[3], open = "wb")
    writeLines(sprintf("%.17g", w), con, sep = "\n")
    close(con)
}
