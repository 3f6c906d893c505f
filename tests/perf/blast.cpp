// vpnmasq-blast: a traffic generator for the VM per-packet cost runs
// (tests/perf/vm_pps.sh). It sends raw ESP (IP protocol 50) or ISAKMP
// (UDP 500 -> 500) with sendmmsg, many packets per system call, so that the
// sender costs little next to the gateway that forwards the packets.
//
//   vpnmasq-blast esp|ike DST [--duration S | --count N | --once]
//                 [--flows N] [--spi BASE] [--cookie BASE] [--batch N]
//                 [--size BYTES] [--rate PPS] [--bind ADDR]
//                 [--dev IFNAME --dst-mac MAC] [--mark]
//
// With --dev the packets leave through a packet socket that skips the
// sender's IP stack and qdisc (PACKET_QDISC_BYPASS): the generator builds
// the IP (and UDP) header itself and hands frames for MAC straight to the
// device, at a fraction of a socket send's cost, so that a gateway which
// forwards as fast as its sender can still be saturated.
//
// On exit it prints one line of key=value pairs (sent, seconds, pps, ...).
// tsc= is the time stamp counter's advance over the run: under qemu
// -icount shift=0 (scripts/vm/run-guest -I) one tick per guest
// instruction executed, on every CPU; with one vCPU, a generator that never
// sleeps and a path that forwards each packet in the softirq of its own
// send (tests/perf/vm_insn.sh), the instructions that the sending, the
// forwarding and the receiving of these packets took, and nothing else
// but the kernel's timers. Before it is read the generator yields a few
// times, so that network work deferred to ksoftirqd runs first.
// --mark calls insn_mark() (linked at a fixed address, see insn_mark.c)
// right before the first send and right after tsc= is read: with the
// insn-profile qemu plugin, the second mark writes out the instructions of
// the run by address (tests/perf/insn_profile.c).
// Exit 0 on success, 1 on a socket error, 2 on a bad command line.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char *kProg = "vpnmasq-blast";
constexpr uint16_t kIkePort = 500;
constexpr size_t kIsakmpHdrLen = 28;
constexpr size_t kEspHdrLen = 8; // SPI + sequence number
constexpr size_t kIpHdrLen = 20;
constexpr size_t kUdpHdrLen = 8;
constexpr size_t kMaxBatch = 1024;
constexpr size_t kMaxSize = 1400; // stays below the veth MTU: no fragments

enum class Mode { esp, ike };

struct Options {
	Mode mode = Mode::esp;
	in_addr dst{};
	std::optional<in_addr> bind_addr;
	double duration = 0; // seconds; 0: until count
	uint64_t count = 0;  // packets; 0: until duration
	uint64_t flows = 1;
	uint32_t spi = 0x10000001;
	uint64_t cookie = 0x7100000000000001ull;
	size_t batch = 128;
	size_t size = 128; // ESP: SPI to end of payload; IKE: UDP payload
	uint64_t rate = 0; // packets per second; 0: as fast as possible
	bool once = false;
	std::string dev; // packet socket on this device; empty: IP socket
	std::array<uint8_t, ETH_ALEN> dst_mac{};
	bool have_mac = false;
	bool mark = false;
};

[[noreturn]] void usage_error(const std::string &msg)
{
	std::fprintf(stderr, "%s: %s (see --help)\n", kProg, msg.c_str());
	std::exit(2);
}

[[noreturn]] void sys_error(const std::string &what)
{
	std::fprintf(stderr, "%s: %s: %s\n", kProg, what.c_str(),
		     std::strerror(errno));
	std::exit(1);
}

void usage()
{
	std::printf(
		"usage: %s esp|ike DST [OPTIONS]\n"
		"  esp: raw ESP (IP protocol 50) to DST; ike: ISAKMP from UDP port 500 to DST:500\n"
		"  --duration S    send for S seconds (decimals allowed)\n"
		"  --count N       send N packets\n"
		"  --once          send each flow exactly once (count = flows)\n"
		"  --flows N       N distinct SPIs / initiator cookies, cycled (default 1)\n"
		"  --spi BASE      first SPI (default 0x10000001)\n"
		"  --cookie BASE   first initiator cookie (default 0x7100000000000001)\n"
		"  --batch N       packets per sendmmsg call, 1..%zu (default 128)\n"
		"  --size BYTES    ESP: SPI..end of payload; IKE: UDP payload (default 128)\n"
		"  --rate PPS      pace to PPS packets per second (default: unpaced)\n"
		"  --bind ADDR     source address\n"
		"  --dev IFNAME    send through a packet socket on IFNAME, bypassing the\n"
		"                  sender's IP stack and qdisc (needs --dst-mac)\n"
		"  --dst-mac MAC   the next hop's MAC address, for --dev\n"
		"  --mark          call insn_mark() before and after the run (insn-profile)\n"
		"Prints 'mode= dst= sent= seconds= pps= enobufs= calls= tsc=' on exit.\n",
		kProg, kMaxBatch);
}

// Accepts decimal or 0x-hex, the whole string, within [lo, hi].
uint64_t parse_uint(std::string_view opt, std::string_view s, uint64_t lo,
		    uint64_t hi)
{
	int base = 10;
	std::string_view digits = s;
	if (digits.size() > 2 && digits[0] == '0' &&
	    (digits[1] == 'x' || digits[1] == 'X')) {
		base = 16;
		digits.remove_prefix(2);
	}
	uint64_t v = 0;
	auto [end, ec] = std::from_chars(digits.data(),
					 digits.data() + digits.size(), v, base);
	if (digits.empty() || ec != std::errc() ||
	    end != digits.data() + digits.size() || v < lo || v > hi)
		usage_error("bad " + std::string(opt) + " '" + std::string(s) +
			    "': expected " + std::to_string(lo) + ".." +
			    std::to_string(hi));
	return v;
}

double parse_seconds(std::string_view opt, const std::string &s)
{
	char *end = nullptr;
	errno = 0;
	double v = std::strtod(s.c_str(), &end);
	if (s.empty() || *end || errno || !(v > 0) || v > 86400)
		usage_error("bad " + std::string(opt) + " '" + s +
			    "': expected seconds, > 0 and <= 86400");
	return v;
}

in_addr parse_addr(std::string_view what, const std::string &s)
{
	in_addr a{};
	if (inet_pton(AF_INET, s.c_str(), &a) != 1)
		usage_error("bad " + std::string(what) + " '" + s +
			    "': expected an IPv4 address");
	return a;
}

std::array<uint8_t, ETH_ALEN> parse_mac(const std::string &s)
{
	std::array<uint8_t, ETH_ALEN> mac{};
	unsigned int b[ETH_ALEN];
	char tail;
	if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2],
			&b[3], &b[4], &b[5], &tail) != ETH_ALEN)
		usage_error("bad --dst-mac '" + s + "': expected xx:xx:xx:xx:xx:xx");
	for (size_t i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			usage_error("bad --dst-mac '" + s + "': octet above ff");
		mac[i] = static_cast<uint8_t>(b[i]);
	}
	return mac;
}

Options parse_args(int argc, char **argv)
{
	Options o;
	std::vector<std::string> pos;
	bool have_duration = false, have_count = false;

	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto value = [&]() -> std::string {
			if (i + 1 >= argc)
				usage_error("option " + a + " needs a value");
			return argv[++i];
		};
		if (a == "-h" || a == "--help") {
			usage();
			std::exit(0);
		} else if (a == "--duration") {
			o.duration = parse_seconds(a, value());
			have_duration = true;
		} else if (a == "--count") {
			o.count = parse_uint(a, value(), 1, UINT64_MAX);
			have_count = true;
		} else if (a == "--mark") {
			o.mark = true;
		} else if (a == "--once") {
			o.once = true;
		} else if (a == "--flows") {
			o.flows = parse_uint(a, value(), 1, 1u << 24);
		} else if (a == "--spi") {
			o.spi = static_cast<uint32_t>(
				parse_uint(a, value(), 1, UINT32_MAX));
		} else if (a == "--cookie") {
			o.cookie = parse_uint(a, value(), 1, UINT64_MAX);
		} else if (a == "--batch") {
			o.batch = parse_uint(a, value(), 1, kMaxBatch);
		} else if (a == "--size") {
			o.size = parse_uint(a, value(), kIsakmpHdrLen, kMaxSize);
		} else if (a == "--rate") {
			o.rate = parse_uint(a, value(), 1, 100000000);
		} else if (a == "--bind") {
			o.bind_addr = parse_addr(a, value());
		} else if (a == "--dev") {
			o.dev = value();
			if (o.dev.empty() || o.dev.size() >= IFNAMSIZ)
				usage_error("bad --dev '" + o.dev + "'");
		} else if (a == "--dst-mac") {
			o.dst_mac = parse_mac(value());
			o.have_mac = true;
		} else if (a.size() > 1 && a[0] == '-') {
			usage_error("unknown option " + a);
		} else {
			pos.push_back(a);
		}
	}
	if (pos.size() != 2)
		usage_error("expected MODE (esp or ike) and DST");
	if (pos[0] == "esp")
		o.mode = Mode::esp;
	else if (pos[0] == "ike")
		o.mode = Mode::ike;
	else
		usage_error("bad mode '" + pos[0] + "': expected esp or ike");
	o.dst = parse_addr("DST", pos[1]);
	if (have_duration + have_count + o.once != 1)
		usage_error("give exactly one of --duration, --count, --once");
	if (o.once)
		o.count = o.flows;
	if (o.dev.empty() != !o.have_mac)
		usage_error("--dev and --dst-mac go together");
	// SPIs (32 bits) and cookies must stay distinct and non-zero.
	if (o.mode == Mode::esp && o.spi + (o.flows - 1) < o.spi)
		usage_error("--spi + --flows wraps around 2^32");
	if (o.mode == Mode::ike && o.cookie + (o.flows - 1) < o.cookie)
		usage_error("--cookie + --flows wraps around 2^64");
	return o;
}

// Owns a file descriptor; closes it once.
class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	Fd(Fd &&other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd &operator=(Fd &&) = delete;
	int get() const { return fd_; }

private:
	int fd_;
};

// The packet socket's destination and the source address it stamps.
struct Link {
	sockaddr_ll to{};
	in_addr src{};
};

Fd open_packet_socket(const Options &o, Link &link)
{
	Fd fd(::socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP)));
	if (fd.get() < 0)
		sys_error("packet socket (needs CAP_NET_RAW)");
	ifreq ifr{};
	std::memcpy(ifr.ifr_name, o.dev.c_str(), o.dev.size());
	if (ioctl(fd.get(), SIOCGIFINDEX, &ifr))
		sys_error("device " + o.dev);
	link.to.sll_family = AF_PACKET;
	link.to.sll_protocol = htons(ETH_P_IP);
	link.to.sll_ifindex = ifr.ifr_ifindex;
	link.to.sll_halen = ETH_ALEN;
	std::memcpy(link.to.sll_addr, o.dst_mac.data(), ETH_ALEN);
	if (o.bind_addr) {
		link.src = *o.bind_addr;
	} else {
		ifreq ifa{};
		std::memcpy(ifa.ifr_name, o.dev.c_str(), o.dev.size());
		ifa.ifr_addr.sa_family = AF_INET;
		if (ioctl(fd.get(), SIOCGIFADDR, &ifa))
			sys_error("IPv4 address of " + o.dev);
		link.src = reinterpret_cast<sockaddr_in *>(&ifa.ifr_addr)->sin_addr;
	}
	int one = 1;
	if (setsockopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)))
		sys_error("PACKET_QDISC_BYPASS");
	return fd;
}

Fd open_socket(const Options &o)
{
	Fd fd(o.mode == Mode::esp ? ::socket(AF_INET, SOCK_RAW, IPPROTO_ESP)
				  : ::socket(AF_INET, SOCK_DGRAM, 0));
	if (fd.get() < 0)
		sys_error(o.mode == Mode::esp ? "raw ESP socket (needs CAP_NET_RAW)"
					      : "UDP socket");
	int one = 1;
	if (o.mode == Mode::ike &&
	    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		sys_error("SO_REUSEADDR");
	// A deep send buffer lets a whole batch queue without blocking; the
	// forced variant needs CAP_NET_ADMIN, the plain one is the fallback.
	int sndbuf = 4 << 20;
	if (setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
		       sizeof(sndbuf)))
		(void)setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf,
				 sizeof(sndbuf));
	// IKE must leave from port 500: that is what vpnmasq keeps for the host.
	if (o.mode == Mode::ike || o.bind_addr) {
		sockaddr_in sa{};
		sa.sin_family = AF_INET;
		sa.sin_addr = o.bind_addr.value_or(in_addr{htonl(INADDR_ANY)});
		sa.sin_port = o.mode == Mode::ike ? htons(kIkePort) : 0;
		if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&sa),
			   sizeof(sa)))
			sys_error("bind");
	}
	return fd;
}

void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, static_cast<uint32_t>(v >> 32));
	put_be32(p + 4, static_cast<uint32_t>(v));
}

uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(~sum);
}

// Packet sockets: the IPv4 (and UDP) header in front of each message.
size_t net_hdr_len(const Options &o)
{
	if (o.dev.empty())
		return 0;
	return kIpHdrLen + (o.mode == Mode::ike ? kUdpHdrLen : 0);
}

void fill_net_hdr(const Options &o, const Link &link, uint8_t *buf)
{
	const size_t hl = net_hdr_len(o);
	const size_t tot = hl + o.size;
	std::memset(buf, 0, hl);
	buf[0] = 0x45;
	buf[2] = static_cast<uint8_t>(tot >> 8);
	buf[3] = static_cast<uint8_t>(tot);
	buf[6] = 0x40; // DF: never fragmented on the way
	buf[8] = 64;
	buf[9] = o.mode == Mode::ike ? IPPROTO_UDP : IPPROTO_ESP;
	std::memcpy(buf + 12, &link.src, 4);
	std::memcpy(buf + 16, &o.dst, 4);
	const uint16_t csum = ip_checksum(buf, kIpHdrLen);
	buf[10] = static_cast<uint8_t>(csum >> 8);
	buf[11] = static_cast<uint8_t>(csum);
	if (o.mode == Mode::ike) {
		uint8_t *uh = buf + kIpHdrLen;
		const size_t ulen = kUdpHdrLen + o.size;
		uh[0] = uh[2] = kIkePort >> 8;
		uh[1] = uh[3] = kIkePort & 0xff;
		uh[4] = static_cast<uint8_t>(ulen >> 8);
		uh[5] = static_cast<uint8_t>(ulen);
		// checksum 0: none, which IPv4 UDP allows
	}
}

// The parts of each message that never change.
void fill_template(const Options &o, uint8_t *buf)
{
	// Looks like ciphertext to nobody in particular; content is irrelevant.
	for (size_t i = 0; i < o.size; i++)
		buf[i] = static_cast<uint8_t>(0xa5 ^ i);
	if (o.mode == Mode::ike) {
		std::memset(buf, 0, kIsakmpHdrLen);
		buf[16] = 1;	// next payload: SA
		buf[17] = 0x10; // version 1.0
		buf[18] = 2;	// exchange: Identity Protection (Main Mode)
		put_be32(buf + 24, static_cast<uint32_t>(o.size));
	}
}

// Per packet: the flow's SPI or cookie and a sequence number.
void stamp(const Options &o, uint8_t *buf, uint64_t n)
{
	uint64_t flow = n % o.flows;
	if (o.mode == Mode::esp) {
		put_be32(buf, o.spi + static_cast<uint32_t>(flow));
		put_be32(buf + 4, static_cast<uint32_t>(n / o.flows + 1));
	} else {
		put_be64(buf, o.cookie + flow);
		put_be32(buf + 20, static_cast<uint32_t>(n / o.flows)); // msg id
	}
}

double now_s()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// The time stamp counter (0 where there is none).
uint64_t tsc()
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	return 0;
#endif
}

// The insn-profile plugin's marker: its address is fixed at link time
// (non-PIE, section .mark at 0x6d617200, tests/perf/CMakeLists.txt).
extern "C" __attribute__((noinline, used, section(".mark"))) void insn_mark()
{
	__asm__ volatile("" ::: "memory");
}

volatile sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

struct Result {
	uint64_t sent = 0;
	uint64_t enobufs = 0;
	uint64_t calls = 0;
	double seconds = 0;
	uint64_t tsc = 0;
};

Result blast(const Options &o, int fd, Link &link)
{
	const size_t hl = net_hdr_len(o);
	const size_t stride = hl + o.size;
	std::vector<uint8_t> bufs(o.batch * stride);
	std::vector<iovec> iov(o.batch);
	std::vector<mmsghdr> msgs(o.batch);
	sockaddr_in dst{};
	dst.sin_family = AF_INET;
	dst.sin_addr = o.dst;
	dst.sin_port = o.mode == Mode::ike ? htons(kIkePort) : 0;
	for (size_t i = 0; i < o.batch; i++) {
		uint8_t *b = &bufs[i * stride];
		if (hl)
			fill_net_hdr(o, link, b);
		fill_template(o, b + hl);
		iov[i] = {b, stride};
		msgs[i] = {};
		if (hl) {
			msgs[i].msg_hdr.msg_name = &link.to;
			msgs[i].msg_hdr.msg_namelen = sizeof(link.to);
		} else {
			msgs[i].msg_hdr.msg_name = &dst;
			msgs[i].msg_hdr.msg_namelen = sizeof(dst);
		}
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	Result r;
	if (o.mark)
		insn_mark();
	const uint64_t tsc0 = tsc();
	const double start = now_s();
	double now = start;
	while (!g_stop) {
		if (o.count && r.sent >= o.count)
			break;
		if (o.duration > 0 && now - start >= o.duration)
			break;
		size_t n = o.batch;
		if (o.count && o.count - r.sent < n)
			n = static_cast<size_t>(o.count - r.sent);
		if (o.rate) {
			// Sleep until this batch is due, never to catch up in bursts
			// larger than one batch.
			double due = start + static_cast<double>(r.sent) / o.rate;
			if (due > now) {
				timespec ts;
				double d = due - now;
				ts.tv_sec = static_cast<time_t>(d);
				ts.tv_nsec = static_cast<long>((d - ts.tv_sec) * 1e9);
				nanosleep(&ts, nullptr);
			}
		}
		for (size_t i = 0; i < n; i++)
			stamp(o, &bufs[i * stride + hl], r.sent + i);
		size_t done = 0;
		while (done < n && !g_stop) {
			int k = sendmmsg(fd, &msgs[done], n - done, 0);
			r.calls++;
			if (k > 0) {
				done += static_cast<size_t>(k);
				continue;
			}
			if (k < 0 && errno == EINTR)
				continue;
			// A full device queue or socket buffer: not fatal, let it
			// drain and send the rest of the batch again.
			if (k < 0 && (errno == ENOBUFS || errno == EAGAIN)) {
				r.enobufs++;
				sched_yield();
				continue;
			}
			// Unconnected sockets get no ICMP errors; this one is real.
			sys_error("sendmmsg");
		}
		r.sent += done;
		now = now_s();
	}
	r.seconds = now_s() - start;
	// softirq work left to ksoftirqd (if any) before the count ends
	for (int i = 0; i < 4; i++)
		sched_yield();
	r.tsc = tsc() - tsc0;
	if (o.mark)
		insn_mark();
	return r;
}

} // namespace

int main(int argc, char **argv)
{
	const Options o = parse_args(argc, argv);
	Link link;
	Fd fd = o.dev.empty() ? open_socket(o) : open_packet_socket(o, link);

	struct sigaction sa{};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);

	const Result r = blast(o, fd.get(), link);
	char dst[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &o.dst, dst, sizeof(dst));
	std::printf("mode=%s dst=%s flows=%llu sent=%llu seconds=%.3f pps=%.0f "
		    "enobufs=%llu calls=%llu tsc=%llu\n",
		    o.mode == Mode::esp ? "esp" : "ike", dst,
		    static_cast<unsigned long long>(o.flows),
		    static_cast<unsigned long long>(r.sent), r.seconds,
		    r.seconds > 0 ? static_cast<double>(r.sent) / r.seconds : 0.0,
		    static_cast<unsigned long long>(r.enobufs),
		    static_cast<unsigned long long>(r.calls),
		    static_cast<unsigned long long>(r.tsc));
	return 0;
}
