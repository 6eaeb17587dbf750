# SPDX-License-Identifier: GPL-2.0
#
# atcp top-level Makefile.
#   make            build mod/atcp.ko (W=1), the selftests and tools/demo
#   make C=1        ... with sparse (any kbuild variable passes through: V=1, C=2)
#   make deps       apt-get install whatever is missing (quick when all present)
#   make deps KVER=sid   also create/refresh the sid chroot with the newest
#                   Debian kernel (7.x) under build/sid/ (scripts/sid-chroot)
#   make KVER=<ver> / make check KVER=<ver>   build for / boot another kernel:
#                   any host kernel with headers, or the sid chroot's (KVER=sid)
#   make check      deps + build + run every selftest in one QEMU boot
#   make check T=glob   only the selftests whose file name matches (e.g. T='infra*')
#   make check-debug   the same under a debug kernel (KASAN, lockdep, kmemleak, ...)
#                   built once from linux-source-6.1 (~15 min; then ~1 h a run)
#   make demo       deps + build + scripts/demo in the VM (atcp state timeline)
#   make bench      deps + build + atcp-bench in ONE VM boot (TCP vs atcp; see Documentation/performance.md)
#   make vm         interactive shell in the VM (scripts/vmrun)
#   make clean      remove build products (make distclean: also build/ caches)
#   make install    the atcp tool, atcp.ko + atcp_diag.ko, man pages (DESTDIR, PREFIX)
#   make dkms-install   sources to /usr/src/atcp-<version>, dkms add/build/install
#                   for the running kernel (DKMS_KVER); rebuilt on kernel updates
#   make dkms-uninstall dkms remove --all and the sources
# See Documentation/testing.md.

KVER ?= $(shell $(CURDIR)/scripts/kver 2>/dev/null)
# KVER=sid: the kernel of the sid chroot (empty until 'make deps KVER=sid')
KVER_ARG := $(KVER)
ifeq ($(KVER),sid)
override KVER := $(shell KVER=sid $(CURDIR)/scripts/kver 2>/dev/null)
endif
# the kernel's root: empty for the host's, build/sid/root for the chroot's
KROOT := $(shell $(CURDIR)/scripts/kroot $(KVER) 2>/dev/null)
KDIR ?= $(KROOT)/lib/modules/$(KVER)/build
export KVER

DEMO_SRCS := $(wildcard tools/demo/*.c)
DEMO_BINS := $(DEMO_SRCS:.c=)
ATCP_TOOL := tools/atcp/atcp
ATCPIZE_LIB := tools/atcpize/libatcpize.so
PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man

# Debian packages the build and the tests need (make deps)
DEPS := linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static \
	iproute2 linux-source-6.1 kmod cpio ethtool tcpdump tshark libmnl-dev \
	sparse python3 gcc make libc6-dev xz-utils util-linux python3-matplotlib \
	curl iperf3 socat nginx-light openssh-server openssh-client redis-server redis-tools \
	dkms zstd
# ... and what building the debug kernel of make check-debug needs
DEBUG_DEPS := flex bison bc libelf-dev libssl-dev

.PHONY: all module modules selftests tools deps check check-locked check-debug packetdrill demo vm clean distclean headers-check bench install
.PHONY: dkms-src dkms-install dkms-uninstall

# DKMS: the version is dkms.conf's
ATCP_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(CURDIR)/dkms.conf)
DKMS_SRCROOT ?= /usr/src
DKMS_SRC = $(DESTDIR)$(DKMS_SRCROOT)/atcp-$(ATCP_VERSION)
DKMS_KVER ?= $(shell uname -r)

all: module selftests tools

# scripts/kmake runs kbuild on the host, or in the sid chroot for its kernel
module modules: headers-check
	+@scripts/kmake $(KVER) M=$(CURDIR) W=1 modules

headers-check:
	@test -n "$(KVER)" && scripts/kroot "$(KVER)" >/dev/null || { \
		echo "No kernel headers with a matching vmlinuz for '$(KVER_ARG)': run 'make deps'" \
			"(or 'make deps KVER=sid')" >&2; exit 1; }

selftests:
	$(MAKE) -C selftests

tools: $(DEMO_BINS) $(ATCP_TOOL) $(ATCPIZE_LIB) bench/atcp-bench

bench/atcp-bench: bench/atcp-bench.c $(wildcard uapi/linux/*.h tools/include/*.h)
	gcc -static -O2 -Wall -Iuapi -Itools/include -o $@ $< -lm

# the atcp control tool (libmnl, dynamically linked)
ATCP_TOOL_SRCS := tools/atcp/atcp.c tools/atcp/trace.c tools/atcp/svg.c
$(ATCP_TOOL): $(ATCP_TOOL_SRCS) tools/atcp/atcp_tool.h $(wildcard uapi/linux/*.h tools/include/*.h)
	gcc -O2 -Wall -Wextra -Iuapi -Itools/include -o $@ $(ATCP_TOOL_SRCS) -lmnl -lm

# the preload library behind atcpize (tools/atcpize/atcpize is a script)
$(ATCPIZE_LIB): tools/atcpize/libatcpize.c $(wildcard uapi/linux/*.h tools/include/*.h)
	gcc -O2 -Wall -Wextra -Iuapi -Itools/include -shared -fPIC -o $@ $< -ldl

install: all
	install -D -m 0755 $(ATCP_TOOL) $(DESTDIR)$(PREFIX)/sbin/atcp
	install -D -m 0644 mod/atcp.ko $(DESTDIR)/lib/modules/$(KVER)/extra/atcp.ko
	install -D -m 0644 mod/atcp_diag.ko $(DESTDIR)/lib/modules/$(KVER)/extra/atcp_diag.ko
	install -D -m 0644 Documentation/man/atcp.7 $(DESTDIR)$(MANDIR)/man7/atcp.7
	install -D -m 0644 Documentation/man/atcp.8 $(DESTDIR)$(MANDIR)/man8/atcp.8
	install -D -m 0644 $(ATCPIZE_LIB) $(DESTDIR)$(PREFIX)/lib/atcpize/libatcpize.so
	install -d $(DESTDIR)$(PREFIX)/bin
	sed 's|^LIB_INSTALLED=$$|LIB_INSTALLED=$(PREFIX)/lib/atcpize/libatcpize.so|' \
		tools/atcpize/atcpize >$(DESTDIR)$(PREFIX)/bin/atcpize.tmp
	chmod 0755 $(DESTDIR)$(PREFIX)/bin/atcpize.tmp
	mv $(DESTDIR)$(PREFIX)/bin/atcpize.tmp $(DESTDIR)$(PREFIX)/bin/atcpize
	install -D -m 0644 Documentation/man/atcpize.8 $(DESTDIR)$(MANDIR)/man8/atcpize.8
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

# what dkms builds from: Kbuild, mod/, uapi/ and dkms.conf
dkms-src:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)/mod $(DKMS_SRC)/uapi/linux
	install -m 0644 dkms.conf Kbuild $(DKMS_SRC)/
	install -m 0644 mod/*.[ch] mod/Kbuild $(DKMS_SRC)/mod/
	install -m 0644 uapi/linux/*.h $(DKMS_SRC)/uapi/linux/

dkms-install: dkms-src
	dkms status -m atcp -v $(ATCP_VERSION) | grep -q . || dkms add -m atcp -v $(ATCP_VERSION)
	dkms install -m atcp -v $(ATCP_VERSION) -k $(DKMS_KVER)

dkms-uninstall:
	-dkms remove -m atcp -v $(ATCP_VERSION) --all
	rm -rf $(DKMS_SRC)

tools/demo/%: tools/demo/%.c $(wildcard uapi/linux/*.h tools/include/*.h)
	gcc -static -O2 -Wall -Iuapi -Itools/include -o $@ $<

deps:
	@scripts/deps $(DEPS)
	@scripts/deps-newer-headers
	@if [ "$(KVER_ARG)" = sid ]; then scripts/deps debootstrap && scripts/sid-chroot >/dev/null; fi

# deps first, then a fresh make (KVER may only exist after deps)
# A selftest that does not compile counts as failed (the runner reports its
# binary missing) instead of stopping the whole check.
# One 'make check' per checkout at a time: a second one would rebuild the
# module under the first one's VM and overwrite its build/check/.  It is
# refused (flock on build/.check.lock); run it in another clone instead.
check: deps
	@mkdir -p build; exec 9>build/.check.lock; \
	if ! flock -n 9; then \
		echo "check: another 'make check' is running in $(CURDIR)" \
			"(it holds build/.check.lock); wait for it or use a separate clone"; \
		echo "0 passed, 1 failed, 0 skipped"; exit 1; \
	fi; \
	$(MAKE) --no-print-directory check-locked

check-locked:
	@$(MAKE) --no-print-directory module tools || { \
		echo "module build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
	@$(MAKE) --no-print-directory -k selftests || \
		echo "check: some selftests did not build; they count as failed"
	@scripts/check

# Not part of .ci/run: the first run builds a kernel (scripts/debug-kernel).
check-debug: deps
	@scripts/deps $(DEBUG_DEPS)
	@$(MAKE) --no-print-directory tools
	@$(MAKE) --no-print-directory -k selftests || \
		echo "check-debug: some selftests did not build; they count as failed"
	@scripts/check-debug

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/vmrun scripts/demo $(DEMO_ARGS)

# One boot: memory, then stream/rr/crr alternating TCP and atcp; the plot is
# made on the host.  BENCH_ARGS passes options (e.g. --rounds 5).
bench: deps
	@$(MAKE) --no-print-directory module tools
	@mkdir -p build/bench
	@{ VMRUN_APPEND=slab_nomerge VMRUN_OUT=build/bench scripts/vmrun \
		bench/atcp-bench --out build/bench $(BENCH_ARGS) 2>&1; echo $$? >build/bench/rc; } | \
		sed -u 's/\r$$//' | tee build/bench/console.log
	@/usr/bin/python3 bench/plot.py build/bench || true
	@exit $$(cat build/bench/rc)

# packetdrill's IPv4 TCP scripts against Linux TCP and atcp in one boot
# (PACKETDRILL = a built packetdrill tree's gtests/net; skipped when unset)
packetdrill: deps
	@$(MAKE) --no-print-directory module tools
	@scripts/packetdrill $(PACKETDRILL)

vm: all
	@scripts/vmrun

clean:
	@if [ -d "$(KDIR)" ]; then scripts/kmake $(KVER) M=$(CURDIR) clean; fi
	rm -f mod/*.o mod/*.ko mod/*.mod mod/*.mod.c mod/.*.cmd mod/modules.order
	rm -f Module.symvers modules.order
	$(MAKE) -C selftests clean
	rm -f $(DEMO_BINS) $(ATCP_TOOL) $(ATCPIZE_LIB) bench/atcp-bench
	rm -rf build/check build/check-debug build/vm/runs build/vm/last

distclean: clean
	rm -rf build
