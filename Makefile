# kyso — build, run and test. See README.md.
#
# kyso's module needs Go 1.27: with GOTOOLCHAIN=auto the go command fetches
# the toolchain named in go.mod through the module proxy on first use.
export GOTOOLCHAIN := auto
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
DATA        ?= data
LISTEN      ?= 127.0.0.1:8080
VAULT_LISTEN ?= 127.0.0.1:8200
# TRUST is the verifier's directory of external trust anchors (trust/vn: the
# Vietnamese Government CA and National Root CA chains).
TRUST       ?= trust/vn
TEST_TIMEOUT ?= 30m
# make test also fuzzes each fuzz target briefly (make fuzz runs longer).
TEST_FUZZTIME ?= 5s

.PHONY: all build run test test-short test-cluster lint deps clean kyso fuzz bench soak
all: build

build: bin/kyso bin/vault

# bin/kyso is cheap to rebuild (Go's cache); always let go decide.
bin/kyso: kyso
# KYSO_VERSION names a release: kyso --version and the start-up log line
# show it (default: the module's version, "(devel)" in a checkout).
KYSO_VERSION ?=
kyso:
	$(GO) build $(if $(KYSO_VERSION),-ldflags "-X main.version=$(KYSO_VERSION)") -o bin/kyso ./cmd/kyso

# bin/vault is a file target: Vault is built once from tools/vault (a cold
# build downloads ~3.6 GB of modules and takes ~11 minutes on 2 cores; later
# builds hit the Go cache) and rebuilt only when tools/vault changes.
bin/vault: tools/vault/go.mod tools/vault/go.sum tools/vault/main.go
	cd tools/vault && $(GO) build -trimpath -o ../../bin/vault .
	@./bin/vault version

run: build
	./bin/kyso dev --data $(DATA) --listen $(LISTEN) --vault-listen $(VAULT_LISTEN) --trust $(TRUST)

# deps installs the external tools the tests use, when they are missing.
deps:
	@missing=""; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v pdfsig  >/dev/null || missing="$$missing poppler-utils"; \
	command -v qpdf    >/dev/null || missing="$$missing qpdf"; \
	command -v certutil >/dev/null || missing="$$missing libnss3-tools"; \
	command -v xmlsec1 >/dev/null || missing="$$missing xmlsec1"; \
	command -v envsubst >/dev/null || missing="$$missing gettext-base"; \
	command -v xmllint >/dev/null || missing="$$missing libxml2-utils"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing="$$missing postgresql"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; \
	fi

# make test runs kyso's module, then the tools module (tools/go.mod: the
# bench, the verification page's browser test in real headless Chromium
# and the interop tests against pdfsign, tools/interop, kept out of kyso's
# module so that pdfsign, Vault's client and chromedp are not kyso's
# dependencies: internal/archtest holds kyso's module to that), then the
# vendored PDF reader.
# Test artefacts (the verification page's screenshots from headless
# Chromium) are kept under test-artifacts/.
ARTIFACTS   ?= $(CURDIR)/test-artifacts

test: deps bin/vault
	mkdir -p $(ARTIFACTS)
	KYSO_VAULT_BIN=$(CURDIR)/bin/vault $(GO) test -count=1 -timeout $(TEST_TIMEOUT) -artifacts -outputdir $(ARTIFACTS) ./...
	cd tools && KYSO_VAULT_BIN=$(CURDIR)/bin/vault $(GO) test -count=1 -timeout $(TEST_TIMEOUT) -artifacts -outputdir $(ARTIFACTS) $$($(GO) list ./... | grep -v /cluster$$)
	cd third_party/digitorus-pdf && $(GO) test -count=1 ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

# test-cluster runs the cluster test (tools/cluster, about 2 minutes on 2
# cores): three kyso serve nodes, PostgreSQL and a three-node Vault Raft
# cluster with AppRole on loopback, brought up by the commands of
# docs/operations.md, under signing load while a kyso node is killed, the
# Vault leader stops and PostgreSQL restarts. make test leaves it out;
# .ci/run runs it after make test.
test-cluster: deps bin/vault
	cd tools && KYSO_VAULT_BIN=$(CURDIR)/bin/vault $(GO) test -count=1 -timeout 15m -v ./cluster/

# fuzz runs every fuzz target for FUZZTIME each (their seed corpora also
# run as plain tests in make test). A short minimisation time keeps progress
# visible: minimising a large PDF input for the default 60 s looks like a
# hang. Found inputs land in the package's testdata/fuzz: commit them.
FUZZTIME ?= 60s
# FUZZFLAGS passes more flags to go test, e.g. -parallel=1 to keep a core free.
FUZZFLAGS ?=
# The patched PDF reader is a module of its own (third_party/digitorus-pdf):
# its fuzz targets run from its directory.
FUZZPKGS ?= ./verifier ./signer/pades ./signer/tsa ./signer/xmldsig ./internal/xmlsig ./ca ./api third_party/digitorus-pdf:.
fuzz: bin/vault
	@for e in $(FUZZPKGS); do \
	  case $$e in *:*) d=$${e%%:*}; p=$${e#*:};; *) d=.; p=$$e;; esac; \
	  for t in $$(cd $$d && $(GO) test -list 'Fuzz.*' $$p | grep ^Fuzz); do \
	    echo "== $$d $$p $$t ($(FUZZTIME))"; \
	    (cd $$d && KYSO_VAULT_BIN=$(CURDIR)/bin/vault $(GO) test -run XXX -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $(FUZZFLAGS) $$p) || exit 1; \
	  done; \
	done

# bench measures kyso's signing and verification on this machine against
# its peers (pdfsign in process and as a command line, raw Vault Transit,
# poppler's pdfsig) and rewrites the generated section of docs/benchmarks.md.
# About 9 minutes on 2 cores; BENCHFLAGS=-quick for about 2. It needs pdfsig
# (poppler-utils). It is built from tools/bench (the tools module);
# `bin/bench -h` lists the flags.
BENCHFLAGS ?=
bench: deps kyso bin/vault
	cd tools && $(GO) build -o ../bin/bench ./bench
	./bin/bench $(BENCHFLAGS)

# soak runs kyso dev under mixed signing and verification at about half of
# its measured capacity for SOAK_DURATION, samples its memory and
# goroutines, checks the audit log, and rewrites the generated section of
# docs/soak.md; it fails on any error or a memory or goroutine criterion.
# SOAK_RATE fixes the offered operations per second instead of measuring
# (0: half the capacity). `bin/bench soak -h` lists the flags.
SOAK_DURATION ?= 10m
SOAK_RATE   ?= 0
SOAKFLAGS   ?=
soak: kyso bin/vault
	cd tools && $(GO) build -o ../bin/bench ./bench
	./bin/bench soak -duration $(SOAK_DURATION) -rate $(SOAK_RATE) $(SOAKFLAGS)

# lint also runs the import-rule test (internal/archtest), which make test
# runs too: the package graph against the rules of docs/architecture.md.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^tools/vault/')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd tools && $(GO) vet ./...
	$(GO) test -count=1 ./internal/archtest
	$(GO) run $(STATICCHECK) ./...
	cd tools && $(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin
