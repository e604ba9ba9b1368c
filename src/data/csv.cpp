#include "armed/data/csv.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "armed/error.h"
#include "io/atomic_file.h"

namespace armed {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file (" + std::strerror(errno) + ")");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Splits text into records of fields; records[i] starts at file line record_lines[i].
void parse_records(const std::string& path, const std::string& text,
                   std::vector<std::vector<std::string>>& records, std::vector<int64_t>& record_lines) {
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false, field_started = false;
  int64_t line = 1, record_line = 1;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    // A blank line (one empty unquoted field) is not a record.
    if (!(record.size() == 1 && record[0].empty())) {
      records.push_back(std::move(record));
      record_lines.push_back(record_line);
    }
    record.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started && field.empty()) {
      in_quotes = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
      record_line = line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (in_quotes) throw Error(path + " line " + std::to_string(record_line) + ": unterminated quoted field");
  if (!field.empty() || !record.empty()) end_record();
}

}  // namespace

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& h : header)
    if (h == name) return true;
  return false;
}

size_t CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string list;
  for (const auto& h : header) list += (list.empty() ? "" : ", ") + h;
  throw Error(path + ": no column '" + name + "' (columns: " + list + ")");
}

std::string CsvTable::where(size_t row, size_t col) const {
  return path + " line " + std::to_string(lines[row]) + ", column '" + header[col] + "'";
}

double CsvTable::number(size_t row, size_t col) const {
  const std::string& cell = rows[row][col];
  size_t b = cell.find_first_not_of(" \t"), e = cell.find_last_not_of(" \t");
  if (b == std::string::npos) throw Error(where(row, col) + ": empty cell");
  const std::string trimmed = cell.substr(b, e - b + 1);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(trimmed.c_str(), &end);
  if (end != trimmed.c_str() + trimmed.size())
    throw Error(where(row, col) + ": '" + cell + "' is not a number");
  if (!std::isfinite(value)) throw Error(where(row, col) + ": '" + cell + "' is not a finite number");
  return value;
}

bool CsvTable::is_text(size_t col) const {
  for (const auto& row : rows) {
    const std::string& cell = row[col];
    const size_t b = cell.find_first_not_of(" \t"), e = cell.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    const std::string trimmed = cell.substr(b, e - b + 1);
    char* end = nullptr;
    std::strtod(trimmed.c_str(), &end);
    if (end != trimmed.c_str() + trimmed.size()) return true;
  }
  return false;
}

CsvTable read_csv(const std::string& path) {
  std::string text = read_all(path);
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  CsvTable table;
  table.path = path;
  std::vector<std::vector<std::string>> records;
  std::vector<int64_t> record_lines;
  parse_records(path, text, records, record_lines);
  if (records.empty()) throw Error(path + ": file is empty (no header)");
  table.header = std::move(records[0]);
  std::set<std::string> seen;
  for (size_t i = 0; i < table.header.size(); ++i) {
    const auto& name = table.header[i];
    if (name.empty()) throw Error(path + ": column " + std::to_string(i + 1) + " has an empty name");
    if (!seen.insert(name).second) throw Error(path + ": duplicate column '" + name + "'");
  }
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != table.header.size())
      throw Error(path + " line " + std::to_string(record_lines[r]) + ": " + std::to_string(records[r].size()) +
                  " fields, the header has " + std::to_string(table.header.size()));
    table.rows.push_back(std::move(records[r]));
    table.lines.push_back(record_lines[r]);
  }
  if (table.rows.empty()) throw Error(path + ": no data rows");
  return table;
}

std::string csv_escape(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  return buf;
}

void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows) {
  write_file_atomic(path, [&](std::ostream& out) {
    auto write_row = [&](const std::vector<std::string>& row) {
      for (size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << csv_escape(row[i]);
      out << '\n';
    };
    write_row(header);
    for (const auto& row : rows) write_row(row);
  });
}

}  // namespace armed
