package events

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	fixedTime = time.Date(2025, 3, 14, 13, 30, 15, 500, time.UTC)
	phoneRE   = regexp.MustCompile(`^\+55 (11|19|21|27|31|41|47|48|51|61|62|71|81|85|91|92) 9[6-9]\d{3}-\d{4}$`)
	amountRE  = regexp.MustCompile(`^\d+\.\d{2}$`)
	integerRE = regexp.MustCompile(`^-?\d+$`)
	emailRE   = regexp.MustCompile(`^[a-z0-9._]+@[a-z0-9]+(\.[a-z0-9]+)+$`)
	idRE      = regexp.MustCompile(`^[a-z]{3}_\d+$`)
	cnpjRE    = regexp.MustCompile(`^\d{2}\.\d{3}\.\d{3}/0001-\d{2}$`)
)

// wellFormedXML decodes b to EOF and checks it has exactly one root element.
func wellFormedXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 || depth != 0 {
		return fmt.Errorf("%d root elements, depth %d at EOF", roots, depth)
	}
	return nil
}

// specName turns a flattened name inside data into the FieldSpec notation:
// "changes.0.field" becomes "changes[].field", "tags.1" becomes "tags[]".
func specName(flat string) string {
	var b strings.Builder
	for i, seg := range strings.Split(flat, ".") {
		switch {
		case integerRE.MatchString(seg):
			b.WriteString("[]")
		case i > 0:
			b.WriteString("." + seg)
		default:
			b.WriteString(seg)
		}
	}
	return b.String()
}

func mustSample(t testing.TB, g *Generator, name string) Payload {
	t.Helper()
	p, err := g.SampleAt(name, fixedTime)
	if err != nil {
		t.Fatalf("SampleAt(%q): %v", name, err)
	}
	return p
}

func mustGet(t testing.TB, p Payload, path string) Value {
	t.Helper()
	v, ok := p.Get(path)
	if !ok {
		t.Fatalf("no %s", path)
	}
	return v
}

func TestSampleEveryEvent(t *testing.T) {
	g := NewGenerator(7)
	for _, e := range All() {
		t.Run(e.Name, func(t *testing.T) {
			for round := range 20 { // many rounds to meet the random branches
				p := mustSample(t, g, e.Name)
				checkEnvelope(t, e, p)
				checkFields(t, e, p)
				if t.Failed() {
					t.Fatalf("round %d failed", round)
				}
			}
		})
	}
}

func checkEnvelope(t *testing.T, e Event, p Payload) {
	t.Helper()
	js, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(js) {
		t.Fatalf("invalid JSON:\n%s", js)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(js, &env); err != nil {
		t.Fatal(err)
	}
	if len(env) != 3 || env["type"] == nil || env["timestamp"] == nil || env["data"] == nil {
		t.Errorf("envelope keys: %v", env)
	}
	var typ, ts string
	_ = json.Unmarshal(env["type"], &typ)
	_ = json.Unmarshal(env["timestamp"], &ts)
	if typ != e.Name || p.Type() != e.Name {
		t.Errorf("type = %q, Type() = %q, want %q", typ, p.Type(), e.Name)
	}
	if ts != "2025-03-14T10:30:15-03:00" {
		t.Errorf("timestamp = %q", ts)
	}
	if keys := memberKeys(p.Root); strings.Join(keys, ",") != "type,timestamp,data" {
		t.Errorf("envelope order = %v", keys)
	}
	if compact, err := p.CompactJSON(); err != nil || !json.Valid(compact) || bytes.Contains(compact, []byte("\n")) {
		t.Errorf("CompactJSON: %v\n%s", err, compact)
	}
	x, err := p.XML()
	if err != nil {
		t.Fatal(err)
	}
	if err := wellFormedXML(x); err != nil {
		t.Fatalf("XML not well-formed: %v\n%s", err, x)
	}
	if !bytes.Contains(x, []byte("<type>"+e.Name+"</type>")) {
		t.Errorf("XML has no <type>%s</type>", e.Name)
	}
}

func memberKeys(v Value) []string {
	var out []string
	for _, m := range v.Members {
		out = append(out, m.Key)
	}
	return out
}

func checkFields(t *testing.T, e Event, p Payload) {
	t.Helper()
	specs := map[string]FieldSpec{}
	for _, f := range e.Fields {
		specs[f.Name] = f
	}
	var names []string
	for _, f := range p.Flatten() {
		inData, ok := strings.CutPrefix(f.Name, "data.")
		if !ok {
			continue
		}
		n := specName(inData)
		names = append(names, n)
		// Every leaf is documented, with the right type.
		spec, ok := specs[n]
		if !ok {
			if list, isItem := strings.CutSuffix(n, "[]"); isItem && specs[list].Type == "[]string" {
				spec = specs[list]
			} else {
				t.Errorf("undocumented field %s (%s)", f.Name, n)
				continue
			}
		}
		checkValue(t, f.Name, spec, mustGet(t, p, f.Name))
	}
	// Every documented field is present.
	for _, spec := range e.Fields {
		found := false
		for _, n := range names {
			if n == spec.Name || strings.HasPrefix(n, spec.Name+".") || strings.HasPrefix(n, spec.Name+"[]") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("documented field %s missing from sample", spec.Name)
		}
	}
}

func checkValue(t *testing.T, name string, spec FieldSpec, v Value) {
	t.Helper()
	wantKind := map[string]Kind{
		"string": KindString, "timestamp": KindString, "date": KindString, "[]string": KindString,
		"integer": KindNumber, "number": KindNumber,
	}
	if k, ok := wantKind[spec.Type]; ok && v.Kind != k {
		t.Errorf("%s: kind %v, want %v (%s)", name, v.Kind, k, spec.Type)
		return
	}
	switch spec.Type {
	case "string", "[]string":
		if strings.TrimSpace(v.Text) == "" {
			t.Errorf("%s: empty", name)
		}
	case "integer":
		if !integerRE.MatchString(v.Text) {
			t.Errorf("%s = %s, not an integer", name, v.Text)
		}
	case "number":
		if !amountRE.MatchString(v.Text) {
			t.Errorf("%s = %s, not an amount with two decimals", name, v.Text)
		}
	case "timestamp":
		ts, err := time.Parse(time.RFC3339, v.Text)
		if err != nil || !strings.HasSuffix(v.Text, "-03:00") {
			t.Errorf("%s = %q, not RFC 3339 at -03:00: %v", name, v.Text, err)
		}
		if strings.HasSuffix(name, "created_at") && ts.After(fixedTime) {
			t.Errorf("%s = %s, after the event", name, v.Text)
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, v.Text); err != nil {
			t.Errorf("%s = %q: %v", name, v.Text, err)
		}
	}
	leaf := name[strings.LastIndex(name, ".")+1:]
	switch leaf {
	case "phone":
		if !phoneRE.MatchString(v.Text) {
			t.Errorf("%s = %q, not a Brazilian mobile phone", name, v.Text)
		}
	case "email":
		if !emailRE.MatchString(v.Text) {
			t.Errorf("%s = %q, not an e-mail", name, v.Text)
		}
	case "id":
		if !idRE.MatchString(v.Text) {
			t.Errorf("%s = %q, not a prefixed id", name, v.Text)
		}
	case "currency":
		if v.Text != "BRL" {
			t.Errorf("%s = %q, want BRL", name, v.Text)
		}
	case "cnpj":
		if !validCNPJ(v.Text) {
			t.Errorf("%s = %q, not a valid CNPJ", name, v.Text)
		}
	}
}

func validCNPJ(s string) bool {
	if !cnpjRE.MatchString(s) {
		return false
	}
	var d []int
	for _, r := range s {
		if r >= '0' && r <= '9' {
			d = append(d, int(r-'0'))
		}
	}
	check := func(n int) int {
		w := []int{6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}[13-n:]
		sum := 0
		for i := range n {
			sum += d[i] * w[i]
		}
		if r := sum % 11; r >= 2 {
			return 11 - r
		}
		return 0
	}
	return check(12) == d[12] && check(13) == d[13]
}

func TestCNPJCheck(t *testing.T) {
	// Published example numbers.
	for _, s := range []string{"11.222.333/0001-81", "11.444.777/0001-61"} {
		if !validCNPJ(s) {
			t.Errorf("validCNPJ(%q) = false", s)
		}
	}
	if validCNPJ("11.222.333/0001-82") {
		t.Error("wrong check digit accepted")
	}
}

func TestSamplesDiffer(t *testing.T) {
	g := NewRandomGenerator()
	for _, e := range All() {
		t.Run(e.Name, func(t *testing.T) {
			a, _ := mustSample(t, g, e.Name).JSON()
			b, _ := mustSample(t, g, e.Name).JSON()
			if bytes.Equal(a, b) {
				t.Errorf("two samples are equal:\n%s", a)
			}
		})
	}
}

func TestSampleDeterministic(t *testing.T) {
	render := func(seed uint64) []byte {
		g := NewGenerator(seed)
		var out []byte
		for _, e := range All() {
			p := mustSample(t, g, e.Name)
			js, _ := p.JSON()
			x, _ := p.XML()
			out = append(append(out, js...), x...)
		}
		return out
	}
	a, b := render(42), render(42)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different output")
	}
	if bytes.Equal(a, render(43)) {
		t.Error("different seeds, same output")
	}
}

func TestSamplePhases(t *testing.T) {
	g := NewGenerator(3)
	for _, name := range []string{"client.phase_changed", "opportunity.phase_changed", "prospect.phase_changed"} {
		t.Run(name, func(t *testing.T) {
			moves := map[string]bool{}
			for range 200 {
				p := mustSample(t, g, name)
				prev := mustGet(t, p, "data.phase.previous").Text
				cur := mustGet(t, p, "data.phase.current").Text
				if prev == cur {
					t.Fatalf("phase.previous == phase.current == %q", prev)
				}
				moves[prev+">"+cur] = true
			}
			if len(moves) < 5 {
				t.Errorf("only %d distinct phase moves", len(moves))
			}
		})
	}
}

func TestSampleEdits(t *testing.T) {
	g := NewGenerator(5)
	for _, tt := range []struct{ event, subject string }{
		{"client.edited", "client"},
		{"prospect.edited", "prospect"},
		{"opportunity.edited", "opportunity"},
	} {
		t.Run(tt.event, func(t *testing.T) {
			for range 50 {
				p := mustSample(t, g, tt.event)
				changes := mustGet(t, p, "data.changes")
				if len(changes.Items) == 0 {
					t.Fatal("no changes")
				}
				seen := map[string]bool{}
				for _, c := range changes.Items {
					field, _ := c.Get("field")
					old, _ := c.Get("old")
					cur, _ := c.Get("new")
					if seen[field.Text] {
						t.Errorf("field %s changed twice", field.Text)
					}
					seen[field.Text] = true
					if old.Text == cur.Text {
						t.Errorf("%s: old == new == %q", field.Text, old.Text)
					}
					rec := mustGet(t, p, "data."+tt.subject+"."+field.Text)
					if rec.Kind != cur.Kind || rec.Text != cur.Text {
						t.Errorf("%s: new = %q, record has %q", field.Text, cur.Text, rec.Text)
					}
					if old.Kind != cur.Kind {
						t.Errorf("%s: old is %v, new is %v", field.Text, old.Kind, cur.Kind)
					}
					switch field.Text {
					case "phone":
						if !phoneRE.MatchString(old.Text) {
							t.Errorf("old phone %q", old.Text)
						}
					case "amount":
						if !amountRE.MatchString(old.Text) {
							t.Errorf("old amount %q", old.Text)
						}
					}
				}
			}
		})
	}
}

func TestSamplePeople(t *testing.T) {
	g := NewGenerator(11)
	for _, name := range []string{"client.reassigned", "opportunity.reassigned", "prospect.reassigned"} {
		p := mustSample(t, g, name)
		if a, b := mustGet(t, p, "data.owner.id").Text, mustGet(t, p, "data.previous_owner.id").Text; a == b {
			t.Errorf("%s: owner == previous owner == %s", name, a)
		}
	}
	for _, name := range []string{"client.shared", "prospect.shared", "client.unshared", "prospect.unshared"} {
		_, action, _ := strings.Cut(name, ".")
		key := "data." + action + "_with"
		for range 20 {
			p := mustSample(t, g, name)
			owner := mustGet(t, p, "data.owner.id").Text
			seen := map[string]bool{owner: true}
			for _, u := range mustGet(t, p, key).Items {
				id, _ := u.Get("id")
				if seen[id.Text] {
					t.Errorf("%s: user %s repeated or is the owner", name, id.Text)
				}
				seen[id.Text] = true
			}
		}
	}
	for _, tt := range []struct{ event, path string }{
		{"client.created", "data.client.created_at"},
		{"prospect.created", "data.prospect.created_at"},
		{"opportunity.created", "data.opportunity.created_at"},
		{"sale.created", "data.sale.closed_at"},
	} {
		p := mustSample(t, g, tt.event)
		if got, want := mustGet(t, p, tt.path).Text, p.Root.Members[1].Value.Text; got != want {
			t.Errorf("%s: %s = %s, want the event time %s", tt.event, tt.path, got, want)
		}
	}
	for _, name := range []string{"client.follow_up", "opportunity.follow_up", "prospect.follow_up"} {
		p := mustSample(t, g, name)
		due, _ := time.Parse(time.RFC3339, mustGet(t, p, "data.follow_up.due_at").Text)
		if !due.After(fixedTime) {
			t.Errorf("%s: due_at %v not after the event", name, due)
		}
		kind := mustGet(t, p, "data.follow_up.kind").Text
		if !strings.Contains(`"call", "email", "meeting" or "whatsapp"`, `"`+kind+`"`) {
			t.Errorf("%s: kind %q", name, kind)
		}
	}
}

func TestSampleTotals(t *testing.T) {
	cents := func(s string) int64 {
		n, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	g := NewGenerator(13)
	for _, name := range []string{"quote.created", "sale.created"} {
		subject, _, _ := strings.Cut(name, ".")
		for range 30 {
			p := mustSample(t, g, name)
			var sum int64
			for _, it := range mustGet(t, p, "data."+subject+".items").Items {
				q, _ := it.Get("quantity")
				u, _ := it.Get("unit_price")
				tot, _ := it.Get("total")
				n, _ := strconv.ParseInt(q.Text, 10, 64)
				if n*cents(u.Text) != cents(tot.Text) {
					t.Errorf("%s: %s × %s != %s", name, q.Text, u.Text, tot.Text)
				}
				sum += cents(tot.Text)
			}
			if got := cents(mustGet(t, p, "data."+subject+".amount").Text); got != sum {
				t.Errorf("%s: amount %d, items sum %d", name, got, sum)
			}
		}
	}
}

func TestSampleUnknownEvent(t *testing.T) {
	for _, name := range []string{"", "client.exploded", "31"} {
		if _, err := NewGenerator(1).Sample(name); !errors.Is(err, ErrUnknown) {
			t.Errorf("Sample(%q) err = %v, want ErrUnknown", name, err)
		}
	}
}

func TestSampleByNumberAndLabel(t *testing.T) {
	g := NewGenerator(1)
	for in, want := range map[string]string{"10": "client.created", "Nova venda": "sale.created"} {
		if got := mustSample(t, g, in).Type(); got != want {
			t.Errorf("SampleAt(%q).Type() = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultGenerators(t *testing.T) {
	var zero Generator
	if _, err := zero.Sample("client.created"); err != nil {
		t.Fatal(err)
	}
	p, err := Sample("sale.created")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := time.Parse(time.RFC3339, mustGet(t, p, "timestamp").Text)
	if err != nil || time.Since(ts) > time.Minute || time.Until(ts) > time.Second {
		t.Errorf("Sample timestamp %v (%v), want about now", ts, err)
	}
}

func TestGeneratorConcurrent(t *testing.T) {
	g := NewRandomGenerator()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 30 {
				if _, err := g.Sample(strconv.Itoa(1 + (i+j)%30)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkSampleJSON(b *testing.B) {
	g := NewGenerator(1)
	for i := 0; b.Loop(); i++ {
		p, err := g.SampleAt(strconv.Itoa(1+i%30), fixedTime)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.JSON(); err != nil {
			b.Fatal(err)
		}
	}
}
