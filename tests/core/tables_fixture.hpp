// The association tables of one namespace, driven as the kernel glue
// drives them: a fixture shared by the core unit tests.
#pragma once

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <vector>

extern "C" {
#include "core/esp.h"
#include "core/isakmp.h"
extern unsigned long jiffies;
extern int vm_shim_fail_alloc;
}

namespace vm_test {

inline __be32 ip(const char *s)
{
	in_addr a{};
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

// Held packets are opaque handles to the tables; here they are ints.
inline std::vector<intptr_t> released, dropped;
inline void on_release(void *p)
{
	released.push_back((intptr_t)p);
}
inline void on_drop(void *p)
{
	dropped.push_back((intptr_t)p);
}

// An ISAKMP header as it starts a UDP 500 payload.
inline std::array<u8, VM_ISAKMP_HDR_LEN> isakmp(u64 icookie, u64 rcookie, u8 version = 0x10,
						u32 length = VM_ISAKMP_HDR_LEN)
{
	std::array<u8, VM_ISAKMP_HDR_LEN> b{};
	std::memcpy(b.data(), &icookie, 8);
	std::memcpy(b.data() + 8, &rcookie, 8);
	b[17] = version;
	b[18] = 2; // identity protection
	b[24] = length >> 24;
	b[25] = length >> 16;
	b[26] = length >> 8;
	b[27] = length;
	return b;
}

class Tables : public ::testing::Test {
protected:
	vpnmasq_stats stats{};
	vm_tables t{};
	vpnmasq_config cfg{};
	const __be32 gw = ip("198.51.100.1");
	const __be32 remote = ip("203.0.113.7");
	const __be32 a = ip("192.168.1.10"), b = ip("192.168.1.11"), c = ip("192.168.1.12");
	intptr_t next_handle = 1;

	void SetUp() override
	{
		jiffies = 5000;
		released.clear();
		dropped.clear();
		vpnmasq_config_defaults(&cfg);
		ASSERT_EQ(vm_tables_init(&t, &stats), 0);
		t.pkt_release = on_release;
		t.pkt_drop = on_drop;
	}
	void TearDown() override
	{
		vm_tables_exit(&t);
	}
	u64 stat(vpnmasq_stat s) const
	{
		return stats.cnt[s];
	}
	// What the kernel glue does right after every sweep, flush or
	// deletion: it deletes the ISAKMP conntrack entries of the flows whose
	// last IKE association went, and conntrack tells the tables.
	void settle()
	{
		vm_flow_key keys[8];
		unsigned int n;
		while ((n = vm_tables_ct_gone(&t, keys, 8)))
			for (unsigned int i = 0; i < n; i++)
				vm_flow_ct_destroyed(&t, keys[i].lan, keys[i].remote, IPPROTO_UDP);
	}
	// The 1 s sweep, then what the glue does after it.
	unsigned int gc()
	{
		unsigned int n = vm_tables_gc(&t, &cfg, jiffies);
		settle();
		return n;
	}
	// What the kernel glue does for a forwarded ESP packet of a LAN host.
	vm_decision out(__be32 lan, u32 spi, __be32 to = 0, intptr_t *handle = nullptr)
	{
		settle();
		vm_pkt pkt{lan, to ? to : remote, false, jiffies, false, false};
		vm_decision d{};
		if (vm_esp_known(&t, &pkt, htonl(spi), 100, &d))
			return d;
		intptr_t h = next_handle++;
		if (handle)
			*handle = h;
		vm_esp_outbound_new(&t, &cfg, &pkt, htonl(spi), (void *)h, &d);
		return d;
	}
	// ...and for an ESP packet from the remote to the public address;
	// with @handle it may be held (and *@handle says which it is).
	vm_decision in(u32 spi, __be32 from = 0, intptr_t *handle = nullptr)
	{
		settle();
		vm_pkt pkt{from ? from : remote, gw, true, jiffies, false, false};
		vm_decision d{};
		if (vm_esp_known(&t, &pkt, htonl(spi), 100, &d))
			return d;
		void *h = nullptr;
		if (handle)
			h = (void *)(*handle = next_handle++);
		vm_esp_inbound_new(&t, &cfg, &pkt, htonl(spi), h, &d);
		vm_refusal_count(&t, &d); // as the kernel glue does when it drops
		return d;
	}
	// A LAN host's ISAKMP packet to the remote: it must get its zone.
	void ike(__be32 lan, u64 cookie)
	{
		vm_isakmp hdr{};
		auto b = isakmp(cookie, 0);
		ASSERT_EQ(vm_isakmp_parse(b.data(), b.size(), &hdr), 0);
		vm_pkt pkt{lan, remote, false, jiffies, false, false};
		vm_decision d{};
		vm_ike_classify(&t, &cfg, &pkt, &hdr, nullptr, &d);
		ASSERT_EQ(d.verdict, VM_ZONE);
	}
	// The gateway's own ISAKMP packet to the remote.
	void local_out(u64 cookie)
	{
		vm_isakmp hdr{};
		auto b = isakmp(cookie, 0);
		ASSERT_EQ(vm_isakmp_parse(b.data(), b.size(), &hdr), 0);
		vm_pkt pkt{gw, remote, false, jiffies, false, false};
		vm_ike_local_out(&t, &cfg, &pkt, &hdr);
	}
};

} // namespace vm_test
