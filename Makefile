# The Update Service. `make run` starts it on the embedded default; `make test`
# runs the whole suite. Both start a throwaway PostgreSQL (cmd/devpg) unless
# DATABASE_URL points at a server.

GO       ?= go
DEVPG    := bin/devpg
TESTFLAGS ?= -count=1 -timeout 30m
GOLANGCI_VERSION := v2.15.0
GOLANGCI := bin/golangci-lint-$(GOLANGCI_VERSION)
FUZZTIME ?= 60s

.PHONY: run test bench fuzz lint build bin/devpg chromium

## run: start the service on :8084 with a local PostgreSQL kept in .devpg/run
run: build
	$(DEVPG) -dir .devpg/run -keep -- bin/updated

## test: the whole suite against a real PostgreSQL
test: bin/devpg chromium
	$(DEVPG) -fast -- $(GO) test $(TESTFLAGS) ./...

## chromium: Debian's chromium for the console's browser test, installed
## when it is missing and apt-get is usable (as root); else the test fails
## saying so
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "make: installing chromium for the console's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "make: no chromium, and apt-get is not usable: the console's browser test will fail (apt-get install chromium)"; \
	fi

## bench: throughput figures next to raw baselines measured in the same run
bench: build
	$(DEVPG) -fast -- bin/bench

## fuzz: every fuzz target (func FuzzX in *_test.go), one after another,
## FUZZTIME each. The first failure stops it, and Go keeps the input that
## failed in the package's testdata/fuzz/FuzzX/: commit it with the fix, and
## the seed run of `make test` checks it from then on. The targets fuzz
## pure decoders, so no database is started. Go 1.26's fuzzer may end a
## run with a bare "context deadline exceeded" as FUZZTIME runs out
## (go.dev/issue/75804, fixed in Go 1.27): with no failing input kept, that
## is reported and not counted as a finding.
fuzz:
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for p in $$($(GO) list -f '{{.ImportPath}}={{.Dir}}' ./...); do \
		pkg=$${p%%=*}; dir=$${p#*=}; grep -qs '^func Fuzz' $$dir/*_test.go || continue; \
		targets=$$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz') || { echo "fuzz: cannot list the targets of $$pkg"; exit 1; }; \
		for target in $$targets; do \
			echo "== $$pkg $$target for $(FUZZTIME)"; \
			kept=$$(ls $$dir/testdata/fuzz/$$target 2>/dev/null | wc -l); \
			if $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg >$$out 2>&1; then cat $$out; continue; fi; \
			cat $$out; \
			if [ "$$(ls $$dir/testdata/fuzz/$$target 2>/dev/null | wc -l)" = "$$kept" ] && grep -q '^    context deadline exceeded$$' $$out; then \
				echo "fuzz: $$target: Go's deadline race at the end of FUZZTIME (go.dev/issue/75804), no failing input"; continue; fi; \
			exit 1; \
		done; \
	done

## lint: formatting, vet, and golangci-lint with the rules in .golangci.yml
## (built once from the Go module proxy at the pinned version, into bin/)
lint: $(GOLANGCI)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GOLANGCI) run ./...

$(GOLANGCI):
	GOBIN=$(CURDIR)/bin.tmp $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	mkdir -p bin && mv bin.tmp/golangci-lint $@ && rmdir bin.tmp

## build: the binaries into bin/
build:
	$(GO) build -o bin/ ./cmd/...

bin/devpg:
	$(GO) build -o bin/ ./cmd/devpg
