package ws

import (
	"context"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/database"
)

func TestProbeImport(t *testing.T) {
	db, err := database.Open(t.TempDir(), database.Options{})
	if err != nil { t.Fatal(err) }
	defer db.Close()
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil { t.Fatal(err) }
	defer st.Close()
	var g capture.IDGen
	var rs []*capture.Request
	for i := 0; i < 10000; i++ {
		rs = append(rs, &capture.Request{ID: g.New(time.Now()), ReceivedAt: time.Now(), Method: "POST", Target: "/x", Proto: "HTTP/1.1", Headers: capture.Headers{{"Content-Type", "application/json"}}, Body: []byte(`{"event":"client.created","id":12345,"name":"Ana"}`), BodySize: 50, DeclaredSize: 50})
	}
	for _, k := range []int{8, 32, 64} {
	rs2 := make([]*capture.Request, len(rs))
	for i, r := range rs { c := *r; c.ID = g.New(time.Now()); rs2[i] = &c }
	t0 := time.Now()
	ch := make(chan *capture.Request)
	done := make(chan bool)
	for w := 0; w < k; w++ { go func() { for r := range ch { st.Import(context.Background(), []*capture.Request{r}) }; done <- true }() }
	for _, r := range rs2 { ch <- r }
	close(ch)
	for w := 0; w < k; w++ { <-done }
	t.Logf("par %d import 10k: %v", k, time.Since(t0))
	}
}
