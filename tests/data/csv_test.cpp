#include "armed/data/csv.h"

#include <gtest/gtest.h>

#include "armed/error.h"
#include "test_util.h"

namespace armed {

using test::TempDir;

std::string error_of(const std::string& path) {
  try {
    read_csv(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Csv, ReadsQuotedFieldsAndCrlf) {
  TempDir dir;
  const auto path = dir.write("a.csv", "\"name\",\"value\"\r\n\"a, b\",1\r\n\"say \"\"hi\"\"\",2\r\n\n");
  const CsvTable t = read_csv(path);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0], "a, b");
  EXPECT_EQ(t.rows[1][0], "say \"hi\"");
  EXPECT_EQ(t.lines[1], 3);
  EXPECT_DOUBLE_EQ(t.number(1, 1), 2.0);
}

TEST(Csv, ErrorsNameFileAndLine) {
  TempDir dir;
  EXPECT_NE(error_of(dir.file("missing.csv")).find("missing.csv: cannot open"), std::string::npos);
  EXPECT_NE(error_of(dir.write("e.csv", "")).find("file is empty"), std::string::npos);
  EXPECT_NE(error_of(dir.write("h.csv", "a,b\n")).find("no data rows"), std::string::npos);
  EXPECT_NE(error_of(dir.write("d.csv", "a,a\n1,2\n")).find("duplicate column 'a'"), std::string::npos);
  EXPECT_NE(error_of(dir.write("r.csv", "a,b\n1,2\n3\n")).find("r.csv line 3: 1 fields, the header has 2"),
            std::string::npos);
  EXPECT_NE(error_of(dir.write("q.csv", "a,b\n\"1,2\n")).find("unterminated"), std::string::npos);
}

TEST(Csv, NumberRejectsTextEmptyAndNonFinite) {
  TempDir dir;
  const CsvTable t = read_csv(dir.write("n.csv", "x,y,z,w\nabc,,nan,inf\n"));
  auto message = [&](size_t col) {
    try {
      t.number(0, col);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(0).find("line 2, column 'x': 'abc' is not a number"), std::string::npos);
  EXPECT_NE(message(1).find("column 'y': empty cell"), std::string::npos);
  EXPECT_NE(message(2).find("not a finite number"), std::string::npos);
  EXPECT_NE(message(3).find("not a finite number"), std::string::npos);
}

TEST(Csv, WriteRoundTrips) {
  TempDir dir;
  write_csv(dir.file("o.csv"), {"a", "b"}, {{"x,y", "1"}, {"q\"", "2"}});
  const CsvTable t = read_csv(dir.file("o.csv"));
  EXPECT_EQ(t.rows[0][0], "x,y");
  EXPECT_EQ(t.rows[1][0], "q\"");
}

}  // namespace armed
