#include "armed/formula.h"

#include <gtest/gtest.h>

#include <fstream>

#include "armed/error.h"

namespace armed {
namespace {

std::vector<std::string> names(const std::vector<FormulaTerm>& terms) {
  std::vector<std::string> out;
  for (const auto& t : terms) out.push_back(t.name());
  return out;
}

std::string error_of(const std::string& formula) {
  try {
    parse_formula(formula);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Formula, FixedPartWithInterceptControlAndInteractions) {
  auto f = parse_formula("y ~ x1 + x2 + period");
  EXPECT_EQ(f.response, "y");
  EXPECT_TRUE(f.intercept);
  EXPECT_EQ(names(f.fixed), (std::vector<std::string>{"x1", "x2", "period"}));
  EXPECT_TRUE(f.random.empty());
  EXPECT_FALSE(parse_formula("y ~ 0 + x").intercept);
  EXPECT_FALSE(parse_formula("y ~ x - 1").intercept);
  EXPECT_FALSE(parse_formula("y ~ -1 + x").intercept);
  EXPECT_TRUE(parse_formula("y ~ 1 + x").intercept);
  EXPECT_EQ(names(parse_formula("y ~ a*b").fixed), (std::vector<std::string>{"a", "b", "a:b"}));
  EXPECT_EQ(names(parse_formula("y ~ a*b*c").fixed),
            (std::vector<std::string>{"a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"}));
  EXPECT_EQ(names(parse_formula("y ~ a + a:b + a").fixed), (std::vector<std::string>{"a", "a:b"}));
  f = parse_formula("y ~ factor(period) + `odd name`");
  EXPECT_EQ(names(f.fixed), (std::vector<std::string>{"period", "odd name"}));
  EXPECT_EQ(f.factor_columns, (std::set<std::string>{"period"}));
  EXPECT_TRUE(parse_formula("y ~ .").all_other_columns);
}

TEST(Formula, RandomTermsCorrelatedUncorrelatedNestedAndCrossed) {
  auto f = parse_formula("Reaction ~ Days + (Days | Subject)");
  ASSERT_EQ(f.random.size(), 1u);
  EXPECT_TRUE(f.random[0].intercept);
  EXPECT_TRUE(f.random[0].correlated);
  EXPECT_EQ(names(f.random[0].slopes), (std::vector<std::string>{"Days"}));
  EXPECT_EQ(f.random[0].grouping_name(), "Subject");
  f = parse_formula("y ~ x + (0 + x || g)");
  EXPECT_FALSE(f.random[0].intercept);
  EXPECT_FALSE(f.random[0].correlated);
  f = parse_formula("strength ~ 1 + (1 | batch/cask)");
  ASSERT_EQ(f.random.size(), 2u);
  EXPECT_EQ(f.random[0].grouping_name(), "batch");
  EXPECT_EQ(f.random[1].grouping_name(), "batch:cask");
  EXPECT_TRUE(f.random[1].slopes.empty());
  f = parse_formula("diameter ~ 1 + (1|plate) + (1|sample)");
  ASSERT_EQ(f.random.size(), 2u);
  EXPECT_EQ(f.random[1].grouping_name(), "sample");
  EXPECT_EQ(parse_formula("y ~ (1 | a:b)").random[0].grouping, (std::vector<std::string>{"a", "b"}));
  f = parse_formula("cbind(incidence, size - incidence) ~ period + (1 | herd)");
  EXPECT_EQ(f.response, "incidence");
  EXPECT_EQ(f.trials, "size");
}

// offset(log(x)), as glmer's Poisson models write an exposure: x becomes the exposure column.
TEST(Formula, OffsetOfALogIsTheExposure) {
  const Formula f = parse_formula("y ~ x + offset(log(time)) + (1 | g)");
  EXPECT_EQ(f.exposure, "time");
  EXPECT_EQ(names(f.fixed), (std::vector<std::string>{"x"}));
  EXPECT_NE(error_of("y ~ x + offset(time) + (1 | g)").find("armed takes offset(log(x))"), std::string::npos);
  EXPECT_NE(error_of("y ~ offset(log(a)) + offset(log(b)) + (1 | g)").find("a second offset()"), std::string::npos);
  EXPECT_NE(error_of("y ~ x + (1 + offset(log(a)) | g)").find("offset() is for the fixed part"), std::string::npos);
}

TEST(Formula, ErrorsQuoteTheFormulaAndPointAtTheTerm) {
  EXPECT_EQ(error_of("y ~ poly(x, 2) + (1|g)"),
            "--formula: unsupported function poly() at 'poly(x, 2)' (character 5) in \"y ~ poly(x, 2) + (1|g)\"");
  EXPECT_NE(error_of("y ~ x + (1 + x g)").find("expected '|' or '||' in a random-effect term at '(1 + x g'"), std::string::npos);
  EXPECT_NE(error_of("y ~ x + (0 | g)").find("needs an intercept or a slope"), std::string::npos);
  EXPECT_NE(error_of("y ~ x + 2").find("must be 0 or 1"), std::string::npos);
  EXPECT_NE(error_of("y ~ x - z").find("removing a term other than the intercept"), std::string::npos);
  EXPECT_NE(error_of("y x").find("expected '~'"), std::string::npos);
  EXPECT_NE(error_of("y ~ (x | (1 | g))").find("expected a grouping column"), std::string::npos);
  EXPECT_NE(error_of("y ~ x + (1 | g").find("expected ')'"), std::string::npos);
  EXPECT_NE(error_of("cbind(s, n - t) ~ x").find("needs the successes column again"), std::string::npos);
  EXPECT_NE(error_of("y ~ x $ z").find("unexpected character '$'"), std::string::npos);
  EXPECT_EQ(error_of("  "), "--formula: empty formula");
  for (const char* bad : {"y ~ x + (1 + x g)", "y ~ poly(x, 2)", "y ~"}) {
    const std::string e = error_of(bad);
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_NE(e.find(std::string("\"") + bad + "\""), std::string::npos) << e;
  }
}

// Found by make fuzz (fuzz_formula): a product of dozens of '*' factors expanded to 2^k - 1 terms
// and ran for minutes (a shift past 64 bits beyond that).
TEST(Formula, LongProductsAreRefusedNotExpanded) {
  std::ifstream in(std::string(ARMED_TEST_DATA) + "/fuzz/formula_long_product.txt");
  const std::string found{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_FALSE(found.empty());
  EXPECT_NE(error_of(found).find("a product of more than 10 '*' factors"), std::string::npos) << error_of(found);
  EXPECT_NE(error_of("y ~ a*b*c*d*e*f*g*h*i*j*k + (1|s)").find("(2^11 - 1 terms)"), std::string::npos);
  EXPECT_EQ(parse_formula("y ~ a*b*c*d*e*f*g*h*i*j + (1|s)").fixed.size(), 1023u);
}

}  // namespace armed
