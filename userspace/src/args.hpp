// Arguments of the subcommands: IPv4 addresses, ISAKMP cookies, ESP SPIs,
// table names, and the lan/peer filters of "show". Every parser throws
// UsageError with a reason naming the argument, so that nothing is sent.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol.hpp"

namespace vpnmasq {

// A dotted IPv4 address ("192.168.1.11") in network byte order. @what
// names the argument in the reason ("show: lan").
uint32_t parse_ipv4(std::string_view text, std::string_view what);
std::string ipv4_text(uint32_t be); // network byte order

// An ISAKMP initiator cookie: exactly 16 hex digits, an optional 0x in
// front. Returned in network byte order (the bytes as on the wire).
uint64_t parse_cookie(std::string_view text, std::string_view what);
// An ESP SPI: 1 to 8 hex digits, an optional 0x in front; network order.
uint32_t parse_spi(std::string_view text, std::string_view what);

// "lan ADDR" / "peer ADDR" of show: rows are filtered after the dump.
struct RowFilter {
	std::optional<std::string> lan;	 // dotted, as the rows spell it
	std::optional<std::string> peer; // remote; the server for pptp

	bool empty() const { return !lan && !peer; }
	bool matches(const TableKind &kind, const Json &row) const;
};
Json filter_rows(const TableKind &kind, const Json &rows, const RowFilter &filter);

// What "show" was asked for: no table (the summary), one table or all
// of them, and the filters.
struct ShowArgs {
	std::optional<std::string> table; // a table_kinds() name or "all"
	RowFilter filter;
};
ShowArgs parse_show_args(std::span<const std::string> args);

// "flush [ike|esp|pptp|all] [lan ADDR]".
struct FlushArgs {
	uint8_t table = VPNMASQ_TABLE_ALL; // enum vpnmasq_table
	std::string table_name = "all";
	std::optional<uint32_t> lan; // network byte order
};
FlushArgs parse_flush_args(std::span<const std::string> args);

// "del ike COOKIE [peer ADDR]" / "del esp SPI [peer ADDR]".
struct DelArgs {
	bool ike = true;
	uint64_t icookie = 0; // network byte order
	uint32_t spi = 0;     // network byte order
	std::optional<uint32_t> remote;
};
DelArgs parse_del_args(std::span<const std::string> args);

// "stats [--all] [--explain]" / "stats reset".
struct StatsArgs {
	bool reset = false;
	bool all = false;
	bool explain = false;
};
StatsArgs parse_stats_args(std::span<const std::string> args);

// "monitor [ike|esp|pending|pptp|all]": nullptr for all; a table without
// events (nego) is refused.
const TableKind *parse_monitor_args(std::span<const std::string> args);

} // namespace vpnmasq
