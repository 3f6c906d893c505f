// What the state-machine fuzz targets share: one namespace's tables driven
// by one input, addresses to pick from, held packets as heap cells (a leak
// or a second release shows up in ASan), and the steps that are not
// packets: time passing, the gc, a conntrack entry dying, a flush.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <span>

extern "C" {
#include "core/esp.h"
#include "core/isakmp.h"
extern unsigned long jiffies;
}

namespace fuzz {

constexpr __be32 addr(uint32_t host_order)
{
	return __builtin_bswap32(host_order);
}

inline const __be32 kGateway = addr(0xc6336401);

inline __be32 pick(FuzzedDataProvider &in, std::span<const __be32> a)
{
	return a[in.ConsumeIntegralInRange<size_t>(0, a.size() - 1)];
}

// The held packets of the input being run.
inline std::set<void *> *held;

inline void pkt_done(void *p)
{
	if (!held->erase(p))
		abort(); // released or dropped twice, or never held
	free(p);
}

// A packet the tables may hold: the caller lets go of it (pkt_done) unless
// they did.
inline void *pkt_new()
{
	void *p = malloc(1);
	held->insert(p);
	return p;
}

// What the kernel glue does after every sweep, flush or deletion: the
// ISAKMP conntrack entries of flows whose last IKE association went are
// deleted, and conntrack tells the tables.
inline void settle(vm_tables *t)
{
	vm_flow_key keys[4];
	unsigned int n;
	while ((n = vm_tables_ct_gone(t, keys, 4)))
		for (unsigned int i = 0; i < n; i++)
			vm_flow_ct_destroyed(t, keys[i].lan, keys[i].remote, IPPROTO_UDP);
}

// The tables for one input: jiffies and the defaults from the input's first
// bytes; the target sets its limits before init().
struct Run {
	std::set<void *> cells;
	vpnmasq_stats stats{};
	vpnmasq_config cfg{};
	vm_tables t{};

	explicit Run(FuzzedDataProvider &in)
	{
		held = &cells;
		jiffies = in.ConsumeIntegral<u32>(); // wraparound included
		vpnmasq_config_defaults(&cfg);
	}
	bool init()
	{
		if (vm_tables_init(&t, &stats))
			return false;
		t.pkt_release = pkt_done;
		t.pkt_drop = pkt_done;
		return true;
	}
	// Everything freed (LeakSanitizer checks), every held packet let go of.
	void finish()
	{
		settle(&t);
		vm_tables_exit(&t);
		if (!cells.empty())
			abort(); // a held packet was neither released nor dropped
	}
};

// Step @which (0 to 3) of those that are not packets.
inline void other_step(FuzzedDataProvider &in, Run &r, int which,
		       std::span<const __be32> lans, std::span<const __be32> remotes)
{
	switch (which) {
	case 0: // time passes; the serialization worker runs
		jiffies += in.ConsumeIntegralInRange<unsigned long>(0, 3 * HZ);
		vm_esp_serial_tick(&r.t, &r.cfg, jiffies);
		break;
	case 1: // the 1 s gc, possibly long after
		jiffies += in.ConsumeIntegralInRange<unsigned long>(0, 700 * HZ);
		vm_tables_gc(&r.t, &r.cfg, jiffies);
		settle(&r.t);
		break;
	case 2:
		vm_flow_ct_destroyed(&r.t, pick(in, lans), pick(in, remotes),
				     in.ConsumeBool() ? IPPROTO_UDP : IPPROTO_ESP);
		break;
	default:
		vm_tables_flush(&r.t, in.ConsumeBool() ? 0 : pick(in, lans),
				in.ConsumeIntegralInRange(1, 3));
		settle(&r.t);
		break;
	}
}

} // namespace fuzz
