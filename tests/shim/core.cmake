# The module's core, kmod/core/*.c, as a static library compiled against
# tests/shim: include() it, then vpnmasq_core_library(NAME).
set(VPNMASQ_KMOD ${CMAKE_CURRENT_LIST_DIR}/../../kmod)
set(VPNMASQ_SHIM ${CMAKE_CURRENT_LIST_DIR})
file(GLOB VPNMASQ_CORE_SOURCES CONFIGURE_DEPENDS ${VPNMASQ_KMOD}/core/*.c)

function(vpnmasq_core_library name)
	add_library(${name} STATIC ${VPNMASQ_CORE_SOURCES} ${VPNMASQ_SHIM}/shim.c)
	target_include_directories(${name} BEFORE PUBLIC ${VPNMASQ_SHIM}
		${VPNMASQ_KMOD}/include/uapi ${VPNMASQ_KMOD})
endfunction()
