package exchange

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

func TestImportDetects(t *testing.T) {
	chrome, err := os.ReadFile("testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	one := []*capture.Request{capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "POST", "/x", []byte("a"), "Content-Type", "text/plain")}
	minified := bytes.Join(bytes.Fields(export(t, HAR, one, ExportOptions{})), []byte(" "))
	for _, tc := range []struct {
		name, in, file string
		want           Format
		err            string
	}{
		{"Chrome HAR", string(chrome), "", HAR, ""},
		{"HAR on one line", string(minified), "", HAR, ""},
		{"HAR with BOM", "\xef\xbb\xbf" + string(chrome), "", HAR, ""},
		{"JSON lines", string(export(t, JSONL, one, ExportOptions{})), "x.txt", JSONL, ""},
		{"curl", "curl http://h.test/", "", Curl, ""},
		{"curl after comments", "# from support\n\ncurl http://h.test/", "", Curl, ""},
		{"script", "#!/bin/sh\nset -e\nTOKEN=x\ncurl http://h.test/", "", Curl, ""},
		{"prompt", "$ curl http://h.test/", "", Curl, ""},
		{"printf pipe", "printf 'a' | curl --data-binary @- http://h.test/", "", Curl, ""},
		{"raw", "POST /x HTTP/1.1\r\nHost: h\r\n\r\n", "", Raw, ""},
		{"raw multi", string(export(t, Raw, append(one, one[0]), ExportOptions{})), "", Raw, ""},
		{"raw with a curl body", "POST /x HTTP/1.1\r\nContent-Length: 18\r\n\r\ncurl http://h.test", "", Raw, ""},
		{"damaged JSON lines", `{"id":"01HWZ5R6Q8A2C3D4E5F6G7H8J9","received_at":"2024-05-01T10:00:00Z",` + "\n", "", JSONL, "import jsonl: line 1, column 72: unexpected end of JSON input"},
		{"name hint", "GET /\r\n", "req.http", Raw, "want METHOD TARGET HTTP/1.1"},
		{"name hint HAR", "not json", "x.har", HAR, "HAR: line 1, column 2"},
		{"unknown", "hello world", "notes.txt", "", "cannot tell what notes.txt holds"},
		{"empty", " \r\n", "x.har", "", "the input is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Import(strings.NewReader(tc.in), tc.file)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if res.Source != tc.want || len(res.Requests) == 0 {
				t.Errorf("source %q with %d requests, want %q", res.Source, len(res.Requests), tc.want)
			}
			for _, r := range res.Requests {
				if r.Origin != "import:"+string(tc.want) || !validULID(r.ID) || r.Proto == "" || r.Headers == nil {
					t.Errorf("origin %q id %q proto %q", r.Origin, r.ID, r.Proto)
				}
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestImportErrors(t *testing.T) {
	if _, err := Import(failingReader{}, "x"); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error: %v", err)
	}
	if _, err := ImportFormat(strings.NewReader("x"), "xml"); err == nil || !strings.Contains(err.Error(), "want har, jsonl, curl or raw") {
		t.Errorf("unknown format: %v", err)
	}
	res, err := ImportFormat(strings.NewReader(`{"id":"","received_at":"2024-05-01T10:00:00Z","method":"","target":"/","headers":[],"body_base64":""}`), JSONL)
	if err != nil || len(res.Requests) != 0 || !hasWarning(res.Warnings, "request 1: skipped: no method") {
		t.Errorf("no method: %v %q", err, res.Warnings)
	}
}

func TestFreshIDs(t *testing.T) {
	reqs := sampleCaptures()[:3]
	old := reqs[0].ID
	FreshIDs(reqs)
	if reqs[0].ID == old || !validULID(reqs[0].ID) || reqs[0].ID == reqs[1].ID {
		t.Errorf("ids %s %s", reqs[0].ID, reqs[1].ID)
	}
}
