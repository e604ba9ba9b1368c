# Repeated binary outcomes of patients with a large between-patient variance (random-intercept
# SD 4), simulated, written to FILE.csv, and fitted by glmer with Laplace's approximation and with
# nAGQ = 25 adaptive quadrature, each timed from reading the CSV. Usage: Rscript glmm_quadrature.R FILE.csv
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(lme4))
set.seed(1)
patients <- 300; visits <- 8
d <- data.frame(patient = rep(seq_len(patients), each = visits), visit = rep(seq_len(visits) - 1, patients))
d$treated <- rep(rbinom(patients, 1, 0.5), each = visits)
b <- rnorm(patients, 0, 4)
eta <- -0.5 + 0.3 * d$visit - 1.0 * d$treated + b[d$patient]
d$y <- rbinom(nrow(d), 1, plogis(eta))
write.csv(d, args[1], row.names = FALSE, quote = FALSE)
for (nagq in c(1, 25)) {
  t0 <- proc.time()[["elapsed"]]
  x <- read.csv(args[1])
  m <- glmer(y ~ visit + treated + (1 | patient), data = x, family = binomial, nAGQ = nagq)
  cat("seconds", nagq, proc.time()[["elapsed"]] - t0, "\n")
  f <- fixef(m)
  for (n in names(f)) cat("fixed", nagq, n, sprintf("%.10g", f[[n]]), "\n")
  cat("sd", nagq, sprintf("%.10g", as.data.frame(VarCorr(m))$sdcor[1]), "\n")
}
