// Output: aligned text tables and JSON (snake_case keys, counters and
// values as numbers, booleans as true/false).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol.hpp"

namespace vpnmasq {

// Compact JSON, or indented by 2 with @pretty; ends with a newline.
std::string to_json_text(const Json &j, bool pretty);

// Aligned columns separated by two spaces, no trailing blanks.
class Table {
public:
	explicit Table(std::vector<std::string> header = {}) : header_(std::move(header)) {}
	void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
	size_t size() const { return rows_.size(); }
	// The header line is printed only if there is one; @indent prefixes
	// every line.
	std::string render(const std::string &indent = "") const;

private:
	std::vector<std::string> header_;
	std::vector<std::vector<std::string>> rows_;
};

// A tunable's value as a number (what "get" prints and "set" takes) and
// for people ("on", "600 s").
std::string value_text(const Key &key, uint64_t value);
std::string value_human(const Key &key, uint64_t value);
Json value_json(const Key &key, uint64_t value);

// "get": one key or all of them. Keys the module did not report are left
// out of "all".
std::string config_text(const Config &c);
Json config_json(const Config &c);

// "stats": every counter, in enum order.
std::string stats_text(const Stats &s);
Json stats_json(const Stats &s);

// "show": module version, enabled, tunables, table sizes and the non-zero
// counters (all of them in JSON).
std::string show_text(const Config &c, const Stats &s);
Json show_json(const Config &c, const Stats &s);

// "version": @module is empty if the module could not be asked.
std::string version_text(const std::optional<std::string> &module);
Json version_json(const std::optional<std::string> &module);

// "show ike|esp|pending": the dumped rows (see protocol.hpp) as a table.
std::string entries_text(const TableKind &kind, const Json &rows);

} // namespace vpnmasq
