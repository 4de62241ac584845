package replay

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

// BenchmarkSend measures bulk-replay throughput: 16 workers sending a small
// signed-webhook-sized POST to a local receiver through one Sender. It
// reports requests per second.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	s := NewSender()
	b.Cleanup(s.Close)
	r := Request{
		Method: "POST", URL: srv.URL + "/hooks/billing",
		Headers: capture.Headers{
			{Name: "Content-Type", Value: "application/json"},
			{Name: "webhook-id", Value: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"},
			{Name: "webhook-timestamp", Value: "1700000000"},
			{Name: "webhook-signature", Value: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="},
		},
		Body: []byte(`{"type":"invoice.paid","data":{"id":"in_1","amount":4200,"currency":"eur"}}`),
	}
	const workers = 16
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	b.ResetTimer()
	for range workers {
		wg.Go(func() {
			for range jobs {
				if res := s.Send(context.Background(), r, Options{}); res.Err != "" || res.Status != http.StatusNoContent {
					b.Errorf("send: %d %s", res.Status, res.Err)
				}
			}
		})
	}
	for range b.N {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
