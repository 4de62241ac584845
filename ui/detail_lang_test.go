package ui

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/replay"
)

// TestEngineNotesTranslated: the notes and errors capture/pretty writes in
// English reach the Portuguese window translated, numbers and sizes in
// Portuguese form, and read the same as before in English.
func TestEngineNotesTranslated(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"a":"` + strings.Repeat("x", 1500) + `"}`))
	_ = zw.Close()
	deep := []byte(strings.Repeat("[", 300) + strings.Repeat("]", 300))
	mp := []byte("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n")
	cases := []struct {
		name, ctype, enc string
		body             []byte
		mode             string
		en, pt           []string // notes, in order
	}{
		{"empty", "application/json", "", nil, modePretty, []string{"empty body"}, []string{"corpo vazio"}},
		{"form of two fields", "application/x-www-form-urlencoded", "", []byte("a=1&b=2"), modePretty,
			[]string{"form: 2 fields, decoded"}, []string{"formulário: 2 campos, decodificados"}},
		{"form of one field", "application/x-www-form-urlencoded", "", []byte("a=1"), modePretty,
			[]string{"form: 1 field, decoded"}, []string{"formulário: 1 campo, decodificado"}},
		{"gzip", "application/json", "gzip", gz.Bytes(), modePretty,
			[]string{"decoded from gzip: " + capture.FormatSize(int64(gz.Len())) + " on the wire, 1.5 KiB decoded"},
			[]string{"decodificado de gzip: " + capture.FormatSize(int64(gz.Len())) + " na rede, 1,5 KiB decodificado"}},
		{"gzip raw", "application/json", "gzip", gz.Bytes(), modeRaw,
			[]string{"decoded from gzip (as received it is compressed)"}, []string{"decodificado de gzip (como recebido, está comprimido)"}},
		{"malformed JSON", "application/json", "", []byte(`{"a" 1}`), modePretty,
			[]string{"malformed JSON at line 1, column 6: invalid character '1' after object key"},
			[]string{"JSON malformado na linha 1, coluna 6: caractere inválido '1' depois da chave do objeto"}},
		{"JSON cut short", "application/json", "", []byte(`{"a":`), modePretty,
			[]string{"malformed JSON at line 1, column 5: unexpected end of JSON input"},
			[]string{"JSON malformado na linha 1, coluna 5: fim inesperado do JSON"}},
		{"unclosed XML", "application/xml", "", []byte(`<a><b></b>`), modePretty,
			[]string{"malformed XML at line 1, column 10: unexpected end: unclosed element"},
			[]string{"XML malformado na linha 1, coluna 10: fim inesperado: elemento não fechado"}},
		{"binary", "application/octet-stream", "", []byte{0, 1, 2, 0xff}, modePretty,
			[]string{"binary: shown as a hex dump"}, []string{"binário: mostrado como dump hex"}},
		{"too deep", "application/json", "", deep, modePretty,
			[]string{"nested deeper than 256 levels: showing the raw text"}, []string{"aninhado além de 256 níveis: mostrando o texto cru"}},
		{"multipart", "multipart/form-data; boundary=XyZ", "", mp, modePretty,
			[]string{"multipart: 1 part"}, []string{"multipart: 1 parte"}},
		{"no tree", "text/plain", "", []byte("hi"), modeTree,
			[]string{"the tree view is for JSON and XML bodies: use the Pretty or Raw view for this one"},
			[]string{"a visão em árvore é para corpos JSON e XML: use o modo Formatado ou Raw para este"}},
	}
	notes := func(c capture.Request, mode string) []string {
		v, _ := prepareBody(&c, mode)
		var out []string
		for _, n := range v.notes {
			out = append(out, n.text)
		}
		return out
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: c.ctype}}, Body: c.body, BodySize: int64(len(c.body))}
			if c.enc != "" {
				r.Headers = append(r.Headers, capture.Header{Name: "Content-Encoding", Value: c.enc})
			}
			if got := notes(r, c.mode); strings.Join(got, "|") != strings.Join(c.en, "|") {
				t.Errorf("English notes %q, want %q", got, c.en)
			}
			inLanguage(t, i18n.Portuguese)
			if got := notes(r, c.mode); strings.Join(got, "|") != strings.Join(c.pt, "|") {
				t.Errorf("Portuguese notes %q, want %q", got, c.pt)
			}
		})
	}
}

// TestTrNote: every engine sentence the table knows has its key in the
// catalogue (a Portuguese text that differs from the English one), and an
// unknown sentence is shown as it is.
func TestTrNote(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	cases := []struct{ in, want string }{
		{"output truncated at 16 MiB: showing the first 16 MiB of 20.5 MiB", "saída truncada em 16 MiB: mostrando os primeiros 16 MiB de 20,5 MiB"},
		{"the tree holds the first 100,000 values; later ones are counted but not shown (the Pretty and Raw views show them)",
			"a árvore guarda os primeiros 100.000 valores; os seguintes são contados, mas não mostrados (as visões Formatado e Raw mostram)"},
		{"multipart part 2: unexpected EOF: showing the body as text", "parte 2 do multipart: fim inesperado do documento: mostrando o corpo como texto"},
		{"truncated: only the first 1 MiB of 3 MiB declared were kept", "truncado: só os primeiros 1 MiB dos 3 MiB declarados foram guardados"},
		{"replay target \"ftp://x\": scheme \"ftp\" is not supported; use http:// or https://",
			"alvo \"ftp://x\": o esquema \"ftp\" não é suportado; use http:// ou https://"},
		{"something new from the engine", "something new from the engine"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := trNote(c.in); got != c.want {
				t.Errorf("trNote = %q, want %q", got, c.want)
			}
		})
	}
}

// TestDetailGoldenPortuguese pins the detail of a JSON capture in
// Portuguese: tabs, body modes, buttons and the body's notes.
func TestDetailGoldenPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	h := newHarness(t)
	h.do(func() { h.m.now = func() time.Time { return goldenAt } })
	h.addGolden(t, "POST", "/hooks/crm?source=demo", "application/json",
		[]byte(`{"type":"client.created","data":{"id":"cli_4821","name":"Ana Souza","city":"S\u00e3o Paulo"}}`), 200, 3*time.Minute)
	h.waitFor(t, "the row", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "the body", func() bool { return len(h.m.detail.grid.Rows) > 3 })
	var ok bool
	h.do(func() {
		d := test.NewWindow(h.m.detail.root)
		d.Resize(fyne.NewSize(700, 400))
		ok = test.AssertRendersToMarkup(t, "detail_json_pt.xml", d.Canvas())
		d.Close()
	})
	if !ok {
		t.Log("see ui/testdata/failed")
	}
}

// TestReplayClickThroughPortuguese: capture → Reenviar → the Reenvios tab,
// every text on the way in Portuguese.
func TestReplayClickThroughPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	fs := &fakeSender{res: replay.Result{Status: 202, Body: []byte(`{"ok":1}`), BodySize: 8,
		Timings: replay.Timings{Total: 3 * time.Millisecond}}}
	mr := &memReplays{}
	h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays = fs, mr })
	h.add(t, "POST", "/hooks/crm", "application/json", []byte(`{"a":1}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	p := h.m.replays
	h.do(func() {
		p.target.SetText("ftp://localhost:3000/webhooks")
		test.Tap(findButton(t, p.actions, "Reenviar"))
	})
	var status string
	h.waitFor(t, "an error for a bad target", func() bool { status = p.status.Text; return status != "" })
	if !strings.Contains(status, "não é uma URL absoluta") && !strings.Contains(status, "não é suportado") {
		t.Errorf("bad target: %q", status)
	}
	h.do(func() {
		p.target.SetText("http://localhost:3000/webhooks")
		test.Tap(findButton(t, p.actions, "Reenviar"))
	})
	h.waitFor(t, "the result", func() bool { return strings.Contains(p.status.Text, "202 em 3ms") })
	h.waitFor(t, "the Reenvios tab", func() bool { return p.tab.Text == "Reenvios (1)" && len(p.attempts) == 1 })
	var tabs []string
	var row, resp string
	h.do(func() {
		h.m.detail.tabs.Select(p.tab)
		for _, it := range h.m.detail.tabs.Items {
			tabs = append(tabs, it.Text)
		}
		p.list.Select(0)
		row = attemptLine(p.attempts[0])
	})
	h.waitFor(t, "the response", func() bool { resp = p.resp.Text(); return strings.Contains(resp, `"ok": 1`) })
	if got := strings.Join(tabs, ", "); got != "Corpo, Cabeçalhos, Consulta, Info, Reenvios (1)" {
		t.Errorf("tabs %q", got)
	}
	if !strings.Contains(row, "  reenvio  202 em 3ms  → http://localhost:3000/webhooks") {
		t.Errorf("row %q", row)
	}
	for _, want := range []string{"(corpo de 7 B)", "HTTP 202   total 3ms", "primeiro byte"} {
		if !strings.Contains(resp, want) {
			t.Errorf("response view lacks %q:\n%s", want, resp)
		}
	}
	if findButton(t, p.actions, "Editar…") == nil {
		t.Error("no Editar…")
	}
}

// TestTreePreviewPortuguese: the tree's counts ("{2 keys}") are words of
// the window's language, singular and plural.
func TestTreePreviewPortuguese(t *testing.T) {
	r := &capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}},
		Body: []byte(`{"a":{"b":1,"c":2},"l":[1],"e":{}}`)}
	previews := func() []string {
		v, _ := prepareBody(r, modeTree)
		var out []string
		for i := range v.tree.Nodes {
			out = append(out, preview(v.tree, i))
		}
		return out
	}
	if got := strings.Join(previews(), " "); !strings.Contains(got, "{2 keys}") || !strings.Contains(got, "[1 item]") {
		t.Errorf("English previews %q", got)
	}
	inLanguage(t, i18n.Portuguese)
	got := strings.Join(previews(), " ")
	for _, want := range []string{"{3 chaves}", "{2 chaves}", "[1 item]", "{}"} {
		if !strings.Contains(got, want) {
			t.Errorf("Portuguese previews %q lack %q", got, want)
		}
	}
}
