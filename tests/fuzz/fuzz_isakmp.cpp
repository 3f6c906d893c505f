// The ISAKMP/IKE header parser on arbitrary bytes: it must accept exactly
// the buffers that hold a header and copy the fields it reports.
#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" {
#include "core/esp.h"
#include "core/isakmp.h"
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vm_isakmp hdr;
	memset(&hdr, 0xa5, sizeof(hdr));
	if (vm_isakmp_parse(data, size, &hdr))
		return 0;
	// Accepted: a whole header was there and the cookies are its own.
	if (size < VM_ISAKMP_HDR_LEN || memcmp(&hdr.icookie, data, 8) ||
	    memcmp(&hdr.rcookie, data + 8, 8) || hdr.version != data[17] ||
	    hdr.exchange != data[18] || hdr.flags != data[19])
		abort();
	// ...and it is one: a cookie, IKE version 1 or 2, a length that
	// covers at least the header.
	uint32_t len = (uint32_t)data[24] << 24 | (uint32_t)data[25] << 16 |
		       (uint32_t)data[26] << 8 | data[27];
	if (!hdr.icookie || ((data[17] >> 4) != 1 && (data[17] >> 4) != 2) ||
	    len < VM_ISAKMP_HDR_LEN)
		abort();
	return 0;
}
