package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestServerOnStores: what the server promises through any hookStore
// (the channel limit, retention gaps, acknowledgements in Channels, and
// no hook after Close), on each test store.
func TestServerOnStores(t *testing.T) {
	for _, store := range testStores {
		t.Run(store.name, func(t *testing.T) {
			r := store.start(t, ServerConfig{MaxChannels: len(testChannels) + 1})
			t.Run("channel limit", func(t *testing.T) {
				if code, body := r.status(t, "/new1/x", []byte(`{}`)); code != http.StatusNotFound {
					t.Fatalf("hook to a channel not open: %d %q", code, body)
				}
				if code, body := openStream(t, r.url, "new1", testToken); code != http.StatusSwitchingProtocols {
					t.Fatalf("open new1: %d %q", code, body)
				}
				if code, body := openStream(t, r.url, "new2", testToken); code != http.StatusInsufficientStorage ||
					!strings.Contains(body, "--max-channels") {
					t.Fatalf("open new2: %d %q", code, body)
				}
				if code, body := r.status(t, "/new1/x", []byte(`{}`)); code != http.StatusOK {
					t.Fatalf("hook to an opened channel: %d %q", code, body)
				}
			})
			t.Run("retention gap", func(t *testing.T) {
				r.srv.SetRetention("counted", Retention{MaxCount: 5, MaxAge: -1})
				for i := range 10 {
					r.post(t, "/counted/x", fmt.Appendf(nil, `{"i":%d}`, i))
				}
				conn, _, err := dialStream(r.url, "counted", testToken, "")
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				var gap string
				seqs, err := readStream(conn, func(m wireMsg) bool {
					if m.Gap != nil {
						b, _ := json.Marshal(m.Gap)
						gap = string(b)
					}
					return m.Seq == 10
				})
				if err != nil {
					t.Fatal(err)
				}
				if gap != `{"after":0,"next":6}` || len(seqs) != 5 || seqs[0] != 6 {
					t.Fatalf("gap %s, seqs %v", gap, seqs)
				}
			})
			t.Run("acks listed", func(t *testing.T) {
				acked := make(chan int64, 1)
				r.srv.onAck = func(ch, client string, seq int64) { acked <- seq } // before any stream reads
				r.post(t, "/qa/x", []byte(`{}`))
				r.post(t, "/qa/x", []byte(`{}`))
				conn, _, err := dialStream(r.url, "qa", testToken, "client=laptop")
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if _, err := readStream(conn, func(m wireMsg) bool { return m.Seq == 2 }); err != nil {
					t.Fatal(err)
				}
				if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"ack":9}`)); err != nil {
					t.Fatal(err)
				}
				if seq := waitFor(t, acked, 10*time.Second, "the ack"); seq != 2 { // clamped to the head
					t.Fatalf("ack recorded as %d, want 2", seq)
				}
				chans, err := r.srv.Channels(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				i := slices.IndexFunc(chans, func(c ChannelInfo) bool { return c.Name == "qa" })
				if i < 0 || chans[i].Acks["laptop"] != 2 || chans[i].LastSeq != 2 || !chans[i].Open {
					t.Fatalf("channels %+v", chans)
				}
			})
			t.Run("closed", func(t *testing.T) {
				r.close(t)
				if _, err := r.srv.st.Append(context.Background(), "ch", "id", time.Now(), []byte(`{}`)); !errors.Is(err, ErrClosed) {
					t.Fatalf("Append after Close = %v, want ErrClosed", err)
				}
			})
		})
	}
}
