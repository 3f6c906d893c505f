// How the association tables scale: packet-path lookups, inserts and the
// expiry sweep at 1 k, 64 k and 1 M associations, on the module's own
// table.c. Lookups are measured two ways: over a hot set of 1024 flows
// (traffic has locality: few flows are busy while many idle ones wait for
// expiry) and over every key in random order (each lookup misses the CPU
// caches once the table outgrows them).
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

extern "C" {
#include "table.h"
extern unsigned long jiffies;
}

namespace {

constexpr u32 kHosts = 4096;
constexpr size_t kHotSet = 1024;
const __be32 kRemote = htonl(0xcb007107); // 203.0.113.7
const __be32 kGateway = htonl(0xc6336401); // 198.51.100.1

__be32 lan(u32 i)
{
	return htonl(0x0a000000 | (i % kHosts + 1)); // 10.0.x.y
}

u64 cookie(u64 i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ull; // distinct, spread
}

void free_held(void *) {}

// One namespace's tables filled with @n ISAKMP and @n ESP associations.
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
		t.pkt_release = free_held;
		t.pkt_drop = free_held;
		for (size_t i = 0; i < n; i++)
			if (add_ike(i) != VM_ZONE || add_esp(i) != VM_ZONE)
				abort();
	}
	~Filled() { vm_tables_exit(&t); }

	vm_verdict add_ike(size_t i)
	{
		u8 b[VM_ISAKMP_HDR_LEN] = {};
		u64 c = cookie(i);
		memcpy(b, &c, 8);
		b[17] = 0x10;
		b[27] = VM_ISAKMP_HDR_LEN;
		vm_isakmp hdr{};
		vm_isakmp_parse(b, sizeof(b), &hdr);
		vm_pkt pkt{lan(i), kRemote, false, jiffies};
		vm_decision d{};
		vm_ike_classify(&t, &cfg, &pkt, &hdr, &d);
		return d.verdict;
	}
	// Outbound SPIs: no serialization slot is involved once known.
	vm_verdict add_esp(size_t i)
	{
		vm_pkt pkt{lan(i), kRemote, false, jiffies};
		vm_decision d{};
		__be32 spi = htonl((u32)i + 0x100);
		if (vm_esp_known(&t, &pkt, spi, 100, &d))
			return d.verdict;
		vm_esp_outbound_new(&t, &cfg, &pkt, spi, nullptr, &d);
		// Each host's first SA takes the remote's slot: free it.
		vm_esp_serial_tick(&t, &cfg, jiffies + 1000000);
		return d.verdict;
	}
};

std::vector<size_t> order(size_t n, bool hot)
{
	std::vector<size_t> v(hot ? std::min(n, kHotSet) : n);
	std::mt19937_64 rng(42);
	if (hot) {
		std::uniform_int_distribution<size_t> pick(0, n - 1);
		for (auto &x : v)
			x = pick(rng);
	} else {
		std::iota(v.begin(), v.end(), 0);
		std::shuffle(v.begin(), v.end(), rng);
	}
	return v;
}

// Inbound ISAKMP on a known cookie: the packet path's RCU lookup.
void ike_lookup(benchmark::State &state, bool hot)
{
	Filled f(state.range(0));
	auto keys = order(f.n, hot);
	std::vector<vm_isakmp> hdrs(keys.size());
	for (size_t i = 0; i < keys.size(); i++)
		hdrs[i].icookie = cookie(keys[i]);
	vm_pkt pkt{kRemote, kGateway, true, jiffies};
	size_t k = 0;
	for (auto _ : state) {
		vm_decision d{};
		vm_ike_classify(&f.t, &f.cfg, &pkt, &hdrs[k], &d);
		benchmark::DoNotOptimize(d);
		if (++k == hdrs.size())
			k = 0;
	}
	state.counters["assoc"] = f.t.n_ike;
}

// Outbound ESP on a known SPI.
void esp_lookup(benchmark::State &state, bool hot)
{
	Filled f(state.range(0));
	auto keys = order(f.n, hot);
	size_t k = 0;
	for (auto _ : state) {
		size_t i = keys[k];
		vm_pkt pkt{lan(i), kRemote, false, jiffies};
		vm_decision d{};
		benchmark::DoNotOptimize(vm_esp_known(&f.t, &pkt, htonl((u32)i + 0x100), 100, &d));
		if (++k == keys.size())
			k = 0;
	}
	state.counters["assoc"] = f.t.n_esp;
}

void BM_IkeLookupHot(benchmark::State &s) { ike_lookup(s, true); }
void BM_IkeLookupRandom(benchmark::State &s) { ike_lookup(s, false); }
void BM_EspLookupHot(benchmark::State &s) { esp_lookup(s, true); }
void BM_EspLookupRandom(benchmark::State &s) { esp_lookup(s, false); }

// One new ISAKMP association added to a table of n: add then remove, so
// the size stays n.
void BM_IkeInsert(benchmark::State &state)
{
	Filled f(state.range(0));
	size_t i = f.n;
	// room for one more at the largest size max_assoc allows
	vm_ike_del_cookie(&f.t, cookie(0), kRemote);
	for (auto _ : state) {
		if (f.add_ike(i) != VM_ZONE) {
			state.SkipWithError("insert refused");
			break;
		}
		state.PauseTiming();
		vm_ike_del_cookie(&f.t, cookie(i), kRemote);
		i++;
		state.ResumeTiming();
	}
}

// The 1 s expiry sweep over n idle-but-live associations (none expire):
// reported per association.
void BM_ExpirySweep(benchmark::State &state)
{
	Filled f(state.range(0));
	for (auto _ : state)
		benchmark::DoNotOptimize(vm_tables_gc(&f.t, &f.cfg, jiffies + HZ));
	state.SetItemsProcessed(state.iterations() * (f.t.n_ike + f.t.n_esp));
}

#define SIZES Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20)
BENCHMARK(BM_IkeLookupHot)->SIZES;
BENCHMARK(BM_IkeLookupRandom)->SIZES;
BENCHMARK(BM_EspLookupHot)->SIZES;
BENCHMARK(BM_EspLookupRandom)->SIZES;
BENCHMARK(BM_IkeInsert)->SIZES;
BENCHMARK(BM_ExpirySweep)->SIZES->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
