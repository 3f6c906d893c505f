// The vpnmasq generic netlink family: building its requests and reading its
// replies (<linux/vpnmasq.h>). Building and parsing work on nl_msg buffers
// alone, so the unit tests need no kernel.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "genl.hpp"
#include "keys.hpp"

namespace vpnmasq {

using Json = nlohmann::ordered_json; // keeps the kernel's / the table's order

// GET_CONFIG's reply.
struct Config {
	std::optional<std::string> module_version;
	// Parallel to keys(); nullopt if the module did not report the key
	// (older module) or sent it malformed (the wrong size, a prefix
	// without its address or length).
	std::vector<std::optional<Value>> values;

	std::optional<Value> value(const Key &key) const;
};

struct Counter {
	int id; // enum vpnmasq_stat
	uint64_t value;
};

// GET_STATS's reply.
struct Stats {
	std::vector<Counter> counters; // by id, including ones newer than this tool
	std::vector<std::pair<std::string, uint64_t>> tables; // "hosts", "ike", ... as reported
};

// Requests. SET_CONFIG carries every setting in one message, so that the
// kernel applies all of them or none; lan as a VPNMASQ_A_CFG_LAN nest of
// VPNMASQ_A_PREFIX nests (an empty one for none).
MsgPtr build_get_config(int family);
MsgPtr build_get_stats(int family);
MsgPtr build_set_config(int family, std::span<const Setting> settings);
MsgPtr build_dump(int family, uint8_t cmd);
MsgPtr build_reset_stats(int family);
// FLUSH of @table (enum vpnmasq_table), only LAN host @lan if given.
// Addresses, cookies and SPIs here are in network byte order as sent.
MsgPtr build_flush(int family, uint8_t table, std::optional<uint32_t> lan);
// DEL of the ISAKMP association @icookie or the ESP associations of @spi,
// only those with remote @remote if given.
MsgPtr build_del_ike(int family, uint64_t icookie, std::optional<uint32_t> remote);
MsgPtr build_del_esp(int family, uint32_t spi, std::optional<uint32_t> remote);

// Replies, from the top-level attributes of one message.
Config parse_config(const Attrs &tb);
Stats parse_stats(const Attrs &tb);
// VPNMASQ_A_N_REMOVED of a FLUSH or DEL reply.
std::optional<uint32_t> parse_removed(const Attrs &tb);

// The association tables that can be dumped.
struct TableKind {
	std::string_view name; // "ike", "esp", "pending", "pptp", "nego"
	uint8_t cmd;
	int nest; // VPNMASQ_A_IKE, ...: an entry in dumps and events
	// One dumped message as a JSON object; null if it lacks the nest.
	Json (*entry)(const Attrs &tb);
	std::string_view peer_field;		  // what "peer ADDR" matches
	std::array<std::string_view, 4> identity; // fields naming one entry
	bool events = true; // the module sends events of its entries (monitor)
};
std::span<const TableKind> table_kinds();
const TableKind *find_table(std::string_view name);

Json ike_entry(const Attrs &tb);
Json esp_entry(const Attrs &tb);
Json pending_entry(const Attrs &tb);
Json pptp_entry(const Attrs &tb);
Json nego_entry(const Attrs &tb);

// enum vpnmasq_how, how an ISAKMP or ESP association came to name its LAN
// host: "sent", "pending", "only-host", "negotiation", "gateway"; an
// unknown value as "how-<n>".
std::string how_name(uint8_t how);

// An entry's identity (its identity fields as one string): two rows with
// the same identity are one entry seen twice.
std::string row_identity(const TableKind &kind, const Json &row);

// One VPNMASQ_CMD_EVENT notification.
struct Event {
	uint8_t type = 0;   // enum vpnmasq_event
	uint8_t reason = 0; // enum vpnmasq_reason
	const TableKind *table = nullptr;
	Json entry; // as a dumped row of that table
};
// nullopt if the message carries no entry nest this tool knows (of a table
// with events).
std::optional<Event> parse_event(const Attrs &tb);
// "new", "del", "reason" names in snake_case ("ct_gone"); unknown values
// as "event_<n>" / "reason_<n>".
std::string event_name(uint8_t type);
std::string reason_name(uint8_t reason);

// Talking to the module.
Genl connect_vpnmasq(); // throws FamilyNotFound when the module is absent
Config get_config(Genl &nl);
Stats get_stats(Genl &nl);
void set_config(Genl &nl, std::span<const Setting> settings);
void reset_stats(Genl &nl);
// The number of associations removed, nullopt if the module did not say.
std::optional<uint32_t> flush(Genl &nl, uint8_t table, std::optional<uint32_t> lan);
std::optional<uint32_t> del_ike(Genl &nl, uint64_t icookie, std::optional<uint32_t> remote);
std::optional<uint32_t> del_esp(Genl &nl, uint32_t spi, std::optional<uint32_t> remote);

struct TableDump {
	Json rows = Json::array();
	// false: the table kept changing during every attempt; the rows are
	// the last attempt's without duplicates, entries added or removed
	// meanwhile may be missing.
	bool consistent = true;
	int attempts = 0;
};
TableDump dump_table(Genl &nl, const TableKind &kind);
// The rows without the ones whose identity came before.
Json unique_rows(const TableKind &kind, const Json &rows);

// A socket of its own on the "events" group (needs CAP_NET_ADMIN).
Subscription subscribe_events();

} // namespace vpnmasq
