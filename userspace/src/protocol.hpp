// The vpnmasq generic netlink family: building its requests and reading its
// replies (<linux/vpnmasq.h>). Building and parsing work on nl_msg buffers
// alone, so the unit tests need no kernel.
#pragma once

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
	// (older module) or sent it with the wrong size.
	std::vector<std::optional<uint64_t>> values;

	std::optional<uint64_t> value(const Key &key) const;
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
// kernel applies all of them or none.
MsgPtr build_get_config(int family);
MsgPtr build_get_stats(int family);
MsgPtr build_set_config(int family, std::span<const Setting> settings);
MsgPtr build_dump(int family, uint8_t cmd);

// Replies, from the top-level attributes of one message.
Config parse_config(const Attrs &tb);
Stats parse_stats(const Attrs &tb);

// The association tables that can be dumped.
struct TableKind {
	std::string_view name; // "ike", "esp", "pending", "pptp"
	uint8_t cmd;
	// One dumped message as a JSON object; null if it lacks the nest.
	Json (*entry)(const Attrs &tb);
};
std::span<const TableKind> table_kinds();
const TableKind *find_table(std::string_view name);

Json ike_entry(const Attrs &tb);
Json esp_entry(const Attrs &tb);
Json pending_entry(const Attrs &tb);
Json pptp_entry(const Attrs &tb);

// Talking to the module.
Genl connect_vpnmasq(); // throws FamilyNotFound when the module is absent
Config get_config(Genl &nl);
Stats get_stats(Genl &nl);
void set_config(Genl &nl, std::span<const Setting> settings);
Json dump_table(Genl &nl, const TableKind &kind); // array of entries

} // namespace vpnmasq
