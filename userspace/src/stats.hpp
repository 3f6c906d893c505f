// The counters of enum vpnmasq_stat: their names (the enumerator without
// the VPNMASQ_STAT_ prefix, in lower case: VPNMASQ_STAT_IKE_MATCHED is
// ike_matched) and what they mean, for "stats --explain".
#pragma once

#include <string>
#include <string_view>

#include <linux/vpnmasq.h>

namespace vpnmasq {

// The name of a counter this tool knows, or "" (UNSPEC, PAD, out of range).
std::string_view known_stat_name(int stat);

// The name to print: a known name, or "stat_<n>" for a counter added by a
// newer module (so that it is shown rather than dropped).
std::string stat_name(int stat);

struct StatInfo {
	std::string_view name{};
	std::string_view meaning{};
	bool refusal = false;	   // traffic vpnmasq refused, dropped or gave up on, or
				   // a setting that works against it
	std::string_view action{}; // what an admin can do about it ("" if nothing)
};

// nullptr for a counter this tool does not know.
const StatInfo *stat_info(int stat);

// The --explain column: the meaning, and for refusals what to do.
std::string stat_explanation(int stat);

} // namespace vpnmasq
