package pretty

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// The hostile documents of issue 11: each once cost hundreds of MB to GB.
func deepXML(depth int) []byte {
	return []byte(strings.Repeat("<a>", depth) + strings.Repeat("</a>", depth))
}

// deepJSON is four arrays nested depth deep inside one outer array.
func deepJSON(depth int) []byte {
	one := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	return []byte("[" + strings.Join([]string{one, one, one, one}, ",") + "]")
}

// wideDeepJSON nests to exactly MaxDepth with many values at every level:
// pretty-printed, but indentation must stop growing at MaxIndent.
func wideDeepJSON() []byte {
	var b bytes.Buffer
	for range MaxDepth - 1 {
		b.WriteString(`[1,2,3,`)
	}
	b.WriteString(`[4]`)
	for range MaxDepth - 1 {
		b.WriteString(`,5]`)
	}
	return b.Bytes()
}

// bigArray pretty-prints to more than MaxOutput.
func bigArray() []byte {
	return []byte("[" + strings.Repeat("1,", 5<<20) + "1]")
}

type boundCase struct {
	name, ct string
	data     []byte
	kind     Kind
	note     string // a note must contain this
	raw      bool   // the text is the raw body (or its first MaxOutput bytes)
}

func boundCases() []boundCase {
	return []boundCase{
		{"xml depth 9,999 (70 KB)", "application/xml", deepXML(9999), XML, fmt.Sprintf("nested deeper than %d levels: showing the raw text", MaxDepth), true},
		{"json four arrays 9,000 deep (72 KB)", "application/json", deepJSON(9000), JSON, fmt.Sprintf("nested deeper than %d levels: showing the raw text", MaxDepth), true},
		{"xml depth 100k (700 KB)", "text/xml", deepXML(100000), XML, fmt.Sprintf("nested deeper than %d levels: showing the raw text", MaxDepth), true},
		{"xml sniffed, depth 100k", "", deepXML(100000), XML, "showing the raw text", true},
		{"json past the scanner's own depth", "application/json", deepJSON(20000), JSON, "", true},
		{"json at MaxDepth, wide", "application/json", wideDeepJSON(), JSON, fmt.Sprintf("nested deeper than %d levels: indentation stops growing there", MaxIndent), false},
		{"xml at MaxDepth", "application/xml", deepXML(MaxDepth), XML, "indentation stops growing", false},
		{"json pretty view over MaxOutput", "application/json", bigArray(), JSON, "output truncated at 16 MiB", false},
		{"text over MaxOutput", "text/plain", bytes.Repeat([]byte("abcdefé\n"), 3<<20), Text, "output truncated at 16 MiB: showing the first", true},
		{"form of a million newlines", "application/x-www-form-urlencoded", []byte("k=" + strings.Repeat("%0A", 4<<20)), Form, "output truncated at 16 MiB", false},
	}
}

// allocated runs f and reports the bytes it allocated.
func allocated(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHostileBounds(t *testing.T) {
	for _, c := range boundCases() {
		t.Run(c.name, func(t *testing.T) {
			var v View
			alloc := allocated(func() { v = Bytes(c.ct, c.data) })
			if v.Kind != c.kind {
				t.Errorf("kind %q, want %q", v.Kind, c.kind)
			}
			if len(v.Text) > MaxOutput {
				t.Errorf("text is %d bytes, over MaxOutput", len(v.Text))
			}
			if v.Cut != strings.Contains(strings.Join(v.Notes, " "), "output truncated") {
				t.Errorf("Cut %v with notes %q", v.Cut, v.Notes)
			}
			notes := strings.Join(v.Notes, "\n")
			if c.note != "" && !strings.Contains(notes, c.note) {
				t.Errorf("notes %q lack %q", v.Notes, c.note)
			}
			if c.raw && !strings.HasPrefix(string(c.data), v.Text) {
				t.Errorf("text is not the raw body: %.80q", v.Text)
			}
			if !c.raw && v.Err != nil {
				t.Errorf("err %v", v.Err)
			}
			for line := range strings.SplitSeq(v.Text, "\n") {
				if n := len(line) - len(strings.TrimLeft(line, " ")); n > 2*MaxIndent && !c.raw && c.kind != Form {
					t.Fatalf("a line is indented by %d spaces, over %d", n, 2*MaxIndent)
				}
			}
			// Bounded by the input and the output cap, never by depth squared.
			if limit := uint64(8*len(c.data) + 4*MaxOutput); alloc > limit {
				t.Errorf("allocated %d MiB for %d KiB of input, over %d MiB", alloc>>20, len(c.data)>>10, limit>>20)
			}
			t.Logf("%d KiB in, %d KiB out, %d KiB allocated, notes %q", len(c.data)>>10, len(v.Text)>>10, alloc>>10, v.Notes)
		})
	}
}

// The deep documents cost about their own size, not depth squared: with
// no bound the first took 905 MB, the second 3.6 GB.
func TestHostileAllocations(t *testing.T) {
	for _, c := range []struct {
		name string
		ct   string
		data []byte
	}{
		{"xml 9,999 deep", "application/xml", deepXML(9999)},
		{"json 9,000 deep", "application/json", deepJSON(9000)},
		{"xml 100k deep", "application/xml", deepXML(100000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			alloc := allocated(func() { Bytes(c.ct, c.data) })
			if limit := uint64(16*len(c.data) + 1<<20); alloc > limit {
				t.Errorf("allocated %d KiB for %d KiB of input, over %d KiB", alloc>>10, len(c.data)>>10, limit>>10)
			}
		})
	}
}

func BenchmarkHostile(b *testing.B) {
	for _, c := range boundCases()[:3] {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				Bytes(c.ct, c.data)
			}
		})
	}
}

// A multipart body of many parts stays under MaxOutput all together.
func TestMultipartBounded(t *testing.T) {
	var b strings.Builder
	part := strings.Repeat("x", 1<<20)
	for range 40 {
		b.WriteString("--B\r\nContent-Type: text/plain\r\n\r\n" + part + "\r\n")
	}
	b.WriteString("--B--\r\n")
	parts, err := Multipart("multipart/mixed; boundary=B", []byte(b.String()))
	total := 0
	for _, p := range parts {
		total += len(p.View.Text)
	}
	if total > MaxOutput || err == nil || !strings.Contains(err.Error(), "output truncated") {
		t.Fatalf("%d parts, %d bytes shown, err %v", len(parts), total, err)
	}
	if text := PartsText(parts); len(text) > MaxOutput+64<<10 {
		t.Fatalf("parts text is %d bytes", len(text))
	}
}
