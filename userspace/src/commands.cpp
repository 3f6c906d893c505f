#include "commands.hpp"

#include <map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "format.hpp"

namespace vpnmasq {

using nlohmann::json;

std::vector<std::pair<const Key *, uint64_t>> parse_set_args(const std::vector<std::string> &args)
{
	if (args.empty())
		throw Error("vpnmasq-ctl: set: expected KEY VALUE [KEY VALUE]...", kUsage);
	if (args.size() % 2)
		throw Error("vpnmasq-ctl: set: '" + args.back() + "' has no value", kUsage);
	std::vector<std::pair<const Key *, uint64_t>> pairs;
	for (size_t i = 0; i < args.size(); i += 2) {
		const Key *k = find_key(args[i]);
		if (!k)
			throw Error("vpnmasq-ctl: set: unknown key '" + args[i] +
					    "' (see: vpnmasq-ctl help)",
				    kUsage);
		std::string why;
		auto v = parse_value(*k, args[i + 1], why);
		if (!v)
			throw Error("vpnmasq-ctl: set: " + why, kUsage);
		pairs.emplace_back(k, *v);
	}
	return pairs;
}

MsgPtr build_set(int family, const std::vector<std::pair<const Key *, uint64_t>> &pairs)
{
	auto msg = new_request(family, VPNMASQ_CMD_SET_CONFIG, NLM_F_ACK);
	for (auto [k, v] : pairs) {
		int err = k->type == AttrType::U8    ? nla_put_u8(msg.get(), k->attr, uint8_t(v))
			  : k->type == AttrType::U16 ? nla_put_u16(msg.get(), k->attr, uint16_t(v))
						     : nla_put_u32(msg.get(), k->attr, uint32_t(v));
		if (err < 0)
			throw Error("vpnmasq-ctl: message too large", kRuntime);
	}
	return msg;
}

namespace {

struct Context {
	Options opt;
	std::ostream &out;
	std::ostream &err;
	std::vector<std::string> args;

	void print(const json &j) const { out << j.dump(opt.pretty ? 2 : -1) << "\n"; }
};

struct Config {
	std::string module_version;
	std::map<std::string, uint64_t, std::less<>> values;
};

Config get_config(Genl &nl)
{
	Config c;
	nl.request(new_request(nl.family(), VPNMASQ_CMD_GET_CONFIG, NLM_F_ACK), [&](Attrs tb) {
		if (tb[VPNMASQ_A_VERSION])
			c.module_version = nla_get_string(tb[VPNMASQ_A_VERSION]);
		for (const auto &k : keys()) {
			nlattr *a = tb[k.attr];
			if (!a)
				continue;
			c.values[std::string(k.name)] = k.type == AttrType::U8	  ? nla_get_u8(a)
							: k.type == AttrType::U16 ? nla_get_u16(a)
										  : nla_get_u32(a);
		}
	});
	return c;
}

json get_stats(Genl &nl)
{
	json counters = json::object(), tables = json::object();
	nl.request(new_request(nl.family(), VPNMASQ_CMD_GET_STATS, NLM_F_ACK), [&](Attrs tb) {
		if (tb[VPNMASQ_A_STATS]) {
			nlattr *a;
			int rem;
			nla_for_each_nested(a, tb[VPNMASQ_A_STATS], rem) {
				auto name = stat_name(nla_type(a));
				if (!name.empty() && nla_len(a) == 8)
					counters[std::string(name)] = nla_get_u64(a);
			}
		}
		const std::pair<int, const char *> sizes[] = {
			{VPNMASQ_A_N_HOSTS, "hosts"}, {VPNMASQ_A_N_IKE, "ike"},
			{VPNMASQ_A_N_ESP, "esp"}, {VPNMASQ_A_N_HELD, "held"}};
		for (auto [attr, name] : sizes)
			if (tb[attr])
				tables[name] = nla_get_u32(tb[attr]);
	});
	return {{"tables", tables}, {"counters", counters}};
}

json dump(Genl &nl, uint8_t cmd, json (*conv)(Attrs))
{
	json rows = json::array();
	nl.dump(cmd, [&](Attrs tb) {
		auto row = conv(tb);
		if (!row.is_null())
			rows.push_back(std::move(row));
	});
	return rows;
}

int cmd_version(Context &c)
{
	std::string module;
	int rc = kOk;
	try {
		Genl nl;
		module = get_config(nl).module_version;
	} catch (const Error &e) {
		c.err << e.what() << "\n";
		rc = e.code();
	}
	if (c.opt.json)
		c.print({{"tool", VPNMASQ_CTL_VERSION}, {"module", module.empty() ? json(nullptr) : json(module)}});
	else
		c.out << "vpnmasq-ctl " VPNMASQ_CTL_VERSION "\n"
		      << (module.empty() ? "" : "module " + module + "\n");
	return rc;
}

int cmd_get(Context &c)
{
	std::string key = c.args.empty() ? "all" : c.args[0];
	if (c.args.size() > 1)
		throw Error("vpnmasq-ctl: get: expected one KEY", kUsage);
	if (key != "all" && !find_key(key))
		throw Error("vpnmasq-ctl: get: unknown key '" + key + "' (see: vpnmasq-ctl help)", kUsage);
	Genl nl;
	auto cfg = get_config(nl);
	if (key != "all") {
		if (c.opt.json)
			c.print({{key, cfg.values[key]}});
		else
			c.out << cfg.values[key] << "\n";
		return kOk;
	}
	if (c.opt.json) {
		c.print(cfg.values);
		return kOk;
	}
	for (const auto &k : keys())
		c.out << k.name << " " << cfg.values[std::string(k.name)] << "\n";
	return kOk;
}

int cmd_set(Context &c)
{
	auto pairs = parse_set_args(c.args);
	Genl nl;
	nl.request(build_set(nl.family(), pairs));
	return kOk;
}

int cmd_stats(Context &c)
{
	Genl nl;
	auto s = get_stats(nl);
	if (c.opt.json) {
		c.print(s);
		return kOk;
	}
	for (auto &[name, v] : s["counters"].items())
		c.out << name << " " << v << "\n";
	return kOk;
}

int cmd_show(Context &c)
{
	std::string what = c.args.empty() ? "summary" : c.args[0];
	static const std::map<std::string, std::pair<uint8_t, json (*)(Attrs)>> tables = {
		{"ike", {VPNMASQ_CMD_GET_IKE, ike_json}},
		{"esp", {VPNMASQ_CMD_GET_ESP, esp_json}},
		{"pending", {VPNMASQ_CMD_GET_PENDING, pending_json}},
	};
	if (c.args.size() > 1 || (what != "summary" && what != "all" && !tables.count(what)))
		throw Error("vpnmasq-ctl: show: expected one of ike, esp, pending, all", kUsage);
	Genl nl;
	if (what == "summary") {
		auto cfg = get_config(nl);
		auto s = get_stats(nl);
		if (c.opt.json) {
			c.print({{"version", VPNMASQ_CTL_VERSION},
				 {"module_version", cfg.module_version},
				 {"config", cfg.values},
				 {"tables", s["tables"]},
				 {"counters", s["counters"]}});
			return kOk;
		}
		c.out << "vpnmasq " << cfg.module_version << ": "
		      << (cfg.values["enabled"] ? "enabled" : "disabled") << "\n";
		c.out << "  tables:";
		for (auto &[k, v] : s["tables"].items())
			c.out << " " << k << " " << v;
		c.out << "\n  tunables:";
		for (const auto &k : keys())
			c.out << " " << k.name << " " << cfg.values[std::string(k.name)] << k.unit;
		c.out << "\n  counters:";
		bool any = false;
		for (auto &[k, v] : s["counters"].items()) {
			if (v.get<uint64_t>()) {
				c.out << " " << k << " " << v;
				any = true;
			}
		}
		c.out << (any ? "\n" : " all zero\n");
		return kOk;
	}
	json all = json::object();
	for (auto &[name, t] : tables)
		if (what == "all" || what == name)
			all[name] = dump(nl, t.first, t.second);
	if (c.opt.json) {
		c.print(what == "all" ? all : json{{what, all[what]}});
		return kOk;
	}
	for (auto &[name, t] : tables) {
		if (!all.contains(name))
			continue;
		if (what == "all")
			c.out << name << ":\n";
		auto table = name == "ike" ? ike_table(all[name])
			     : name == "esp" ? esp_table(all[name])
					     : pending_table(all[name]);
		c.out << table.render();
	}
	return kOk;
}

struct Command {
	const char *name;
	int (*handler)(Context &);
	const char *args;
	const char *help;
};

const Command kCommands[] = {
	{"show", cmd_show, "[ike|esp|pending|all]", "summary, or the association tables"},
	{"get", cmd_get, "[KEY|all]", "print tunables"},
	{"set", cmd_set, "KEY VALUE [KEY VALUE]...", "change tunables, all or none"},
	{"stats", cmd_stats, "", "print all counters"},
	{"version", cmd_version, "", "tool and module version"},
};

std::string usage()
{
	std::string s = "Usage: vpnmasq-ctl [-j [-p]] [COMMAND [ARGS]...]\n"
			"  -j  JSON output    -p  pretty JSON\n\nCommands (default: show):\n";
	for (const auto &c : kCommands)
		s += "  " + std::string(c.name) + " " + c.args + "\n      " + c.help + "\n";
	s += "  help\n      this text\n\nKeys:\n";
	for (const auto &k : keys())
		s += "  " + std::string(k.name) + (k.unit.empty() ? "" : " (" + std::string(k.unit) + ")") +
		     "\n      " + std::string(k.help) + "\n";
	s += "\nExit status: 0 ok, 1 kernel or runtime error, 2 bad command line, 3 module not loaded.\n";
	return s;
}

} // namespace

int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
	Context ctx{{}, out, err, {}};
	CLI::App app{"vpnmasq-ctl"};
	app.set_help_flag();
	app.add_flag("-j,--json", ctx.opt.json);
	app.add_flag("-p,--pretty", ctx.opt.pretty);
	std::vector<std::string> rest;
	app.add_option("command", rest);
	app.allow_extras(false);
	app.positionals_at_end(true);
	try {
		std::vector<std::string> reversed(args.rbegin(), args.rend());
		app.parse(reversed);
	} catch (const CLI::ParseError &e) {
		err << "vpnmasq-ctl: " << e.what() << "\n";
		return kUsage;
	}
	std::string name = rest.empty() ? "show" : rest[0];
	if (!rest.empty())
		ctx.args.assign(rest.begin() + 1, rest.end());
	if (name == "help" || name == "-h" || name == "--help") {
		out << usage();
		return kOk;
	}
	for (const auto &c : kCommands) {
		if (name != c.name)
			continue;
		try {
			return c.handler(ctx);
		} catch (const Error &e) {
			err << e.what() << "\n";
			return e.code();
		} catch (const std::exception &e) {
			err << "vpnmasq-ctl: " << e.what() << "\n";
			return kRuntime;
		}
	}
	err << "vpnmasq-ctl: unknown command '" << name << "' (see: vpnmasq-ctl help)\n";
	return kUsage;
}

} // namespace vpnmasq
