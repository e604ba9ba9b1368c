#include "armed/formula.h"

#include <algorithm>
#include <cctype>

#include "armed/error.h"

namespace armed {

std::string FormulaTerm::name() const {
  std::string s;
  for (const auto& c : columns) s += (s.empty() ? "" : ":") + c;
  return s;
}

std::string RandomEffectTerm::grouping_name() const {
  std::string s;
  for (const auto& g : grouping) s += (s.empty() ? "" : ":") + g;
  return s;
}

namespace {

struct Token {
  enum Kind { name, number, symbol, end } kind;
  std::string text;
  size_t begin, stop;  // its span in the formula
};

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) { tokenize(); }

  Formula parse() {
    Formula f;
    f.text = text_;
    parse_response(f);
    expect("~");
    parse_sum(f, /*random_allowed=*/true, f.fixed, f.intercept);
    if (peek().kind != Token::end) fail("unexpected '" + peek().text + "'", peek().begin, peek().stop);
    return f;
  }

 private:
  [[noreturn]] void fail(const std::string& problem, size_t begin, size_t stop) const {
    const std::string term = text_.substr(begin, std::max(stop, begin + 1) - begin);
    throw Error("--formula: " + problem + " at '" + term + "' (character " + std::to_string(begin + 1) + ") in \"" + text_ + "\"");
  }

  void tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '`') {
        const size_t close = text_.find('`', i + 1);
        if (close == std::string::npos) fail("unclosed backquote", i, text_.size());
        tokens_.push_back({Token::name, text_.substr(i + 1, close - i - 1), i, close + 1});
        i = close + 1;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
        size_t j = i;
        while (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_' || text_[j] == '.')) ++j;
        tokens_.push_back({Token::name, text_.substr(i, j - i), i, j});
        i = j;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t j = i;
        while (j < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[j])) || text_[j] == '.')) ++j;
        tokens_.push_back({Token::number, text_.substr(i, j - i), i, j});
        i = j;
      } else if (c == '|' && i + 1 < text_.size() && text_[i + 1] == '|') {
        tokens_.push_back({Token::symbol, "||", i, i + 2});
        i += 2;
      } else if (std::string("~+-*:/()|,^").find(c) != std::string::npos) {
        tokens_.push_back({Token::symbol, std::string(1, c), i, i + 1});
        ++i;
      } else {
        fail(std::string("unexpected character '") + c + "'", i, i + 1);
      }
    }
    tokens_.push_back({Token::end, "end of formula", text_.size(), text_.size()});
  }

  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() { return tokens_[pos_ == tokens_.size() - 1 ? pos_ : pos_++]; }
  bool accept(const std::string& symbol) {
    if (peek().kind == Token::symbol && peek().text == symbol) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(const std::string& symbol) {
    if (!accept(symbol)) fail("expected '" + symbol + "'", peek().begin, peek().stop);
  }
  std::string name_token(const char* what) {
    const Token& t = peek();
    if (t.kind != Token::name || t.text == ".") fail(std::string("expected ") + what, t.begin, t.stop);
    ++pos_;
    return t.text;
  }

  void parse_response(Formula& f) {
    const Token& t = peek();
    if (t.kind == Token::name && t.text == "cbind") {
      // cbind(s, n - s): successes s out of n trials.
      const size_t begin = t.begin;
      ++pos_;
      expect("(");
      f.response = name_token("the successes column in cbind(s, n - s)");
      expect(",");
      f.trials = name_token("the trials column in cbind(s, n - s)");
      expect("-");
      const Token& again = peek();
      if (again.kind != Token::name || again.text != f.response)
        fail("cbind(s, n - s) needs the successes column again after '-'", begin, again.stop);
      ++pos_;
      expect(")");
      return;
    }
    f.response = name_token("the response column before '~'");
  }

  // term (('+' | '-') term)*, collecting fixed terms and, where allowed, random-effect terms.
  void parse_sum(Formula& f, bool random_allowed, std::vector<FormulaTerm>& terms, bool& intercept) {
    bool negative = accept("-");
    for (;;) {
      parse_term(f, random_allowed, negative, terms, intercept);
      if (accept("+")) negative = false;
      else if (accept("-")) negative = true;
      else break;
    }
  }

  void parse_term(Formula& f, bool random_allowed, bool negative, std::vector<FormulaTerm>& terms, bool& intercept) {
    const Token& t = peek();
    if (t.kind == Token::number) {
      ++pos_;
      if (t.text != "0" && t.text != "1") fail("a number in a formula must be 0 or 1 (the intercept)", t.begin, t.stop);
      intercept = (t.text == "1") != negative;
      return;
    }
    if (negative) fail("removing a term other than the intercept is not supported", t.begin, t.stop);
    if (t.kind == Token::symbol && t.text == "(") {
      if (!random_allowed) fail("a random-effect term cannot be nested in another", t.begin, t.stop);
      parse_random(f);
      return;
    }
    if (t.kind == Token::name && t.text == "offset" && pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].text == "(") {
      // offset(log(x)): the log of an exposure column, as glmer's Poisson models write it.
      if (!random_allowed) fail("offset() is for the fixed part", t.begin, t.stop);
      if (!f.exposure.empty()) fail("a second offset()", t.begin, t.stop);
      ++pos_;
      expect("(");
      if (peek().text != "log") fail("armed takes offset(log(x)), the log of a positive exposure column x", t.begin, peek().stop);
      ++pos_;
      expect("(");
      f.exposure = name_token("the exposure column in offset(log(x))");
      expect(")");
      expect(")");
      return;
    }
    if (t.kind == Token::name && t.text == ".") {
      if (!random_allowed) fail("'.' is for the fixed part", t.begin, t.stop);
      ++pos_;
      f.all_other_columns = true;
      return;
    }
    for (auto& term : parse_product(f))
      if (std::find(terms.begin(), terms.end(), term) == terms.end()) terms.push_back(std::move(term));
  }

  // factor(('*' | ':') factor)*: a*b expands to a + b + a:b (every non-empty subset of the '*' groups).
  std::vector<FormulaTerm> parse_product(Formula& f) {
    const size_t start = peek().begin;
    std::vector<FormulaTerm> groups{FormulaTerm{{parse_variable(f)}}};
    for (;;) {
      if (accept(":")) groups.back().columns.push_back(parse_variable(f));
      else if (accept("*")) groups.push_back(FormulaTerm{{parse_variable(f)}});
      else break;
    }
    if (peek().kind == Token::symbol && peek().text == "^") fail("powers of terms are not supported; write a*b", peek().begin, peek().stop);
    // k '*' factors expand to 2^k - 1 terms (found by make fuzz: a product of dozens took minutes).
    constexpr size_t kMaxProductFactors = 10;
    const size_t k = groups.size();
    if (k > kMaxProductFactors)
      fail("a product of more than " + std::to_string(kMaxProductFactors) + " '*' factors (2^" + std::to_string(k) +
               " - 1 terms) is not supported; write the terms you want with ':' and '+'",
           start, peek().begin);
    std::vector<std::pair<size_t, FormulaTerm>> expanded;  // (order, term)
    for (size_t mask = 1; mask < (size_t{1} << k); ++mask) {
      FormulaTerm term;
      size_t order = 0;
      for (size_t g = 0; g < k; ++g)
        if (mask & (size_t{1} << g)) {
          term.columns.insert(term.columns.end(), groups[g].columns.begin(), groups[g].columns.end());
          ++order;
        }
      expanded.push_back({order, term});
    }
    std::stable_sort(expanded.begin(), expanded.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<FormulaTerm> out;
    for (auto& [order, term] : expanded) out.push_back(std::move(term));
    return out;
  }

  // name, or factor(name): a column coded as dummies against its first level.
  std::string parse_variable(Formula& f) {
    const Token& t = peek();
    if (t.kind == Token::name && pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].text == "(") {
      if (t.text != "factor") {
        size_t depth = 0, j = pos_ + 1;
        for (; j < tokens_.size(); ++j) {
          if (tokens_[j].text == "(") ++depth;
          if (tokens_[j].text == ")" && --depth == 0) break;
        }
        fail("unsupported function " + t.text + "()", t.begin, j < tokens_.size() ? tokens_[j].stop : t.stop);
      }
      ++pos_;
      expect("(");
      const std::string column = name_token("a column in factor()");
      expect(")");
      f.factor_columns.insert(column);
      return column;
    }
    return name_token("a column name");
  }

  // '(' terms ('|' | '||') grouping ')'
  void parse_random(Formula& f) {
    const size_t begin = peek().begin;
    expect("(");
    RandomEffectTerm term;
    parse_sum(f, /*random_allowed=*/false, term.slopes, term.intercept);
    if (accept("||")) term.correlated = false;
    else if (!accept("|")) fail("expected '|' or '||' in a random-effect term", begin, peek().stop);
    // g, g1:g2, or nested a/b (= a and a:b).
    std::vector<std::vector<std::string>> levels{{name_token("a grouping column after '|'")}};
    for (;;) {
      if (accept(":")) levels.back().push_back(name_token("a grouping column after ':'"));
      else if (accept("/")) levels.push_back({name_token("a grouping column after '/'")});
      else break;
    }
    if (!accept(")")) fail("expected ')' to close the random-effect term", begin, peek().stop);
    if (!term.intercept && term.slopes.empty()) fail("a random-effect term needs an intercept or a slope", begin, tokens_[pos_ - 1].stop);
    std::vector<std::string> grouping;
    for (const auto& level : levels) {
      grouping.insert(grouping.end(), level.begin(), level.end());
      RandomEffectTerm nested = term;
      nested.grouping = grouping;
      f.random.push_back(std::move(nested));
    }
  }

  std::string text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

Formula parse_formula(const std::string& text) {
  if (text.find_first_not_of(" \t") == std::string::npos) throw Error("--formula: empty formula");
  return Parser(text).parse();
}

}  // namespace armed
