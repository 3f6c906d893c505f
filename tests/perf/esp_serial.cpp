// esp-serial: serialization latency of new ESP SAs behind one masquerading
// gateway (issue 7, goal 4). Three subcommands:
//
//   respond   in the remote's netns: answers every ESP packet with SPI s
//             by one carrying reply(s) = s ^ XOR to the packet's source,
//             as a responder that installed the SA pair would (idempotent,
//             so retransmissions get answered too).
//   probe     in a LAN host's netns: at an absolute CLOCK_REALTIME instant
//             sends ESP with SPI S, retransmits like a TCP SYN (RFC 6298:
//             RTO, backoff, try limit) until reply(S) arrives. Any other
//             ESP from the remote is a cross-wiring (another host's reply
//             delivered here). Prints one line of key=value pairs.
//   model     discrete-event simulation of a gateway with one outstanding
//             new SA per remote, either dropping the other hosts' new SPIs
//             (Linux 2.0/2.2 masquerade, = vpnmasq with hold_max 0) or
//             holding them and releasing host by host (vpnmasq).
//
// Raw IPv4 sockets see incoming protocol-50 packets whether or not the
// netns has xfrm state, and deliver them with their IP header.
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <optional>
#include <poll.h>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr uint32_t kDefaultXor = 0x80000000u;

// Concatenation without const char* + std::string (g++ 12 -Wrestrict
// false positives at -O2).
template <typename... T> std::string cat(const T &...parts)
{
	std::string s;
	(s.append(parts), ...);
	return s;
}

[[noreturn]] void die(const std::string &msg)
{
	std::fprintf(stderr, "esp-serial: %s\n", msg.c_str());
	std::exit(2);
}

[[noreturn]] void die_errno(const std::string &what)
{
	die(cat(what, ": ", std::strerror(errno)));
}

// --name value options; every option takes a value except those in flags.
class Options {
public:
	Options(int argc, char **argv, int first, const std::vector<std::string> &known,
		const std::vector<std::string> &flags = {})
	{
		auto in = [](const std::vector<std::string> &v, const std::string &k) {
			return std::find(v.begin(), v.end(), k) != v.end();
		};
		for (int i = first; i < argc; i++) {
			if (std::strncmp(argv[i], "--", 2) != 0)
				die(cat("unexpected argument '", argv[i], "'"));
			const std::string name(argv[i] + 2);
			if (in(flags, name)) {
				values_.insert_or_assign(name, std::string(1, '1'));
			} else if (!in(known, name)) {
				die(cat("unknown option --", name));
			} else if (i + 1 >= argc) {
				die(cat("--", name, " needs a value"));
			} else {
				values_[name] = argv[++i];
			}
		}
	}

	bool has(const std::string &k) const { return values_.count(k) != 0; }

	std::string str(const std::string &k, const std::string &def = "") const
	{
		auto it = values_.find(k);
		return it == values_.end() ? def : it->second;
	}

	double num(const std::string &k, double def) const
	{
		auto it = values_.find(k);
		if (it == values_.end())
			return def;
		char *end = nullptr;
		errno = 0;
		double v = std::strtod(it->second.c_str(), &end);
		if (errno || end == it->second.c_str() || *end || !std::isfinite(v))
			die(cat("--", k, ": not a number: ", it->second));
		return v;
	}

	uint64_t uint(const std::string &k, uint64_t def) const
	{
		auto it = values_.find(k);
		if (it == values_.end())
			return def;
		char *end = nullptr;
		errno = 0;
		unsigned long long v = std::strtoull(it->second.c_str(), &end, 0);
		if (errno || end == it->second.c_str() || *end || it->second[0] == '-')
			die(cat("--", k, ": not a non-negative integer: ", it->second));
		return v;
	}

private:
	std::map<std::string, std::string> values_;
};

double ts_ms(const timespec &ts)
{
	return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double now_ms(clockid_t clk)
{
	timespec ts{};
	clock_gettime(clk, &ts);
	return ts_ms(ts);
}

timespec ms_to_ts(double ms)
{
	timespec ts{};
	ts.tv_sec = static_cast<time_t>(std::floor(ms / 1e3));
	ts.tv_nsec = static_cast<long>((ms - static_cast<double>(ts.tv_sec) * 1e3) * 1e6);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (ts.tv_nsec < 0)
		ts.tv_nsec = 0;
	return ts;
}

in_addr parse_addr(const std::string &s)
{
	in_addr a{};
	if (inet_pton(AF_INET, s.c_str(), &a) != 1)
		die(cat("not an IPv4 address: ", s));
	return a;
}

std::string hex32(uint32_t v)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "0x%08x", v);
	return buf;
}

int raw_esp_socket()
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ESP);
	if (fd < 0)
		die_errno("socket(AF_INET, SOCK_RAW, IPPROTO_ESP)");
	return fd;
}

// SPI and sequence number of a received raw IPv4 datagram carrying ESP.
struct EspSeen {
	uint32_t spi;
	uint32_t seq;
};

std::optional<EspSeen> parse_esp(const uint8_t *buf, ssize_t len)
{
	if (len < static_cast<ssize_t>(sizeof(iphdr)))
		return std::nullopt;
	iphdr ip{};
	std::memcpy(&ip, buf, sizeof(ip));
	ssize_t off = ip.ihl * 4;
	if (ip.version != 4 || ip.protocol != IPPROTO_ESP || off < 20 || len < off + 8)
		return std::nullopt;
	uint32_t spi, seq;
	std::memcpy(&spi, buf + off, 4);
	std::memcpy(&seq, buf + off + 4, 4);
	return EspSeen{ntohl(spi), ntohl(seq)};
}

// ESP header + a payload that looks like ciphertext enough for a capture.
std::vector<uint8_t> esp_packet(uint32_t spi, uint32_t seq, size_t payload)
{
	std::vector<uint8_t> p(8 + payload);
	uint32_t nspi = htonl(spi), nseq = htonl(seq);
	std::memcpy(p.data(), &nspi, 4);
	std::memcpy(p.data() + 4, &nseq, 4);
	for (size_t i = 0; i < payload; i++)
		p[8 + i] = static_cast<uint8_t>((spi >> (8 * (i % 4))) ^ (i * 37u) ^ seq);
	return p;
}

// ---- respond ---------------------------------------------------------------

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int)
{
	g_stop = 1;
}

int cmd_respond(const Options &o)
{
	uint32_t x = static_cast<uint32_t>(o.uint("xor", kDefaultXor));
	size_t payload = o.uint("payload", 64);
	if (!x)
		die("--xor 0 would answer every SPI with itself");
	struct sigaction sa{};
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGINT, &sa, nullptr);

	int fd = raw_esp_socket();
	uint64_t received = 0, replied = 0, malformed = 0;
	std::vector<uint8_t> buf(65536);
	std::fprintf(stderr, "esp-serial respond: ready, reply spi = spi ^ %s\n",
		     hex32(x).c_str());
	while (!g_stop) {
		pollfd pfd{fd, POLLIN, 0};
		int r = poll(&pfd, 1, 200);
		if (r < 0 && errno != EINTR)
			die_errno("poll");
		if (r <= 0)
			continue;
		sockaddr_in from{};
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf.data(), buf.size(), 0,
				     reinterpret_cast<sockaddr *>(&from), &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno("recvfrom");
		}
		received++;
		auto esp = parse_esp(buf.data(), n);
		if (!esp) {
			malformed++;
			continue;
		}
		auto reply = esp_packet(esp->spi ^ x, esp->seq, payload);
		from.sin_port = 0;
		if (sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr *>(&from),
			   sizeof(from)) < 0)
			std::fprintf(stderr, "esp-serial respond: sendto: %s\n", std::strerror(errno));
		else
			replied++;
	}
	std::printf("respond received=%llu replied=%llu malformed=%llu\n",
		    static_cast<unsigned long long>(received),
		    static_cast<unsigned long long>(replied),
		    static_cast<unsigned long long>(malformed));
	return 0;
}

// ---- probe -----------------------------------------------------------------

// The retransmission schedule of one sender: the first send at 0, then
// RTO, RTO*backoff, ... after the previous one (a TCP SYN's, RFC 6298 5.5).
struct Policy {
	double rto_ms = 1000;
	double backoff = 2;
	unsigned max_tries = 7; // Linux tcp_syn_retries 6 + the first
	double max_rto_ms = 60000;

	double gap_after(unsigned sent) const // sent >= 1 sends so far
	{
		return std::min(max_rto_ms, rto_ms * std::pow(backoff, sent - 1));
	}
};

Policy policy_from(const Options &o)
{
	Policy p;
	p.rto_ms = o.num("rto-ms", p.rto_ms);
	p.backoff = o.num("backoff", p.backoff);
	p.max_tries = static_cast<unsigned>(o.uint("max-tries", p.max_tries));
	p.max_rto_ms = o.num("max-rto-ms", p.max_rto_ms);
	if (p.rto_ms <= 0 || p.backoff < 1 || !p.max_tries || p.max_rto_ms <= 0)
		die("policy: need --rto-ms > 0, --backoff >= 1, --max-tries >= 1");
	return p;
}

int cmd_probe(const Options &o)
{
	if (!o.has("spi") || !o.has("remote"))
		die("probe: --spi and --remote are required");
	uint64_t spi64 = o.uint("spi", 0);
	if (spi64 < 256 || spi64 > 0xffffffffu)
		die("probe: --spi must be 256..0xffffffff (RFC 4303 2.1)");
	uint32_t spi = static_cast<uint32_t>(spi64);
	uint32_t x = static_cast<uint32_t>(o.uint("xor", kDefaultXor));
	uint32_t want = spi ^ x;
	in_addr remote = parse_addr(o.str("remote"));
	Policy pol = policy_from(o);
	double timeout_ms = o.num("timeout", 60) * 1e3;
	double linger_ms = o.num("linger-ms", 0);
	size_t payload = o.uint("payload", 64);

	int fd = raw_esp_socket();
	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	sin.sin_addr = remote;
	// Connected: only packets from the remote are delivered here.
	if (connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin)) < 0)
		die_errno("connect");

	// The start instant on the monotonic clock. Every netns of one machine
	// shares both clocks, so all probes agree on it.
	std::string at = o.str("start-at", "now");
	double mono_now = now_ms(CLOCK_MONOTONIC);
	double t0 = mono_now;
	if (at != "now") {
		char *end = nullptr;
		double real_at = std::strtod(at.c_str(), &end);
		if (end == at.c_str() || *end)
			die("--start-at: seconds since the epoch (date +%s.%N) or 'now'");
		t0 = mono_now + (real_at * 1e3 - now_ms(CLOCK_REALTIME));
	}
	// Drain what arrived before the start: it belongs to nobody's run.
	std::vector<uint8_t> buf(65536);
	while (recv(fd, buf.data(), buf.size(), MSG_DONTWAIT) > 0) {
	}
	if (t0 > now_ms(CLOCK_MONOTONIC)) {
		timespec ts = ms_to_ts(t0);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
		}
	}
	while (recv(fd, buf.data(), buf.size(), MSG_DONTWAIT) > 0) {
	}

	unsigned sent = 0;
	uint64_t crosswired = 0, other = 0;
	std::vector<uint32_t> foreign;
	double first_send = -1, next_send = now_ms(CLOCK_MONOTONIC), done_at = -1;
	double deadline = t0 + timeout_ms;
	bool ok = false;
	for (;;) {
		double now = now_ms(CLOCK_MONOTONIC);
		if (ok && now >= done_at + linger_ms)
			break;
		if (!ok && now >= deadline)
			break;
		if (!ok && sent < pol.max_tries && now >= next_send) {
			auto pkt = esp_packet(spi, sent + 1, payload);
			if (send(fd, pkt.data(), pkt.size(), 0) < 0)
				std::fprintf(stderr, "esp-serial probe: send: %s\n", std::strerror(errno));
			if (!sent)
				first_send = now;
			sent++;
			next_send = now + pol.gap_after(sent);
			continue;
		}
		double until = ok ? done_at + linger_ms : deadline;
		if (!ok && sent < pol.max_tries)
			until = std::min(until, next_send);
		int wait = static_cast<int>(std::ceil(std::max(0.0, until - now)));
		pollfd pfd{fd, POLLIN, 0};
		int r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR)
			die_errno("poll");
		if (r <= 0)
			continue;
		ssize_t n = recv(fd, buf.data(), buf.size(), 0);
		double got = now_ms(CLOCK_MONOTONIC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno("recv");
		}
		auto esp = parse_esp(buf.data(), n);
		if (!esp) {
			other++;
			continue;
		}
		if (esp->spi == want) {
			if (!ok) {
				ok = true;
				done_at = got;
			}
			continue;
		}
		// An ESP packet from the remote for another SA: with one probe
		// per host and SPIs unique across hosts, another host's reply.
		crosswired++;
		if (foreign.size() < 8 &&
		    std::find(foreign.begin(), foreign.end(), esp->spi) == foreign.end())
			foreign.push_back(esp->spi);
	}

	std::string fl;
	for (auto f : foreign) {
		if (!fl.empty())
			fl += ',';
		fl += hex32(f);
	}
	std::printf("probe spi=%s status=%s latency_ms=%.3f sent=%u retransmits=%u crosswired=%llu "
		    "other=%llu start_late_ms=%.3f foreign=%s\n",
		    hex32(spi).c_str(), ok ? "ok" : "timeout", ok ? done_at - t0 : -1.0, sent,
		    sent ? sent - 1 : 0, static_cast<unsigned long long>(crosswired),
		    static_cast<unsigned long long>(other), first_send < 0 ? -1.0 : first_send - t0,
		    fl.empty() ? "-" : fl.c_str());
	return ok ? 0 : 1;
}

// ---- model -----------------------------------------------------------------

// One simulated burst: @hosts LAN hosts each send their first ESP packet of
// a new SA to one remote at time 0 (+ jitter). The gateway passes a host's
// new SPI if no other host's new SA to that remote is outstanding (it then
// becomes the outstanding one), lets every packet of an already passed SPI
// through, and holds (up to hold_max packets) or drops the others. A passed
// packet's reply comes back after one RTT; it completes the outstanding SA
// and passes the slot to the host held longest (its held packets go on at
// that moment). Hosts that got no reply retransmit per the policy.
struct ModelParams {
	unsigned hosts = 16;
	double rtt_ms = 1;
	Policy pol;
	double jitter_ms = 0; // each send: uniform [0, jitter] later than due
	double limit_ms = 40000;
	unsigned hold_max = 16; // 0: Linux 2.2 (drop)
};

struct ModelRun {
	std::vector<double> done; // per host, ms after 0, or < 0: not within limit
	unsigned sends = 0, dropped = 0, held = 0;
};

ModelRun simulate(const ModelParams &mp, std::mt19937_64 &rng)
{
	enum Kind { kSend, kReply };
	struct Ev {
		double t;
		uint64_t order;
		Kind kind;
		unsigned host;
		bool operator>(const Ev &b) const { return t != b.t ? t > b.t : order > b.order; }
	};
	std::priority_queue<Ev, std::vector<Ev>, std::greater<>> q;
	std::uniform_real_distribution<double> jit(0, mp.jitter_ms > 0 ? mp.jitter_ms : 0);
	auto jitter = [&] { return mp.jitter_ms > 0 ? jit(rng) : 0.0; };
	uint64_t order = 0;

	ModelRun run;
	run.done.assign(mp.hosts, -1);
	std::vector<unsigned> sent(mp.hosts, 0);
	std::vector<bool> passed(mp.hosts, false);
	int pending = -1; // the host whose new SA is outstanding
	std::vector<unsigned> held; // one entry per held packet, oldest first

	// Simultaneous sends reach the gateway in an order nobody controls.
	std::vector<unsigned> perm(mp.hosts);
	for (unsigned i = 0; i < mp.hosts; i++)
		perm[i] = i;
	std::shuffle(perm.begin(), perm.end(), rng);
	for (unsigned h : perm)
		q.push({jitter(), order++, kSend, h});

	auto pass = [&](unsigned h, double t) {
		if (!passed[h]) {
			passed[h] = true;
			if (pending < 0)
				pending = static_cast<int>(h);
		}
		q.push({t + mp.rtt_ms, order++, kReply, h});
	};

	while (!q.empty()) {
		Ev e = q.top();
		q.pop();
		if (e.t > mp.limit_ms)
			break;
		unsigned h = e.host;
		if (e.kind == kSend) {
			if (run.done[h] >= 0)
				continue;
			sent[h]++;
			run.sends++;
			if (sent[h] < mp.pol.max_tries)
				q.push({e.t + mp.pol.gap_after(sent[h]) + jitter(), order++, kSend, h});
			if (passed[h] || pending < 0) {
				pass(h, e.t);
			} else if (held.size() < mp.hold_max) {
				held.push_back(h);
				run.held++;
			} else {
				run.dropped++;
			}
			continue;
		}
		// A reply: the remote's first SPI of this host's new SA.
		if (run.done[h] < 0)
			run.done[h] = e.t;
		if (pending == static_cast<int>(h)) {
			pending = -1;
			// Promotion: the host held longest gets the slot; all its
			// held packets go on now.
			if (!held.empty()) {
				unsigned next = held.front();
				bool first = true;
				std::vector<unsigned> rest;
				for (unsigned x : held) {
					if (x != next) {
						rest.push_back(x);
						continue;
					}
					if (first && run.done[next] < 0)
						pass(next, e.t);
					first = false;
				}
				held = std::move(rest);
			}
		}
	}
	return run;
}

struct Summary {
	double all_ms;	   // median over runs of the time until all; -1: not within limit
	double all_max_ms; // worst run, -1 if any run did not finish
	double within_2s;  // median hosts associated within 2 s
	double completed;  // median hosts associated within the limit
	unsigned unfinished_runs;
	double dropped, held; // mean per run
};

double median(std::vector<double> v)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Summary summarize(const ModelParams &mp, unsigned runs, uint64_t seed)
{
	std::mt19937_64 rng(seed);
	std::vector<double> all, w2, comp;
	Summary s{};
	double dropped = 0, held = 0;
	for (unsigned r = 0; r < runs; r++) {
		ModelRun run = simulate(mp, rng);
		double worst = 0;
		unsigned in2 = 0, c = 0;
		bool finished = true;
		for (double d : run.done) {
			if (d < 0) {
				finished = false;
				continue;
			}
			c++;
			worst = std::max(worst, d);
			if (d <= 2000)
				in2++;
		}
		if (!finished)
			s.unfinished_runs++;
		all.push_back(finished ? worst : INFINITY);
		w2.push_back(in2);
		comp.push_back(c);
		dropped += run.dropped;
		held += run.held;
	}
	double m = median(all);
	s.all_ms = std::isfinite(m) ? m : -1;
	s.all_max_ms = s.unfinished_runs ? -1 : *std::max_element(all.begin(), all.end());
	s.within_2s = median(w2);
	s.completed = median(comp);
	s.dropped = dropped / runs;
	s.held = held / runs;
	return s;
}

void print_model(const char *scheme, const ModelParams &mp, const Summary &s, unsigned runs)
{
	std::printf("model scheme=%s hosts=%u hold_max=%u all_ms=%.1f all_max_ms=%.1f "
		    "within_2s=%g completed=%g unfinished_runs=%u/%u dropped=%.1f held=%.1f\n",
		    scheme, mp.hosts, mp.hold_max, s.all_ms, s.all_max_ms, s.within_2s, s.completed,
		    s.unfinished_runs, runs, s.dropped, s.held);
}

int cmd_model(const Options &o)
{
	ModelParams mp;
	mp.hosts = static_cast<unsigned>(o.uint("hosts", mp.hosts));
	mp.rtt_ms = o.num("rtt-ms", mp.rtt_ms);
	mp.pol = policy_from(o);
	mp.jitter_ms = o.num("jitter-ms", 0);
	mp.limit_ms = o.num("limit-ms", mp.limit_ms);
	unsigned hold_max = static_cast<unsigned>(o.uint("hold-max", 16));
	unsigned runs = static_cast<unsigned>(o.uint("runs", 21));
	uint64_t seed = o.uint("seed", 1);
	if (!mp.hosts || mp.hosts > 4096 || mp.rtt_ms <= 0 || mp.jitter_ms < 0 || !runs ||
	    mp.limit_ms <= 0)
		die("model: need 1 <= --hosts <= 4096, --rtt-ms > 0, --jitter-ms >= 0, --runs >= 1");

	std::printf("model params rtt_ms=%g rto_ms=%g backoff=%g max_tries=%u jitter_ms=%g "
		    "limit_ms=%g runs=%u seed=%llu\n",
		    mp.rtt_ms, mp.pol.rto_ms, mp.pol.backoff, mp.pol.max_tries, mp.jitter_ms,
		    mp.limit_ms, runs, static_cast<unsigned long long>(seed));
	std::vector<unsigned> sizes{mp.hosts};
	if (o.has("table"))
		sizes = {2, 4, 8, 16};
	for (unsigned n : sizes) {
		ModelParams m = mp;
		m.hosts = n;
		m.hold_max = 0;
		print_model("drop", m, summarize(m, runs, seed), runs);
		m.hold_max = hold_max;
		print_model("hold", m, summarize(m, runs, seed), runs);
	}
	return 0;
}

void usage()
{
	std::fprintf(
		stderr,
		"usage: esp-serial respond [--xor X] [--payload N]\n"
		"       esp-serial probe --spi S --remote ADDR [--start-at EPOCH_S|now] [--timeout S]\n"
		"                  [--rto-ms 1000] [--backoff 2] [--max-tries 7] [--max-rto-ms 60000]\n"
		"                  [--linger-ms 0] [--xor X] [--payload N]\n"
		"       esp-serial model [--hosts 16] [--rtt-ms 1] [--rto-ms 1000] [--backoff 2]\n"
		"                  [--max-tries 7] [--jitter-ms 0] [--limit-ms 40000] [--hold-max 16]\n"
		"                  [--runs 21] [--seed 1] [--table]\n"
		"reply(s) = s ^ X (default 0x80000000). probe exits 0 if answered, 1 on timeout.\n");
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	std::string cmd = argv[1];
	const std::vector<std::string> policy{"rto-ms", "backoff", "max-tries", "max-rto-ms"};
	auto with = [&](std::vector<std::string> v) {
		v.insert(v.end(), policy.begin(), policy.end());
		return v;
	};
	setvbuf(stdout, nullptr, _IOLBF, 0);
	if (cmd == "respond")
		return cmd_respond(Options(argc, argv, 2, {"xor", "payload"}));
	if (cmd == "probe")
		return cmd_probe(Options(argc, argv, 2,
					 with({"spi", "remote", "start-at", "timeout", "linger-ms",
					       "xor", "payload"})));
	if (cmd == "model")
		return cmd_model(Options(argc, argv, 2,
					 with({"hosts", "rtt-ms", "jitter-ms", "limit-ms", "hold-max",
					       "runs", "seed"}),
					 {"table"}));
	if (cmd == "-h" || cmd == "--help" || cmd == "help") {
		usage();
		return 0;
	}
	usage();
	return 2;
}
