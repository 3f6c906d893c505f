// "vpnmasq-ctl completion bash": the script is made from the command table
// (commands.cpp), the global options and the keys, so that it offers what
// the tool takes. It needs nothing but bash (no bash-completion helpers).
#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

#include "commands.hpp"

namespace vpnmasq {

namespace {

std::string all_commands()
{
	std::string s;
	for (const auto &c : commands())
		s += (s.empty() ? "" : " ") + std::string(c.name);
	return s;
}

std::string all_keys()
{
	std::string s;
	for (const auto &k : keys())
		s += (s.empty() ? "" : " ") + std::string(k.name);
	return s;
}

// The words a key's value may be: on/off for the switches, default/none
// for lan, nothing for numbers.
std::string_view value_words(const Key &k)
{
	if (k.boolean)
		return "on off";
	if (k.type == AttrType::PrefixNest)
		return "default none";
	return "";
}

// A case statement on $prev setting $words to the value words of that key.
std::string value_word_cases()
{
	std::vector<std::pair<std::string_view, std::string>> groups; // words, keys
	for (const auto &k : keys()) {
		auto w = value_words(k);
		if (w.empty())
			continue;
		auto it = std::find_if(groups.begin(), groups.end(),
				       [&](const auto &g) { return g.first == w; });
		if (it == groups.end())
			groups.emplace_back(w, std::string(k.name));
		else
			it->second += " | " + std::string(k.name);
	}
	std::string s = "\t\t\tcase $prev in\n";
	for (const auto &[words, names] : groups)
		s += "\t\t\t" + names + ") words=\"" + std::string(words) + "\" ;;\n";
	return s + "\t\t\tesac\n";
}

std::string all_options()
{
	std::string s;
	for (const auto &o : global_options()) {
		for (auto name : {o.short_name, o.long_name})
			if (!name.empty())
				s += (s.empty() ? "" : " ") + std::string(name);
	}
	return s;
}

// Options that take a value (their next word is not a command).
std::string value_options()
{
	std::string s;
	for (const auto &o : global_options()) {
		if (o.arg.empty())
			continue;
		for (auto name : {o.short_name, o.long_name})
			if (!name.empty())
				s += (s.empty() ? "" : " | ") + std::string(name);
	}
	return s;
}

// @words with "@keys" and "@commands" spelled out.
std::string expand(std::string_view words)
{
	std::istringstream in{std::string(words)};
	std::string out;
	for (std::string w; in >> w;) {
		if (w == "@keys")
			w = all_keys();
		else if (w == "@commands")
			w = all_commands();
		out += (out.empty() ? "" : " ") + w;
	}
	return out;
}

} // namespace

std::string bash_completion()
{
	std::string s = "# bash completion for vpnmasq-ctl " VPNMASQ_CTL_VERSION
			", made by: vpnmasq-ctl completion bash\n"
			"_vpnmasq_ctl()\n"
			"{\n"
			"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=\n"
			"\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
			"\tlocal i w cmd= at=0\n"
			"\tCOMPREPLY=()\n"
			"\t# the command: the first word that is neither an option nor its value\n"
			"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
			"\t\tcase ${COMP_WORDS[i]} in\n"
			"\t\t" +
			value_options() +
			") ((i++)) ;;\n"
			"\t\t-*) ;;\n"
			"\t\t*) cmd=${COMP_WORDS[i]} at=$i; break ;;\n"
			"\t\tesac\n"
			"\tdone\n"
			"\tif [[ -z $cmd ]]; then\n"
			"\t\tcase $prev in\n"
			"\t\t" +
			value_options() +
			")\n"
			"\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
			"\t\t\treturn 0 ;;\n"
			"\t\tesac\n"
			"\t\tif [[ $cur == -* ]]; then\n"
			"\t\t\tCOMPREPLY=($(compgen -W \"" +
			all_options() +
			"\" -- \"$cur\"))\n"
			"\t\telse\n"
			"\t\t\tCOMPREPLY=($(compgen -W \"" +
			all_commands() +
			"\" -- \"$cur\"))\n"
			"\t\tfi\n"
			"\t\treturn 0\n"
			"\tfi\n"
			"\t# n: which argument of the command is completed, from 1\n"
			"\tlocal n=$((COMP_CWORD - at))\n"
			"\tlocal first= alone= options= values= first_required=0 first_value=0 "
			"pairs=0\n"
			"\tcase $cmd in\n";
	for (const auto &c : commands()) {
		const Completion &k = c.complete;
		s += "\t" + std::string(c.name) + ")";
		if (!k.first.empty())
			s += " first=\"" + expand(k.first) + "\"";
		if (!k.alone.empty())
			s += " alone=\"" + expand(k.alone) + "\"";
		if (!k.options.empty())
			s += " options=\"" + expand(k.options) + "\"";
		if (!k.value_after.empty())
			s += " values=\"" + expand(k.value_after) + "\"";
		if (k.first_required)
			s += " first_required=1";
		if (k.first_takes_value)
			s += " first_value=1";
		if (k.pairs)
			s += " pairs=1";
		s += " ;;\n";
	}
	s += "\t*) return 0 ;;\n"
	     "\tesac\n"
	     "\tlocal words=\n"
	     "\tif ((pairs)); then\n"
	     "\t\t# KEY VALUE [KEY VALUE]...: keys, then the words the key's value may be\n"
	     "\t\tif ((n % 2)); then\n"
	     "\t\t\twords=$first\n"
	     "\t\telse\n" +
	     value_word_cases() +
	     "\t\tfi\n"
	     "\telif ((n > 1)) && [[ \" $values \" == *\" $prev \"* ]]; then\n"
	     "\t\treturn 0 # an address\n"
	     "\telif ((n == 2 && first_value)); then\n"
	     "\t\treturn 0 # a cookie or an SPI\n"
	     "\telif ((n == 1)); then\n"
	     "\t\twords=\"$first $alone\"\n"
	     "\t\t((first_required)) || words=\"$words $options\"\n"
	     "\telif [[ \" $alone \" != *\" ${COMP_WORDS[at + 1]} \"* ]] &&\n"
	     "\t\t{ ((!first_required)) || [[ \" $first \" == *\" ${COMP_WORDS[at + 1]} \"* ]]; }; "
	     "then\n"
	     "\t\t# the options not given yet\n"
	     "\t\tfor w in $options; do\n"
	     "\t\t\tfor ((i = at + 1; i < COMP_CWORD; i++)); do\n"
	     "\t\t\t\t[[ ${COMP_WORDS[i]} == \"$w\" ]] && continue 2\n"
	     "\t\t\tdone\n"
	     "\t\t\twords=\"$words $w\"\n"
	     "\t\tdone\n"
	     "\tfi\n"
	     "\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	     "\treturn 0\n"
	     "}\n"
	     "complete -F _vpnmasq_ctl vpnmasq-ctl\n";
	return s;
}

} // namespace vpnmasq
