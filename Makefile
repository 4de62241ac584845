# Gancho. Two commands for a newcomer: `make run` and `make test`.
# Both install what is missing (Go modules; the C compiler and X11/GL
# headers Fyne needs, via apt-get on Debian/Ubuntu) and then build.

GO      ?= go
# The ngrok SDK warns at each connection when built with a Go that trusts
# the compromised eMudhra CA keys (before go1.26.10 and go1.27.3).
export GOTOOLCHAIN := go1.27.3
BIN     ?= gancho
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PKGS := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
            libxinerama-dev libxi-dev libxxf86vm-dev libxml2-utils
SHOT_PKGS := xvfb imagemagick x11-utils xdotool

.PHONY: run build headless test bench bench-peer deps deps-system screenshots lint clean

run: build
	./$(BIN)

build: deps
	CGO_ENABLED=1 $(GO) build -o $(BIN) .

# The server build: every command but the window, one static binary, no
# C compiler or X11 needed (for gancho relay serve on a server).
headless:
	CGO_ENABLED=0 $(GO) build -tags headless -o $(BIN)-headless .

test: deps
	GANCHO_REQUIRE_TOOLS=1 CGO_ENABLED=1 $(GO) test -race -count=1 ./...
	CGO_ENABLED=0 $(GO) build -tags headless -o /dev/null .

# Capture throughput: capture server + durable store vs a no-op handler, one run.
# GANCHO_BENCH_1M=1 make bench also opens the window on, and searches, a 1,000,000-capture
# store (seeded once, ~4 min, kept in $TMPDIR/gancho-bench-window-1000000).
bench: deps
	$(GO) test -run '^$$' -bench 'BenchmarkLoad|BenchmarkAppendParallel|BenchmarkHeadOnlyFlood|BenchmarkListAll|BenchmarkExportStream|BenchmarkFullStore|BenchmarkDisk|BenchmarkCaptureMemory' -benchtime 1x ./capture/
	$(GO) test -run '^$$' -bench 'BenchmarkSearchScale' -benchtime 1x -timeout 30m ./capture/
	$(GO) test -run '^$$' -bench 'BenchmarkHandlerPolicy' -benchmem ./capture/
	$(GO) test -run '^$$' -bench 'BenchmarkBulkReplay' -benchtime 1x ./replay/
	$(GO) test -run '^$$' -bench 'BenchmarkLoadRate|BenchmarkLoadLatencyTruth' -benchtime 1x ./load/
	$(GO) test -run '^$$' -bench 'BenchmarkFanOut' -benchtime 20x ./outbound/
	$(GO) test -run '^$$' -bench 'BenchmarkRelayAccept' -benchtime 20000x ./relay/
	$(GO) test -run '^$$' -bench 'BenchmarkRelayLatency' -benchtime 5000x ./relay/
	$(GO) test -run '^$$' -bench 'BenchmarkRelayCatchUp' -benchtime 1x ./relay/
	$(GO) test -run '^$$' -bench 'BenchmarkAppend$$|BenchmarkAppendCluster' -benchtime 20000x ./relay/jstream/
	$(GO) test -run '^$$' -bench 'BenchmarkCatchUp' -benchtime 1x ./relay/jstream/
	$(GO) test -run '^$$' -bench 'BenchmarkOpen1MiBJSON|BenchmarkHighlightSteps|BenchmarkFirstPaint|BenchmarkSearch1M|BenchmarkBulkExport1M|BenchmarkFind1MiB' -benchtime 3x ./ui/

# Capture vs a no-op net/http handler vs tarampampam/webhook-tester, three
# rounds side by side. The peer is built from a checkout of its tag v2.3.0:
# make bench-peer PEER_SRC=../webhook-tester (or PEER_BIN=path); without
# either, gancho is compared with the no-op handler only. See the README.
bench-peer: deps
	$(GO) run ./tools/benchpeer $(BENCH_PEER_FLAGS)

deps: deps-system
	$(GO) mod download

# Fyne needs cgo with OpenGL and X11 headers. Only Debian/Ubuntu is
# automated; elsewhere this prints what to install (see README).
deps-system:
	@command -v $(GO) >/dev/null && $(GO) env GOVERSION | grep -Eq '^go1\.(2[1-9]|[3-9][0-9])' || \
		{ echo "Gancho needs Go 1.21 or newer (it then fetches the go1.27.3 toolchain itself); Debian 12's golang-go is 1.19: install Go from go.dev/dl or bookworm-backports, then run make again."; exit 1; }
	@if [ "$$(uname -s)" = Linux ] && command -v dpkg-query >/dev/null; then \
		missing=""; for p in $(APT_PKGS); do \
			dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
		done; \
		if [ -n "$$missing" ]; then \
			echo "Installing:$$missing"; \
			$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		fi; \
	elif ! command -v gcc >/dev/null && ! command -v clang >/dev/null; then \
		echo "Gancho needs a C compiler for Fyne: see the README's prerequisites for your OS."; exit 1; \
	fi

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Regenerates the README's pictures under Xvfb (Linux).
screenshots: build
	@for p in $(SHOT_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || \
		{ $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SHOT_PKGS); break; }; done
	./docs/screenshots.sh ./$(BIN) docs
	SHOT_LANG=pt_BR.UTF-8 SHOT_SIZES="1024x700:pt-BR" SHOT_PARTS="inbound outboundsaved suites journeys load" \
		SHOT_ONLY="window.png detail-json.png settings-window.png outbound.png suites.png journeys.png load.png" ./docs/screenshots.sh ./$(BIN) docs

clean:
	rm -f $(BIN) $(BIN)-headless
