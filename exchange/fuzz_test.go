package exchange

import (
	"bytes"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

// sameWire reports how two requests differ in what a replay sends: method,
// target, headers (Content-Length aside when curl computes it) and body.
func sameWire(t *testing.T, want, got *capture.Request, ignoreLength bool, out []byte) {
	t.Helper()
	wh, gh := want.Headers, got.Headers
	if ignoreLength {
		wh, gh = withoutContentLength(wh), withoutContentLength(gh)
	}
	if got.Method != want.Method || got.Target != want.Target || !slices.Equal(wh, gh) || !bytes.Equal(got.Body, want.Body) {
		t.Fatalf("round trip changed the request\nexport: %q\nwant %s %q %q %q\n got %s %q %q %q",
			out, want.Method, want.Target, wh, want.Body, got.Method, got.Target, gh, got.Body)
	}
}

func FuzzParseCurl(f *testing.F) {
	for _, tc := range curlCases {
		f.Add(tc.cmd)
	}
	for _, r := range sampleCaptures() {
		f.Add(string(export(f, Curl, []*capture.Request{r}, ExportOptions{IncludeSecrets: true})))
	}
	f.Add(`curl 'http://h/` + "\n")
	f.Add(`curl $'\x00\u00e9\U0001F600\c@\0' -d @- http://h/`)
	f.Fuzz(func(t *testing.T, cmd string) {
		r, _, err := ParseCurl(cmd)
		if err != nil {
			return
		}
		out := export(t, Curl, []*capture.Request{r}, ExportOptions{IncludeSecrets: true})
		got, _, err := ParseCurl(string(out))
		if err != nil {
			t.Fatalf("export of a parsed command does not parse: %v\ninput: %q\nexport: %q", err, cmd, out)
		}
		sameWire(t, r, got, true, out)
	})
}

func FuzzParseRaw(f *testing.F) {
	for _, tc := range rawCases {
		f.Add([]byte(tc.in))
	}
	for _, r := range sampleCaptures() {
		f.Add(export(f, Raw, []*capture.Request{r}, ExportOptions{IncludeSecrets: true}))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRaw(b)
		if err != nil {
			return
		}
		out := export(t, Raw, []*capture.Request{r}, ExportOptions{IncludeSecrets: true})
		got, err := ParseRaw(out)
		if err != nil {
			t.Fatalf("export of a parsed request does not parse: %v\ninput: %q\nexport: %q", err, b, out)
		}
		sameWire(t, r, got, false, out)
	})
}

// FuzzImport: any input either fails cleanly or gives requests every format
// can write, and HAR written from them reads back to the same HAR.
func FuzzImport(f *testing.F) {
	chrome, err := os.ReadFile("testdata/chrome.har")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(chrome, "chrome.har")
	for _, fm := range Formats() {
		f.Add(export(f, fm, sampleCaptures(), ExportOptions{}), "x"+fm.Ext())
	}
	for _, tc := range curlCases {
		f.Add([]byte(tc.cmd), "")
	}
	for _, tc := range rawCases {
		f.Add([]byte(tc.in), "")
	}
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		res, err := Import(bytes.NewReader(b), name)
		if err != nil {
			return
		}
		for _, fm := range Formats() {
			if err := Export(io.Discard, fm, res.Requests, ExportOptions{}); err != nil {
				t.Fatalf("Export %s of imported requests: %v", fm, err)
			}
		}
		o := ExportOptions{IncludeSecrets: true}
		first := export(t, HAR, res.Requests, o)
		again, err := ImportFormat(bytes.NewReader(first), HAR)
		if err != nil || len(again.Requests) != len(res.Requests) {
			t.Fatalf("HAR of imported requests: %v, %d of %d requests, warnings %q", err, len(again.Requests), len(res.Requests), again.Warnings)
		}
		second := export(t, HAR, again.Requests, o)
		third, err := ImportFormat(bytes.NewReader(second), HAR)
		if err != nil {
			t.Fatal(err)
		}
		if out := export(t, HAR, third.Requests, o); !bytes.Equal(out, second) {
			t.Fatalf("HAR not stable:\n%s", firstDiff(second, out))
		}
	})
}
