#include "protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_set>

#include "errors.hpp"

namespace vpnmasq {

namespace {

// Reads an unsigned attribute of exactly @size bytes in host order;
// nullopt if absent or of another size (never reads past the payload).
std::optional<uint64_t> get_uint(const nlattr *a, size_t size)
{
	if (!a || static_cast<size_t>(nla_len(a)) != size)
		return std::nullopt;
	const void *p = nla_data(a);
	switch (size) {
	case 1:
		return *static_cast<const uint8_t *>(p);
	case 2: {
		uint16_t v;
		std::memcpy(&v, p, 2);
		return v;
	}
	case 4: {
		uint32_t v;
		std::memcpy(&v, p, 4);
		return v;
	}
	case 8: {
		uint64_t v;
		std::memcpy(&v, p, 8);
		return v;
	}
	default:
		return std::nullopt;
	}
}

uint64_t uint_or_zero(const nlattr *a, size_t size)
{
	return get_uint(a, size).value_or(0);
}

// A big-endian IPv4 address as sent (4 bytes), "" if absent.
std::string ipv4(const nlattr *a)
{
	if (!a || nla_len(a) != 4)
		return {};
	char buf[INET_ADDRSTRLEN] = {};
	inet_ntop(AF_INET, nla_data(a), buf, sizeof(buf));
	return buf;
}

bool is_zero_addr(const nlattr *a)
{
	return a && nla_len(a) == 4 && uint_or_zero(a, 4) == 0;
}

// Cookies and SPIs as on the wire: the bytes in order, in hex.
std::string wire_hex(const nlattr *a, size_t size)
{
	if (!a || static_cast<size_t>(nla_len(a)) != size)
		return {};
	static const char digits[] = "0123456789abcdef";
	std::string s;
	const auto *p = static_cast<const uint8_t *>(nla_data(a));
	for (size_t i = 0; i < size; i++) {
		s += digits[p[i] >> 4];
		s += digits[p[i] & 15];
	}
	return s;
}

// Parses the nest @type of @tb into @out (@max + 1 entries); false if absent.
bool nested(const Attrs &tb, int type, int max, nlattr **out)
{
	nlattr *nest = tb[type];
	return nest && nla_parse_nested(out, max, nest, nullptr) == 0;
}

std::string key_of_attr(int attr)
{
	const Key *k = find_key_by_attr(attr);
	return k ? std::string(k->name) : std::string();
}

constexpr std::array kTables{
	TableKind{"ike",
		  VPNMASQ_CMD_GET_IKE,
		  VPNMASQ_A_IKE,
		  ike_entry,
		  "remote",
		  {"remote", "lan", "icookie"}},
	TableKind{"esp",
		  VPNMASQ_CMD_GET_ESP,
		  VPNMASQ_A_ESP,
		  esp_entry,
		  "remote",
		  {"remote", "lan", "spi", "dir"}},
	TableKind{"pending",
		  VPNMASQ_CMD_GET_PENDING,
		  VPNMASQ_A_PENDING,
		  pending_entry,
		  "remote",
		  {"remote"}},
	TableKind{"pptp",
		  VPNMASQ_CMD_GET_PPTP,
		  VPNMASQ_A_PPTP,
		  pptp_entry,
		  "server",
		  {"lan", "lan_port", "server", "pns_call_id"}},
	TableKind{"nego",
		  VPNMASQ_CMD_GET_NEGO,
		  VPNMASQ_A_NEGO,
		  nego_entry,
		  "remote",
		  {"remote", "lan"},
		  false},
};

void put_or_throw(int err)
{
	if (err < 0)
		throw NetlinkError(libnl_error(err),
				   "cannot build the request: " + std::string(nl_geterror(err)));
}

// A value already in network byte order, as its bytes.
template <typename T> void put_wire(nl_msg *msg, int attr, T value)
{
	put_or_throw(nla_put(msg, attr, sizeof(value), &value));
}

// @list as the nest @attr of VPNMASQ_A_PREFIX nests, each with the address
// (4 bytes, network order) and the length (u8). An empty list is an empty
// nest, which libnl's nla_nest_end() would drop. NLA_F_NESTED is set: the
// kernel's strict validation wants it.
void put_prefixes(nl_msg *msg, int attr, const PrefixList &list)
{
	nlattr *nest = nla_nest_start(msg, attr | NLA_F_NESTED);
	if (!nest)
		put_or_throw(-NLE_NOMEM);
	for (const auto &p : list) {
		nlattr *one = nla_nest_start(msg, VPNMASQ_A_PREFIX | NLA_F_NESTED);
		if (!one)
			put_or_throw(-NLE_NOMEM);
		put_wire(msg, VPNMASQ_PREFIX_A_ADDR, p.addr);
		put_or_throw(nla_put_u8(msg, VPNMASQ_PREFIX_A_LEN, p.len));
		put_or_throw(nla_nest_end(msg, one));
	}
	put_or_throw(nla_nest_end_keep_empty(msg, nest));
}

// The nest of VPNMASQ_A_PREFIX nests @a as a list (empty if the nest is);
// nullopt if absent or if a prefix lacks its address or length, has one of
// the wrong size or a length past 32. Other attributes in it are ignored
// (a newer module's).
std::optional<PrefixList> get_prefixes(const nlattr *a)
{
	if (!a)
		return std::nullopt;
	PrefixList list;
	const nlattr *one;
	int rem;
	nla_for_each_nested(one, a, rem) {
		if (nla_type(one) != VPNMASQ_A_PREFIX)
			continue;
		nlattr *p[VPNMASQ_PREFIX_A_MAX + 1] = {};
		if (nla_parse_nested(p, VPNMASQ_PREFIX_A_MAX, const_cast<nlattr *>(one), nullptr))
			return std::nullopt;
		auto len = get_uint(p[VPNMASQ_PREFIX_A_LEN], 1);
		const nlattr *addr = p[VPNMASQ_PREFIX_A_ADDR];
		if (!len || *len > 32 || !addr || nla_len(addr) != 4)
			return std::nullopt;
		Prefix prefix;
		std::memcpy(&prefix.addr, nla_data(addr), 4);
		prefix.len = static_cast<uint8_t>(*len);
		list.push_back(prefix);
	}
	return list;
}

// Names of enum vpnmasq_pptp_session / enum vpnmasq_pptp_call.
std::string pptp_session_name(uint64_t v)
{
	static constexpr std::array names{"none", "error", "stop-requested", "requested",
					  "confirmed"};
	return v < names.size() ? names[v] : "state-" + std::to_string(v);
}

std::string pptp_call_name(uint64_t v)
{
	static constexpr std::array names{"none",	 "error",	 "out-requested",
					  "established", "in-requested", "in-replied",
					  "established", "clearing"};
	return v < names.size() ? names[v] : "state-" + std::to_string(v);
}

// VPNMASQ_IKE_A_HOW / VPNMASQ_ESP_A_HOW: null if absent (an older module).
Json how_of(const nlattr *a)
{
	auto v = get_uint(a, 1);
	return v ? Json(how_name(static_cast<uint8_t>(*v))) : Json(nullptr);
}

// The ISAKMP exchange type of a negotiation (RFC 2408 3.1, RFC 7296 3.1)
// by name, or the number if it is none this tool knows.
Json exchange_name(uint64_t v)
{
	switch (v) {
	case 0:
		return "none";
	case 32:
		return "quick";
	case 35:
		return "ike_auth";
	case 36:
		return "create_child_sa";
	default:
		return v;
	}
}

} // namespace

std::optional<Value> Config::value(const Key &key) const
{
	auto all = keys();
	for (size_t i = 0; i < all.size() && i < values.size(); i++)
		if (all[i].attr == key.attr)
			return values[i];
	return std::nullopt;
}

MsgPtr build_get_config(int family)
{
	return new_request(family, VPNMASQ_CMD_GET_CONFIG, VPNMASQ_GENL_VERSION, NLM_F_ACK);
}

MsgPtr build_get_stats(int family)
{
	return new_request(family, VPNMASQ_CMD_GET_STATS, VPNMASQ_GENL_VERSION, NLM_F_ACK);
}

MsgPtr build_dump(int family, uint8_t cmd)
{
	return new_request(family, cmd, VPNMASQ_GENL_VERSION, NLM_F_DUMP);
}

MsgPtr build_reset_stats(int family)
{
	return new_request(family, VPNMASQ_CMD_RESET_STATS, VPNMASQ_GENL_VERSION, NLM_F_ACK);
}

MsgPtr build_flush(int family, uint8_t table, std::optional<uint32_t> lan)
{
	auto msg = new_request(family, VPNMASQ_CMD_FLUSH, VPNMASQ_GENL_VERSION, NLM_F_ACK);
	put_or_throw(nla_put_u8(msg.get(), VPNMASQ_A_TABLE, table));
	if (lan)
		put_wire(msg.get(), VPNMASQ_A_LAN, *lan);
	return msg;
}

MsgPtr build_del_ike(int family, uint64_t icookie, std::optional<uint32_t> remote)
{
	auto msg = new_request(family, VPNMASQ_CMD_DEL, VPNMASQ_GENL_VERSION, NLM_F_ACK);
	put_wire(msg.get(), VPNMASQ_A_ICOOKIE, icookie);
	if (remote)
		put_wire(msg.get(), VPNMASQ_A_REMOTE, *remote);
	return msg;
}

MsgPtr build_del_esp(int family, uint32_t spi, std::optional<uint32_t> remote)
{
	auto msg = new_request(family, VPNMASQ_CMD_DEL, VPNMASQ_GENL_VERSION, NLM_F_ACK);
	put_wire(msg.get(), VPNMASQ_A_SPI, spi);
	if (remote)
		put_wire(msg.get(), VPNMASQ_A_REMOTE, *remote);
	return msg;
}

MsgPtr build_set_config(int family, std::span<const Setting> settings)
{
	auto msg = new_request(family, VPNMASQ_CMD_SET_CONFIG, VPNMASQ_GENL_VERSION, NLM_F_ACK);
	for (const auto &s : settings) {
		switch (s.key->type) {
		case AttrType::U8:
			put_or_throw(nla_put_u8(msg.get(), s.key->attr,
						static_cast<uint8_t>(s.value.number())));
			break;
		case AttrType::U16:
			put_or_throw(nla_put_u16(msg.get(), s.key->attr,
						 static_cast<uint16_t>(s.value.number())));
			break;
		case AttrType::U32:
			put_or_throw(nla_put_u32(msg.get(), s.key->attr,
						 static_cast<uint32_t>(s.value.number())));
			break;
		case AttrType::PrefixNest:
			put_prefixes(msg.get(), s.key->attr, s.value.prefixes());
			break;
		}
	}
	return msg;
}

Config parse_config(const Attrs &tb)
{
	Config c;
	if (const nlattr *v = tb[VPNMASQ_A_VERSION]; v && nla_len(v) > 0) {
		const auto *s = static_cast<const char *>(nla_data(v));
		c.module_version.emplace(s, strnlen(s, nla_len(v)));
	}
	for (const auto &k : keys()) {
		auto &v = c.values.emplace_back();
		if (k.type == AttrType::PrefixNest) {
			if (auto list = get_prefixes(tb[k.attr]))
				v.emplace(std::move(*list));
		} else if (auto n = get_uint(tb[k.attr], type_size(k.type))) {
			v.emplace(*n);
		}
	}
	return c;
}

Stats parse_stats(const Attrs &tb)
{
	Stats s;
	if (const nlattr *nest = tb[VPNMASQ_A_STATS]) {
		const nlattr *a;
		int rem;
		nla_for_each_nested(a, nest, rem) {
			int id = nla_type(a);
			auto v = get_uint(a, 8);
			if (id <= VPNMASQ_STAT_PAD || !v)
				continue;
			s.counters.push_back({id, *v});
		}
		std::stable_sort(s.counters.begin(), s.counters.end(),
				 [](const Counter &x, const Counter &y) { return x.id < y.id; });
	}
	const std::pair<int, const char *> sizes[] = {
		{VPNMASQ_A_N_HOSTS, "hosts"},
		{VPNMASQ_A_N_IKE, "ike"},
		{VPNMASQ_A_N_ESP, "esp"},
		{VPNMASQ_A_N_HELD, "held"},
	};
	for (auto [attr, name] : sizes)
		if (auto v = get_uint(tb[attr], 4))
			s.tables.emplace_back(name, *v);
	return s;
}

std::optional<uint32_t> parse_removed(const Attrs &tb)
{
	if (auto v = get_uint(tb[VPNMASQ_A_N_REMOVED], 4))
		return static_cast<uint32_t>(*v);
	return std::nullopt;
}

std::span<const TableKind> table_kinds()
{
	return kTables;
}

const TableKind *find_table(std::string_view name)
{
	for (const auto &t : kTables)
		if (t.name == name)
			return &t;
	return nullptr;
}

Json ike_entry(const Attrs &tb)
{
	nlattr *a[VPNMASQ_IKE_A_MAX + 1] = {};
	if (!nested(tb, VPNMASQ_A_IKE, VPNMASQ_IKE_A_MAX, a))
		return nullptr;
	Json j;
	j["remote"] = ipv4(a[VPNMASQ_IKE_A_REMOTE]);
	// LAN 0.0.0.0 is the gateway's own association.
	j["lan"] = is_zero_addr(a[VPNMASQ_IKE_A_LAN]) ? Json(nullptr)
						      : Json(ipv4(a[VPNMASQ_IKE_A_LAN]));
	j["icookie"] = wire_hex(a[VPNMASQ_IKE_A_ICOOKIE], 8);
	j["rcookie"] = wire_hex(a[VPNMASQ_IKE_A_RCOOKIE], 8);
	j["zone"] = uint_or_zero(a[VPNMASQ_IKE_A_ZONE], 2);
	j["idle_ms"] = uint_or_zero(a[VPNMASQ_IKE_A_IDLE_MS], 4);
	j["packets"] = uint_or_zero(a[VPNMASQ_IKE_A_PACKETS], 8);
	j["how"] = how_of(a[VPNMASQ_IKE_A_HOW]);
	return j;
}

Json esp_entry(const Attrs &tb)
{
	nlattr *a[VPNMASQ_ESP_A_MAX + 1] = {};
	if (!nested(tb, VPNMASQ_A_ESP, VPNMASQ_ESP_A_MAX, a))
		return nullptr;
	Json j;
	j["remote"] = ipv4(a[VPNMASQ_ESP_A_REMOTE]);
	j["lan"] = ipv4(a[VPNMASQ_ESP_A_LAN]);
	j["spi"] = wire_hex(a[VPNMASQ_ESP_A_SPI], 4);
	j["dir"] = uint_or_zero(a[VPNMASQ_ESP_A_DIR], 1) == VPNMASQ_ESP_DIR_IN ? "in" : "out";
	j["zone"] = uint_or_zero(a[VPNMASQ_ESP_A_ZONE], 2);
	j["idle_ms"] = uint_or_zero(a[VPNMASQ_ESP_A_IDLE_MS], 4);
	j["packets"] = uint_or_zero(a[VPNMASQ_ESP_A_PACKETS], 8);
	j["bytes"] = uint_or_zero(a[VPNMASQ_ESP_A_BYTES], 8);
	j["how"] = how_of(a[VPNMASQ_ESP_A_HOW]);
	return j;
}

Json pending_entry(const Attrs &tb)
{
	nlattr *a[VPNMASQ_PENDING_A_MAX + 1] = {};
	if (!nested(tb, VPNMASQ_A_PENDING, VPNMASQ_PENDING_A_MAX, a))
		return nullptr;
	Json j;
	j["remote"] = ipv4(a[VPNMASQ_PENDING_A_REMOTE]);
	j["lan"] = ipv4(a[VPNMASQ_PENDING_A_LAN]);
	j["spi"] = wire_hex(a[VPNMASQ_PENDING_A_SPI], 4);
	j["age_ms"] = uint_or_zero(a[VPNMASQ_PENDING_A_AGE_MS], 4);
	j["held"] = uint_or_zero(a[VPNMASQ_PENDING_A_HELD], 4);
	j["waiting"] = uint_or_zero(a[VPNMASQ_PENDING_A_WAITING], 4);
	// enum vpnmasq_slot; an older module sends none: it only knew "sent"
	j["for"] = uint_or_zero(a[VPNMASQ_PENDING_A_KIND], 1) == VPNMASQ_SLOT_NEGOTIATING
			   ? "negotiation"
			   : "reply";
	return j;
}

Json pptp_entry(const Attrs &tb)
{
	nlattr *a[VPNMASQ_PPTP_A_MAX + 1] = {};
	if (!nested(tb, VPNMASQ_A_PPTP, VPNMASQ_PPTP_A_MAX, a))
		return nullptr;
	Json j;
	j["lan"] = ipv4(a[VPNMASQ_PPTP_A_LAN]);
	j["lan_port"] = uint_or_zero(a[VPNMASQ_PPTP_A_LAN_PORT], 2);
	j["server"] = ipv4(a[VPNMASQ_PPTP_A_SERVER]);
	j["masq_addr"] = ipv4(a[VPNMASQ_PPTP_A_MASQ_ADDR]);
	j["masq_port"] = uint_or_zero(a[VPNMASQ_PPTP_A_MASQ_PORT], 2);
	j["pns_call_id"] = uint_or_zero(a[VPNMASQ_PPTP_A_PNS_CALL_ID], 2);
	j["pns_call_id_masq"] = uint_or_zero(a[VPNMASQ_PPTP_A_PNS_CALL_ID_MASQ], 2);
	j["pac_call_id"] = uint_or_zero(a[VPNMASQ_PPTP_A_PAC_CALL_ID], 2);
	j["session"] = pptp_session_name(uint_or_zero(a[VPNMASQ_PPTP_A_SESSION], 1));
	j["call"] = pptp_call_name(uint_or_zero(a[VPNMASQ_PPTP_A_CALL], 1));
	j["gre_out"] = uint_or_zero(a[VPNMASQ_PPTP_A_GRE_OUT], 8);
	j["gre_in"] = uint_or_zero(a[VPNMASQ_PPTP_A_GRE_IN], 8);
	// Through a port forward: the LAN host is the server, "server" the
	// remote client. Absent (an older module): the LAN host called out.
	j["forwarded"] = uint_or_zero(a[VPNMASQ_PPTP_A_FORWARDED], 1) != 0;
	return j;
}

Json nego_entry(const Attrs &tb)
{
	nlattr *a[VPNMASQ_NEGO_A_MAX + 1] = {};
	if (!nested(tb, VPNMASQ_A_NEGO, VPNMASQ_NEGO_A_MAX, a))
		return nullptr;
	Json j;
	j["remote"] = ipv4(a[VPNMASQ_NEGO_A_REMOTE]);
	j["lan"] = ipv4(a[VPNMASQ_NEGO_A_LAN]);
	j["spis"] = uint_or_zero(a[VPNMASQ_NEGO_A_SPIS], 4);
	j["ike_sas"] = uint_or_zero(a[VPNMASQ_NEGO_A_IKE_SAS], 4);
	j["paired"] = uint_or_zero(a[VPNMASQ_NEGO_A_PAIRED], 4);
	j["in_flight"] = uint_or_zero(a[VPNMASQ_NEGO_A_IN_FLIGHT], 4);
	j["exchange"] = exchange_name(uint_or_zero(a[VPNMASQ_NEGO_A_EXCHANGE], 1));
	j["left_ms"] = uint_or_zero(a[VPNMASQ_NEGO_A_LEFT_MS], 4);
	j["completed"] = uint_or_zero(a[VPNMASQ_NEGO_A_COMPLETED], 4);
	return j;
}

std::string how_name(uint8_t how)
{
	static constexpr std::array names{"sent", "pending", "only-host", "negotiation", "gateway"};
	static_assert(names.size() == VPNMASQ_HOW_GATEWAY + 1);
	return how < names.size() ? names[how] : "how-" + std::to_string(how);
}

std::string row_identity(const TableKind &kind, const Json &row)
{
	std::string id;
	for (auto field : kind.identity) {
		if (field.empty())
			break;
		auto it = row.find(field);
		id += (it == row.end() ? std::string("-") : it->dump()) + " ";
	}
	return id;
}

Json unique_rows(const TableKind &kind, const Json &rows)
{
	Json out = Json::array();
	std::unordered_set<std::string> seen;
	for (const auto &row : rows)
		if (seen.insert(row_identity(kind, row)).second)
			out.push_back(row);
	return out;
}

std::string event_name(uint8_t type)
{
	switch (type) {
	case VPNMASQ_EVENT_NEW:
		return "new";
	case VPNMASQ_EVENT_DEL:
		return "del";
	default:
		return "event_" + std::to_string(type);
	}
}

std::string reason_name(uint8_t reason)
{
	static constexpr std::array names{"none",     "expired",   "flushed", "deleted", "ct_gone",
					  "answered", "wait_over", "closed",  "scope"};
	static_assert(names.size() == VPNMASQ_REASON_SCOPE + 1);
	return reason < names.size() ? names[reason] : "reason_" + std::to_string(reason);
}

std::optional<Event> parse_event(const Attrs &tb)
{
	for (const auto &kind : kTables) {
		if (!kind.events || !tb[kind.nest])
			continue;
		Json entry = kind.entry(tb);
		if (entry.is_null())
			return std::nullopt; // a nest that does not parse
		Event ev;
		ev.type = static_cast<uint8_t>(uint_or_zero(tb[VPNMASQ_A_EVENT], 1));
		ev.reason = static_cast<uint8_t>(uint_or_zero(tb[VPNMASQ_A_REASON], 1));
		ev.table = &kind;
		ev.entry = std::move(entry);
		return ev;
	}
	return std::nullopt;
}

Genl connect_vpnmasq()
{
	return Genl(VPNMASQ_GENL_NAME, VPNMASQ_A_MAX, key_of_attr);
}

Config get_config(Genl &nl)
{
	Config c;
	bool replied = false;
	auto msg = build_get_config(nl.family());
	nl.request(msg.get(), [&](const Attrs &tb) {
		c = parse_config(tb);
		replied = true;
	});
	if (!replied)
		throw NetlinkError(std::make_error_code(std::errc::protocol_error),
				   "the module sent no configuration");
	return c;
}

Stats get_stats(Genl &nl)
{
	Stats s;
	bool replied = false;
	auto msg = build_get_stats(nl.family());
	nl.request(msg.get(), [&](const Attrs &tb) {
		s = parse_stats(tb);
		replied = true;
	});
	if (!replied)
		throw NetlinkError(std::make_error_code(std::errc::protocol_error),
				   "the module sent no statistics");
	return s;
}

void set_config(Genl &nl, std::span<const Setting> settings)
{
	auto msg = build_set_config(nl.family(), settings);
	nl.request(msg.get());
}

void reset_stats(Genl &nl)
{
	auto msg = build_reset_stats(nl.family());
	nl.request(msg.get());
}

namespace {

std::optional<uint32_t> removed_by(Genl &nl, nl_msg *msg)
{
	std::optional<uint32_t> n;
	nl.request(msg, [&](const Attrs &tb) { n = parse_removed(tb); });
	return n;
}

} // namespace

std::optional<uint32_t> flush(Genl &nl, uint8_t table, std::optional<uint32_t> lan)
{
	auto msg = build_flush(nl.family(), table, lan);
	return removed_by(nl, msg.get());
}

std::optional<uint32_t> del_ike(Genl &nl, uint64_t icookie, std::optional<uint32_t> remote)
{
	auto msg = build_del_ike(nl.family(), icookie, remote);
	return removed_by(nl, msg.get());
}

std::optional<uint32_t> del_esp(Genl &nl, uint32_t spi, std::optional<uint32_t> remote)
{
	auto msg = build_del_esp(nl.family(), spi, remote);
	return removed_by(nl, msg.get());
}

TableDump dump_table(Genl &nl, const TableKind &kind)
{
	TableDump d;
	auto outcome = nl.dump([&] { return build_dump(nl.family(), kind.cmd); },
			       [&](const Attrs &tb) {
				       auto row = kind.entry(tb);
				       if (!row.is_null())
					       d.rows.push_back(std::move(row));
			       });
	d.consistent = outcome.consistent;
	d.attempts = outcome.attempts;
	// Entries shifted by an addition in front of the kernel's cursor
	// come twice in an interrupted dump.
	if (!d.consistent)
		d.rows = unique_rows(kind, d.rows);
	return d;
}

Subscription subscribe_events()
{
	return Subscription(VPNMASQ_GENL_NAME, VPNMASQ_GENL_MCGRP_EVENTS, VPNMASQ_A_MAX);
}

} // namespace vpnmasq
