#include "format.hpp"

#include <arpa/inet.h>
#include <endian.h>

#include <algorithm>
#include <cstdio>

namespace vpnmasq {

std::string ipv4(uint32_t be)
{
	char buf[INET_ADDRSTRLEN] = {};
	in_addr a{be};
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return buf;
}

std::string hex_be64(uint64_t raw)
{
	char buf[17];
	std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(be64toh(raw)));
	return buf;
}

std::string hex_be32(uint32_t raw)
{
	char buf[9];
	std::snprintf(buf, sizeof(buf), "%08x", ntohl(raw));
	return buf;
}

std::string Table::render(bool headers) const
{
	std::vector<size_t> width(header_.size());
	for (size_t i = 0; i < header_.size(); i++)
		width[i] = header_[i].size();
	for (const auto &r : rows_)
		for (size_t i = 0; i < r.size() && i < width.size(); i++)
			width[i] = std::max(width[i], r[i].size());
	auto line = [&](const std::vector<std::string> &r) {
		std::string s;
		for (size_t i = 0; i < r.size(); i++) {
			s += r[i];
			if (i + 1 < r.size())
				s += std::string(width[i] - r[i].size() + 2, ' ');
		}
		return s + "\n";
	};
	std::string out = headers ? line(header_) : "";
	for (const auto &r : rows_)
		out += line(r);
	return out;
}

namespace {

nlattr *nest_attrs(Attrs tb, int nest, int max, nlattr **out)
{
	if (!tb[nest])
		return nullptr;
	nla_parse_nested(out, max, tb[nest], nullptr);
	return tb[nest];
}

uint64_t u(nlattr *a, int bits)
{
	if (!a)
		return 0;
	switch (bits) {
	case 8: return nla_get_u8(a);
	case 16: return nla_get_u16(a);
	case 32: return nla_get_u32(a);
	default: return nla_get_u64(a);
	}
}

std::string lan_name(uint32_t be)
{
	return be ? ipv4(be) : "gateway";
}

} // namespace

nlohmann::json ike_json(Attrs tb)
{
	nlattr *a[VPNMASQ_IKE_A_MAX + 1] = {};
	if (!nest_attrs(tb, VPNMASQ_A_IKE, VPNMASQ_IKE_A_MAX, a))
		return nullptr;
	return {
		{"remote", ipv4(u(a[VPNMASQ_IKE_A_REMOTE], 32))},
		{"lan", lan_name(u(a[VPNMASQ_IKE_A_LAN], 32))},
		{"icookie", hex_be64(u(a[VPNMASQ_IKE_A_ICOOKIE], 64))},
		{"rcookie", hex_be64(u(a[VPNMASQ_IKE_A_RCOOKIE], 64))},
		{"zone", u(a[VPNMASQ_IKE_A_ZONE], 16)},
		{"idle_ms", u(a[VPNMASQ_IKE_A_IDLE_MS], 32)},
		{"packets", u(a[VPNMASQ_IKE_A_PACKETS], 64)},
	};
}

nlohmann::json esp_json(Attrs tb)
{
	nlattr *a[VPNMASQ_ESP_A_MAX + 1] = {};
	if (!nest_attrs(tb, VPNMASQ_A_ESP, VPNMASQ_ESP_A_MAX, a))
		return nullptr;
	return {
		{"remote", ipv4(u(a[VPNMASQ_ESP_A_REMOTE], 32))},
		{"lan", ipv4(u(a[VPNMASQ_ESP_A_LAN], 32))},
		{"spi", hex_be32(u(a[VPNMASQ_ESP_A_SPI], 32))},
		{"dir", u(a[VPNMASQ_ESP_A_DIR], 8) == VPNMASQ_ESP_DIR_IN ? "in" : "out"},
		{"zone", u(a[VPNMASQ_ESP_A_ZONE], 16)},
		{"idle_ms", u(a[VPNMASQ_ESP_A_IDLE_MS], 32)},
		{"packets", u(a[VPNMASQ_ESP_A_PACKETS], 64)},
		{"bytes", u(a[VPNMASQ_ESP_A_BYTES], 64)},
	};
}

nlohmann::json pending_json(Attrs tb)
{
	nlattr *a[VPNMASQ_PENDING_A_MAX + 1] = {};
	if (!nest_attrs(tb, VPNMASQ_A_PENDING, VPNMASQ_PENDING_A_MAX, a))
		return nullptr;
	return {
		{"remote", ipv4(u(a[VPNMASQ_PENDING_A_REMOTE], 32))},
		{"lan", ipv4(u(a[VPNMASQ_PENDING_A_LAN], 32))},
		{"spi", hex_be32(u(a[VPNMASQ_PENDING_A_SPI], 32))},
		{"age_ms", u(a[VPNMASQ_PENDING_A_AGE_MS], 32)},
		{"held", u(a[VPNMASQ_PENDING_A_HELD], 32)},
		{"waiting_hosts", u(a[VPNMASQ_PENDING_A_WAITING], 32)},
	};
}

Table ike_table(const nlohmann::json &entries)
{
	Table t({"REMOTE", "LAN", "ICOOKIE", "RCOOKIE", "ZONE", "IDLE", "PACKETS"});
	for (const auto &e : entries)
		t.add({e["remote"], e["lan"], e["icookie"], e["rcookie"],
		       std::to_string(e["zone"].get<uint64_t>()),
		       std::to_string(e["idle_ms"].get<uint64_t>() / 1000) + "s",
		       std::to_string(e["packets"].get<uint64_t>())});
	return t;
}

Table esp_table(const nlohmann::json &entries)
{
	Table t({"REMOTE", "LAN", "SPI", "DIR", "ZONE", "IDLE", "PACKETS", "BYTES"});
	for (const auto &e : entries)
		t.add({e["remote"], e["lan"], e["spi"], e["dir"],
		       std::to_string(e["zone"].get<uint64_t>()),
		       std::to_string(e["idle_ms"].get<uint64_t>() / 1000) + "s",
		       std::to_string(e["packets"].get<uint64_t>()),
		       std::to_string(e["bytes"].get<uint64_t>())});
	return t;
}

Table pending_table(const nlohmann::json &entries)
{
	Table t({"REMOTE", "LAN", "SPI", "AGE", "HELD", "WAITING"});
	for (const auto &e : entries)
		t.add({e["remote"], e["lan"], e["spi"],
		       std::to_string(e["age_ms"].get<uint64_t>()) + "ms",
		       std::to_string(e["held"].get<uint64_t>()),
		       std::to_string(e["waiting_hosts"].get<uint64_t>())});
	return t;
}

} // namespace vpnmasq
