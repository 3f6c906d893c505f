// How the association tables scale: packet-path lookups, adding and
// removing an association, and the expiry sweep, at 1 k, 64 k and 1 M
// associations, on the module's own core (kmod/core).
//
// Lookups are measured two ways:
//  - Hot: 1024 busy associations (distinct, picked at random among all)
//    take the packets while the rest idle until they expire. This is how
//    traffic looks and it isolates what the table's size costs: hashing,
//    bucket chains, the entries' layout.
//  - All: every association in random order. Once the table outgrows the
//    CPU caches each lookup waits for memory; this shows the hardware's
//    cost, not the algorithm's.
//
// One table per size is built once and shared by every benchmark of that
// size (building a million associations takes seconds). Run with
// GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (make bench does): the module's
// entries live in the kernel's direct map, which uses huge pages, and
// 4 KiB malloc pages would add TLB misses the kernel does not have.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "core/esp.h"
#include "core/isakmp.h"
extern unsigned long jiffies;
}

namespace {

constexpr u32 kHosts = 256; // flows are (host, remote): 256 at every size
constexpr size_t kHotSet = 1024;
const __be32 kRemote = htonl(0xcb007107); // 203.0.113.7
const __be32 kGateway = htonl(0xc6336401); // 198.51.100.1

__be32 lan(size_t i)
{
	return htonl(0x0a000000 | (u32)(i % kHosts + 1)); // 10.0.x.y
}

u64 cookie(size_t i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ull; // distinct, spread
}

__be32 spi_out(size_t i) { return htonl((u32)(2 * i + 0x100)); }
__be32 spi_in(size_t i) { return htonl((u32)(2 * i + 0x101)); }

void forget(void *) {}

vm_isakmp isakmp(u64 icookie)
{
	u8 b[VM_ISAKMP_HDR_LEN] = {};
	memcpy(b, &icookie, 8);
	b[17] = 0x10; // IKEv1
	b[27] = VM_ISAKMP_HDR_LEN;
	vm_isakmp hdr{};
	if (vm_isakmp_parse(b, sizeof(b), &hdr))
		abort();
	return hdr;
}

// One namespace's tables with @n ISAKMP associations and @n ESP ones
// (n/2 SA pairs: an outbound SPI and the inbound SPI that answered it).
struct Filled {
	vpnmasq_stats stats{};
	vm_tables t{};
	vpnmasq_config cfg{};
	size_t n;

	explicit Filled(size_t count) : n(count)
	{
		jiffies = 1000;
		vpnmasq_config_defaults(&cfg);
		cfg.max_assoc = VPNMASQ_MAX_ASSOC_MAX;
		cfg.zone_base = 1;
		cfg.zone_count = 65535;
		if (vm_tables_init(&t, &stats))
			abort();
		t.pkt_release = forget;
		t.pkt_drop = forget;
		for (size_t i = 0; i < n; i++)
			if (add_ike(i) != VM_ZONE)
				abort();
		for (size_t i = 0; i < n / 2; i++)
			if (add_esp_pair(i) != VM_ZONE)
				abort();
	}
	~Filled() { vm_tables_exit(&t); }
	Filled(const Filled &) = delete;
	Filled &operator=(const Filled &) = delete;

	vm_verdict add_ike(size_t i)
	{
		vm_isakmp hdr = isakmp(cookie(i));
		vm_pkt pkt{lan(i), kRemote, false, jiffies, false, false};
		vm_decision d{};
		vm_ike_classify(&t, &cfg, &pkt, &hdr, nullptr, &d);
		return d.verdict;
	}
	// A new outbound SPI takes the remote's serialization slot; the
	// remote's answer is associated with it and frees the slot.
	vm_verdict add_esp_pair(size_t i)
	{
		vm_pkt out{lan(i), kRemote, false, jiffies, false, false};
		vm_decision d{};
		if (vm_esp_known(&t, &out, spi_out(i), 100, &d))
			return VM_DROP; // already there: not a new pair
		vm_esp_outbound_new(&t, &cfg, &out, spi_out(i), nullptr, &d);
		if (d.verdict != VM_ZONE)
			return d.verdict;
		vm_pkt in{kRemote, kGateway, true, jiffies, false, false};
		if (vm_esp_known(&t, &in, spi_in(i), 100, &d))
			return VM_DROP;
		vm_esp_inbound_new(&t, &cfg, &in, spi_in(i), nullptr, &d);
		return d.verdict;
	}
};

// The table of the size being measured; the previous size's goes first.
Filled &tables(size_t n)
{
	static std::unique_ptr<Filled> cur;
	if (!cur || cur->n != n) {
		cur.reset();
		cur = std::make_unique<Filled>(n);
	}
	return *cur;
}

// Indexes in [0, n) to look up, in the order they are used.
std::vector<size_t> keys(size_t n, bool hot)
{
	std::vector<size_t> v(n);
	std::iota(v.begin(), v.end(), 0);
	std::mt19937_64 rng(42);
	std::shuffle(v.begin(), v.end(), rng);
	if (hot && n > kHotSet)
		v.resize(kHotSet);
	return v;
}

// Inbound ISAKMP on a known cookie: the packet path's RCU lookup.
void ike_in(benchmark::State &state, bool hot)
{
	Filled &f = tables(state.range(0));
	auto idx = keys(f.n, hot);
	std::vector<vm_isakmp> hdrs;
	for (size_t i : idx)
		hdrs.push_back(isakmp(cookie(i)));
	vm_pkt pkt{kRemote, kGateway, true, jiffies, false, false};
	size_t k = 0;
	for (auto _ : state) {
		vm_decision d{};
		vm_ike_classify(&f.t, &f.cfg, &pkt, &hdrs[k], nullptr, &d);
		if (d.verdict != VM_ZONE) {
			state.SkipWithError("cookie not found");
			break;
		}
		if (++k == hdrs.size())
			k = 0;
	}
	state.counters["assoc"] = f.t.n_ike;
}

// Inbound ESP on a known SPI.
void esp_in(benchmark::State &state, bool hot)
{
	Filled &f = tables(state.range(0));
	auto idx = keys(f.n / 2, hot);
	vm_pkt pkt{kRemote, kGateway, true, jiffies, false, false};
	size_t k = 0;
	for (auto _ : state) {
		vm_decision d{};
		if (!vm_esp_known(&f.t, &pkt, spi_in(idx[k]), 100, &d)) {
			state.SkipWithError("SPI not found");
			break;
		}
		benchmark::DoNotOptimize(d);
		if (++k == idx.size())
			k = 0;
	}
	state.counters["assoc"] = f.t.n_esp;
}

// Outbound ESP on a known SPI: an inbound lookup misses first.
void esp_out(benchmark::State &state, bool hot)
{
	Filled &f = tables(state.range(0));
	auto idx = keys(f.n / 2, hot);
	size_t k = 0;
	for (auto _ : state) {
		size_t i = idx[k];
		vm_pkt pkt{lan(i), kRemote, false, jiffies, false, false};
		vm_decision d{};
		if (!vm_esp_known(&f.t, &pkt, spi_out(i), 100, &d)) {
			state.SkipWithError("SPI not found");
			break;
		}
		benchmark::DoNotOptimize(d);
		if (++k == idx.size())
			k = 0;
	}
	state.counters["assoc"] = f.t.n_esp;
}

// A LAN host's new ISAKMP SA and its removal, the table staying at n: the
// slow path's lock, allocation, insert, unlink and free.
void ike_add_del(benchmark::State &state)
{
	Filled &f = tables(state.range(0));
	// max_assoc allows exactly the largest size: make room for one
	vm_ike_del_cookie(&f.t, cookie(0), kRemote);
	size_t i = f.n;
	for (auto _ : state) {
		if (f.add_ike(i) != VM_ZONE ||
		    vm_ike_del_cookie(&f.t, cookie(i), kRemote) != 1) {
			state.SkipWithError("add or delete refused");
			break;
		}
		i++;
	}
	if (f.add_ike(0) != VM_ZONE)
		abort();
}

// The once-a-second expiry sweep over n ISAKMP and n ESP associations that
// are live (none expires): a flow whose oldest entry cannot have expired
// is passed over without touching its entries.
void sweep(benchmark::State &state)
{
	Filled &f = tables(state.range(0));
	for (auto _ : state)
		if (vm_tables_gc(&f.t, &f.cfg, jiffies + HZ)) {
			state.SkipWithError("the sweep removed something");
			break;
		}
	state.counters["assoc"] = f.t.n_ike + f.t.n_esp;
}

// The sweep's worst case: every flow's oldest entry is due, so every entry
// is looked at (none expires). Happens per flow at most once per timeout
// when traffic keeps its entries alive. Reported per association.
void sweep_walk(benchmark::State &state)
{
	Filled &f = tables(state.range(0));
	size_t assoc = f.t.n_ike + f.t.n_esp;
	for (auto _ : state) {
		state.PauseTiming();
		// as if some entry was last seen just over a timeout ago
		unsigned long due = jiffies + HZ - f.cfg.ike_timeout * HZ - 1;
		vm_flow *fl;
		list_for_each_entry(fl, &f.t.flows_all, all_node)
			fl->ike_oldest = fl->esp_oldest = due;
		state.ResumeTiming();
		if (vm_tables_gc(&f.t, &f.cfg, jiffies + HZ)) {
			state.SkipWithError("the sweep removed something");
			break;
		}
	}
	state.counters["assoc"] = assoc;
}

struct Bench {
	const char *name;
	void (*fn)(benchmark::State &);
};

const Bench kBenches[] = {
	{"ike_in_hot", [](benchmark::State &s) { ike_in(s, true); }},
	{"ike_in_all", [](benchmark::State &s) { ike_in(s, false); }},
	{"esp_in_hot", [](benchmark::State &s) { esp_in(s, true); }},
	{"esp_in_all", [](benchmark::State &s) { esp_in(s, false); }},
	{"esp_out_hot", [](benchmark::State &s) { esp_out(s, true); }},
	{"ike_add_del", ike_add_del},
	{"sweep", sweep},
	{"sweep_walk", sweep_walk},
};

} // namespace

int main(int argc, char **argv)
{
	// Size-major, so that each table is built once.
	for (long n : {1L << 10, 1L << 16, 1L << 20})
		for (const Bench &b : kBenches) {
			auto *r = benchmark::RegisterBenchmark(b.name, b.fn);
			r->Arg(n);
			if (std::string(b.name).starts_with("sweep"))
				r->Unit(benchmark::kMicrosecond);
		}
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
