package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// bigJSON returns about size bytes of minified JSON order events.
func bigJSON(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"orders":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"ord_%06d","customer":{"name":"Cliente %d","email":"c%d@example.com.br","phone":"+55 11 9%04d-%04d"},"amount":%d.90,"paid":%v,"tags":["crm","web"]}`, i, i, i, i%10000, i%7919, i*3, i%2 == 0)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkOpen1MiBJSON times what a click on a 1 MiB JSON capture costs
// off the UI goroutine: to the first highlighted screen, and to the whole
// body highlighted (targets: 100 ms and 1 s).
func BenchmarkOpen1MiBJSON(b *testing.B) {
	r := &capture.Request{ID: "01BIG", Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: bigJSON(1 << 20)}
	st := newStyles(darkPalette)
	var first, full time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		v, lang := prepareBody(r, modePretty)
		if _, ok := firstScreen(v, lang, st); !ok {
			b.Fatal("no first screen for a 1 MiB body")
		}
		first += time.Since(t0)
		v.rows = highlightRows(v.text, lang, st)
		full += time.Since(t0)
	}
	b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "ms-first-screen")
	b.ReportMetric(float64(full.Milliseconds())/float64(b.N), "ms-whole-body")
}
