#include "stats.hpp"

#include <array>

namespace vpnmasq {

namespace {

// Indexed by enum vpnmasq_stat; unit tests check that every counter
// between PAD and __VPNMASQ_STAT_MAX has a name and an explanation, and
// every refusal an action.
constexpr auto kStats = [] {
	std::array<StatInfo, __VPNMASQ_STAT_MAX> s{};
	s[VPNMASQ_STAT_IKE_MATCHED] = {"ike_matched",
				       "inbound ISAKMP messages delivered to a LAN host by their "
				       "initiator cookie"};
	s[VPNMASQ_STAT_IKE_NEW] = {"ike_new", "ISAKMP associations created (a LAN host's first "
					      "message with a new cookie to a remote)"};
	s[VPNMASQ_STAT_IKE_UNKNOWN] = {"ike_unknown",
				       "inbound ISAKMP messages whose cookie no LAN host owns "
				       "(left to the gateway itself)"};
	s[VPNMASQ_STAT_IKE_AMBIGUOUS] = {
		"ike_ambiguous",
		"refused: a remote started a new IKE SA that several LAN hosts, or the gateway, "
		"could own (several had just negotiated with it, or have IKE state with it)",
		true,
		"IKE SA rekeys of several hosts with one remote at the same moment cannot be told "
		"apart: have the hosts rekey from their side; if the remote must initiate, give it "
		"one host behind this gateway"};
	s[VPNMASQ_STAT_IKE_COLLISION] = {
		"ike_collision",
		"refused: a second LAN host used an initiator cookie another host already has "
		"with that remote",
		true,
		"the host retries with a new cookie; if it keeps counting, a client reuses fixed "
		"cookies: update it"};
	s[VPNMASQ_STAT_IKE_TABLE_FULL] = {
		"ike_table_full", "refused: max_assoc ISAKMP associations exist already", true,
		"raise max_assoc (vpnmasq-ctl set max_assoc N) or lower ike_timeout"};
	s[VPNMASQ_STAT_IKE_MALFORMED] = {
		"ike_malformed",
		"UDP 500 messages too short or with a zero cookie: forwarded untracked", true,
		"none needed; if it grows, find the sender of non-ISAKMP traffic to port 500"};
	s[VPNMASQ_STAT_IKE_EXPIRED] = {"ike_expired",
				       "ISAKMP associations removed after ike_timeout idle"};
	s[VPNMASQ_STAT_ESP_ASSOCIATED] = {
		"esp_associated", "inbound SPIs bound to the LAN host whose pending new SA awaited "
				  "them"};
	s[VPNMASQ_STAT_ESP_MATCHED] = {"esp_matched", "inbound ESP packets delivered by their SPI"};
	s[VPNMASQ_STAT_ESP_HELD] = {"esp_held",
				    "packets of a new SA held while another host's new SA to the "
				    "same remote awaited its first inbound SPI, and the remote's "
				    "packets on an unknown SPI held for the answer they overtook"};
	s[VPNMASQ_STAT_ESP_RELEASED] = {"esp_released",
					"held packets sent on once the remote's slot was free"};
	s[VPNMASQ_STAT_ESP_HOLD_DROPPED] = {
		"esp_hold_dropped", "refused: packets dropped because hold_max were held already",
		true, "raise hold_max (vpnmasq-ctl set hold_max N, at most 256)"};
	s[VPNMASQ_STAT_ESP_WAIT_EXPIRED] = {
		"esp_wait_expired",
		"new SAs whose first inbound SPI did not come within serial_wait", true,
		"if the remote answers slowly, raise serial_wait; the next host's SA went ahead"};
	s[VPNMASQ_STAT_ESP_UNKNOWN_SPI] = {"esp_unknown_spi",
					   "inbound SPIs seen for the first time"};
	s[VPNMASQ_STAT_ESP_REFUSED_NO_IKE] = {
		"esp_refused_no_ike",
		"refused: an unknown inbound SPI from a remote no LAN host awaits a reply from "
		"(pending slot) or has just negotiated with",
		true,
		"the host's IKE must pass this gateway (UDP 500, no NAT-T); if the remote sends "
		"first long after a rekey, raise nego_window"};
	s[VPNMASQ_STAT_ESP_AMBIGUOUS] = {
		"esp_ambiguous",
		"refused: an unknown inbound SPI from a remote several LAN hosts had just "
		"negotiated with (or several have IKE state with), none of them awaiting an SPI",
		true,
		"it resolves when the owner sends on its new SA; rekeys of several hosts with one "
		"remote at the same moment cannot be told apart"};
	s[VPNMASQ_STAT_ESP_COLLISION] = {
		"esp_collision",
		"refused: an inbound SPI another LAN host already owns with that remote", true,
		"rare (SPIs are random); the peers renegotiate; if it keeps counting, flush "
		"the remote's ESP entries (vpnmasq-ctl del esp SPI)"};
	s[VPNMASQ_STAT_ESP_LOCAL] = {"esp_local",
				     "ESP of the gateway's own SAs (xfrm states here): left alone"};
	s[VPNMASQ_STAT_ESP_TABLE_FULL] = {
		"esp_table_full", "refused: max_assoc ESP associations exist already", true,
		"raise max_assoc (vpnmasq-ctl set max_assoc N) or lower esp_timeout"};
	s[VPNMASQ_STAT_ESP_MALFORMED] = {
		"esp_malformed", "ESP packets too short to hold an SPI: forwarded untracked", true,
		"none needed; if it grows, find the sender of truncated ESP"};
	s[VPNMASQ_STAT_ESP_EXPIRED] = {"esp_expired",
				       "ESP associations removed after esp_timeout idle"};
	s[VPNMASQ_STAT_PPTP_ATTACHED] = {"pptp_attached",
					 "forwarded PPTP control connections (TCP 1723) given "
					 "the kernel's PPTP helper"};
	s[VPNMASQ_STAT_PPTP_OPENED] = {"pptp_opened", "PPTP calls whose GRE started flowing"};
	s[VPNMASQ_STAT_PPTP_CLOSED] = {"pptp_closed",
				       "PPTP calls whose GRE entry was ended with its call"};
	s[VPNMASQ_STAT_PPTP_REFUSED] = {
		"pptp_refused", "refused: the PPTP helper or its call tracking was unavailable",
		true, "modprobe nf_conntrack_pptp nf_nat_pptp; check vpnmasq-ctl get pptp"};
	s[VPNMASQ_STAT_ZONES_EXHAUSTED] = {
		"zones_exhausted",
		"refused: no free conntrack zone for a new LAN host (its VPN traffic was not "
		"claimed)",
		true, "raise zone_count (zone_base + zone_count at most 65536)"};
	s[VPNMASQ_STAT_NOMEM] = {"nomem", "allocations that failed on the packet path", true,
				 "the gateway is short of memory"};
	s[VPNMASQ_STAT_EVENTS_LOST] = {
		"events_lost",
		"events not sent to monitors (no memory, or a listener's buffer was full)", true,
		"monitors missed changes: restart them and compare with vpnmasq-ctl show"};
	s[VPNMASQ_STAT_ICMP_MATCHED] = {"icmp_matched",
					"ICMP errors from the WAN about a LAN host's ESP or ISAKMP "
					"sent on to that host (found by SPI or cookie)"};
	s[VPNMASQ_STAT_ICMP_UNKNOWN] = {
		"icmp_unknown",
		"ICMP errors about ESP or ISAKMP that no LAN host sent (the gateway's own SAs, "
		"expired associations, or a quote too short to name one): left to conntrack"};
	s[VPNMASQ_STAT_NOT_LAN] = {
		"not_lan",
		"ESP, ISAKMP and PPTP packets that are no masqueraded LAN host's (routed DMZ or "
		"LAN-to-LAN traffic, traffic from the WAN side, sources outside the lan scope): "
		"left to conntrack as on a stock kernel"};
	s[VPNMASQ_STAT_PORT_FORWARD] = {
		"port_forward",
		"ESP, ISAKMP and PPTP packets of flows that conntrack already tracks without "
		"vpnmasq, such as a port forward (DNAT) to a VPN server in the LAN and its "
		"replies: left alone"};
	s[VPNMASQ_STAT_NOT_MASQUERADED] = {
		"not_masqueraded",
		"new VPN flows vpnmasq claimed for a LAN host that the gateway then did not "
		"source-NAT: the lan scope covers addresses that are routed, not masqueraded",
		true, "narrow the scope to the masqueraded LAN (vpnmasq-ctl set lan PREFIX,...)"};
	s[VPNMASQ_STAT_NEGO_COMPLETED] = {
		"nego_completed",
		"SA-creating exchanges (IKEv1 Quick Mode, IKEv2 IKE_AUTH and CREATE_CHILD_SA) seen "
		"complete in both directions: each entitles its LAN host for nego_window to "
		"nego_spis unknown inbound SPIs from that remote"};
	s[VPNMASQ_STAT_NEGO_LAPSED] = {
		"nego_lapsed",
		"credits of negotiations (one per SPI) that ended unused nego_window after their "
		"negotiation (the exchange created fewer SAs than nego_spis, or the remote never "
		"sent on the SA): informational"};
	s[VPNMASQ_STAT_ESP_NEGO_BOUND] = {
		"esp_nego_bound",
		"unknown inbound SPIs bound to the one LAN host that had just negotiated with that "
		"remote: the remote sent first on a new SA"};
	s[VPNMASQ_STAT_IKE_NEGO_BOUND] = {
		"ike_nego_bound",
		"new IKE SAs a remote started, bound to the LAN host that had just done a "
		"CREATE_CHILD_SA with it: IKE SA rekeys"};
	s[VPNMASQ_STAT_ESP_SERIAL_SKIPPED] = {
		"esp_serial_skipped",
		"new outbound SPIs of a LAN host that needed no serialization: the remote had "
		"already sent first on the SA they pair with"};
	s[VPNMASQ_STAT_IKE_NEGO_DEFERRED] = {
		"ike_nego_deferred",
		"requests of a remote opening an SA-creating exchange with a LAN host (Quick Mode, "
		"CREATE_CHILD_SA) that waited while another host's new SA was pending at that "
		"remote: two new SAs at once could not be told apart; one copy per host is held "
		"until its turn, retransmissions are dropped"};
	s[VPNMASQ_STAT_IKE_NEGO_SETTLING] = {
		"ike_nego_settling",
		"copies of a remote's CREATE_CHILD_SA request to a LAN host dropped (the remote "
		"retransmits them) for up to nego_settle while the one it had just done with "
		"another host had not shown whether it made a Child SA or a new IKE SA: the two "
		"exchanges' new SAs could not be told apart"};
	return s;
}();

} // namespace

const StatInfo *stat_info(int stat)
{
	if (stat <= VPNMASQ_STAT_PAD || stat >= __VPNMASQ_STAT_MAX || kStats[stat].name.empty())
		return nullptr;
	return &kStats[stat];
}

std::string_view known_stat_name(int stat)
{
	const StatInfo *i = stat_info(stat);
	return i ? i->name : std::string_view();
}

std::string stat_name(int stat)
{
	auto name = known_stat_name(stat);
	if (!name.empty())
		return std::string(name);
	return "stat_" + std::to_string(stat);
}

std::string stat_explanation(int stat)
{
	const StatInfo *i = stat_info(stat);
	if (!i)
		return "(a counter of a newer module)";
	std::string s(i->meaning);
	if (!i->action.empty())
		s += "; " + std::string(i->action);
	return s;
}

} // namespace vpnmasq
