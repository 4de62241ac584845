package exchange

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// The HAR document as one value: what the streamed HAR must equal byte
// for byte when encoded whole.
type harOut struct {
	Log harLogOut `json:"log"`
}

type harLogOut struct {
	Version string        `json:"version"`
	Creator harCreator    `json:"creator"`
	Pages   []struct{}    `json:"pages"` // optional in HAR 1.2; some importers insist on the array
	Entries []harEntryOut `json:"entries"`
}

// TestHARStreamedAsEncodedWhole: the streamed HAR is exactly json.Encoder's
// indented encoding of the whole document, for none, one and several
// entries.
func TestHARStreamedAsEncodedWhole(t *testing.T) {
	all := sampleCaptures()
	for _, n := range []int{0, 1, len(all)} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			o := ExportOptions{Version: "1.2.3"}
			var got bytes.Buffer
			if err := Export(&got, HAR, all[:n], o); err != nil {
				t.Fatal(err)
			}
			doc := harOut{Log: harLogOut{Version: "1.2", Creator: harCreator{Name: "Gancho", Version: "1.2.3"},
				Pages: []struct{}{}, Entries: []harEntryOut{}}}
			for _, r := range all[:n] {
				r = Redact(r, o)
				doc.Log.Entries = append(doc.Log.Entries, harEntry(r, o.baseFor(r)))
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(doc); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("streamed HAR differs:\n%s\nwant:\n%s", got.String(), want.String())
			}
		})
	}
}

// TestWriterMatchesExport: writing captures one at a time gives the bytes
// Export gives for the slice, in every format and count (raw frames one
// capture bare and several with separators).
func TestWriterMatchesExport(t *testing.T) {
	all := sampleCaptures()
	for _, f := range Formats() {
		for _, n := range []int{0, 1, 2, len(all)} {
			t.Run(fmt.Sprintf("%s/%d", f, n), func(t *testing.T) {
				var whole, streamed bytes.Buffer
				if err := Export(&whole, f, all[:n], ExportOptions{}); err != nil {
					t.Fatal(err)
				}
				w, err := NewWriter(&streamed, f, ExportOptions{})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range all[:n] {
					if err := w.Write(r); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if w.Count() != n || streamed.String() != whole.String() {
					t.Fatalf("count %d; streamed %q\nwhole %q", w.Count(), streamed.String(), whole.String())
				}
				if f == Raw && n > 1 {
					back, err := ImportFormat(bytes.NewReader(streamed.Bytes()), Raw)
					if err != nil || len(back.Requests) != n {
						t.Fatalf("raw export of %d read back as %d (%v)", n, len(back.Requests), err)
					}
				}
			})
		}
	}
}
