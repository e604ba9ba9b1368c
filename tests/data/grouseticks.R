# Exports lme4::grouseticks (red grouse chicks: ticks counted per chick, broods nested in locations) with
# HEIGHT centred and scaled (glmer does not converge on raw heights), and prints glmer's fits that
# tests/models/lme4_fidelity_test.cpp checks against. Run: Rscript tests/data/grouseticks.R (in tests/data).
suppressMessages(library(lme4))
data(grouseticks)
d <- grouseticks[, c("INDEX", "TICKS", "BROOD", "HEIGHT", "YEAR", "LOCATION")]
d$cHEIGHT <- round(as.numeric(scale(d$HEIGHT)), 6)
write.csv(d, "grouseticks.csv", row.names = FALSE, quote = FALSE)
t0 <- Sys.time()
g <- glmer(TICKS ~ YEAR + cHEIGHT + (1|BROOD) + (1|LOCATION), d, poisson)
cat("seconds", format(as.numeric(Sys.time() - t0)), "\n")
print(fixef(g), digits = 10); print(as.data.frame(VarCorr(g))[, c("grp", "sdcor")], digits = 10); print(logLik(g), digits = 10)
g1 <- glmer(TICKS ~ YEAR + cHEIGHT + (1|BROOD), d, poisson, nAGQ = 25)
print(fixef(g1), digits = 10); print(as.data.frame(VarCorr(g1))[, c("grp", "sdcor")], digits = 10)
