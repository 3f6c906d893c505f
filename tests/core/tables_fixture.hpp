// The association tables of one namespace, driven as the kernel glue
// drives them: a fixture shared by the core unit tests.
#pragma once

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstring>
#include <vector>

extern "C" {
#include "table.h"
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
	// What the kernel glue does for a forwarded ESP packet of a LAN host.
	vm_decision out(__be32 lan, u32 spi, __be32 to = 0, intptr_t *handle = nullptr)
	{
		vm_pkt pkt{lan, to ? to : remote, false, jiffies};
		vm_decision d{};
		if (vm_esp_known(&t, &pkt, htonl(spi), 100, &d))
			return d;
		intptr_t h = next_handle++;
		if (handle)
			*handle = h;
		vm_esp_outbound_new(&t, &cfg, &pkt, htonl(spi), (void *)h, &d);
		return d;
	}
	// ...and for an ESP packet from the remote to the public address.
	vm_decision in(u32 spi, __be32 from = 0)
	{
		vm_pkt pkt{from ? from : remote, gw, true, jiffies};
		vm_decision d{};
		if (vm_esp_known(&t, &pkt, htonl(spi), 100, &d))
			return d;
		vm_esp_inbound_new(&t, &cfg, &pkt, htonl(spi), &d);
		return d;
	}
	void ike(__be32 lan, u64 cookie)
	{
		u8 b[VM_ISAKMP_HDR_LEN] = {};
		memcpy(b, &cookie, 8);
		b[17] = 0x10;
		b[27] = 28;
		vm_isakmp hdr{};
		ASSERT_EQ(vm_isakmp_parse(b, sizeof(b), &hdr), 0);
		vm_pkt pkt{lan, remote, false, jiffies};
		vm_decision d{};
		vm_ike_classify(&t, &cfg, &pkt, &hdr, &d);
		ASSERT_EQ(d.verdict, VM_ZONE);
	}
};

} // namespace vm_test
