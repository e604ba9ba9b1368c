# Poisson counts with exposures for armed's tests: 40 groups of 12 rows, y ~ Poisson(exposure *
# exp(0.3 + 0.5 x + b_g)), b_g ~ N(0, 0.6^2); writes exposure.csv and prints glmer's fit with
# offset(log(exposure)) (Laplace), whose figures tests/models/lme4_fidelity_test.cpp holds.
suppressMessages(library(lme4))
set.seed(2026)
groups <- 40; per <- 12
g <- rep(sprintf("g%02d", 1:groups), each = per)
b <- rnorm(groups, 0, 0.6)[rep(1:groups, each = per)]
x <- round(rnorm(groups * per), 4)
exposure <- round(runif(groups * per, 0.5, 5), 3)
y <- rpois(groups * per, exposure * exp(0.3 + 0.5 * x + b))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) > 0) args[1] else "exposure.csv"
write.csv(data.frame(x = x, exposure = exposure, y = y, g = g), out, row.names = FALSE, quote = FALSE)
fit <- glmer(y ~ x + offset(log(exposure)) + (1 | g), family = poisson)
print(fixef(fit), digits = 9)
print(as.data.frame(VarCorr(fit))$sdcor, digits = 9)
print(logLik(fit), digits = 12)
