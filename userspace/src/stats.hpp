// Names of the counters of enum vpnmasq_stat: the enumerator without the
// VPNMASQ_STAT_ prefix, in lower case (VPNMASQ_STAT_IKE_MATCHED: ike_matched).
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

} // namespace vpnmasq
