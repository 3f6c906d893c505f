// Output: aligned text tables and JSON (snake_case keys, counters and
// values as numbers, booleans as true/false).
#pragma once

#include <ctime>
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

// A tunable's value as "get" prints it and "set" takes it (a number; lan
// as PREFIX,PREFIX... or none), for people ("on", "600 s") and in JSON
// (numbers, booleans; lan as a list of "ADDR/LEN" strings).
std::string value_text(const Key &key, const Value &value);
std::string value_human(const Key &key, const Value &value);
Json value_json(const Key &key, const Value &value);
// As showconf writes it for -b: value_text(), with booleans on/off.
std::string value_conf(const Key &key, const Value &value);

// "get": one key or all of them. Keys the module did not report are left
// out of "all".
std::string config_text(const Config &c);
Json config_json(const Config &c);

// "stats": the non-zero counters, or with @all every one, in enum order;
// with @explain a third column saying what each means. JSON always has
// every counter (and with @explain an "explanations" object).
std::string stats_text(const Stats &s, bool all = true, bool explain = false);
Json stats_json(const Stats &s, bool explain = false);

// "show": module version, enabled, tunables, table sizes and the non-zero
// counters (all of them in JSON).
std::string show_text(const Config &c, const Stats &s);
Json show_json(const Config &c, const Stats &s);

// "version": @module is empty if the module could not be asked.
std::string version_text(const std::optional<std::string> &module);
Json version_json(const std::optional<std::string> &module);

// How a table is printed.
struct TableStyle {
	bool counters = false; // -s: packets, bytes, GRE in/out, negotiations completed
	bool header = true;    // false with --no-headers
};

// "show ike|esp|pending|pptp|nego": the dumped rows (see protocol.hpp) as a
// table.
std::string entries_text(const TableKind &kind, const Json &rows, const TableStyle &style = {});

// The local time with milliseconds in ISO 8601: 2026-11-23T10:32:00.123+01:00.
std::string iso8601_local(const timespec &ts);

// "monitor": one line per event,
//   [TIME ]new ike remote 203.0.113.7 lan 192.168.1.11 icookie ... [reason expired]
// and as JSON {"time"?, "event", "reason", "table", "entry"}.
std::string event_text(const Event &ev, const std::optional<std::string> &time);
Json event_json(const Event &ev, const std::optional<std::string> &time);

} // namespace vpnmasq
