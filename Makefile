# The Update Service. `make run` starts it on the embedded default; `make test`
# runs the whole suite. Both start a throwaway PostgreSQL (cmd/devpg) unless
# DATABASE_URL points at a server.

GO       ?= go
DEVPG    := bin/devpg
TESTFLAGS ?= -count=1 -timeout 30m

.PHONY: run test bench lint build bin/devpg

## run: start the service on :8084 with a local PostgreSQL kept in .devpg/run
run: build
	$(DEVPG) -dir .devpg/run -keep -- bin/updated

## test: the whole suite against a real PostgreSQL
test: bin/devpg
	$(DEVPG) -fast -- $(GO) test $(TESTFLAGS) ./...

## bench: throughput figures next to raw baselines measured in the same run
bench: build
	$(DEVPG) -fast -- bin/bench

## lint: formatting and vet
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## build: the binaries into bin/
build:
	$(GO) build -o bin/ ./cmd/...

bin/devpg:
	$(GO) build -o bin/ ./cmd/devpg
