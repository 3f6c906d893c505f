#include "batch.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "errors.hpp"
#include "format.hpp"

namespace vpnmasq {

namespace {

std::string in_quotes(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

std::vector<std::string> words_of(const std::string &line)
{
	std::istringstream in(line);
	std::vector<std::string> w;
	for (std::string s; in >> s;)
		w.push_back(s);
	return w;
}

} // namespace

std::vector<Setting> parse_batch(std::istream &in, const std::string &name)
{
	std::vector<Setting> settings;
	std::vector<size_t> set_on; // the line of each setting
	std::string line;
	for (size_t n = 1; std::getline(in, line); n++) {
		const std::string where = name + ":" + std::to_string(n) + ": ";
		if (line.find('\0') != std::string::npos)
			throw UsageError(where + "not a text line");
		auto w = words_of(line);
		if (w.empty() || w[0][0] == '#')
			continue;
		if (w[0] != "set")
			throw UsageError(where +
					 "expected 'set KEY VALUE...', a '# comment' or "
					 "nothing, got " +
					 in_quotes(w[0]));
		for (size_t i = 1; i < w.size(); i++)
			if (w[i][0] == '#')
				throw UsageError(where + "a comment must be on a line of its own");
		std::vector<Setting> here;
		try {
			here = parse_settings(std::span<const std::string>(w).subspan(1));
		} catch (const UsageError &e) {
			throw UsageError(where + e.what());
		}
		for (const auto &s : here) {
			for (size_t i = 0; i < settings.size(); i++)
				if (settings[i].key == s.key)
					throw UsageError(where + in_quotes(s.key->name) +
							 " set twice, first on line " +
							 std::to_string(set_on[i]));
			settings.push_back(s);
			set_on.push_back(n);
		}
	}
	if (in.bad())
		throw UsageError("cannot read " + name);
	return settings;
}

std::vector<Setting> read_batch(const std::string &file)
{
	if (file == "-")
		return parse_batch(std::cin, "-");
	std::ifstream in(file);
	if (!in)
		throw UsageError("cannot read " + file + ": " + std::strerror(errno));
	return parse_batch(in, file);
}

std::string showconf_text(const Config &c)
{
	std::string s = "# vpnmasq tunables of this network namespace (vpnmasq-ctl showconf";
	if (c.module_version)
		s += ", module " + *c.module_version;
	s += ")\n# apply with: vpnmasq-ctl -b FILE (all settings at once or none)\n";
	for (const auto &k : keys()) {
		auto v = c.value(k);
		if (!v)
			continue;
		s += "set " + std::string(k.name) + " " + value_conf(k, *v) + "\n";
	}
	return s;
}

} // namespace vpnmasq
