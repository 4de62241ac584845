package capture_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

var crmNames = []string{"Ana Souza", "Bruno Lima", "Carla Dias", "Diego Alves", "Elisa Rocha",
	"Fabio Costa", "Gabriela Nunes", "Heitor Melo"}

// crmCapture is a ~1 KiB CRM webhook: a client whose phase changed, with
// a name from a small pool (so "souza" matches an eighth of the store) and
// an e-mail unique to i (so "c12345" matches one capture).
func crmCapture(i int, at time.Time, gen *capture.IDGen, rng *rand.Rand) *capture.Request {
	body := fmt.Sprintf(`{"event":"client.phase_changed","id":%d,"data":{"client":{"id":%d,"name":%q,`+
		`"email":"c%d@example.com.br","phone":"+55 11 9%04d-%04d","tags":["vip","lead"],"phase":"negotiation",`+
		`"owner":"vendedor%d","notes":"Cliente pediu retorno na segunda-feira, proposta enviada com desconto `+
		`de 10%% para pagamento à vista. Confirmar endereço de entrega e dados de faturamento antes de emitir a `+
		`nota fiscal; o cliente prefere contato por WhatsApp no período da tarde."}},`+
		`"sent_at":"2026-11-23T10:00:00Z","attempt":1}`,
		i, rng.IntN(1e6), crmNames[rng.IntN(len(crmNames))], i, rng.IntN(10000), rng.IntN(10000), rng.IntN(50))
	method := "POST"
	if i%10 == 0 {
		method = "PUT"
	}
	r := req(fmt.Sprintf("/hooks/crm/%d", i%100), "application/json", body)
	r.Method = method
	r.ReceivedAt = at
	r.ID = gen.New(at)
	return r
}

// fill appends captures until st holds n, from 64 goroutines (so the
// store's group commit batches them), one millisecond apart.
func fill(tb testing.TB, st *capture.Store, n int) {
	tb.Helper()
	have, _ := st.Stats()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(have) * time.Millisecond)
	var gen capture.IDGen
	const workers = 64
	rngs := make([]*rand.Rand, workers)
	for w := range rngs {
		rngs[w] = rand.New(rand.NewPCG(uint64(w), uint64(have)))
	}
	appendParallel(tb, st, workers, n-have, func(w, i int) *capture.Request {
		return crmCapture(have+i, base.Add(time.Duration(i)*time.Millisecond), &gen, rngs[w])
	})
}

// BenchmarkSearchScale times the window's first page (100 newest matches)
// for full-text searches and method and path filters on one store grown
// from 10k to 1M captures, and prints each size's time beside the 10k one:
// the goal is ≤ 50 ms at 1M, and flat. Each figure is the median of 15
// runs.
func BenchmarkSearchScale(b *testing.B) {
	queries := []struct {
		name string
		q    capture.Query
	}{
		{"newest, no filter", capture.Query{}},
		{"search souza (1/8 match)", capture.Query{Search: "souza"}},
		{"search ana souza", capture.Query{Search: "ana souza"}},
		{"as you type: souz*", capture.Query{Search: "souz", Prefix: true}},
		{"as you type: negot* (all)", capture.Query{Search: "negot", Prefix: true}},
		{"search c12345 (one match)", capture.Query{Search: "c12345"}},
		{"search absent word", capture.Query{Search: "zzzqqq"}},
		{"method PUT (1/10)", capture.Query{Method: "PUT"}},
		{"path /hooks/crm/7", capture.Query{Search: "/hooks/crm/7"}},
		{"method PUT + search souza", capture.Query{Search: "souza", Method: "PUT"}},
		{"page 2 of souza", capture.Query{Search: "souza", Before: "cursor"}},
	}
	sizes := []int{10_000, 100_000, 1_000_000}
	for b.Loop() {
		st := newStore(b, capture.StoreConfig{MaxCaptures: -1, MaxBodyBytes: -1})
		times := make([][]time.Duration, len(queries))
		for _, n := range sizes {
			start := time.Now()
			fill(b, st, n)
			fmt.Printf("filled to %d captures (%s)\n", n, time.Since(start).Round(time.Second))
			for i, qq := range queries {
				q := qq.q
				q.Summary = true
				if q.Before != "" {
					first, err := st.List(context.Background(), capture.Query{Search: q.Search, Summary: true})
					if err != nil || len(first) == 0 {
						b.Fatalf("%s: %v", qq.name, err)
					}
					q.Before = first[len(first)-1].ID
				}
				var runs []time.Duration
				for range 15 {
					t0 := time.Now()
					if _, err := st.List(context.Background(), q); err != nil {
						b.Fatal(err)
					}
					runs = append(runs, time.Since(t0))
				}
				sort.Slice(runs, func(a, c int) bool { return runs[a] < runs[c] })
				times[i] = append(times[i], runs[len(runs)/2])
			}
		}
		fmt.Printf("\nGancho search benchmark: first page (100 newest), median of 15, summary rows\n")
		fmt.Printf("  %-28s %10s %10s %10s %10s\n", "query", "10k", "100k", "1M", "1M/10k")
		worst := time.Duration(0)
		for i, qq := range queries {
			t := times[i]
			fmt.Printf("  %-28s %10s %10s %10s %9.1fx\n", qq.name, ms(t[0]), ms(t[1]), ms(t[2]),
				float64(t[2])/float64(t[0]))
			worst = max(worst, t[2])
		}
		fmt.Printf("  slowest at 1M: %s (goal ≤ 50 ms)\n\n", ms(worst))
		b.ReportMetric(float64(worst)/1e6, "worst-ms@1M")
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
