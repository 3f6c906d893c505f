# vpnmasq: top-level build. See README.md.
#   make [KVER=<kernel>]   module for that kernel's headers + vpnmasq-ctl
#   make install           module (updates/, depmod) + tool
#   make check             every test (installs its dependencies)
#   make demo              boots the VM and shows vpnmasq at work

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
# Kernels the project targets: Debian 12's 6.1 and 6.12 flavours.
KVERS_ALL ?= $(shell scripts/kernels.sh)

BUILD   := $(CURDIR)/build
KOBJ    := $(BUILD)/kmod/$(KVER)
UBUILD  := $(BUILD)/userspace
PREFIX  ?= /usr/local
DESTDIR ?=

KBUILD_ARGS := -C $(KDIR) M=$(KOBJ) CONFIG_NF_VPNMASQ=m

.PHONY: all module modules-all tool install install-module install-tool \
	check demo deps checkpatch sparse unit clean

all: module tool

$(KDIR):
	@echo "vpnmasq: no kernel headers for $(KVER) (install linux-headers-$(KVER) or pass KVER=)" >&2
	@false

# Kbuild writes objects next to the sources, so each kernel gets its own
# tree of symlinks to kmod/ and both kernels can be built side by side.
$(KOBJ)/Kbuild: | $(KDIR)
	@mkdir -p $(KOBJ)
	@cp -rs $(CURDIR)/kmod/. $(KOBJ)/

module: $(KOBJ)/Kbuild
	@cp -rs --remove-destination $(CURDIR)/kmod/. $(KOBJ)/
	$(MAKE) $(KBUILD_ARGS) $(if $(WERROR),KCFLAGS=-Werror) modules

modules-all:
	@set -e; for k in $(KVERS_ALL); do $(MAKE) --no-print-directory module KVER=$$k; done

sparse: $(KOBJ)/Kbuild
	@cp -rs --remove-destination $(CURDIR)/kmod/. $(KOBJ)/
	$(MAKE) $(KBUILD_ARGS) C=2 modules

tool:
	cmake -S userspace -B $(UBUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(UBUILD) -j$(shell nproc)

install: install-module install-tool

# File targets, so that installing what is already built runs neither
# kbuild nor cmake (slow in the test VM).
KSRC := $(wildcard kmod/*.c kmod/*.h kmod/Kbuild kmod/include/uapi/linux/*.h)
USRC := $(wildcard userspace/CMakeLists.txt userspace/src/*) kmod/version.h \
	kmod/include/uapi/linux/vpnmasq.h

$(KOBJ)/vpnmasq.ko: $(KSRC)
	$(MAKE) --no-print-directory module

$(UBUILD)/vpnmasq-ctl: $(USRC)
	$(MAKE) --no-print-directory tool

MODDIR := $(DESTDIR)/lib/modules/$(KVER)/updates

install-module: $(KOBJ)/vpnmasq.ko
	install -D -m 0644 $< $(MODDIR)/vpnmasq.ko
	$(if $(DESTDIR),,depmod -a $(KVER))

install-tool: $(UBUILD)/vpnmasq-ctl
	install -D -m 0755 $< $(DESTDIR)$(PREFIX)/sbin/vpnmasq-ctl

deps:
	scripts/deps.sh

checkpatch:
	scripts/checkpatch.sh

unit: tool
	ctest --test-dir $(UBUILD) --output-on-failure

check:
	scripts/check.sh

demo:
	scripts/demo.sh

clean:
	rm -rf $(BUILD)
