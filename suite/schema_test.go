package suite

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/sigcheck"
)

// TestSchemaMatchesStructs keeps docs/suite.schema.json in step with the
// Go types: every yaml tag is a schema property of the matching $defs
// entry and every property a yaml tag, nested types by $ref, walked by
// reflection from Suite.
func TestSchemaMatchesStructs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "suite.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatalf("suite.schema.json: %v", err)
	}
	if schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema %v, want draft 2020-12", schema["$schema"])
	}
	defs, _ := schema["$defs"].(map[string]any)
	seen := map[string]bool{}
	var walk func(where string, typ reflect.Type, node map[string]any)
	walk = func(where string, typ reflect.Type, node map[string]any) {
		props, _ := node["properties"].(map[string]any)
		if props == nil {
			t.Errorf("%s: no properties in the schema", where)
			return
		}
		if node["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties should be false (Parse refuses unknown fields)", where)
		}
		tags := map[string]bool{}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			tags[name] = true
			p, ok := props[name].(map[string]any)
			if !ok {
				t.Errorf("%s: field %s (yaml %q) is not a schema property", where, f.Name, name)
				continue
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				if ft.Kind() == reflect.Slice {
					if items, ok := p["items"].(map[string]any); ok {
						p = items
					}
				}
				ft = ft.Elem()
			}
			if ft.Kind() != reflect.Struct {
				continue
			}
			ref, _ := p["$ref"].(string)
			if ref != "#/$defs/"+ft.Name() {
				t.Errorf("%s.%s: $ref %q, want #/$defs/%s", where, name, ref, ft.Name())
				continue
			}
			if seen[ft.Name()] {
				continue
			}
			seen[ft.Name()] = true
			def, _ := defs[ft.Name()].(map[string]any)
			walk(ft.Name(), ft, def)
		}
		var extra []string
		for name := range props {
			if !tags[name] {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		for _, name := range extra {
			t.Errorf("%s: schema property %q has no yaml tag in %s", where, name, typ.Name())
		}
	}
	walk("suite", reflect.TypeFor[Suite](), schema)
	for name := range defs {
		if !seen[name] && name != "Duration" && name != "Headers" {
			t.Errorf("$defs/%s is not reached from Suite", name)
		}
	}
}

// TestExampleSuite parses docs/examples/orders.yaml and runs it against a
// loopback receiver that behaves as its comments say; it must pass.
func TestExampleSuite(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "examples", "orders.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(b, "orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var created map[string]any
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "POST" && r.URL.Path == "/orders" && r.URL.Query().Get("tenant") == "acme":
			if err := json.Unmarshal(body, &created); err != nil {
				w.WriteHeader(400)
				return
			}
			w.Header().Set("Location", "/orders/ord_7f3a")
			w.WriteHeader(201)
			_, _ = io.WriteString(w, `{"id":"ord_7f3a","amount":1500}`)
		case r.Method == "GET" && r.URL.Path == "/orders/ord_7f3a":
			_, _ = io.WriteString(w, `{"id":"ord_7f3a","status":"open","items":[]}`)
		case r.URL.Path == "/webhooks/crm" && sigcheck.StandardOK(r.Header.Get, "webhook-", secret, body) &&
			strings.Contains(string(body), `"email": "qa@example.com"`):
			w.WriteHeader(204)
		default:
			w.WriteHeader(400)
		}
	})
	rep, err := Run(context.Background(), s, RunOptions{Target: rc.URL, Now: time.Now, Rand: seeded(3)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Steps {
		if !r.Passed {
			t.Errorf("%s: %v", r.Name, r.Failures)
		}
	}
	if created["placed_at"] == "" || created["customer"] != "cli_123" {
		t.Errorf("create sent %v", created)
	}
	if len(rep.Steps) != 3 {
		t.Errorf("%d steps run", len(rep.Steps))
	}
}
