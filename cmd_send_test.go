package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/verify"
)

// receiver records what reaches it and answers status.
func receiver(t *testing.T, status int) (*httptest.Server, chan *http.Request, chan []byte) {
	t.Helper()
	reqs, bodies := make(chan *http.Request, 8), make(chan []byte, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- r
		bodies <- b
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, reqs, bodies
}

func headersOf(r *http.Request) capture.Headers {
	var h capture.Headers
	for name, vs := range r.Header {
		for _, v := range vs {
			h = append(h, capture.Header{Name: name, Value: v})
		}
	}
	return h
}

func TestSendCommand(t *testing.T) {
	secret := verify.NewSecret()
	tests := []struct {
		name  string
		args  func(u string) []string
		check func(t *testing.T, r *http.Request, body []byte)
	}{
		{"standard signed JSON", func(u string) []string {
			return []string{"send", "client.created", "--to", u + "/in", "--secret", secret}
		}, func(t *testing.T, r *http.Request, body []byte) {
			set, _ := verify.NewSet([]verify.Config{{Scheme: verify.SchemeStandard, Secret: secret}})
			if res := set.Check("/in", headersOf(r), body, time.Now()); res == nil || !res.OK {
				t.Errorf("receiver's check: %+v", res)
			}
			if !strings.Contains(string(body), `"type": "client.created"`) || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s", r.Header.Get("Content-Type"), body)
			}
		}},
		{"XML, github", func(u string) []string {
			return []string{"send", "30", "--xml", "--signing", "github", "--secret", "s3cr3t", "--to", u + "/x"}
		}, func(t *testing.T, r *http.Request, body []byte) {
			set, _ := verify.NewSet([]verify.Config{{Scheme: verify.SchemeGitHub, Secret: "s3cr3t"}})
			if res := set.Check("/x", headersOf(r), body, time.Now()); res == nil || !res.OK {
				t.Errorf("receiver's check: %+v", res)
			}
			if !strings.HasPrefix(string(body), "<?xml") || !strings.Contains(string(body), "<type>sale.created</type>") {
				t.Errorf("%s", body)
			}
		}},
		{"GET query", func(u string) []string {
			return []string{"send", "client.phase_changed", "--get", "--signing", "none", "--to", u + "/g?k=1"}
		}, func(t *testing.T, r *http.Request, body []byte) {
			q, _ := url.ParseQuery(r.URL.RawQuery)
			if r.Method != "GET" || len(body) != 0 || q.Get("k") != "1" || q.Get("type") != "client.phase_changed" ||
				q.Get("data.phase.previous") == "" || q.Get("data.client.email") == "" {
				t.Errorf("%s %s", r.Method, r.URL.RawQuery)
			}
			if r.Header.Get("webhook-signature") != "" {
				t.Error("signed with --signing none")
			}
		}},
		{"GET with the query signed", func(u string) []string {
			return []string{"send", "client.created", "--get", "--sign-query", "--secret", secret, "--to", u + "/g?k=1"}
		}, func(t *testing.T, r *http.Request, body []byte) {
			set, _ := verify.NewSet([]verify.Config{{Scheme: verify.SchemeStandard, Secret: secret}})
			if res := set.Check("/g", headersOf(r), []byte(r.URL.RawQuery), time.Now()); res == nil || !res.OK {
				t.Errorf("receiver's check of the query: %+v", res)
			}
			if res := set.Check("/g", headersOf(r), []byte(r.URL.RawQuery+"&x=1"), time.Now()); res == nil || res.OK {
				t.Errorf("a tampered query verifies: %+v", res)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, reqs, bodies := receiver(t, http.StatusNoContent)
			out, errOut, code := runCmd(t, tt.args(srv.URL)...)
			if code != 0 || !strings.Contains(out, ": 204 in ") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			tt.check(t, <-reqs, <-bodies)
		})
	}
	t.Run("refused target", func(t *testing.T) {
		out, errOut, code := runCmd(t, "send", "client.created", "--to", "http://127.0.0.1:1/x")
		if code != 1 || !strings.Contains(out, "FAILED (refused)") || !strings.Contains(errOut, "was not accepted") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("saved subscriptions", func(t *testing.T) {
		dir := t.TempDir()
		_, errOut, code := runCmd(t, "send", "client.created", "--data", dir)
		if code != 1 || !strings.Contains(errOut, "no enabled subscription listens to client.created") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		srv, reqs, _ := receiver(t, http.StatusOK)
		db, err := database.Open(dir, database.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := outbound.NewStore(context.Background(), db, outbound.StoreConfig{})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"ERP", "BI"} {
			s := outbound.NewSubscription()
			s.Name, s.URL, s.Events = name, srv.URL+"/"+name, []string{"client.created"}
			if err := st.Save(context.Background(), &s); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		out, errOut, code := runCmd(t, "send", "client.created", "--data", dir, "--wait")
		if code != 0 || !strings.Contains(out, "Fired client.created to 2 subscriptions") || strings.Count(out, "succeeded after 1 attempt") != 2 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		<-reqs
		<-reqs

		_, errOut, code = runCmd(t, "send", "client.created", "--data", dir, "--secret", "x", "--xml")
		if code != 1 || !strings.Contains(errOut, "--secret, --xml only apply with --to URL") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		// Another Gancho on the directory delivers: no second dispatcher here.
		b, _ := json.Marshal(relay.LiveInfo{URL: "ws://127.0.0.1:1/live", Token: "t", PID: os.Getppid()})
		if err := os.WriteFile(filepath.Join(dir, relay.LiveFile), b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code = runCmd(t, "send", "client.created", "--data", dir)
		if code != 0 || !strings.Contains(out, fmt.Sprintf("Gancho (pid %d) is running", os.Getppid())) {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		select {
		case r := <-reqs:
			t.Errorf("delivered by the command although another Gancho runs: %s", r.URL)
		default:
		}
	})
}
