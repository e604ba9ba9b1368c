# lmer's fit of a crossed linear mixed model, timed from reading the CSV to the fitted model (R's
# and lme4's start-up left out). Usage: Rscript lmm.R FILE.csv ML|REML REPEATS
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(lme4))
reml <- args[2] == "REML"
times <- c()
for (i in seq_len(as.integer(args[3]))) {
  t0 <- proc.time()[["elapsed"]]
  d <- read.csv(args[1])
  d$cluster1 <- factor(d$cluster1)
  d$cluster2 <- factor(d$cluster2)
  m <- lmer(y ~ x1 + x2 + x3 + (1 | cluster1) + (1 | cluster2), data = d, REML = reml)
  times <- c(times, proc.time()[["elapsed"]] - t0)
}
cat("seconds", median(times), "\n")
f <- fixef(m)
for (n in names(f)) cat("fixed", n, sprintf("%.12g", f[[n]]), "\n")
v <- as.data.frame(VarCorr(m))
for (i in seq_len(nrow(v))) cat("sd", v$grp[i], sprintf("%.12g", v$sdcor[i]), "\n")
cat("loglik", sprintf("%.12g", as.numeric(logLik(m))), "\n")
