package exchange

import (
	"bytes"
	"strings"
	"testing"
)

func TestJSONLRoundTrip(t *testing.T) {
	orig := sampleCaptures()
	out := export(t, JSONL, orig, ExportOptions{IncludeSecrets: true})
	if n := bytes.Count(out, []byte("\n")); n != len(orig) {
		t.Fatalf("%d lines, want one per capture (%d)", n, len(orig))
	}
	res, err := Import(bytes.NewReader(out), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != JSONL || len(res.Requests) != len(orig) || len(res.Warnings) != 0 {
		t.Fatalf("source %q, %d requests, warnings %q", res.Source, len(res.Requests), res.Warnings)
	}
	for i, got := range res.Requests {
		want := *orig[i]
		want.HeadersFromWire = true // not part of capture.Record
		if d := diffRequest(&want, got, false); len(d) > 0 {
			t.Errorf("request %d: ids and fields must survive:\n  %s", i, strings.Join(d, "\n  "))
		}
		if got.Origin != "import:jsonl" || got.Response.Status != orig[i].Response.Status {
			t.Errorf("request %d: origin %q status %d", i, got.Origin, got.Response.Status)
		}
	}
	// Exporting what was imported gives the same lines but for the origin.
	again := export(t, JSONL, res.Requests, ExportOptions{IncludeSecrets: true})
	if want := bytes.ReplaceAll(out, []byte(`"response_status"`), nil); !bytes.Equal(
		bytes.ReplaceAll(bytes.ReplaceAll(again, []byte(`,"origin":"import:jsonl"`), nil), []byte(`"response_status"`), nil), want) {
		t.Errorf("re-export differs:\n%s\n%s", out, again)
	}
}

func TestJSONLImportProblems(t *testing.T) {
	good := `{"id":"01HWZ5R6Q8A2C3D4E5F6G7H8J9","received_at":"2024-05-01T10:00:00Z","method":"GET","target":"/a","proto":"HTTP/1.1","host":"h","remote_addr":"","headers":[["Host","h"]],"body_base64":"","body_size":0,"truncated":false,"response_status":200}`
	for _, tc := range []struct {
		name, in string
		err      string
		warn     string
		n        int
	}{
		{"blank lines and CRLF", "\r\n" + good + "\r\n\r\n", "", "", 1},
		{"broken line", good + "\n{\"id\": \n", "line 2, column 6: unexpected end of JSON input", "", 0},
		{"bad base64", strings.Replace(good, `"body_base64":""`, `"body_base64":"%%"`, 1), "", "line 1: skipped: record 01HWZ5R6Q8A2C3D4E5F6G7H8J9: body_base64", 0},
		{"wrong type", strings.Replace(good, `"body_size":0`, `"body_size":"0"`, 1), "", "line 1: skipped:", 0},
		{"no time", strings.Replace(good, `"received_at":"2024-05-01T10:00:00Z",`, "", 1), "", "no received_at", 1},
		{"duplicate id", good + "\n" + good, "", "request 2: id 01HWZ5R6Q8A2C3D4E5F6G7H8J9 repeats", 2},
		{"not a ulid", strings.Replace(good, "01HWZ5R6Q8A2C3D4E5F6G7H8J9", "42", 1), "", `id "42" is not a ULID`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ImportFormat(strings.NewReader(tc.in), JSONL)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Requests) != tc.n {
				t.Errorf("%d requests, want %d", len(res.Requests), tc.n)
			}
			if tc.warn != "" && !hasWarning(res.Warnings, tc.warn) {
				t.Errorf("warnings %q, want %q", res.Warnings, tc.warn)
			}
			for _, r := range res.Requests {
				if !validULID(r.ID) || r.RemoteAddr != "imported" {
					t.Errorf("id %q remote %q", r.ID, r.RemoteAddr)
				}
			}
		})
	}
}
