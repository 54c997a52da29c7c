# berth build. `make` (release), `make DEBUG=1` (ASan/UBSan), `make check` (all tests),
# `make unit`, `make integration`, `make format`, `make format-check`, `make install`,
# `make conformance` (third-party OCI suites), `make bench`.
CC       ?= cc
PREFIX   ?= /usr/local
DEBUG    ?= 0
PKGS     := jansson libseccomp libarchive libcrypto libcurl libmnl libnftables libmicrohttpd yaml-0.1
# libcurl, libarchive, libmicrohttpd, libcrypto and libnftables are opened on first use
# (util/dlib.h): their headers, not their link
LINKPKGS := jansson libseccomp libmnl
# libyaml (compose files) is linked: it needs only libc and costs no start-up time
LINKPKGS += yaml-0.1

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
            -Wvla -Wimplicit-fallthrough -Wno-unused-parameter -Wno-missing-field-initializers
CPPFLAGS += -Isrc -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS)) \
            -DBERTH_DATADIR='"$(PREFIX)/share/berth"'
LIBS     := $(shell pkg-config --libs $(LINKPKGS))
# tests make tars and the like with libarchive functions berth itself does not forward
TEST_LIBS := $(shell pkg-config --libs $(PKGS))

ifeq ($(DEBUG),1)
BUILD    ?= build/debug
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -DBERTH_DEBUG
LDOPT    := -fsanitize=address,undefined
else
BUILD    ?= build/release
OPT      := -O2 -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection \
            -fcf-protection -fPIE
LDOPT    := -pie -Wl,-z,relro,-z,now
endif
CFLAGS   += -std=gnu11 $(WARN) $(OPT) -MMD -MP

LIB_SRC  := $(wildcard src/util/*.c src/runtime/*.c src/image/*.c src/net/*.c src/vm/*.c src/engine/*.c \
            src/build/*.c src/api/*.c src/compose/*.c src/kube/*.c src/app/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libberth.a

RT_SRC   := $(wildcard src/cli/runtime/*.c)
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/%.o)
RUNTIME  := $(BUILD)/bin/berth-runtime
RUNTIME_VM := $(BUILD)/bin/berth-runtime-vm

BERTH_SRC := $(wildcard src/cli/berth/*.c)
BERTH_OBJ := $(BERTH_SRC:%.c=$(BUILD)/%.o)
BERTH    := $(BUILD)/bin/berth
DEFAULT_IMAGE := $(BUILD)/share/berth/default-image.tar
DATADIR  := $(PREFIX)/share/berth

UNIT_SRC := $(wildcard tests/unit/*/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
PROBE    := $(BUILD)/tests/helpers/probe
INIT     := $(BUILD)/share/berth/berth-init
PAUSE    := $(BUILD)/share/berth/berth-pause
VM_INIT  := $(BUILD)/share/berth/berth-vm-init

.PHONY: all check unit integration format format-check install clean conformance bench bench-pull bench-build bench-run bench-net bench-vm bench-vm-boots bench-compare bench-api bench-system bench-compose bench-rootless fuzz
all: $(RUNTIME) $(RUNTIME_VM) $(BERTH) $(PROBE) $(DEFAULT_IMAGE) $(INIT) $(VM_INIT) $(PAUSE)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

$(RUNTIME): $(RT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDOPT) -o $@ $(RT_OBJ) $(LIB) $(LIBS)

# berth-runtime-vm: the same binary, every container a VM (vm/shim.h)
$(RUNTIME_VM): $(RUNTIME)
	@ln -sf berth-runtime $@

$(BERTH): $(BERTH_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDOPT) -o $@ $(BERTH_OBJ) $(LIB) $(LIBS)

# The built-in image: busybox and the probe, imported and saved by the berth just built.
$(DEFAULT_IMAGE): $(BERTH) $(PROBE) scripts/mkdefault
	@mkdir -p $(dir $@)
	scripts/mkdefault $(BERTH) $(PROBE) $@

# --init's reaper goes into containers: static, no sanitizers.
$(INIT): src/init/berth-init.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# A pod's infra container holds its namespaces with this: static, no sanitizers.
$(PAUSE): src/init/berth-pause.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# The guest init is PID 1 inside VMs: static, no sanitizers.
$(VM_INIT): $(wildcard src/vm/guest/*.c) src/vm/guest/guest.h src/vm/proto.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -Isrc -o $@ $(filter %.c,$^)

# The probe goes into test rootfs images: static, no sanitizers.
$(PROBE): tests/helpers/probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# the command line's own logic (flags, templates, output) is tested without its main()
CLI_TEST_OBJ := $(addprefix $(BUILD)/src/cli/berth/,flags.o template.o template_value.o output.o prune.o)
$(BUILD)/tests/unit/cli/%: tests/unit/cli/%.c $(CLI_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDOPT) -o $@ $< $(CLI_TEST_OBJ) $(LIB) $(TEST_LIBS) -lcmocka

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDOPT) -o $@ $< $(LIB) $(TEST_LIBS) -lcmocka

unit: $(UNIT_BIN)
	@tests/run-unit $(UNIT_BIN)

integration: all
	@BERTH_BUILD=$(abspath $(BUILD)) tests/run-integration

check: all $(UNIT_BIN)
	@BERTH_BUILD=$(abspath $(BUILD)) tests/run-all $(UNIT_BIN)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES)

install: all
	install -D -m 0755 $(RUNTIME) $(DESTDIR)$(PREFIX)/bin/berth-runtime
	ln -sf berth-runtime $(DESTDIR)$(PREFIX)/bin/berth-runtime-vm
	install -D -m 0755 $(BERTH) $(DESTDIR)$(PREFIX)/bin/berth
	install -D -m 0644 $(DEFAULT_IMAGE) $(DESTDIR)$(DATADIR)/default-image.tar
	install -D -m 0755 $(INIT) $(DESTDIR)$(DATADIR)/berth-init
	install -D -m 0755 $(PAUSE) $(DESTDIR)$(DATADIR)/berth-pause
	install -D -m 0755 $(VM_INIT) $(DESTDIR)$(DATADIR)/berth-vm-init
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	for u in berth-boot.service berth.service berth.socket; do \
		sed 's|@BINDIR@|$(PREFIX)/bin|' contrib/systemd/$$u >$(DESTDIR)$(PREFIX)/lib/systemd/system/$$u; \
	done
	if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		systemctl daemon-reload && systemctl enable berth-boot.service || \
		echo "install: berth-boot.service not enabled (systemctl enable failed)" >&2; fi

conformance: all
	@BERTH_BUILD=$(abspath $(BUILD)) tests/conformance/run

# libFuzzer harnesses (clang): the spec parser, manifests and configs, the layer applier, the
# Containerfile parser.
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CC  := clang -std=gnu11 -g -O1 -fsanitize=address,undefined $(CPPFLAGS)
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
# kept between runs: make would delete them as intermediates and compile the library again
.SECONDARY: $(FUZZ_OBJ)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	@$(FUZZ_CC) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(TEST_LIBS)
fuzz: $(FUZZ_BIN)
	@tests/run-fuzz $(FUZZ_BIN)

bench: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/runtime-start

bench-run: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/run

bench-compare: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/compare

bench-vm: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/vm
bench-vm-boots: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/vm-boots

bench-net: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/net

bench-pull: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/pull

bench-build: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/build

bench-api: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/api

bench-system: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/system

bench-compose: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/compose

bench-rootless: all
	@BERTH_BUILD=$(abspath $(BUILD)) bench/rootless

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(RT_OBJ:.o=.d) $(BERTH_OBJ:.o=.d)
