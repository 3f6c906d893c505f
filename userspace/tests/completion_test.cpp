// The bash completion script: made from the command table, in step with
// the synopses, and working when sourced into bash (COMP_WORDS/COMP_CWORD
// in, COMPREPLY out).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "keys.hpp"

using namespace vpnmasq;

namespace {

std::set<std::string> words(std::string_view text)
{
	std::istringstream in{std::string(text)};
	std::set<std::string> w;
	for (std::string s; in >> s;)
		w.insert(s);
	return w;
}

// The literal words of a synopsis (lower case or --options), and its
// placeholders (KEY, ADDR, ...).
void synopsis_words(std::string_view synopsis, std::set<std::string> &literals,
		    std::set<std::string> &placeholders)
{
	std::string s(synopsis);
	for (char &c : s)
		if (c == '[' || c == ']' || c == '|')
			c = ' ';
	std::istringstream in(s);
	for (std::string w; in >> w;) {
		if (w.size() > 3 && w.ends_with("..."))
			w.resize(w.size() - 3);
		if (w == "...")
			continue;
		if (std::isupper(static_cast<unsigned char>(w[0])))
			placeholders.insert(w);
		else
			literals.insert(w);
	}
}

class Bash {
public:
	Bash()
	{
		char path[] = "/tmp/vpnmasq-completion-XXXXXX";
		int fd = mkstemp(path);
		EXPECT_GE(fd, 0);
		close(fd);
		path_ = path;
		std::ofstream(path_) << bash_completion();
	}
	~Bash() { unlink(path_.c_str()); }

	// COMPREPLY, sorted, for the command line @line with the cursor at
	// its end (a trailing space: a new word is completed).
	std::string complete(const std::string &line)
	{
		std::string script = "source '" + path_ +
				     "' || exit 9\n"
				     "COMP_LINE='" +
				     line +
				     "'\n"
				     "read -ra COMP_WORDS <<<\"$COMP_LINE\"\n"
				     "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
				     "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
				     "_vpnmasq_ctl vpnmasq-ctl \"${COMP_WORDS[COMP_CWORD]}\" "
				     "\"${COMP_WORDS[COMP_CWORD-1]}\" || exit 8\n"
				     "printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '\n"
				     "complete -p vpnmasq-ctl >/dev/null || exit 7\n";
		FILE *p = popen(("bash --norc --noprofile -c " + quote(script) + " 2>&1").c_str(),
				"r");
		if (!p)
			return "popen failed";
		std::string out;
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
			out.append(buf, n);
		int status = pclose(p);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return "bash failed (" + std::to_string(status) + "): " + out;
		if (!out.empty() && out.back() == ' ')
			out.pop_back();
		return out;
	}

private:
	static std::string quote(const std::string &s)
	{
		std::string q = "'";
		for (char c : s)
			q += c == '\'' ? std::string("'\\''") : std::string(1, c);
		return q + "'";
	}
	std::string path_;
};

std::string sorted(std::string_view text)
{
	std::string out;
	for (const auto &w : words(text))
		out += (out.empty() ? "" : " ") + w;
	return out;
}

std::string all_keys()
{
	std::string s;
	for (const auto &k : keys())
		s += std::string(k.name) + " ";
	return s;
}

} // namespace

TEST(Completion, ScriptNamesEveryCommandOptionAndKey)
{
	const std::string s = bash_completion();
	EXPECT_EQ(s.rfind("# bash completion for vpnmasq-ctl", 0), 0u);
	EXPECT_NE(s.find("complete -F _vpnmasq_ctl vpnmasq-ctl\n"), std::string::npos);
	for (const auto &c : commands())
		EXPECT_NE(s.find("\t" + std::string(c.name) + ")"), std::string::npos) << c.name;
	for (const auto &o : global_options())
		EXPECT_NE(s.find(" " + std::string(o.long_name)), std::string::npos) << o.long_name;
	for (const auto &k : keys())
		EXPECT_NE(s.find(std::string(k.name)), std::string::npos) << k.name;
	for (auto w : {"reset", "--all", "--explain", "lan", "peer", "pending", "pptp", "bash"})
		EXPECT_NE(s.find(w), std::string::npos) << w;
}

// Every word the completion offers is in the synopsis and every literal
// word of the synopsis is offered, so help and completion cannot drift.
TEST(Completion, WordsMatchTheSynopses)
{
	for (const auto &c : commands()) {
		std::set<std::string> literals, placeholders;
		synopsis_words(c.synopsis, literals, placeholders);
		literals.erase(std::string(c.name)); // "| del esp ..." repeats it
		std::set<std::string> offered;
		for (auto part : {c.complete.first, c.complete.alone, c.complete.options})
			for (const auto &w : words(part))
				offered.insert(w);
		std::set<std::string> expected = literals;
		if (placeholders.count("KEY"))
			expected.insert("@keys");
		if (placeholders.count("COMMAND"))
			expected.insert("@commands");
		EXPECT_EQ(offered, expected) << c.name;
		// A word followed by a value is one of the offered ones and is
		// followed by a placeholder in the synopsis.
		for (const auto &w : words(c.complete.value_after)) {
			EXPECT_TRUE(offered.count(w)) << c.name << ": " << w;
			EXPECT_NE(std::string(c.synopsis).find(w + " ADDR"), std::string::npos)
				<< c.name << ": " << w;
		}
		// Table words are tables.
		for (const auto &w : words(c.complete.first))
			if (w != "all" && w[0] != '@' && c.name != "del" &&
			    c.name != "completion") {
				EXPECT_NE(find_table(w), nullptr) << c.name << ": " << w;
			}
	}
}

// show offers every table, monitor those with events.
TEST(Completion, TableWordsAreTheTables)
{
	std::set<std::string> all{"all"}, with_events{"all"};
	for (const auto &t : table_kinds()) {
		all.insert(std::string(t.name));
		if (t.events)
			with_events.insert(std::string(t.name));
	}
	EXPECT_EQ(words(find_command("show")->complete.first), all);
	EXPECT_EQ(words(find_command("monitor")->complete.first), with_events);
	EXPECT_FALSE(with_events.count("nego"));
}

TEST(Completion, WorksInBash)
{
	if (system("bash -c true >/dev/null 2>&1") != 0)
		GTEST_SKIP() << "no bash";
	Bash bash;
	std::string commands_list;
	for (const auto &c : commands())
		commands_list += std::string(c.name) + " ";
	EXPECT_EQ(bash.complete("vpnmasq-ctl "), sorted(commands_list));
	EXPECT_EQ(bash.complete("vpnmasq-ctl s"), "set show showconf stats");
	EXPECT_EQ(bash.complete("vpnmasq-ctl -j -p s"), "set show showconf stats");
	EXPECT_EQ(bash.complete("vpnmasq-ctl --n"), "--no-headers");
	EXPECT_EQ(bash.complete("vpnmasq-ctl -"),
		  "--batch --help --json --no-headers --pretty --stats --timestamp -b -h -j -p -s "
		  "-t");
	EXPECT_EQ(bash.complete("vpnmasq-ctl -b /nonexistent-dir/"), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl -b x s"), "set show showconf stats");
	// show: tables first, then the filters not given yet
	EXPECT_EQ(bash.complete("vpnmasq-ctl show "), "all esp ike nego pending pptp");
	EXPECT_EQ(bash.complete("vpnmasq-ctl show n"), "nego");
	EXPECT_EQ(bash.complete("vpnmasq-ctl show nego "), "lan peer");
	EXPECT_EQ(bash.complete("vpnmasq-ctl show nego peer 1.2.3.4 "), "lan");
	EXPECT_EQ(bash.complete("vpnmasq-ctl show p"), "pending pptp");
	EXPECT_EQ(bash.complete("vpnmasq-ctl show ike "), "lan peer");
	EXPECT_EQ(bash.complete("vpnmasq-ctl show ike lan "), "") << "an address";
	EXPECT_EQ(bash.complete("vpnmasq-ctl show ike lan 10.1.0.2 "), "peer");
	EXPECT_EQ(bash.complete("vpnmasq-ctl -s show all peer 1.2.3.4 "), "lan");
	// get / set
	EXPECT_EQ(bash.complete("vpnmasq-ctl get "), sorted(all_keys() + "all"));
	EXPECT_EQ(bash.complete("vpnmasq-ctl get ike"), "ike_timeout");
	EXPECT_EQ(bash.complete("vpnmasq-ctl get ike_timeout "), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set "), sorted(all_keys()));
	EXPECT_EQ(bash.complete("vpnmasq-ctl set enabled "), "off on");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set nego"), "nego_settle nego_spis nego_window");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set nego_spis "), "") << "a number";
	EXPECT_EQ(bash.complete("vpnmasq-ctl set ike_timeout "), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set ike_timeout 60 es"), "esp_timeout");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set ike_timeout 60 pptp "), "off on");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set l"), "lan");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set lan "), "default none");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set lan d"), "default");
	EXPECT_EQ(bash.complete("vpnmasq-ctl set lan 10.0.0.0/8 "), sorted(all_keys()));
	EXPECT_EQ(bash.complete("vpnmasq-ctl set enabled on lan "), "default none");
	EXPECT_EQ(bash.complete("vpnmasq-ctl get l"), "lan");
	// flush / del
	EXPECT_EQ(bash.complete("vpnmasq-ctl flush "), "all esp ike lan pptp");
	EXPECT_EQ(bash.complete("vpnmasq-ctl flush esp "), "lan");
	EXPECT_EQ(bash.complete("vpnmasq-ctl flush lan 10.1.0.2 "), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl del "), "esp ike");
	EXPECT_EQ(bash.complete("vpnmasq-ctl del ike "), "") << "a cookie";
	EXPECT_EQ(bash.complete("vpnmasq-ctl del ike 1122334455667788 "), "peer");
	EXPECT_EQ(bash.complete("vpnmasq-ctl del esp a1 peer "), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl del esp a1 peer 1.2.3.4 "), "");
	// stats, monitor, help, completion, version
	EXPECT_EQ(bash.complete("vpnmasq-ctl stats "), "--all --explain reset");
	EXPECT_EQ(bash.complete("vpnmasq-ctl stats --all "), "--explain");
	EXPECT_EQ(bash.complete("vpnmasq-ctl stats reset "), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl -t monitor "), "all esp ike pending pptp")
		<< "nego has no events";
	EXPECT_EQ(bash.complete("vpnmasq-ctl monitor ike "), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl help "), sorted(commands_list));
	EXPECT_EQ(bash.complete("vpnmasq-ctl help show "), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl completion "), "bash");
	EXPECT_EQ(bash.complete("vpnmasq-ctl version "), "");
	EXPECT_EQ(bash.complete("vpnmasq-ctl frobnicate "), "");
}

TEST(Completion, PrintedByTheCommand)
{
	std::ostringstream out, err;
	EXPECT_EQ(run({"completion", "bash"}, out, err), 0);
	EXPECT_EQ(out.str(), bash_completion());
	EXPECT_EQ(err.str(), "");
}
