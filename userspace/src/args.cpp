#include "args.hpp"

#include <arpa/inet.h>
#include <endian.h>

#include <charconv>

#include "errors.hpp"

namespace vpnmasq {

namespace {

std::string in_quotes(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

std::string joined(std::string_view a, std::string_view b)
{
	return std::string(a) + ": " + std::string(b);
}

// The table names of show (every dumpable table) or, with @events_only,
// of monitor (the tables with events), or "all".
std::string table_list(bool events_only = false)
{
	std::string s;
	for (const auto &t : table_kinds())
		if (t.events || !events_only)
			s += std::string(t.name) + ", ";
	return s + "or all";
}

// Hex digits, an optional 0x in front, between @min and @max of them.
uint64_t parse_hex(std::string_view text, size_t min, size_t max, std::string_view what,
		   std::string_view expected)
{
	std::string_view digits = text;
	if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits.remove_prefix(2);
	uint64_t v = 0;
	const char *end = digits.data() + digits.size();
	auto [ptr, ec] = std::from_chars(digits.data(), end, v, 16);
	// from_chars takes no sign or prefix, so all of it must be digits.
	if (digits.size() < min || digits.size() > max || ec != std::errc() || ptr != end)
		throw UsageError(
			joined(what, in_quotes(text) + " is not " + std::string(expected)));
	return v;
}

// The value after a filter word ("lan ADDR"), or a UsageError.
const std::string &value_of(std::span<const std::string> args, size_t i, std::string_view command)
{
	if (i + 1 >= args.size())
		throw UsageError(std::string(command) + ": " + in_quotes(args[i]) +
				 " needs an address (e.g. " + args[i] + " 192.168.1.11)");
	return args[i + 1];
}

} // namespace

uint32_t parse_ipv4(std::string_view text, std::string_view what)
{
	in_addr a{};
	// inet_pton takes exactly the dotted quad: no shorthand, no
	// leading zeros, no trailing text.
	if (inet_pton(AF_INET, std::string(text).c_str(), &a) != 1)
		throw UsageError(joined(
			what,
			in_quotes(text) + " is not an IPv4 address (dotted, e.g. 192.168.1.11)"));
	return a.s_addr;
}

std::string ipv4_text(uint32_t be)
{
	in_addr a{};
	a.s_addr = be;
	char buf[INET_ADDRSTRLEN] = {};
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return buf;
}

uint64_t parse_cookie(std::string_view text, std::string_view what)
{
	return htobe64(
		parse_hex(text, 16, 16, what, "a cookie (16 hex digits, as show ike prints it)"));
}

uint32_t parse_spi(std::string_view text, std::string_view what)
{
	return htobe32(static_cast<uint32_t>(
		parse_hex(text, 1, 8, what, "an SPI (1 to 8 hex digits, as show esp prints it)")));
}

bool RowFilter::matches(const TableKind &kind, const Json &row) const
{
	auto is = [&](std::string_view field, const std::string &want) {
		auto it = row.find(field);
		return it != row.end() && it->is_string() && it->get<std::string>() == want;
	};
	return (!lan || is("lan", *lan)) && (!peer || is(kind.peer_field, *peer));
}

Json filter_rows(const TableKind &kind, const Json &rows, const RowFilter &filter)
{
	if (filter.empty())
		return rows;
	Json out = Json::array();
	for (const auto &row : rows)
		if (filter.matches(kind, row))
			out.push_back(row);
	return out;
}

ShowArgs parse_show_args(std::span<const std::string> args)
{
	ShowArgs s;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "lan" || a == "peer") {
			auto &slot = a == "lan" ? s.filter.lan : s.filter.peer;
			if (slot)
				throw UsageError("show: " + in_quotes(a) + " given twice");
			const std::string &addr = value_of(args, i, "show");
			slot = ipv4_text(parse_ipv4(addr, "show: " + a));
			i++;
		} else if (i == 0 && (a == "all" || find_table(a))) {
			s.table = a;
		} else if (find_table(a) || a == "all") {
			throw UsageError("show: the table (" + in_quotes(a) + ") comes first");
		} else {
			throw UsageError("show: unknown argument " + in_quotes(a) + " (expected " +
					 table_list() + ", then lan ADDR or peer ADDR)");
		}
	}
	if (!s.table && !s.filter.empty())
		throw UsageError("show: lan and peer filter a table: name it first (" +
				 table_list() + ")");
	return s;
}

FlushArgs parse_flush_args(std::span<const std::string> args)
{
	static constexpr std::pair<std::string_view, uint8_t> tables[] = {
		{"all", VPNMASQ_TABLE_ALL},
		{"ike", VPNMASQ_TABLE_IKE},
		{"esp", VPNMASQ_TABLE_ESP},
		{"pptp", VPNMASQ_TABLE_PPTP},
	};
	FlushArgs f;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "lan") {
			if (f.lan)
				throw UsageError("flush: 'lan' given twice");
			f.lan = parse_ipv4(value_of(args, i, "flush"), "flush: lan");
			i++;
			continue;
		}
		bool known = false;
		for (auto [name, id] : tables) {
			if (a != name)
				continue;
			if (i != 0)
				throw UsageError("flush: the table (" + in_quotes(a) +
						 ") comes first");
			f.table = id;
			f.table_name = name;
			known = true;
		}
		if (!known)
			throw UsageError(
				"flush: unknown argument " + in_quotes(a) +
				(a == "pending" ? std::string(" (pending slots go with: flush esp)")
						: std::string(" (expected ike, esp, pptp or all, "
							      "then lan ADDR)")));
	}
	return f;
}

DelArgs parse_del_args(std::span<const std::string> args)
{
	DelArgs d;
	if (args.empty() || (args[0] != "ike" && args[0] != "esp"))
		throw UsageError(args.empty() ? std::string("del: expected ike COOKIE or esp SPI")
					      : "del: unknown table " + in_quotes(args[0]) +
							" (expected ike COOKIE or esp SPI)");
	d.ike = args[0] == "ike";
	if (args.size() < 2)
		throw UsageError(d.ike ? "del ike: expected the initiator cookie (16 hex digits)"
				       : "del esp: expected the SPI (hex)");
	if (d.ike)
		d.icookie = parse_cookie(args[1], "del ike");
	else
		d.spi = parse_spi(args[1], "del esp");
	for (size_t i = 2; i < args.size(); i++) {
		if (args[i] != "peer")
			throw UsageError("del: unexpected argument " + in_quotes(args[i]) +
					 " (expected peer ADDR)");
		if (d.remote)
			throw UsageError("del: 'peer' given twice");
		d.remote = parse_ipv4(value_of(args, i, "del"), "del: peer");
		i++;
	}
	return d;
}

StatsArgs parse_stats_args(std::span<const std::string> args)
{
	StatsArgs s;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "reset" && args.size() == 1) {
			s.reset = true;
		} else if (a == "reset") {
			throw UsageError("stats: reset takes no other argument");
		} else if (a == "--all") {
			s.all = true;
		} else if (a == "--explain") {
			s.explain = true;
		} else {
			throw UsageError("stats: unknown argument " + in_quotes(a) +
					 " (expected --all, --explain or reset)");
		}
	}
	return s;
}

const TableKind *parse_monitor_args(std::span<const std::string> args)
{
	if (args.size() > 1)
		throw UsageError("monitor: expected at most one table (" + table_list(true) + ")");
	if (args.empty() || args[0] == "all")
		return nullptr;
	const TableKind *t = find_table(args[0]);
	if (t && !t->events)
		throw UsageError("monitor: the " + std::string(t->name) +
				 " table has no events (see it with: vpnmasq-ctl show " +
				 std::string(t->name) + ")");
	if (!t)
		throw UsageError("monitor: unknown table " + in_quotes(args[0]) + " (expected " +
				 table_list(true) + ")");
	return t;
}

} // namespace vpnmasq
