// The libnl layer against a fake kernel (FakeKernel): dumps of many
// thousands of entries in many multipart datagrams, dumps interrupted by
// table changes and retried a bounded number of times, replies, acks and
// refusals, and notifications with lost ones in between.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <endian.h>

#include <cstring>
#include <deque>
#include <functional>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include <netlink/errno.h>

#include "errors.hpp"
#include "genl.hpp"
#include "monitor.hpp"
#include "protocol.hpp"

using namespace vpnmasq;

namespace {

constexpr int kFamily = 0x1d;
using Bytes = std::vector<uint8_t>;

void append(Bytes &datagram, const nl_msg *m)
{
	const nlmsghdr *nlh = nlmsg_hdr(const_cast<nl_msg *>(m));
	size_t at = datagram.size();
	datagram.resize(at + NLMSG_ALIGN(nlh->nlmsg_len));
	std::memcpy(datagram.data() + at, nlh, nlh->nlmsg_len);
}

// An ISAKMP entry as the module dumps it (cookie @n, LAN host 10.1.x.y).
MsgPtr ike_message(uint32_t seq, uint32_t n, int flags, uint8_t cmd = VPNMASQ_CMD_GET_IKE)
{
	MsgPtr m(nlmsg_alloc());
	genlmsg_put(m.get(), 0, seq, kFamily, 0, flags, cmd, VPNMASQ_GENL_VERSION);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_IKE);
	nla_put_u32(m.get(), VPNMASQ_IKE_A_REMOTE, htonl(0xcb007107));
	nla_put_u32(m.get(), VPNMASQ_IKE_A_LAN, htonl(0x0a010000 | (n % 4 + 2)));
	nla_put_u64(m.get(), VPNMASQ_IKE_A_ICOOKIE, htobe64(0x7000000000000000ull + n));
	nla_put_u64(m.get(), VPNMASQ_IKE_A_RCOOKIE, 0);
	nla_put_u16(m.get(), VPNMASQ_IKE_A_ZONE, 57344);
	nla_put_u32(m.get(), VPNMASQ_IKE_A_IDLE_MS, 10);
	nla_put_u64(m.get(), VPNMASQ_IKE_A_PACKETS, 1);
	nla_put_u8(m.get(), VPNMASQ_IKE_A_HOW, VPNMASQ_HOW_SENT);
	nla_nest_end(m.get(), nest);
	return m;
}

MsgPtr control(uint16_t type, uint32_t seq, int flags, const void *payload, size_t len)
{
	MsgPtr m(nlmsg_alloc());
	nlmsghdr *nlh = nlmsg_put(m.get(), 0, seq, type, static_cast<int>(len), flags);
	std::memcpy(nlmsg_data(nlh), payload, len);
	return m;
}

MsgPtr done(uint32_t seq, int flags)
{
	int zero = 0;
	return control(NLMSG_DONE, seq, NLM_F_MULTI | flags, &zero, sizeof(zero));
}

// NLMSG_ERROR for @request: @error 0 is the ACK; @msg an extack message.
MsgPtr ack(const nlmsghdr *request, int error, const char *msg = nullptr)
{
	nlmsgerr e{};
	e.error = error;
	e.msg = *request;
	Bytes payload(sizeof(e));
	std::memcpy(payload.data(), &e, sizeof(e));
	int flags = NLM_F_CAPPED;
	if (msg) {
		flags |= NLM_F_ACK_TLVS;
		size_t len = std::strlen(msg) + 1;
		nlattr a{static_cast<uint16_t>(NLA_HDRLEN + len), NLMSGERR_ATTR_MSG};
		size_t at = payload.size();
		payload.resize(at + NLA_ALIGN(NLA_HDRLEN + len));
		std::memcpy(&payload[at], &a, sizeof(a));
		std::memcpy(&payload[at + NLA_HDRLEN], msg, len);
	}
	return control(NLMSG_ERROR, request->nlmsg_seq, flags, payload.data(), payload.size());
}

// Answers every dump request with @entries ISAKMP entries, @per_datagram
// to a datagram like the kernel's dumpit batches, then NLMSG_DONE. The
// first @interrupted dumps are flagged NLM_F_DUMP_INTR from their middle
// on, with the entry before the middle sent twice (as an addition in
// front of the cursor does).
class DumpKernel : public FakeKernel {
public:
	DumpKernel(uint32_t entries, uint32_t per_datagram, int interrupted = 0)
		: entries_(entries), per_(per_datagram), interrupted_(interrupted)
	{
	}

	void request(const nlmsghdr *nlh) override
	{
		requests++;
		EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_DUMP);
		EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_REQUEST);
		const bool intr = requests <= interrupted_;
		Bytes d;
		uint32_t in_datagram = 0;
		for (uint32_t i = 0; i < entries_; i++) {
			const bool after = intr && i >= entries_ / 2;
			const int flags = NLM_F_MULTI | (after ? NLM_F_DUMP_INTR : 0);
			append(d, ike_message(nlh->nlmsg_seq, i, flags).get());
			if (intr && i == entries_ / 2) // shifted: listed again
				append(d, ike_message(nlh->nlmsg_seq, i, flags).get());
			if (++in_datagram == per_) {
				queue_.push_back(std::move(d));
				d.clear();
				in_datagram = 0;
			}
		}
		append(d, done(nlh->nlmsg_seq, intr ? NLM_F_DUMP_INTR : 0).get());
		queue_.push_back(std::move(d));
	}

	int receive(Bytes &out) override
	{
		if (queue_.empty())
			return -NLE_AGAIN; // a blocking read would hang: fail the test
		out = std::move(queue_.front());
		queue_.pop_front();
		datagrams++;
		return static_cast<int>(out.size());
	}

	int requests = 0;
	size_t datagrams = 0;

private:
	uint32_t entries_, per_;
	int interrupted_;
	std::deque<Bytes> queue_;
};

uint64_t cookie_of(const Attrs &tb)
{
	nlattr *a[VPNMASQ_IKE_A_MAX + 1] = {};
	EXPECT_EQ(nla_parse_nested(a, VPNMASQ_IKE_A_MAX, tb[VPNMASQ_A_IKE], nullptr), 0);
	uint64_t v;
	std::memcpy(&v, nla_data(a[VPNMASQ_IKE_A_ICOOKIE]), 8);
	return be64toh(v) - 0x7000000000000000ull;
}

MsgPtr dump_request()
{
	return new_request(kFamily, VPNMASQ_CMD_GET_IKE, VPNMASQ_GENL_VERSION, NLM_F_DUMP);
}

} // namespace

TEST(GenlFake, DumpOfTwentyThousandEntriesInManyDatagrams)
{
	DumpKernel k(20000, 64);
	Genl nl(k, kFamily, VPNMASQ_A_MAX);
	std::vector<uint64_t> seen;
	seen.reserve(20000);
	auto outcome =
		nl.dump(dump_request, [&](const Attrs &tb) { seen.push_back(cookie_of(tb)); });
	EXPECT_TRUE(outcome.consistent);
	EXPECT_EQ(outcome.attempts, 1);
	EXPECT_EQ(outcome.messages, 20000u);
	EXPECT_EQ(k.requests, 1);
	EXPECT_EQ(k.datagrams, 20000u / 64 + 1);
	ASSERT_EQ(seen.size(), 20000u);
	for (uint64_t i = 0; i < seen.size(); i++)
		ASSERT_EQ(seen[i], i) << "each entry once, in order";
}

TEST(GenlFake, InterruptedDumpsAreRetriedAndOnlyTheConsistentOneCounts)
{
	DumpKernel k(5000, 64, 2);
	Genl nl(k, kFamily, VPNMASQ_A_MAX);
	size_t n = 0;
	auto outcome = nl.dump(dump_request, [&](const Attrs &) { n++; });
	EXPECT_TRUE(outcome.consistent);
	EXPECT_EQ(outcome.attempts, 3);
	EXPECT_EQ(k.requests, 3);
	EXPECT_EQ(n, 5000u) << "nothing of the interrupted attempts is delivered";
}

TEST(GenlFake, RetriesAreBoundedAndTheLastAttemptIsDelivered)
{
	DumpKernel k(3000, 32, 1000);
	Genl nl(k, kFamily, VPNMASQ_A_MAX);
	size_t n = 0;
	auto outcome = nl.dump(dump_request, [&](const Attrs &) { n++; });
	EXPECT_FALSE(outcome.consistent);
	EXPECT_EQ(outcome.attempts, Genl::kDumpAttempts);
	EXPECT_EQ(k.requests, Genl::kDumpAttempts) << "no more requests than attempts";
	EXPECT_EQ(n, 3001u) << "the last attempt as received, one entry twice";

	DumpKernel once(10, 4, 1000);
	Genl nl1(once, kFamily, VPNMASQ_A_MAX);
	EXPECT_EQ(nl1.dump(dump_request, {}, 1).attempts, 1);
	EXPECT_EQ(once.requests, 1);
}

TEST(GenlFake, DumpTableDropsDuplicatesOfAnInconsistentDump)
{
	DumpKernel k(12000, 64, 1000);
	Genl nl(k, kFamily, VPNMASQ_A_MAX);
	TableDump d = dump_table(nl, *find_table("ike"));
	EXPECT_FALSE(d.consistent);
	EXPECT_EQ(d.attempts, Genl::kDumpAttempts);
	ASSERT_EQ(d.rows.size(), 12000u);
	std::set<std::string> cookies;
	for (const auto &r : d.rows)
		cookies.insert(r["icookie"].get<std::string>());
	EXPECT_EQ(cookies.size(), 12000u);
	EXPECT_EQ(d.rows[0]["icookie"], "7000000000000000");
	EXPECT_EQ(d.rows[0]["lan"], "10.1.0.2");

	DumpKernel calm(12000, 64);
	Genl nl2(calm, kFamily, VPNMASQ_A_MAX);
	TableDump c = dump_table(nl2, *find_table("ike"));
	EXPECT_TRUE(c.consistent);
	EXPECT_EQ(c.rows.size(), 12000u);
}

namespace {

// Answers a request with @replies (each in its own datagram) and an ACK,
// or with an error.
class RequestKernel : public FakeKernel {
public:
	void request(const nlmsghdr *nlh) override
	{
		last_cmd = static_cast<const genlmsghdr *>(nlmsg_data(nlh))->cmd;
		EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_ACK);
		if (error) {
			Bytes d;
			append(d, ack(nlh, error, message).get());
			queue_.push_back(d);
			return;
		}
		for (uint32_t n : removed) {
			MsgPtr m(nlmsg_alloc());
			genlmsg_put(m.get(), 0, nlh->nlmsg_seq, kFamily, 0, 0, last_cmd,
				    VPNMASQ_GENL_VERSION);
			nla_put_u32(m.get(), VPNMASQ_A_N_REMOVED, n);
			Bytes d;
			append(d, m.get());
			queue_.push_back(d);
		}
		Bytes d;
		append(d, ack(nlh, 0).get());
		queue_.push_back(d);
	}
	int receive(Bytes &out) override
	{
		if (queue_.empty())
			return -NLE_AGAIN;
		out = queue_.front();
		queue_.pop_front();
		return static_cast<int>(out.size());
	}

	std::vector<uint32_t> removed;
	int error = 0;
	const char *message = nullptr;
	int last_cmd = -1;

private:
	std::deque<Bytes> queue_;
};

} // namespace

TEST(GenlFake, RequestsReadTheirReplyAndAck)
{
	RequestKernel k;
	k.removed = {42};
	Genl nl(k, kFamily, VPNMASQ_A_MAX);
	EXPECT_EQ(flush(nl, VPNMASQ_TABLE_IKE, std::nullopt), 42u);
	EXPECT_EQ(k.last_cmd, VPNMASQ_CMD_FLUSH);
	k.removed = {};
	EXPECT_EQ(del_esp(nl, htobe32(0xa1), std::nullopt), std::nullopt) << "no count sent";
	EXPECT_EQ(k.last_cmd, VPNMASQ_CMD_DEL);
	EXPECT_NO_THROW(reset_stats(nl));
	EXPECT_EQ(k.last_cmd, VPNMASQ_CMD_RESET_STATS);
}

TEST(GenlFake, RefusalsCarryTheKernelsReason)
{
	RequestKernel k;
	k.error = -ENOENT;
	k.message = "no ISAKMP association with this cookie";
	Genl nl(k, kFamily, VPNMASQ_A_MAX);
	try {
		del_ike(nl, htobe64(1), std::nullopt);
		FAIL() << "no refusal";
	} catch (const KernelError &e) {
		EXPECT_EQ(e.code().value(), ENOENT);
		EXPECT_EQ(exit_code(e), kExitRuntime);
		EXPECT_EQ(error_line(e), "Error: no ISAKMP association with this cookie");
	}
	k.error = -EPERM;
	k.message = nullptr;
	try {
		flush(nl, VPNMASQ_TABLE_ALL, std::nullopt);
		FAIL() << "no refusal";
	} catch (const KernelError &e) {
		EXPECT_EQ(error_line(e), "Error: Operation not permitted");
	}
}

namespace {

// Hands out the queued datagrams or errors; then -NLE_AGAIN, as libnl's
// nl_recv() on a drained non-blocking socket.
class MulticastKernel : public FakeKernel {
public:
	void request(const nlmsghdr *) override { ADD_FAILURE() << "a subscription sends nothing"; }
	int receive(Bytes &out) override
	{
		if (queue.empty())
			return -NLE_AGAIN;
		auto item = std::move(queue.front());
		queue.pop_front();
		if (item.error)
			return item.error;
		out = std::move(item.bytes);
		return static_cast<int>(out.size());
	}
	struct Item {
		Bytes bytes;
		int error = 0;
	};
	std::deque<Item> queue;
};

MsgPtr event(uint8_t type, uint8_t reason, uint32_t n)
{
	MsgPtr m = ike_message(0, n, 0, VPNMASQ_CMD_EVENT);
	nla_put_u8(m.get(), VPNMASQ_A_EVENT, type);
	nla_put_u8(m.get(), VPNMASQ_A_REASON, reason);
	return m;
}

MsgPtr esp_event()
{
	MsgPtr m(nlmsg_alloc());
	genlmsg_put(m.get(), 0, 0, kFamily, 0, 0, VPNMASQ_CMD_EVENT, VPNMASQ_GENL_VERSION);
	nla_put_u8(m.get(), VPNMASQ_A_EVENT, VPNMASQ_EVENT_NEW);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_ESP);
	nla_put_u32(m.get(), VPNMASQ_ESP_A_SPI, htonl(0xa1));
	nla_nest_end(m.get(), nest);
	return m;
}

} // namespace

TEST(GenlFake, SubscriptionPrintsEventsAndReportsLostOnes)
{
	MulticastKernel k;
	Bytes two;
	append(two, event(VPNMASQ_EVENT_NEW, VPNMASQ_REASON_NONE, 1).get());
	append(two, esp_event().get());
	k.queue.push_back({two});
	k.queue.push_back({{}, -NLE_NOMEM}); // ENOBUFS
	Bytes flushed;
	append(flushed, event(VPNMASQ_EVENT_DEL, VPNMASQ_REASON_FLUSHED, 1).get());
	k.queue.push_back({flushed});
	Bytes other; // not an event: skipped
	append(other, ike_message(0, 5, 0).get());
	k.queue.push_back({other});

	Subscription sub(k, VPNMASQ_A_MAX);
	EXPECT_EQ(sub.fd(), -1);
	std::ostringstream out;
	EventPrinter print({.table = find_table("ike"), .now = [] { return std::string("T"); }},
			   out);
	int lost = 0;
	int reads = 0;
	while (sub.read(std::ref(print), [&] { lost++; }))
		reads++;
	EXPECT_EQ(reads, 4);
	EXPECT_EQ(lost, 1);
	EXPECT_EQ(print.printed(), 2u) << "the esp event is filtered out";
	EXPECT_EQ(out.str(),
		  "new ike remote 203.0.113.7 lan 10.1.0.3 icookie 7000000000000001 rcookie "
		  "0000000000000000 zone 57344 idle_ms 10 packets 1 how sent\n"
		  "del ike remote 203.0.113.7 lan 10.1.0.3 icookie 7000000000000001 rcookie "
		  "0000000000000000 zone 57344 idle_ms 10 packets 1 how sent reason flushed\n");
}

TEST(GenlFake, SubscriptionJsonLinesWithTime)
{
	MulticastKernel k;
	Bytes d;
	append(d, event(VPNMASQ_EVENT_DEL, VPNMASQ_REASON_EXPIRED, 2).get());
	append(d, esp_event().get());
	k.queue.push_back({d});
	Subscription sub(k, VPNMASQ_A_MAX);
	std::ostringstream out;
	EventPrinter print({.json = true,
			    .timestamp = true,
			    .now = [] { return std::string("2026-11-23T10:32:00.123+00:00"); }},
			   out);
	EXPECT_TRUE(sub.read(std::ref(print), {}));
	EXPECT_FALSE(sub.read(std::ref(print), {}));
	std::istringstream lines(out.str());
	std::string first, second, rest;
	std::getline(lines, first);
	std::getline(lines, second);
	EXPECT_FALSE(std::getline(lines, rest));
	Json a = Json::parse(first), b = Json::parse(second);
	EXPECT_EQ(a["time"], "2026-11-23T10:32:00.123+00:00");
	EXPECT_EQ(a["event"], "del");
	EXPECT_EQ(a["reason"], "expired");
	EXPECT_EQ(a["table"], "ike");
	EXPECT_EQ(a["entry"]["icookie"], "7000000000000002");
	EXPECT_EQ(b["table"], "esp");
	EXPECT_EQ(b["reason"], "none");
	EXPECT_EQ(b["entry"]["spi"], "000000a1");
	EXPECT_EQ(a["entry"]["how"], "sent");
	EXPECT_TRUE(b["entry"]["how"].is_null()) << "an older module's entry has no HOW";
	EXPECT_EQ(first.find('\n'), std::string::npos);
	EXPECT_EQ(first.find("  "), std::string::npos) << "compact";
}

TEST(GenlFake, SubscriptionReadFailuresThrow)
{
	MulticastKernel k;
	k.queue.push_back({{}, -NLE_BAD_SOCK});
	Subscription sub(k, VPNMASQ_A_MAX);
	std::ostringstream out;
	EventPrinter print({}, out);
	EXPECT_THROW(sub.read(std::ref(print), {}), NetlinkError);
}
