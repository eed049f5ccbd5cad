# svykit - one non-recursive Makefile.  See README.md for the targets.
#
#   make                  build build/libsvy.a and build/bin/svy-*
#   make check            unit + CLI tests, then again under ASan+UBSan
#   make demo             run the pipeline on surveys/kg-demo
#   make deps             install the Debian packages listed below
#   make SANITIZE=address,undefined check-one   one build folder only
#   make fuzz             libFuzzer targets into build-fuzz/ (clang)
#   make install PREFIX=/usr/local DESTDIR=
#   make fmt lint clean   V=1 for verbose, WERROR=1 for -Werror

# The one list of Debian packages the project needs: build, tests, fuzzing.
DEB_PKGS = gcc make pkg-config libcsv-dev zlib1g-dev libgsl-dev \
	   libxlsxwriter-dev libreadstat-dev gzip diffutils python3 \
	   python3-openpyxl clang \
	   libclang-rt-14-dev time

PREFIX   ?= /usr/local
DESTDIR  ?=
PKGS      = gsl xlsxwriter zlib
SANITIZE ?=
BUILD    ?= $(if $(SANITIZE),build-san,build)
V        ?=
Q         = $(if $(V),,@)

CC       ?= cc
WARN      = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wformat=2 -Wvla
OPT       = $(if $(SANITIZE),-O1 -g -fsanitize=$(SANITIZE) \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer,-O2 -g)
ALL_CFLAGS = -std=c11 -pthread $(WARN) $(if $(WERROR),-Werror) $(OPT) $(CFLAGS)
# Deferred (=) so that pkg-config runs after 'make deps' has installed it.
CPPFLAGS_ALL = -Iinclude -D_POSIX_C_SOURCE=200809L \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS)
READSTAT_LIBS ?= -lreadstat
CSV_LIBS ?= -lcsv
LIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(READSTAT_LIBS) \
	    $(CSV_LIBS) -lm

LIB_SRCS  = $(wildcard src/*.c)
LIB_OBJS  = $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
TOOL_SRCS = $(wildcard tools/svy-*.c) $(wildcard tools/svy.c)
TOOLS     = $(patsubst tools/%.c,$(BUILD)/bin/%,$(TOOL_SRCS))
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNITS     = $(patsubst %.c,$(BUILD)/%,$(UNIT_SRCS))
DEPS      = $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)

export UPDATE

.PHONY: all check check-one deps need-deps demo install fmt lint clean \
	fuzz bench units
.DEFAULT_GOAL := all

all: $(BUILD)/libsvy.a $(TOOLS)

units: $(UNITS)

# Install missing packages: with apt-get as root, else say what to run.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "deps: all packages installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: missing packages; run: sudo apt-get install$$missing" >&2; \
	  exit 1; fi

need-deps:
	@for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || \
	  { $(MAKE) --no-print-directory deps || exit 1; break; }; done

$(BUILD)/%.o: %.c | need-deps
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libsvy.a: $(LIB_OBJS)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/tools/%.o $(BUILD)/tools/common.o $(BUILD)/libsvy.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/libsvy.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The whole suite: plain build, then the sanitizer build; one summary line.
check: | need-deps
	$(Q)$(MAKE) --no-print-directory SANITIZE= BUILD=build all units
	$(Q)$(MAKE) --no-print-directory SANITIZE=address,undefined \
	  BUILD=build-san all units
	$(Q)tests/check.sh build build-san

# One build folder only (faster while working).
check-one: all units
	$(Q)tests/check.sh $(BUILD)

demo: all
	$(Q)surveys/kg-demo/demo.sh build/bin

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(wildcard tools/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/

FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS   = $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
fuzz: $(FUZZERS)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) | need-deps
	@mkdir -p $(@D)
	$(Q)clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  $(CPPFLAGS_ALL) -o $@ $< $(LIB_SRCS) $(LIBS)

bench: all
	$(Q)tests/bench/run-import.sh

fmt:
	clang-format -i include/svy/*.h src/*.c tools/*.c tools/*.h \
	  tests/unit/*.c tests/unit/*.h

lint:
	clang-format --dry-run -Werror include/svy/*.h src/*.c tools/*.c \
	  tools/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build build-san build-fuzz out

# Keep the objects of tools and tests: they are not throwaway intermediates.
.SECONDARY:

-include $(DEPS)
