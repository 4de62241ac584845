package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/rules"
	"github.com/gancho-app/gancho/verify"
)

type discardStore struct{}

func (discardStore) Append(context.Context, *capture.Request) error { return nil }

// BenchmarkHandlerPolicy measures what inbound checks add to one capture in
// the handler (store excluded): no policy vs a Standard Webhooks verifier,
// rate limit, basic auth, secret prefix, duplicate window and 20 rules.
// Run: go test -run '^$' -bench BenchmarkHandlerPolicy -benchmem ./capture/
func BenchmarkHandlerPolicy(b *testing.B) {
	cfg := verify.Config{Scheme: "standard", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	set, err := verify.NewSet([]verify.Config{cfg})
	if err != nil {
		b.Fatal(err)
	}
	var text string
	for i := range 19 {
		text += fmt.Sprintf("POST /other%d/** -> 503 x3 then 200\n", i)
	}
	text += "* ** -> 202\n"
	rs, err := rules.Parse(text)
	if err != nil {
		b.Fatal(err)
	}
	body := sampleJSON(1024)
	sig, err := verify.Sign(cfg, "msg_bench", time.Now(), body)
	if err != nil {
		b.Fatal(err)
	}
	full := capture.Policy{SecretPrefix: "k3y", BasicAuth: "ana:s3nha", RateLimit: 1 << 30,
		Verify: set, Respond: rules.NewSet(rs)}
	for _, tc := range []struct {
		name   string
		policy capture.Policy
		path   string
	}{
		{"bare", capture.Policy{}, "/hooks/crm"},
		{"full", full, "/k3y/hooks/crm"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := capture.NewHandler(discardStore{}, 0)
			if err := h.SetPolicy(tc.policy); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", tc.path, bytes.NewReader(body))
				r.SetBasicAuth("ana", "s3nha")
				for _, kv := range sig {
					r.Header.Set(kv[0], kv[1])
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code >= 300 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
