package capture_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

// BenchmarkDisk stores 20,000 JSON captures as a sender posts them (the
// headers a real client sends, a ~1 KiB body) and prints the database's
// size against the captured bytes (request line, headers and body): the
// goal is at most 1.5x. Two bodies: the capture benchmark's 1 KiB JSON,
// and a CRM webhook of ~0.5 KiB whose text repeats less.
func BenchmarkDisk(b *testing.B) {
	const n = 20_000
	hdrs := capture.Headers{{Name: "Host", Value: "hooks.example.com"}, {Name: "User-Agent", Value: "CRM-Webhooks/2.1"},
		{Name: "Content-Type", Value: "application/json"}, {Name: "Accept-Encoding", Value: "gzip"},
		{Name: "X-Webhook-Id", Value: "9f0c1e2d-3b4a-5c6d-7e8f-0a1b2c3d4e5f"}}
	bodies := []struct {
		name string
		body func(i int, rng *rand.Rand) []byte
	}{
		{"1 KiB JSON (capture benchmark)", func(int, *rand.Rand) []byte { return sampleJSON(1024) }},
		{"CRM webhook", func(i int, rng *rand.Rand) []byte {
			var gen capture.IDGen
			return crmCapture(i, time.Now(), &gen, rng).Body
		}},
	}
	for b.Loop() {
		fmt.Printf("\nGancho disk benchmark: %d captures, database size / captured bytes (goal ≤ 1.5)\n", n)
		for _, bd := range bodies {
			dir := b.TempDir()
			db, err := database.Open(dir, database.Options{})
			if err != nil {
				b.Fatal(err)
			}
			st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{MaxCaptures: -1})
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			var gen capture.IDGen
			var captured int64
			for i := range n {
				r := req(fmt.Sprintf("/hooks/crm/%d", i%100), "application/json", string(bd.body(i, rng)))
				r.Headers = hdrs
				r.ReceivedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
				r.ID = gen.New(r.ReceivedAt)
				captured += int64(len(r.Method) + len(r.Target) + len(r.Proto) + 4 + len(r.Body))
				for _, h := range r.Headers {
					captured += int64(len(h.Name) + len(h.Value) + 4)
				}
				if err := st.Append(context.Background(), r); err != nil {
					b.Fatal(err)
				}
			}
			st.Close()
			// Where the bytes go, per capture.
			rows, err := db.Read.Query(`SELECT name, sum(pgsize) FROM dbstat GROUP BY name HAVING sum(pgsize) > 65536 ORDER BY 2 DESC`)
			if err != nil {
				b.Fatal(err)
			}
			var parts []string
			for rows.Next() {
				var name string
				var size int64
				if err := rows.Scan(&name, &size); err != nil {
					b.Fatal(err)
				}
				parts = append(parts, fmt.Sprintf("%s %d", name, size/n))
			}
			rows.Close()
			db.Close() // folds the WAL into the file
			fi, err := os.Stat(filepath.Join(dir, database.FileName))
			if err != nil {
				b.Fatal(err)
			}
			ratio := float64(fi.Size()) / float64(captured)
			fmt.Printf("  %-32s %6.0f B captured, %6.0f B on disk per capture: %.2fx\n", bd.name,
				float64(captured)/n, float64(fi.Size())/n, ratio)
			fmt.Printf("  %32s %s\n", "bytes per capture:", strings.Join(parts, ", "))
			b.ReportMetric(ratio, "disk/captured")
		}
		fmt.Println()
	}
}
