package pretty

import (
	"bytes"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

func TestMultipart(t *testing.T) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("payload", `{"event":"sale.created","amount":10}`)
	fw, _ := mw.CreateFormFile("file", "logo.bin")
	fw.Write([]byte{0, 1, 2, 0xff, 0xfe})
	mw.Close()
	cases := []struct {
		name      string
		ct        string
		data      []byte
		wantParts int
		wantErr   bool
	}{
		{"form with text and binary file", mw.FormDataContentType(), buf.Bytes(), 2, false},
		{"cut short", mw.FormDataContentType(), buf.Bytes()[:buf.Len()/2], 1, true},
		{"no boundary match", "multipart/form-data; boundary=zzz", []byte("garbage"), 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !IsMultipart(c.ct) {
				t.Fatal("not recognised as multipart")
			}
			parts, err := Multipart(c.ct, c.data)
			if (err != nil) != c.wantErr || len(parts) != c.wantParts {
				t.Fatalf("parts %d err %v", len(parts), err)
			}
			if c.wantParts == 2 {
				if parts[0].View.Kind != Text && parts[0].View.Kind != JSON {
					t.Errorf("text part kind %s", parts[0].View.Kind)
				}
				if parts[1].View.Kind != Binary || !strings.Contains(parts[1].View.Text, "00 01 02 ff fe") {
					t.Errorf("file part %s %q", parts[1].View.Kind, parts[1].View.Text)
				}
				if !strings.Contains(parts[1].Headers.Get("Content-Disposition"), `filename="logo.bin"`) {
					t.Errorf("part headers %v", parts[1].Headers)
				}
			}
		})
	}
	if IsMultipart("application/json") || IsMultipart("multipart/form-data") {
		t.Fatal("false positive")
	}
}

// TestCountNotes: the notes count parts and fields in the right number
// ("1 part", not "1 parts").
func TestCountNotes(t *testing.T) {
	mp := func(n int) *capture.Request {
		var b strings.Builder
		for i := range n {
			b.WriteString("--XyZ\r\nContent-Disposition: form-data; name=\"f" + string(rune('a'+i)) + "\"\r\n\r\nv\r\n")
		}
		b.WriteString("--XyZ--\r\n")
		return &capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "multipart/form-data; boundary=XyZ"}}, Body: []byte(b.String())}
	}
	form := func(body string) *capture.Request {
		return &capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/x-www-form-urlencoded"}}, Body: []byte(body)}
	}
	for _, tc := range []struct {
		name string
		r    *capture.Request
		want string
	}{
		{"one part", mp(1), "multipart: 1 part"},
		{"two parts", mp(2), "multipart: 2 parts"},
		{"one field", form("a=1"), "form: 1 field, decoded"},
		{"two fields", form("a=1&b=2"), "form: 2 fields, decoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Show(tc.r)
			if !slices.Contains(v.Notes, tc.want) {
				t.Errorf("notes %q lack %q", v.Notes, tc.want)
			}
		})
	}
}
