// Text tables and JSON for what the kernel reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "genl.hpp"

namespace vpnmasq {

std::string ipv4(uint32_t be);
// Cookies and SPIs as on the wire: big-endian hex, fixed width.
std::string hex_be64(uint64_t raw);
std::string hex_be32(uint32_t raw);

// Aligned columns, a header line unless @headers is false.
class Table {
public:
	explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
	void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
	std::string render(bool headers = true) const;
	size_t size() const { return rows_.size(); }

private:
	std::vector<std::string> header_;
	std::vector<std::vector<std::string>> rows_;
};

// One dumped entry of each table, as JSON (snake_case keys, SPIs and
// cookies as hex strings, counters as numbers).
nlohmann::json ike_json(Attrs tb);
nlohmann::json esp_json(Attrs tb);
nlohmann::json pending_json(Attrs tb);

Table ike_table(const nlohmann::json &entries);
Table esp_table(const nlohmann::json &entries);
Table pending_table(const nlohmann::json &entries);

} // namespace vpnmasq
