package exchange

import (
	"bytes"
	"fmt"
	"testing"
)

// TestEncoderMatchesExport: an export written one capture at a time is
// byte for byte the export of all of them at once, in every format, for
// none, one and many captures, with secrets redacted or kept.
func TestEncoderMatchesExport(t *testing.T) {
	all := sampleCaptures()
	for _, f := range Formats() {
		for _, n := range []int{0, 1, 2, len(all)} {
			for _, secrets := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%d/secrets=%v", f, n, secrets), func(t *testing.T) {
					o := ExportOptions{IncludeSecrets: secrets, SecretPrefixes: []string{"k3y"}, Version: "test"}
					want := export(t, f, all[:n], o)
					var got bytes.Buffer
					e, err := NewEncoder(&got, f, o)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range all[:n] {
						if err := e.Encode(r); err != nil {
							t.Fatal(err)
						}
					}
					if err := e.Close(); err != nil {
						t.Fatal(err)
					}
					if e.Count() != n {
						t.Fatalf("count %d, want %d", e.Count(), n)
					}
					if !bytes.Equal(got.Bytes(), want) {
						t.Fatalf("streamed export differs from Export:\n--- streamed\n%s\n--- Export\n%s", got.Bytes(), want)
					}
				})
			}
		}
	}
	if _, err := NewEncoder(&bytes.Buffer{}, "xml", ExportOptions{}); err == nil {
		t.Fatal("an unknown format was accepted")
	}
	e, _ := NewEncoder(&bytes.Buffer{}, JSONL, ExportOptions{})
	if err := e.Encode(nil); err == nil {
		t.Fatal("a nil capture was accepted")
	}
}
