package ui

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/verify"
)

func TestEditorHeaderTable(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(e *editor)
		wantErr string
		want    []capture.Header
	}{
		{"as loaded", func(e *editor) {}, "", []capture.Header{{Name: "Content-Type", Value: "application/json"}}},
		{"added and edited", func(e *editor) {
			r := e.addHeader("", "")
			r.name.SetText("X-Trace")
			r.value.SetText(" spaced value ")
			e.hdrs.rows[0].value.SetText("text/plain")
		}, "", []capture.Header{{Name: "Content-Type", Value: "text/plain"}, {Name: "X-Trace", Value: " spaced value "}}},
		{"removed", func(e *editor) { e.removeHeader(e.hdrs.rows[0]) }, "", nil},
		{"an empty row is ignored", func(e *editor) { e.addHeader("", "") }, "",
			[]capture.Header{{Name: "Content-Type", Value: "application/json"}}},
		{"a name with a space", func(e *editor) { e.addHeader("X Bad", "1") }, "is not a header name", nil},
		{"a value without a name", func(e *editor) { e.addHeader("", "orphan") }, "is not a header name", nil},
		{"no URL", func(e *editor) { e.url.SetText(" ") }, "give a method and a URL", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWith(t, func(o *Options) { o.Sender = &fakeSender{} })
			h.do(func() {
				e := newEditor(h.m, nil, "http://localhost:3000/x")
				tt.edit(e)
				req, err := e.request()
				switch {
				case tt.wantErr != "":
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Errorf("error %v, want %q", err, tt.wantErr)
					}
					if len(e.hdrs.box.Objects) != len(e.hdrs.rows) {
						t.Errorf("%d rows shown, %d kept", len(e.hdrs.box.Objects), len(e.hdrs.rows))
					}
				case err != nil:
					t.Errorf("error %v", err)
				case len(req.Headers) != len(tt.want):
					t.Errorf("headers %v, want %v", req.Headers, tt.want)
				default:
					for i := range tt.want {
						if req.Headers[i] != tt.want[i] {
							t.Errorf("header %d = %v, want %v", i, req.Headers[i], tt.want[i])
						}
					}
				}
			})
		})
	}
}

func TestEditorResignAndModified(t *testing.T) {
	cfg, err := verify.Parse("standard:" + verify.NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	check, err := verify.NewSet([]verify.Config{cfg})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"sale.created","data":{"id":1}}`)
	signedAt := time.Now().Add(-time.Hour) // old: outside the tolerance now
	pairs, err := verify.Sign(cfg, "msg_original", signedAt, body)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		choice       string
		editBody     bool
		wantModified bool
		wantVerified bool
		wantID       string // webhook-id sent; "" for any fresh one
	}{
		{"kept as captured", signKeep, false, false, false, "msg_original"},
		{"re-signed", signResign, false, true, true, ""},
		{"edited and re-signed", signResign, true, true, true, ""},
		{"edited, signature kept", signKeep, true, true, false, "msg_original"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fakeSender{res: replay.Result{Status: 200}}
			ss := &fixedSettings{s: settings.Settings{Verifiers: []verify.Config{cfg}}}
			h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays, o.Settings = fs, &memReplays{}, ss })
			hdrs := capture.Headers{{Name: "Host", Value: "h"}, {Name: "Content-Type", Value: "application/json"}}
			for _, p := range pairs {
				hdrs = append(hdrs, capture.Header{Name: p[0], Value: p[1]})
			}
			c := &capture.Request{ID: "01TEST", ReceivedAt: signedAt, Method: "POST", Target: "/hooks", Proto: "HTTP/1.1",
				Host: "h", Headers: hdrs, Body: body, BodySize: int64(len(body))}
			var e *editor
			h.do(func() {
				e = newEditor(h.m, c, "http://127.0.0.1:3000/in")
				if e.sign == nil {
					return // reported below: Fatal would end the pump
				}
				e.sign.SetSelected(tt.choice)
				if tt.editBody {
					e.body.SetText(`{"type":"sale.created","data":{"id":2}}`)
				}
				test.Tap(e.send)
			})
			if h.eval(func() bool { return e.sign == nil }) {
				t.Fatal("no signature choice although a verifier is saved")
			}
			h.waitFor(t, "the answer", func() bool { return e.last != nil })
			a := e.last
			if a.Modified != tt.wantModified {
				t.Errorf("modified = %v, want %v", a.Modified, tt.wantModified)
			}
			res := check.Check("/in", a.Request.Headers, a.Request.Body, time.Now())
			if res == nil || res.OK != tt.wantVerified {
				t.Errorf("receiver's check: %+v, want verified %v", res, tt.wantVerified)
			}
			id := a.Request.Headers.Get("webhook-id")
			if tt.wantID != "" && id != tt.wantID || tt.wantID == "" && (id == "" || id == "msg_original") {
				t.Errorf("webhook-id %q", id)
			}
			if n := len(a.Request.Headers.Values("webhook-signature")); n != 1 {
				t.Errorf("%d signature headers", n)
			}
		})
	}
}

func TestEditorHighlightsBody(t *testing.T) {
	h := newHarnessWith(t, func(o *Options) { o.Sender = &fakeSender{} })
	var e *editor
	h.do(func() {
		e = newEditor(h.m, nil, "http://localhost:3000/x")
		e.body.SetText(`{"b":[1,2],"a":"x"}`)
		test.Tap(e.format)
	})
	if got := h.eval(func() bool { return e.body.Text == "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": \"x\"\n}" }); !got {
		t.Errorf("formatted body %q", e.body.Text)
	}
	h.waitFor(t, "the highlighted view", func() bool {
		if !strings.Contains(e.view.Text(), `"a": "x"`) {
			return false
		}
		styles := map[any]bool{}
		for _, r := range e.view.Rows {
			for _, c := range r.Cells {
				styles[c.Style] = true
			}
		}
		return len(styles) > 1 // keys, strings and numbers differ
	})
}

func TestUnderscoresDrawnAsUnderline(t *testing.T) {
	st := newStyles(darkPalette)
	for _, lang := range []string{"plaintext", "json"} {
		t.Run(lang, func(t *testing.T) {
			rows := highlightRows(`{"client_id": "cli_4821"}`, lang, st)
			n := 0
			for _, c := range rows[0].Cells {
				if c.Rune == '_' {
					t.Fatal("a raw '_' cell: Fyne clips it (fyne-io/fyne#6006)")
				}
				if cs, ok := c.Style.(*widget.CustomTextGridStyle); ok && cs.TextStyle.Underline {
					if c.Rune != ' ' || cs.FGColor == nil {
						t.Errorf("underscore cell %q with colour %v", c.Rune, cs.FGColor)
					}
					n++
				}
			}
			if n != 2 {
				t.Errorf("%d underlined cells, want 2", n)
			}
		})
	}
}

// TestRunOnlySecretPrefixInWindow: a prefix a capture server used but never
// saved (listen --secret-prefix) is redacted by Export and stripped by
// Re-sign, from the store's record of prefixes.
func TestRunOnlySecretPrefixInWindow(t *testing.T) {
	stripe := verify.Config{Scheme: "stripe", Secret: "whsec_x", Path: "/stripe"}
	ss := &fixedSettings{s: settings.Settings{Inbound: settings.Inbound{SecretPrefix: "savedP"}, Verifiers: []verify.Config{stripe}}}
	h := newHarnessWith(t, func(o *Options) { o.Settings = ss })
	if err := h.store.RememberSecretPrefix(context.Background(), "runP"); err != nil {
		t.Fatal(err)
	}
	got, err := h.m.secretPrefixes()
	if err != nil || !slices.Contains(got, "savedP") || !slices.Contains(got, "runP") {
		t.Fatalf("secretPrefixes = %q, %v", got, err)
	}
	c := &capture.Request{ID: "01TEST", Method: "POST", Target: "/runP/stripe/evt", Proto: "HTTP/1.1", Host: "h",
		Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: []byte(`{}`)}
	var scheme string
	h.do(func() {
		if e := newEditor(h.m, c, "http://127.0.0.1:3000/in"); e.signer != nil {
			scheme = e.signer.Scheme
		}
	})
	if scheme != "stripe" {
		t.Errorf("re-signs with %q, want stripe for /runP/stripe/evt", scheme)
	}
}

// TestEditorSendsBodyByteForByte: a body the user did not edit goes out
// exactly as captured, binary or text (an Entry turns invalid UTF-8 into
// U+FFFD), and only a real change marks the attempt modified.
func TestEditorSendsBodyByteForByte(t *testing.T) {
	binary := append([]byte("\x00\x01\xff\xfe"), "some text after the bytes"...)
	part := make([]byte, 600)
	for i := range part {
		part[i] = byte(i * 7)
	}
	multipart := []byte("--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nline one\r\nline two\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
		string(part) + "\r\n--XyZ--\r\n")
	textCRLF := []byte("--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nline one\r\nline two\r\n--XyZ--\r\n")
	tests := []struct {
		name         string
		ct           string
		body         []byte
		edit         func(e *editor)
		wantMode     int
		want         []byte // nil: the captured body
		wantErr      string
		wantModified bool
	}{
		{"binary, only the URL changed", "application/octet-stream", binary, nil, bodyBinary, nil, "", false},
		{"multipart with a binary part", "multipart/form-data; boundary=XyZ", multipart, nil, bodyBinary, nil, "", false},
		{"text multipart with CRLF", "multipart/form-data; boundary=XyZ", textCRLF, nil, bodyText, nil, "", false},
		{"text edited by the user", "text/plain", []byte("hello\r\nworld"), func(e *editor) { e.body.SetText("hello there") },
			bodyText, []byte("hello there"), "", true},
		{"binary, hex opened but not changed", "application/octet-stream", binary, func(e *editor) { e.editAsHex() },
			bodyHex, nil, "", false},
		{"binary edited as hex", "application/octet-stream", binary, func(e *editor) {
			e.editAsHex()
			e.hexEdit.SetText("00 ff\n 41")
		}, bodyHex, []byte{0, 0xff, 'A'}, "", true},
		{"bad hex", "application/octet-stream", binary, func(e *editor) {
			e.editAsHex()
			e.hexEdit.SetText("0g")
		}, bodyHex, nil, "body's hex", false},
		{"text replaced from a binary file", "text/plain", []byte("hello"), func(e *editor) { e.replaceBody("a.bin", []byte{0xff, 0, 1}) },
			bodyBinary, []byte{0xff, 0, 1}, "", true},
		{"binary, a header changed", "application/octet-stream", binary, func(e *editor) { e.addHeader("X-Extra", "1") },
			bodyBinary, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fakeSender{res: replay.Result{Status: 200}}
			h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays = fs, &memReplays{} })
			c := &capture.Request{ID: "01BIN", Method: "POST", Target: "/in", Proto: "HTTP/1.1", Host: "h",
				Headers: capture.Headers{{Name: "Content-Type", Value: tt.ct}}, Body: tt.body, BodySize: int64(len(tt.body))}
			var e *editor
			var mode int
			var note, msg string
			h.do(func() {
				e = newEditor(h.m, c, "http://127.0.0.1:3000")
				e.url.SetText("http://127.0.0.1:4000/elsewhere")
				if tt.edit != nil {
					tt.edit(e)
				}
				mode, note = e.bodyMode, e.binNote.Text
				test.Tap(e.send)
				msg = e.msg.Text
			})
			if mode != tt.wantMode {
				t.Errorf("body mode %d, want %d", mode, tt.wantMode)
			}
			want := tt.want
			if want == nil {
				want = tt.body
			}
			if mode == bodyBinary && (!strings.Contains(note, fmt.Sprintf("%d bytes", len(want))) || !strings.Contains(note, "sent unchanged")) {
				t.Errorf("binary notice %q", note)
			}
			if tt.wantErr != "" {
				if !strings.Contains(msg, tt.wantErr) {
					t.Errorf("message %q, want %q", msg, tt.wantErr)
				}
				if len(fs.sent) != 0 {
					t.Errorf("sent %d requests despite the error", len(fs.sent))
				}
				return
			}
			h.waitFor(t, "the answer", func() bool { return e.last != nil })
			fs.mu.Lock()
			got := fs.sent[0].Body
			fs.mu.Unlock()
			if !bytes.Equal(got, want) {
				t.Errorf("sent %d bytes %q, want %d bytes %q", len(got), trimQ(got), len(want), trimQ(want))
			}
			if e.last.Modified != tt.wantModified {
				t.Errorf("modified = %v, want %v", e.last.Modified, tt.wantModified)
			}
		})
	}
}

func trimQ(b []byte) []byte { return b[:min(len(b), 80)] }
