// Tunable defaults and cross-field checks, on the module's own config.c.
#include <gtest/gtest.h>

extern "C" {
#include "core/config.h"
#include <linux/vpnmasq.h>
}

namespace {

vpnmasq_config defaults()
{
	vpnmasq_config cfg{};
	vpnmasq_config_defaults(&cfg);
	return cfg;
}

TEST(Config, DefaultsAreInsideTheirRanges)
{
	const auto cfg = defaults();
	EXPECT_EQ(cfg.enabled, 1);
	EXPECT_EQ(cfg.pptp, 1);
	EXPECT_GE(cfg.ike_timeout, VPNMASQ_TIMEOUT_MIN);
	EXPECT_LE(cfg.ike_timeout, VPNMASQ_TIMEOUT_MAX);
	EXPECT_GE(cfg.esp_timeout, VPNMASQ_TIMEOUT_MIN);
	EXPECT_LE(cfg.esp_timeout, VPNMASQ_TIMEOUT_MAX);
	EXPECT_GE(cfg.serial_wait, VPNMASQ_SERIAL_WAIT_MIN);
	EXPECT_LE(cfg.serial_wait, VPNMASQ_SERIAL_WAIT_MAX);
	EXPECT_GE(cfg.max_assoc, VPNMASQ_MAX_ASSOC_MIN);
	EXPECT_LE(cfg.max_assoc, VPNMASQ_MAX_ASSOC_MAX);
	EXPECT_LE(cfg.hold_max, VPNMASQ_HOLD_MAX_MAX);
	EXPECT_NE(cfg.zone_base, 0) << "zone 0 is everybody's default zone";
	EXPECT_TRUE(vpnmasq_zones_fit(&cfg));
}

TEST(Config, ZoneRangeMustFitSixteenBits)
{
	auto cfg = defaults();
	cfg.zone_base = 65535;
	cfg.zone_count = 1;
	EXPECT_TRUE(vpnmasq_zones_fit(&cfg));
	cfg.zone_count = 2;
	EXPECT_FALSE(vpnmasq_zones_fit(&cfg));
	cfg.zone_base = 1;
	cfg.zone_count = 65535;
	EXPECT_TRUE(vpnmasq_zones_fit(&cfg));
}

} // namespace
