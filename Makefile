# Kyojo - one plain Makefile.
#
#   make            build kyojo (and, later, kyojod) into build/
#   make demo       build, then run a four-node region on loopback and stop
#   make check      install missing Debian packages (as root), build, run all tests
#   make san        the same tests under ASan + UBSan, in build/san
#   make fuzz       libFuzzer targets (clang), each run for FUZZ_SECONDS
#   make bench      the benchmarks (long; not part of check)
#   make install    into $(DESTDIR)$(PREFIX)
#
# WERROR=1 turns warnings into errors (CI sets it).

PREFIX	?= /usr/local
BUILD	?= build
CC	?= cc
FUZZ_SECONDS ?= 30

PKGS	= libzmq libsodium lmdb libcjson libidn2 check libmicrohttpd zlib libnftnl libmnl
DEPS_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIB_PROTO = -lsodium -lcjson -lidn2 -lunistring
LIB_NODE  = -llmdb -lzmq
# The HTTP pull listener: kyojod only.
LIB_HTTP := $(shell pkg-config --libs libmicrohttpd zlib 2>/dev/null)
# nf_tables over netlink (firewall apply, nft backend): kyojo only.
LIB_NFT := $(shell pkg-config --libs libnftnl libmnl 2>/dev/null)
LIB_CHECK := $(shell pkg-config --libs check 2>/dev/null)

WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wpointer-arith -Wformat=2
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(DEPS_CFLAGS) -I. \
	  -fno-strict-aliasing -fstack-protector-strong
# Where `make install` puts the never-export lists; the compiled default
# of allowlist_dir, so an installed node finds them.
ALLOWLIST_DIR = $(PREFIX)/share/kyojo/allowlist
ALL_CFLAGS += -DCONFIG_ALLOWLIST_DIR='"$(ALLOWLIST_DIR)"'
ifeq ($(WERROR),1)
ALL_CFLAGS += -Werror
endif
ifeq ($(SAN),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# --- sources: every one listed -------------------------------------------

PROTO_SRCS = \
	protocol/error.c \
	protocol/utf8.c \
	protocol/record.c \
	protocol/json.c \
	protocol/taxonomy.c \
	protocol/indicator.c \
	protocol/body.c \
	protocol/seal.c \
	protocol/armor.c \
	protocol/frame.c \
	protocol/scope.c

KEYS_SRCS = \
	keys/ident.c \
	keys/z85.c \
	keys/keyfile.c \
	keys/keyring.c \
	keys/card.c \
	keys/roster.c

NODE_SRCS = \
	node/log.c \
	node/store.c \
	node/store_ingest.c \
	node/store_ix.c \
	node/store_sweep.c \
	node/store_fsck.c \
	node/config.c \
	node/http_conf.c \
	node/cli.c \
	node/ctlclient.c \
	node/allowlist.c \
	node/scrub.c \
	node/scrub_text.c \
	node/scrub_scan.c \
	node/policy.c \
	node/community.c \
	node/unseal.c \
	node/view.c \
	node/view_sup.c \
	node/view_scan.c \
	node/view_merge.c \
	node/view_health.c \
	node/view_record.c \
	node/report_html.c \
	node/export.c \
	node/export_journal.c \
	node/export_plain.c \
	node/export_nft.c \
	node/export_ipset.c \
	node/export_suricata.c \
	node/export_zeek.c \
	node/export_rpz.c \
	node/export_mikrotik.c \
	node/export_csv.c \
	node/export_json.c \
	node/search.c \
	node/search_text.c \
	node/search_post.c \
	node/search_query.c \
	node/fw_set.c \
	node/fw_exec.c \
	node/firewall.c \
	node/fw_nft.c \
	node/fw_nft_nl.c \
	node/fw_ipset.c

DAEMON_SRCS = \
	node/kyojod.c \
	node/loop.c \
	node/gossip.c \
	node/link.c \
	node/origins.c \
	node/peers.c \
	node/zap.c \
	node/control.c \
	node/submit.c \
	node/anon.c \
	node/http.c \
	node/http_answer.c \
	node/http_send.c \
	node/http_report.c

CLI_SRCS = \
	node/kyojo.c \
	node/cmd_keys.c \
	node/cmd_record.c \
	node/cmd_node.c \
	node/cmd_peer.c \
	node/cmd_store.c \
	node/cmd_export.c \
	node/cmd_firewall.c \
	node/cmd_view.c \
	node/cmd_roster.c \
	node/cmd_article.c \
	node/cmd_show.c

TESTS = \
	check_record \
	check_body \
	check_seal \
	check_indicator \
	check_ident \
	check_keyfile \
	check_keyring \
	check_card \
	check_roster \
	check_frame \
	check_config \
	check_http_conf \
	check_store \
	check_allowlist \
	check_scrub \
	check_policy \
	check_views \
	check_export \
	check_fwset \
	check_search

FUZZERS = \
	fuzz_record \
	fuzz_body \
	fuzz_seal \
	fuzz_indicator \
	fuzz_keyring \
	fuzz_frame \
	fuzz_config \
	fuzz_http_conf \
	fuzz_allowlist \
	fuzz_scrub \
	fuzz_article

BENCHES = bench_verify bench_store bench_fill bench_export bench_views bench_search

# --- derived --------------------------------------------------------------

PROTO_OBJS = $(PROTO_SRCS:%.c=$(BUILD)/%.o)
KEYS_OBJS  = $(KEYS_SRCS:%.c=$(BUILD)/%.o)
NODE_OBJS  = $(NODE_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS   = $(CLI_SRCS:%.c=$(BUILD)/%.o)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
LIBPROTO   = $(BUILD)/libkyproto.a
LIBKEYS    = $(BUILD)/libkykeys.a
LIBNODE    = $(BUILD)/libkynode.a
TEST_BINS  = $(TESTS:%=$(BUILD)/tests/%)
BENCH_BINS = $(BENCHES:%=$(BUILD)/bench/%)
ALL_LIBS   = $(LIBNODE) $(LIBKEYS) $(LIBPROTO) $(LIB_NODE) $(LIB_PROTO) -lm

.PHONY: all check check-run san fuzz bench install clean deps demo
.DELETE_ON_ERROR:

all: $(BUILD)/kyojo $(BUILD)/kyojod

deps:
	@sh tests/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The category vocabulary has one source, seeds/taxonomy.tsv; the C table
# is generated from it so the protocol library never opens a file.
$(BUILD)/protocol/taxonomy.o: $(BUILD)/gen/taxonomy.inc
$(BUILD)/gen/taxonomy.inc: seeds/taxonomy.tsv tests/gen_taxonomy.sh
	@mkdir -p $(dir $@)
	sh tests/gen_taxonomy.sh $< > $@
ALL_CFLAGS += -I$(BUILD)/gen

$(LIBPROTO): $(PROTO_OBJS)
	@rm -f $@; ar rcs $@ $^
$(LIBKEYS): $(KEYS_OBJS)
	@rm -f $@; ar rcs $@ $^
$(LIBNODE): $(NODE_OBJS)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/kyojo: $(CLI_OBJS) $(LIBNODE) $(LIBKEYS) $(LIBPROTO)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(ALL_LIBS) $(LIB_NFT)

$(BUILD)/kyojod: $(DAEMON_OBJS) $(LIBNODE) $(LIBKEYS) $(LIBPROTO)
	$(CC) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(ALL_LIBS) $(LIB_HTTP)

$(BUILD)/tests/%.o: ALL_CFLAGS += -DKY_VECTORS='"$(CURDIR)/tests/vectors"'

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/testutil.o $(LIBNODE) $(LIBKEYS) $(LIBPROTO)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/tests/testutil.o $(ALL_LIBS) $(LIB_CHECK)

# Helper programs of the shell tests (not Check suites).
TEST_TOOLS = $(BUILD)/tests/crashwriter $(BUILD)/tests/inject $(BUILD)/tests/fwprobe
$(TEST_TOOLS): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/testutil.o $(LIBNODE) $(LIBKEYS) $(LIBPROTO)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/tests/testutil.o $(ALL_LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/tests/testutil.o $(LIBNODE) $(LIBKEYS) $(LIBPROTO)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/tests/testutil.o $(ALL_LIBS)

check: deps
	@$(MAKE) --no-print-directory check-run

check-run: all $(TEST_BINS) $(TEST_TOOLS)
	@sh tests/run.sh $(BUILD) $(TESTS)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh contrib/demo.sh

san: deps
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 check-run

fuzz: deps
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BINS) all
	@sh bench/run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/kyojo $(DESTDIR)$(PREFIX)/bin/kyojo
	install -m 0755 $(BUILD)/kyojod $(DESTDIR)$(PREFIX)/sbin/kyojod
	install -m 0644 docs/kyojo.1 $(DESTDIR)$(PREFIX)/share/man/man1/kyojo.1
	install -m 0644 docs/kyojod.8 $(DESTDIR)$(PREFIX)/share/man/man8/kyojod.8
	install -m 0644 docs/kyojod.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/kyojod.conf.5
	install -d $(DESTDIR)$(ALLOWLIST_DIR)
	install -m 0644 seeds/allowlist/*.txt $(DESTDIR)$(ALLOWLIST_DIR)/

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
