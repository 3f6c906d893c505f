#include "format.hpp"

#include <algorithm>

#include "stats.hpp"

namespace vpnmasq {

namespace {

// A field of a dumped row; null if missing (operator[] on a const object
// must not be used with a missing key).
const Json &field(const Json &row, const char *name)
{
	static const Json null;
	auto it = row.find(name);
	return it == row.end() ? null : *it;
}

std::string num(const Json &j)
{
	return j.is_number_integer() ? j.dump() : std::string("-");
}

std::string str(const Json &j, const char *if_null = "-")
{
	return j.is_string() ? j.get<std::string>() : std::string(if_null);
}

// Milliseconds as seconds with one decimal: 2500 -> "2.5s".
std::string ms_as_seconds(const Json &j)
{
	if (!j.is_number_integer() || j.get<int64_t>() < 0)
		return "-";
	auto ms = j.get<uint64_t>();
	return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
}

} // namespace

std::string to_json_text(const Json &j, bool pretty)
{
	return j.dump(pretty ? 2 : -1) + "\n";
}

std::string Table::render(const std::string &indent) const
{
	std::vector<size_t> width(header_.size());
	auto widen = [&](const std::vector<std::string> &row) {
		if (width.size() < row.size())
			width.resize(row.size());
		for (size_t i = 0; i < row.size(); i++)
			width[i] = std::max(width[i], row[i].size());
	};
	widen(header_);
	for (const auto &r : rows_)
		widen(r);
	auto line = [&](const std::vector<std::string> &row) {
		std::string s = indent;
		for (size_t i = 0; i < row.size(); i++) {
			s += row[i];
			if (i + 1 < row.size())
				s += std::string(width[i] - row[i].size() + 2, ' ');
		}
		return s + "\n";
	};
	std::string out = header_.empty() ? "" : line(header_);
	for (const auto &r : rows_)
		out += line(r);
	return out;
}

std::string value_text(const Key &, uint64_t value)
{
	return std::to_string(value);
}

std::string value_human(const Key &key, uint64_t value)
{
	if (key.boolean && value <= 1)
		return value ? "on" : "off";
	std::string s = std::to_string(value);
	if (!key.unit.empty())
		s += " " + std::string(key.unit);
	return s;
}

Json value_json(const Key &key, uint64_t value)
{
	if (key.boolean && value <= 1)
		return value != 0;
	return value;
}

std::string config_text(const Config &c)
{
	Table t;
	for (const auto &k : keys())
		if (auto v = c.value(k))
			t.add({std::string(k.name), value_text(k, *v)});
	return t.render();
}

Json config_json(const Config &c)
{
	Json j = Json::object();
	for (const auto &k : keys())
		if (auto v = c.value(k))
			j[std::string(k.name)] = value_json(k, *v);
	return j;
}

std::string stats_text(const Stats &s)
{
	Table t;
	for (const auto &ctr : s.counters)
		t.add({stat_name(ctr.id), std::to_string(ctr.value)});
	return t.render();
}

Json stats_json(const Stats &s)
{
	Json counters = Json::object(), tables = Json::object();
	for (const auto &ctr : s.counters)
		counters[stat_name(ctr.id)] = ctr.value;
	for (const auto &[name, n] : s.tables)
		tables[name] = n;
	return Json{{"counters", counters}, {"tables", tables}};
}

std::string show_text(const Config &c, const Stats &s)
{
	const Key *enabled = find_key("enabled");
	auto on = enabled ? c.value(*enabled) : std::nullopt;
	std::string state = !on ? "state unknown" : *on ? "enabled" : "disabled";
	std::string out =
		"vpnmasq " + c.module_version.value_or("(unknown version)") + ": " + state + "\n";

	out += "tunables:\n";
	Table tunables;
	for (const auto &k : keys())
		if (auto v = c.value(k))
			tunables.add({std::string(k.name), value_human(k, *v)});
	out += tunables.render("  ");

	if (!s.tables.empty()) {
		out += "entries:";
		for (size_t i = 0; i < s.tables.size(); i++)
			out += (i ? ", " : " ") + s.tables[i].first + " " +
			       std::to_string(s.tables[i].second);
		out += "\n";
	}

	Table counters;
	for (const auto &ctr : s.counters)
		if (ctr.value)
			counters.add({stat_name(ctr.id), std::to_string(ctr.value)});
	if (counters.size())
		out += "counters:\n" + counters.render("  ");
	else
		out += "counters: all zero\n";
	return out;
}

Json show_json(const Config &c, const Stats &s)
{
	auto st = stats_json(s);
	return Json{
		{"tool_version", VPNMASQ_CTL_VERSION},
		{"module_version", c.module_version ? Json(*c.module_version) : Json(nullptr)},
		{"config", config_json(c)},
		{"tables", st["tables"]},
		{"counters", st["counters"]},
	};
}

std::string version_text(const std::optional<std::string> &module)
{
	std::string out = "vpnmasq-ctl " VPNMASQ_CTL_VERSION "\n";
	if (module)
		out += "vpnmasq module " + *module + "\n";
	return out;
}

Json version_json(const std::optional<std::string> &module)
{
	return Json{{"tool_version", VPNMASQ_CTL_VERSION},
		    {"module_version", module ? Json(*module) : Json(nullptr)}};
}

std::string entries_text(const TableKind &kind, const Json &rows)
{
	std::string name(kind.name);
	Table t;
	if (name == "ike") {
		t = Table({"REMOTE", "LAN", "ICOOKIE", "RCOOKIE", "ZONE", "IDLE", "PACKETS"});
		for (const auto &e : rows)
			t.add({str(field(e, "remote")), str(field(e, "lan"), "gateway"),
			       str(field(e, "icookie")), str(field(e, "rcookie")),
			       num(field(e, "zone")), ms_as_seconds(field(e, "idle_ms")),
			       num(field(e, "packets"))});
	} else if (name == "esp") {
		t = Table({"REMOTE", "LAN", "SPI", "DIR", "ZONE", "IDLE", "PACKETS", "BYTES"});
		for (const auto &e : rows)
			t.add({str(field(e, "remote")), str(field(e, "lan")), str(field(e, "spi")),
			       str(field(e, "dir")), num(field(e, "zone")),
			       ms_as_seconds(field(e, "idle_ms")), num(field(e, "packets")),
			       num(field(e, "bytes"))});
	} else if (name == "pptp") {
		t = Table({"LAN", "SERVER", "CONTROL", "PNS-ID", "MASQ-ID", "PAC-ID", "CALL",
			   "GRE-OUT", "GRE-IN"});
		for (const auto &e : rows)
			t.add({str(field(e, "lan")), str(field(e, "server")),
			       num(field(e, "lan_port")) + "->" + str(field(e, "masq_addr")) + ":" +
				       num(field(e, "masq_port")),
			       num(field(e, "pns_call_id")), num(field(e, "pns_call_id_masq")),
			       num(field(e, "pac_call_id")), str(field(e, "call")),
			       num(field(e, "gre_out")), num(field(e, "gre_in"))});
	} else {
		t = Table({"REMOTE", "LAN", "SPI", "AGE", "HELD", "WAITING"});
		for (const auto &e : rows)
			t.add({str(field(e, "remote")), str(field(e, "lan")), str(field(e, "spi")),
			       ms_as_seconds(field(e, "age_ms")), num(field(e, "held")),
			       num(field(e, "waiting"))});
	}
	return t.render();
}

} // namespace vpnmasq
