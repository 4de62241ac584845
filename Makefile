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

# The version comes from FyneApp.toml (what fyne package stamps on the
# bundles); the commit and the build date are stamped into the binary too
# (gancho version, the About dialog). SOURCE_DATE_EPOCH fixes the date.
VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null)
DATE    := $(shell date -u $${SOURCE_DATE_EPOCH:+-d @$$SOURCE_DATE_EPOCH} +%Y-%m-%dT%H:%M:%SZ)
VPKG    := github.com/gancho-app/gancho/internal/version
# -X=name=value has no spaces, so the same words also go through GOFLAGS
# to fyne package (which takes its -ldflags from there).
XFLAGS  := -X=$(VPKG).Version=$(VERSION) -X=$(VPKG).Commit=$(COMMIT) -X=$(VPKG).Date=$(DATE)
LDFLAGS := $(XFLAGS)

.PHONY: run build headless test bench bench-peer deps deps-system screenshots lint clean \
        dist dist-check dist-macos deps-dist install uninstall

run: build
	./$(BIN)

build: deps
	CGO_ENABLED=1 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) .

# The server build: every command but the window, one static binary, no
# C compiler or X11 needed (for gancho relay serve on a server).
headless:
	CGO_ENABLED=0 $(GO) build -tags headless -ldflags '$(LDFLAGS)' -o $(BIN)-headless .

# The tests, then the headless build for each OS dist ships: a cross-compile
# is quick and catches platform-specific code that breaks the build.
test: deps
	GANCHO_REQUIRE_TOOLS=1 CGO_ENABLED=1 $(GO) test -race -count=1 ./...
	for p in linux/amd64 windows/amd64 darwin/arm64; do \
		CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -tags headless -o /dev/null . || exit 1; \
	done

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
	rm -rf dist .tools

# ---- Releases -------------------------------------------------------------
# make dist builds into dist/ (see the README's Install section):
#   gancho-headless-V-OS-ARCH[.exe]   the static binary without the window
#   gancho-V-linux-amd64              the window build
#   gancho-V-linux-amd64.tar.xz       fyne package's bundle: binary, .desktop, icon, Makefile
#   gancho-V-windows-amd64.exe        the window build for Windows (MinGW-w64), with
#                                     its icon, version information and manifest
#   SHA256SUMS
# The macOS window build needs Apple's SDK: the README says how to make it
# on a Mac. make dist-check (not part of make test: it installs Wine) runs
# the Windows builds under Wine and checks every artefact.
HEADLESS_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
DIST_PKGS := gcc-mingw-w64-x86-64 xz-utils
FYNE_TOOL := fyne.io/tools/cmd/fyne@v1.7.4
FYNE := $(CURDIR)/.tools/fyne
D := dist
W := $(D)/.work

# $(call apt-install,PKGS) installs those of Debian's PKGS that are missing.
define apt-install
	@missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
endef

deps-dist: deps
	$(call apt-install,$(DIST_PKGS))
	@[ -x $(FYNE) ] || GOBIN=$(CURDIR)/.tools $(GO) install $(FYNE_TOOL)

dist: deps-dist
	rm -rf $(D) && mkdir -p $(W)
	for p in $(HEADLESS_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "headless $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -tags headless \
			-ldflags '-s -w $(LDFLAGS)' -o $(D)/gancho-headless-$(VERSION)-$$os-$$arch$$ext . || exit 1; \
	done
	@echo "window linux/amd64"
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags '-s -w $(LDFLAGS)' -o $(D)/gancho-$(VERSION)-linux-amd64 .
	# The bundle: fyne package lays out usr/local/{bin,share/applications,share/pixmaps}.
	mkdir -p $(W)/linux && cp $(D)/gancho-$(VERSION)-linux-amd64 $(W)/linux/gancho
	# fyne package adds one to FyneApp.toml's Build each run: it is put back.
	cp FyneApp.toml $(W)/FyneApp.toml
	cd $(W)/linux && { $(FYNE) package -os linux -src $(CURDIR) -exe $(CURDIR)/$(W)/linux/gancho -name Gancho \
		-icon $(CURDIR)/assets/icon.png -app-version $(VERSION); rc=$$?; cp ../FyneApp.toml $(CURDIR)/FyneApp.toml; exit $$rc; }
	mv $(W)/linux/Gancho.tar.xz $(D)/gancho-$(VERSION)-linux-amd64.tar.xz
	@echo "window windows/amd64"
	# cgo with MinGW-w64; the icon, version information and manifest go in a
	# .syso (tools/winres) that only windows/amd64 builds link; no console.
	$(GO) run ./tools/winres -version $(VERSION) -o rsrc_windows_amd64.syso
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ \
		$(GO) build -trimpath -ldflags '-H=windowsgui -s -w $(LDFLAGS)' -o $(D)/gancho-$(VERSION)-windows-amd64.exe .; \
		rc=$$?; rm -f rsrc_windows_amd64.syso; exit $$rc
	rm -rf $(W)
	cd $(D) && sha256sum gancho-* > SHA256SUMS
	@ls -l $(D)

# On a Mac (the window build needs Apple's SDK, which Linux cannot use):
# Gancho.app for this Mac's architecture, zipped into dist/.
dist-macos:
	@[ "$$(uname -s)" = Darwin ] || { echo "dist-macos runs on a Mac: the window build needs Apple's SDK (xcode-select --install). Elsewhere, make dist ships the darwin headless binaries."; exit 1; }
	@[ -x $(FYNE) ] || GOBIN=$(CURDIR)/.tools $(GO) install $(FYNE_TOOL)
	mkdir -p $(D)
	cp FyneApp.toml $(D)/.FyneApp.toml
	GOFLAGS="-trimpath $(foreach f,-s -w $(XFLAGS),-ldflags=$(f))" \
		$(FYNE) package -os darwin -name Gancho -icon assets/icon.png -app-version $(VERSION); \
		rc=$$?; mv $(D)/.FyneApp.toml FyneApp.toml; exit $$rc
	ditto -c -k --keepParent Gancho.app $(D)/gancho-$(VERSION)-darwin-$$($(GO) env GOARCH).app.zip
	rm -rf Gancho.app

# make dist, then check it: every archive's contents and every checksum;
# the Windows headless .exe under Wine (version, listen, a POST from curl,
# list --json byte-exact, replay to a loopback receiver); the Windows
# window build under Wine and Xvfb, photographed to docs/windows.png.
DISTCHECK_PKGS := wine wine64 xvfb imagemagick x11-utils xdotool curl xz-utils binutils-mingw-w64-x86-64 fonts-dejavu-core desktop-file-utils
dist-check: dist
	$(call apt-install,$(DISTCHECK_PKGS))
	$(GO) run ./tools/distcheck -dist $(D) -version $(VERSION) -commit $(COMMIT) -date $(DATE) -shot docs/windows.png

# Installs the window build for this user: binary, .desktop file and icon
# under ~/.local, so Gancho is in the desktop's application menu.
PREFIX ?= $(HOME)/.local
APP_ID := io.github.gancho_app.gancho
install: build
	install -Dm0755 $(BIN) $(PREFIX)/bin/gancho
	install -Dm0644 assets/icon.png $(PREFIX)/share/icons/hicolor/512x512/apps/$(APP_ID).png
	mkdir -p $(PREFIX)/share/applications
	printf '%s\n' '[Desktop Entry]' 'Type=Application' 'Name=Gancho' 'GenericName=Webhook inspector' \
		'Comment=Capture, inspect, replay and emit webhooks' 'Comment[pt_BR]=Capture, inspecione, reenvie e emita webhooks' \
		'Exec=$(PREFIX)/bin/gancho' 'Icon=$(APP_ID)' 'Terminal=false' 'Categories=Development;WebDevelopment;' \
		'Keywords=webhook;http;replay;api;crm;' 'StartupWMClass=Gancho' > $(PREFIX)/share/applications/$(APP_ID).desktop
	@if command -v update-desktop-database >/dev/null; then update-desktop-database -q $(PREFIX)/share/applications; fi
	@if command -v gtk-update-icon-cache >/dev/null; then gtk-update-icon-cache -q -t $(PREFIX)/share/icons/hicolor; fi
	@echo "Installed $(PREFIX)/bin/gancho and its menu entry ($(PREFIX)/share/applications/$(APP_ID).desktop)."

uninstall:
	rm -f $(PREFIX)/bin/gancho $(PREFIX)/share/applications/$(APP_ID).desktop \
		$(PREFIX)/share/icons/hicolor/512x512/apps/$(APP_ID).png
	@if command -v update-desktop-database >/dev/null; then update-desktop-database -q $(PREFIX)/share/applications; fi
	@echo "Removed Gancho from $(PREFIX) (your captures stay in the data directory)."
