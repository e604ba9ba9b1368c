#pragma once
#include <string>
#include <vector>

namespace armed {

// A CSV file held as text cells, with enough bookkeeping to name the file, line and column of
// any bad cell.
struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;  // 1-based file line where each row starts (header is line 1)

  bool has_column(const std::string& name) const;
  // Index of the column; throws an Error naming the file and listing the columns it has.
  size_t column(const std::string& name) const;
  // The cell parsed as a finite number; throws an Error naming file, line and column.
  double number(size_t row, size_t col) const;
  // Some non-empty cell of the column is not a number (e.g. labels such as M/F).
  bool is_text(size_t col) const;
  std::string where(size_t row, size_t col) const;
};

// Reads RFC-4180 CSV (quoted fields, "" escapes, CRLF). Errors: missing or unreadable file, no
// header, empty or duplicate column name, ragged row, no data rows.
CsvTable read_csv(const std::string& path);

// Writes rows to `path` through a temporary file renamed into place.
void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows);

std::string csv_escape(const std::string& cell);
std::string format_number(double value);

}  // namespace armed
