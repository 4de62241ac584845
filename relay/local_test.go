package relay

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

func TestLocalGuard(t *testing.T) {
	ls := newLocal(t)
	loc := NewLocal(ls.store, "tok-123")
	defer loc.Close()
	ts := httptest.NewServer(loc)
	defer ts.Close()
	port := ts.Listener.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndexByte(port, ':'):]
	tests := []struct {
		name   string
		host   string
		query  string
		header string
		want   int
	}{
		{"no token", "127.0.0.1" + port, "", "", http.StatusUnauthorized},
		{"wrong query token", "127.0.0.1" + port, "token=nope", "", http.StatusUnauthorized},
		{"wrong bearer", "localhost" + port, "", "Bearer tok-12", http.StatusUnauthorized},
		{"longer token", "localhost" + port, "token=tok-1234", "", http.StatusUnauthorized},
		{"evil host, good token", "evil.example", "token=tok-123", "", http.StatusForbidden},
		{"evil host with port", "evil.example" + port, "", "Bearer tok-123", http.StatusForbidden},
		{"rebinding-style suffix", "localhost.evil.example" + port, "token=tok-123", "", http.StatusForbidden},
		{"good query token, not a websocket", "127.0.0.1" + port, "token=tok-123", "", http.StatusBadRequest},
		{"good bearer on localhost", "localhost" + port, "", "Bearer tok-123", http.StatusBadRequest},
		{"good bearer on [::1]", "[::1]" + port, "", "Bearer tok-123", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+"/?"+tc.query, nil)
			req.Host = tc.host
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

func TestLocalStream(t *testing.T) {
	ls := newLocal(t)
	loc := NewLocal(ls.store, "tok-123")
	subscribed := make(chan struct{}, 4)
	loc.onSubscribe = func() { subscribed <- struct{}{} }
	ts := httptest.NewServer(loc)
	defer ts.Close()
	defer loc.Close()

	tests := []struct {
		name string
		url  string
		tok  string
	}{
		{"http URL turned into ws", ts.URL + "/live", "tok-123"},
		{"ws URL", strings.Replace(ts.URL, "http://", "ws://", 1) + "/live", "tok-123"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			got := make(chan capture.Record, 1)
			done := make(chan error, 1)
			go func() { done <- Tail(ctx, tc.url, tc.tok, func(r capture.Record) { got <- r }) }()
			waitFor(t, subscribed, 10*time.Second, "the stream to subscribe")
			want := &capture.Request{ID: newID(), ReceivedAt: time.Now(), Method: "POST", Target: "/hook?x=1",
				Proto: "HTTP/1.1", Host: "example.com", Headers: capture.Headers{{Name: "X-A", Value: "1"}},
				Body: []byte(`{"a":1}`), BodySize: 7, DeclaredSize: 7, Response: capture.Response{Status: 200}}
			if err := ls.store.Append(ctx, want); err != nil {
				t.Fatal(err)
			}
			rec := waitFor(t, got, 10*time.Second, "the capture")
			if rec.ID != want.ID || rec.Target != want.Target || rec.BodyBase64 != "eyJhIjoxfQ==" || rec.ResponseStatus != 200 {
				t.Fatalf("got %+v", rec)
			}
			cancel()
			if err := waitFor(t, done, 10*time.Second, "Tail to return"); err != nil {
				t.Fatalf("Tail: %v", err)
			}
		})
	}
	t.Run("wrong token", func(t *testing.T) {
		err := Tail(context.Background(), ts.URL, "nope", func(capture.Record) {})
		if err == nil || !strings.Contains(err.Error(), ErrUnauthorized.Error()) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
	})
}

func TestLocalCloseEndsTail(t *testing.T) {
	ls := newLocal(t)
	loc := NewLocal(ls.store, "t")
	subscribed := make(chan struct{}, 1)
	loc.onSubscribe = func() { subscribed <- struct{}{} }
	ts := httptest.NewServer(loc)
	defer ts.Close()
	done := make(chan error, 1)
	go func() { done <- Tail(context.Background(), ts.URL, "t", func(capture.Record) {}) }()
	waitFor(t, subscribed, 10*time.Second, "the stream to subscribe")
	loc.Close()
	err := waitFor(t, done, 10*time.Second, "Tail to return")
	if err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Fatalf("Tail: %v, want the shutdown reason", err)
	}
}

var testIDs capture.IDGen

func newID() string { return testIDs.New(time.Now()) }
