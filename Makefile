# vpnmasq: top-level build. See README.md.
#   make [KVER=<kernel>]   module for that kernel's headers + vpnmasq-ctl
#   make install           module (updates/, depmod) + install-userspace
#   make install-userspace tool, man pages, bash completion, systemd unit,
#                          example configs (DESTDIR, PREFIX honoured)
#   make dkms-install      module source to /usr/src, DKMS builds and installs
#                          it for KVER= or every kernel with headers
#   make dkms-remove       every vpnmasq version out of DKMS and /usr/src
#   make uninstall         what make install put there, but the config
#   make man               build/man/*.8 from doc/*.scd
#   make deb               build/deb/vpnmasq-dkms_VERSION_all.deb and
#                          vpnmasq_VERSION_ARCH.deb (debian/, dh + dh-dkms)
#   make lintian           lintian on what make deb built
#   make patches           build/patches/vpnmasq-linux-SERIES.patch
#   make check             every test (installs its dependencies)
#   make check-rekey       the rekey soak (real peers rekeying under traffic)
#   make check-debug       the VM tests on KASAN/lockdep/kmemleak and KCSAN
#                          kernels built from linux-source-6.12 (cached)
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
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/vpnmasq
SYSCONFDIR  ?= /etc
UNITDIR     ?= /lib/systemd/system
BASHCOMPDIR ?= /usr/share/bash-completion/completions

VERSION := $(shell sed -n 's/.*VPNMASQ_VERSION "\(.*\)".*/\1/p' kmod/version.h)

KBUILD_ARGS := -C $(KDIR) M=$(KOBJ) CONFIG_NF_VPNMASQ=m

.PHONY: all module modules-all tool install install-module install-tool \
	check demo deps checkpatch sparse unit clean man unit-file \
	install-userspace install-man install-completion install-unit \
	install-config uninstall dkms-source dkms-install dkms-remove FORCE

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

install: install-module install-userspace

# File targets, so that installing what is already built runs neither
# kbuild nor cmake (slow in the test VM).
KSRC := $(wildcard kmod/*.c kmod/*.h kmod/core/*.c kmod/core/*.h kmod/Kbuild \
	kmod/include/uapi/linux/*.h)
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
	install -D -m 0755 $< $(DESTDIR)$(SBINDIR)/vpnmasq-ctl

# --- packaging: man pages, completion, systemd unit, configs, DKMS --------

MANS := $(BUILD)/man/vpnmasq.8 $(BUILD)/man/vpnmasq-ctl.8
UNIT := $(BUILD)/packaging/vpnmasq.service
COMPLETION := $(BUILD)/completion/vpnmasq-ctl

man: $(MANS)

$(BUILD)/man/%.8: doc/%.8.scd kmod/version.h
	@mkdir -p $(@D)
	@command -v scdoc >/dev/null || { echo "vpnmasq: scdoc missing (apt-get install scdoc)" >&2; exit 1; }
	sed 's/@VERSION@/$(VERSION)/g' $< | scdoc >$@.tmp && mv $@.tmp $@

# The unit names the tool where install-tool puts it: regenerated whenever
# SBINDIR or SYSCONFDIR differ from the last time.
unit-file: $(UNIT)
$(UNIT): packaging/vpnmasq.service.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(COMPLETION): $(UBUILD)/vpnmasq-ctl
	@mkdir -p $(@D)
	@if ! $< completion bash >$@.tmp 2>$@.err || ! [ -s $@.tmp ]; then \
		echo "vpnmasq: '$< completion bash' failed, no bash completion to install:" >&2; \
		sed 's/^/    /' $@.err >&2; rm -f $@.tmp $@.err; exit 1; fi
	@rm -f $@.err
	mv $@.tmp $@

install-userspace: install-tool install-man install-completion install-unit install-config

install-man: $(MANS)
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MANS) $(DESTDIR)$(MANDIR)/man8/

install-completion: $(COMPLETION)
	install -D -m 0644 $< $(DESTDIR)$(BASHCOMPDIR)/vpnmasq-ctl

install-unit: $(UNIT)
	install -D -m 0644 $< $(DESTDIR)$(UNITDIR)/vpnmasq.service
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# The live config is the admin's: installed once, never overwritten.
install-config:
	install -D -m 0644 packaging/vpnmasq.conf $(DESTDIR)$(DOCDIR)/examples/vpnmasq.conf
	install -D -m 0644 packaging/modprobe.d/vpnmasq.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/vpnmasq.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/vpnmasq/vpnmasq.conf ]; then \
		echo "vpnmasq: keeping $(DESTDIR)$(SYSCONFDIR)/vpnmasq/vpnmasq.conf"; \
	else \
		echo install -D -m 0644 packaging/vpnmasq.conf $(DESTDIR)$(SYSCONFDIR)/vpnmasq/vpnmasq.conf; \
		install -D -m 0644 packaging/vpnmasq.conf $(DESTDIR)$(SYSCONFDIR)/vpnmasq/vpnmasq.conf; \
	fi

# Leaves /etc/vpnmasq/vpnmasq.conf (the admin's) and DKMS (dkms-remove).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vpnmasq-ctl $(DESTDIR)$(BASHCOMPDIR)/vpnmasq-ctl \
		$(DESTDIR)$(UNITDIR)/vpnmasq.service \
		$(DESTDIR)$(MANDIR)/man8/vpnmasq.8 $(DESTDIR)$(MANDIR)/man8/vpnmasq-ctl.8 \
		$(DESTDIR)/lib/modules/$(KVER)/updates/vpnmasq.ko
	rm -rf $(DESTDIR)$(DOCDIR)
	$(if $(DESTDIR),,depmod -a $(KVER))

# DKMS: the source tree /usr/src/vpnmasq-VERSION holds dkms.conf and kmod/
# as in this repository. Without KVER= on the command line (or in the
# environment), DKMS builds for every kernel whose headers are installed.
DKMS_SRC   := $(DESTDIR)/usr/src/vpnmasq-$(VERSION)
DKMS_KVERS := $(if $(filter command line environment,$(origin KVER)),$(KVER),\
	$(shell for d in /lib/modules/*/build; do [ -e "$$d/Makefile" ] && \
		basename "$${d%/build}"; done))

dkms-source:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)
	cp --parents $(KSRC) $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf.in >$(DKMS_SRC)/dkms.conf

# A re-install removes the version first, so DKMS rebuilds from the current
# sources. DKMS and `make install-module` are alternatives: a plain copy in
# updates/ would shadow the DKMS one or be taken for the distribution's.
dkms-install:
	@[ -z "$(DESTDIR)" ] || { echo "vpnmasq: dkms-install acts on this system; for a staged tree use dkms-source" >&2; exit 1; }
	@command -v dkms >/dev/null || { echo "vpnmasq: dkms missing (apt-get install dkms)" >&2; exit 1; }
	@[ -n "$(DKMS_KVERS)" ] || { echo "vpnmasq: no kernel headers found under /lib/modules/*/build" >&2; exit 1; }
	@if [ -n "$$(dkms status -m vpnmasq -v $(VERSION))" ]; then \
		echo dkms remove -m vpnmasq -v $(VERSION) --all; \
		dkms remove -m vpnmasq -v $(VERSION) --all; fi
	$(MAKE) --no-print-directory dkms-source
	dkms add -m vpnmasq -v $(VERSION)
	@set -e; for k in $(DKMS_KVERS); do \
		if [ -e /lib/modules/$$k/updates/vpnmasq.ko ]; then \
			echo "vpnmasq: removing /lib/modules/$$k/updates/vpnmasq.ko (make install's): DKMS takes over"; \
			rm -f /lib/modules/$$k/updates/vpnmasq.ko; fi; \
		echo dkms install -m vpnmasq -v $(VERSION) -k $$k; \
		dkms install -m vpnmasq -v $(VERSION) -k $$k; \
	done

dkms-remove:
	@command -v dkms >/dev/null || { echo "vpnmasq: dkms missing" >&2; exit 1; }
	@set -e; for v in $$(dkms status -m vpnmasq | sed -n 's|^vpnmasq/\([^,:]*\)[,:].*|\1|p' | sort -u); do \
		echo dkms remove -m vpnmasq -v $$v --all; \
		dkms remove -m vpnmasq -v $$v --all; \
		rm -rf /usr/src/vpnmasq-$$v; \
	done
	rm -rf /usr/src/vpnmasq-$(VERSION)

FORCE:

deps:
	scripts/deps.sh

checkpatch:
	scripts/checkpatch.sh

# vpnmasq as a patch to Linux 6.1 and 6.12, generated from kmod/ into
# build/patches/ (the series are in patches/series; see patches/README)
.PHONY: patches check-intree
patches:
	scripts/mkpatch.sh

check-intree:
	scripts/check-intree.sh

# Debian packages (debian/, built in a copy under build/deb/; see
# packaging/README). lintian fails on errors and warnings.
.PHONY: deb lintian
deb:
	scripts/mkdeb.sh

LINTIAN_CHANGES = $(BUILD)/deb/vpnmasq_$(VERSION)_$(shell dpkg --print-architecture).changes
lintian:
	@[ -s $(LINTIAN_CHANGES) ] || { echo "vpnmasq: no $(LINTIAN_CHANGES) (make deb)" >&2; exit 1; }
	lintian --fail-on error,warning --display-info --pedantic --show-overrides \
		--tag-display-limit 0 $(LINTIAN_CHANGES)

unit: tool
	ctest --test-dir $(UBUILD) --output-on-failure

# libFuzzer on the core: 10 million executions per target (FUZZ_RUNS=N)
.PHONY: fuzz bench
FUZZ_RUNS ?= 10000000
fuzz:
	scripts/fuzz.sh $(FUZZ_RUNS)

# Every performance figure and its target: the core tables (Google
# Benchmark) and, in the VM on each kernel, packets per second, memory per
# association and serialization latency (docs/performance.md). Not timed
# in make check, which only runs each benchmark briefly.
bench:
	scripts/bench.sh

check:
	scripts/check.sh

# The rekey soak with real peers on both kernels, every round (some 30
# minutes a kernel under TCG); make check runs its rounds of one server.
.PHONY: check-rekey
check-rekey:
	scripts/check-rekey.sh

# Debug kernels from linux-source-6.12, built once and cached under
# /var/cache/vpnmasq (scripts/debug-kernel.sh), and the packet-path and
# teardown VM tests on them (docs/reliability.md). Not part of make check.
.PHONY: check-debug debug-kernels
check-debug:
	scripts/check-debug.sh

debug-kernels:
	scripts/debug-kernel.sh build kasan
	scripts/debug-kernel.sh build kcsan

demo:
	scripts/demo.sh

clean:
	rm -rf $(BUILD)
