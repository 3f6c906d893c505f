#include "format.hpp"

#include <algorithm>
#include <cstdio>
#include <span>

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

std::string value_text(const Key &, const Value &value)
{
	if (!value.is_number())
		return prefix_list_text(value.prefixes());
	return std::to_string(value.number());
}

std::string value_human(const Key &key, const Value &value)
{
	if (!value.is_number())
		return value.prefixes().empty() ? "none (no LAN host is claimed)"
						: prefix_list_text(value.prefixes());
	const uint64_t n = value.number();
	if (key.boolean && n <= 1)
		return n ? "on" : "off";
	std::string s = std::to_string(n);
	if (!key.unit.empty())
		s += " " + std::string(key.unit);
	return s;
}

Json value_json(const Key &key, const Value &value)
{
	if (!value.is_number()) {
		Json list = Json::array();
		for (const auto &p : value.prefixes())
			list.push_back(prefix_text(p));
		return list;
	}
	const uint64_t n = value.number();
	if (key.boolean && n <= 1)
		return n != 0;
	return n;
}

std::string value_conf(const Key &key, const Value &value)
{
	if (key.boolean && value.is_number() && value.number() <= 1)
		return value.number() ? "on" : "off";
	return value_text(key, value);
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

std::string stats_text(const Stats &s, bool all, bool explain)
{
	Table t;
	for (const auto &ctr : s.counters) {
		if (!all && !ctr.value)
			continue;
		std::vector<std::string> row{stat_name(ctr.id), std::to_string(ctr.value)};
		if (explain)
			row.push_back(stat_explanation(ctr.id));
		t.add(std::move(row));
	}
	return t.render();
}

Json stats_json(const Stats &s, bool explain)
{
	Json counters = Json::object(), tables = Json::object();
	for (const auto &ctr : s.counters)
		counters[stat_name(ctr.id)] = ctr.value;
	for (const auto &[name, n] : s.tables)
		tables[name] = n;
	Json j{{"counters", counters}, {"tables", tables}};
	if (explain) {
		Json e = Json::object();
		for (const auto &ctr : s.counters)
			e[stat_name(ctr.id)] = stat_explanation(ctr.id);
		j["explanations"] = e;
	}
	return j;
}

std::string show_text(const Config &c, const Stats &s)
{
	const Key *enabled = find_key("enabled");
	auto on = enabled ? c.value(*enabled) : std::nullopt;
	std::string state = "state unknown";
	if (on && on->is_number())
		state = on->number() ? "enabled" : "disabled";
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

namespace {

// One column of a table: its header, the cell of a row, and whether it is
// a per-entry counter (printed with -s only).
struct Column {
	const char *header;
	std::string (*cell)(const Json &row);
	bool counter = false;
};

#define FIELD_STR(name) [](const Json &e) { return str(field(e, name)); }
#define FIELD_NUM(name) [](const Json &e) { return num(field(e, name)); }
#define FIELD_MS(name)	[](const Json &e) { return ms_as_seconds(field(e, name)); }

const Column kIkeColumns[] = {
	{"REMOTE", FIELD_STR("remote")},
	{"LAN", [](const Json &e) { return str(field(e, "lan"), "gateway"); }},
	{"ICOOKIE", FIELD_STR("icookie")},
	{"RCOOKIE", FIELD_STR("rcookie")},
	{"ZONE", FIELD_NUM("zone")},
	{"IDLE", FIELD_MS("idle_ms")},
	{"HOW", FIELD_STR("how")},
	{"PACKETS", FIELD_NUM("packets"), true},
};

const Column kEspColumns[] = {
	{"REMOTE", FIELD_STR("remote")},     {"LAN", FIELD_STR("lan")},
	{"SPI", FIELD_STR("spi")},	     {"DIR", FIELD_STR("dir")},
	{"ZONE", FIELD_NUM("zone")},	     {"IDLE", FIELD_MS("idle_ms")},
	{"HOW", FIELD_STR("how")},	     {"PACKETS", FIELD_NUM("packets"), true},
	{"BYTES", FIELD_NUM("bytes"), true},
};

const Column kPendingColumns[] = {
	{"REMOTE", FIELD_STR("remote")}, {"LAN", FIELD_STR("lan")},
	{"SPI", FIELD_STR("spi")},	 {"AGE", FIELD_MS("age_ms")},
	{"HELD", FIELD_NUM("held")},	 {"WAITING", FIELD_NUM("waiting")},
	{"FOR", FIELD_STR("for")},
};

// DIR: out, the LAN host called the remote server; in, the remote client
// called the LAN host's server through a port forward.
const Column kPptpColumns[] = {
	{"LAN", FIELD_STR("lan")},
	{"DIR",
	 [](const Json &e) {
		 const Json &f = field(e, "forwarded");
		 return std::string(!f.is_boolean() ? "-" : f.get<bool>() ? "in" : "out");
	 }},
	{"REMOTE", FIELD_STR("server")},
	{"CONTROL",
	 [](const Json &e) {
		 return num(field(e, "lan_port")) + "->" + str(field(e, "masq_addr")) + ":" +
			num(field(e, "masq_port"));
	 }},
	{"PNS-ID", FIELD_NUM("pns_call_id")},
	{"MASQ-ID", FIELD_NUM("pns_call_id_masq")},
	{"PAC-ID", FIELD_NUM("pac_call_id")},
	{"CALL", FIELD_STR("call")},
	{"GRE-OUT", FIELD_NUM("gre_out"), true},
	{"GRE-IN", FIELD_NUM("gre_in"), true},
};

// LAST: the exchange type of the last completed negotiation, by name or
// number; LEFT: until the entitlement lapses.
const Column kNegoColumns[] = {
	{"REMOTE", FIELD_STR("remote")},
	{"LAN", FIELD_STR("lan")},
	{"SPIS", FIELD_NUM("spis")},
	{"IKE-SAS", FIELD_NUM("ike_sas")},
	{"PAIRED", FIELD_NUM("paired")},
	{"IN-FLIGHT", FIELD_NUM("in_flight")},
	{"LAST",
	 [](const Json &e) {
		 const Json &x = field(e, "exchange");
		 return x.is_string() ? x.get<std::string>() : num(x);
	 }},
	{"LEFT", FIELD_MS("left_ms")},
	{"COMPLETED", FIELD_NUM("completed"), true},
};

#undef FIELD_STR
#undef FIELD_NUM
#undef FIELD_MS

std::span<const Column> columns_of(const TableKind &kind)
{
	if (kind.name == "ike")
		return kIkeColumns;
	if (kind.name == "esp")
		return kEspColumns;
	if (kind.name == "pptp")
		return kPptpColumns;
	if (kind.name == "nego")
		return kNegoColumns;
	return kPendingColumns;
}

// A field of an event's entry for its text line.
std::string event_value(const std::string &key, const Json &v)
{
	if (v.is_string())
		return v.get<std::string>();
	if (v.is_null()) // ike: lan 0.0.0.0, the gateway's own; else absent
		return key == "lan" ? "gateway" : "-";
	return v.dump();
}

} // namespace

std::string entries_text(const TableKind &kind, const Json &rows, const TableStyle &style)
{
	std::vector<const Column *> shown;
	for (const auto &c : columns_of(kind))
		if (!c.counter || style.counters)
			shown.push_back(&c);
	std::vector<std::string> header;
	if (style.header)
		for (const auto *c : shown)
			header.push_back(c->header);
	Table t(std::move(header));
	for (const auto &e : rows) {
		std::vector<std::string> row;
		for (const auto *c : shown)
			row.push_back(c->cell(e));
		t.add(std::move(row));
	}
	return t.render();
}

std::string iso8601_local(const timespec &ts)
{
	tm local{};
	localtime_r(&ts.tv_sec, &local);
	char date[32], zone[8];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &local);
	strftime(zone, sizeof(zone), "%z", &local); // +0100
	std::string z(zone);
	if (z.size() == 5)
		z.insert(3, ":");
	char ms[24];
	snprintf(ms, sizeof(ms), ".%03ld", static_cast<long>(ts.tv_nsec / 1000000 % 1000));
	return date + std::string(ms) + z;
}

std::string event_text(const Event &ev, const std::optional<std::string> &time)
{
	std::string s = time ? *time + " " : std::string();
	s += event_name(ev.type) + " " + std::string(ev.table ? ev.table->name : "?");
	for (const auto &[k, v] : ev.entry.items())
		s += " " + k + " " + event_value(k, v);
	if (ev.reason != VPNMASQ_REASON_NONE || ev.type == VPNMASQ_EVENT_DEL)
		s += " reason " + reason_name(ev.reason);
	return s + "\n";
}

Json event_json(const Event &ev, const std::optional<std::string> &time)
{
	Json j = Json::object();
	if (time)
		j["time"] = *time;
	j["event"] = event_name(ev.type);
	j["reason"] = reason_name(ev.reason);
	j["table"] = ev.table ? std::string(ev.table->name) : std::string();
	j["entry"] = ev.entry;
	return j;
}

} // namespace vpnmasq
