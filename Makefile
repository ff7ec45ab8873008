# Makefile - build, test, run and benchmark wikicrawl.
#
#   make        build/wikicrawl (optimised)       make test   install what is missing, build with
#   make run    install, build, start `serve`                  ASan+UBSan, run every test
#   make bench  benchmarks -> BENCHMARKS.md        make fuzz   bounded libFuzzer runs (clang)
#   make format clang-format the C sources         make clean
#
# Targets that need Debian packages first run scripts/deps.sh (installs what is missing when run as
# root, otherwise says what to install) and then re-enter make, so that pkg-config is asked only
# once the libraries are there.

PKGS      := libmicrohttpd libcurl jansson libxml-2.0 hiredis zlib libisal
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

CC        := gcc
STD       := -std=c11 -D_GNU_SOURCE
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
             -Wvla -Wpointer-arith
REL_FLAGS  := -O2 -g
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
PYTHON    := /usr/bin/python3
S3RVER    := build/npm/node_modules/@20minutes/s3rver/package.json
DUCKDB    := build/npm/node_modules/@duckdb/node-api/package.json

LIB_SRC   := $(wildcard lib/*.c)
SVC_SRC   := $(wildcard service/*.c service/*/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
C_SOURCES := $(wildcard lib/*.[ch] service/*.[ch] service/*/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] bench/*.[ch])

# The Redis scripts are Lua files, compiled in as C strings generated from them.
LUA_SRC   := $(wildcard service/common/scripts/*.lua)
LUA_GEN   := build/gen/scripts_lua.c
# openapi.yaml too, so that GET /openapi.yaml serves the contract the binary was built with,
# wherever it runs.
OPENAPI_GEN := build/gen/openapi_yaml.c

REL_LIB_OBJ  := $(LIB_SRC:%.c=build/rel/%.o)
REL_SVC_OBJ  := $(SVC_SRC:%.c=build/rel/%.o) build/rel/gen/scripts_lua.o build/rel/gen/openapi_yaml.o
ASAN_LIB_OBJ := $(LIB_SRC:%.c=build/asan/%.o)
ASAN_SVC_OBJ := $(SVC_SRC:%.c=build/asan/%.o) build/asan/gen/scripts_lua.o \
                build/asan/gen/openapi_yaml.o
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
BENCH_SRC    := $(wildcard bench/*_bench.c)
BENCH_BIN    := $(BENCH_SRC:bench/%.c=build/bench/%)

.PHONY: all build test check unit e2e lint run bench fuzz fuzz-build format readme clean deps-build \
        deps-test deps-bench test-containers test-quickstart

all:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build

build: build/wikicrawl

build/wikicrawl: $(REL_LIB_OBJ) $(REL_SVC_OBJ)
	$(CC) $(REL_FLAGS) -o $@ $^ $(PKG_LIBS) -lm

build/asan/wikicrawl: $(ASAN_LIB_OBJ) $(ASAN_SVC_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(LUA_GEN): $(LUA_SRC) scripts/lua2c.sh
	@mkdir -p $(dir $@)
	scripts/lua2c.sh $@ $(LUA_SRC)

$(OPENAPI_GEN): openapi.yaml scripts/text2c.sh
	@mkdir -p $(dir $@)
	scripts/text2c.sh $@ server/openapi.h OPENAPI_YAML openapi.yaml

build/rel/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(REL_FLAGS) $(PKG_CFLAGS) -Ilib -Iservice -MMD -MP -c $< -o $@

build/asan/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) -Ilib -Iservice -MMD -MP -c $< -o $@

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(REL_FLAGS) $(PKG_CFLAGS) -Ilib -Iservice -MMD -MP -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) -Ilib -Iservice -MMD -MP -c $< -o $@

# Unit tests link lib/ and the service's modules (not its main), so service code that needs no
# process (the settings table, parsers, the limiter's bookkeeping) is tested in-process too.
ASAN_SVC_LIB_OBJ := $(filter-out build/asan/service/main.o,$(ASAN_SVC_OBJ))

build/asan/tests/%: tests/unit/%.c $(ASAN_LIB_OBJ) $(ASAN_SVC_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -Wno-missing-prototypes $(ASAN_FLAGS) $(PKG_CFLAGS) -Ilib -Iservice -o $@ $^ \
	    $(PKG_LIBS) $(CMOCKA_LIBS) -lm

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- tests ---------------------------------------------------------------------------------------

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory check

check: lint unit e2e

unit: $(UNIT_BIN)
	@tests/run_unit.sh $(UNIT_BIN)

e2e: build/asan/wikicrawl build/wikicrawl $(S3RVER) $(DUCKDB)
	@WIKICRAWL_BIN=$(CURDIR)/build/asan/wikicrawl $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e tests/fakewiki

# What the export tests run on Node (from scripts/deps.sh): an S3 server that checks SigV4
# signatures as S3 does (tests/e2e/s3rver.js) and DuckDB reading the parts (tests/e2e/
# duckdb_read.js). From the npm registry, pinned, into build/npm, in one install.
$(S3RVER) $(DUCKDB) &:
	npm install --prefix build/npm --no-audit --no-fund @20minutes/s3rver@4.0.4 \
	    @duckdb/node-api@1.5.6-r.1

lint:
	@echo "lint: clang-format, luac -p and cppcheck over lib/ service/ tests/ bench/"
	@clang-format --dry-run -Werror $(C_SOURCES)
	@luac5.1 -p $(LUA_SRC)
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --std=c11 --inline-suppr -D__GNUC__ -Ilib -Iservice lib service

# images, docker-compose.yml and a crawl through the stack in containers (podman as Docker, as root)
test-containers:
	@scripts/test-containers.sh

# the README's Quick start, as written, in a fresh debian:bookworm-slim container (after the above)
test-quickstart:
	@scripts/test-quickstart.sh

format:
	clang-format -i $(C_SOURCES)

# The README's settings table is written from the code's table.
readme: build/wikicrawl
	$(PYTHON) scripts/readme_config.py build/wikicrawl

# ---- run, bench, fuzz ----------------------------------------------------------------------------

run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory build
	@scripts/run.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build $(BENCH_BIN) $(S3RVER)
	@$(PYTHON) bench/run.py

build/bench/%: bench/%.c $(REL_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -Wno-missing-prototypes $(REL_FLAGS) $(PKG_CFLAGS) -Ilib -o $@ $^ \
	    $(PKG_LIBS) -lm

FUZZ_SECONDS ?= 20
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(STD) $(WARN) -Wno-missing-prototypes $(FUZZ_FLAGS) $(PKG_CFLAGS) -Ilib -o $@ $^ \
	    $(PKG_LIBS) -lm

# The front end's request path needs the service's code (not its main).
build/fuzz/fuzz_http: tests/fuzz/fuzz_http.c $(LIB_SRC) $(filter-out service/main.c,$(SVC_SRC)) \
                      $(LUA_GEN) $(OPENAPI_GEN)
	@mkdir -p $(dir $@)
	clang $(STD) $(WARN) -Wno-missing-prototypes $(FUZZ_FLAGS) $(PKG_CFLAGS) -Ilib -Iservice \
	    -o $@ $^ $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BIN)

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

clean:
	rm -rf build
