package events

import (
	"regexp"
	"strings"
	"testing"
)

// menu is the CRM's webhook menu as DESIGN.md lists it, with the machine
// name chosen for each entry.
var menu = []struct{ name, en, pt string }{
	{"client.phase_changed", "client phase changed", "Mudança de fase do cliente"},
	{"opportunity.phase_changed", "opportunity phase changed", "Mudança de fase das oportunidades"},
	{"prospect.phase_changed", "lead phase changed", "Mudança de fase do prospecto"},
	{"client.archived", "client archived", "Cliente arquivado"},
	{"client.shared", "client shared", "Cliente compartilhado"},
	{"client.discarded", "client discarded", "Cliente descartado"},
	{"client.edited", "client edited", "Cliente editado"},
	{"client.tagged", "client tagged", "Cliente etiquetado"},
	{"client.unshared", "client unshared", "Cliente não compartilhado"},
	{"client.created", "new client", "Novo cliente"},
	{"client.reactivated", "client reactivated", "Cliente reativado"},
	{"client.reassigned", "client reassigned", "Cliente reatribuído"},
	{"quote.created", "quote created", "Cotação criada"},
	{"opportunity.edited", "sales opportunity edited", "Oportunidade de vendas editada"},
	{"opportunity.created", "new sales opportunity", "Nova oportunidade de vendas"},
	{"opportunity.reactivated", "sales opportunity reactivated", "Oportunidade de vendas reativada"},
	{"opportunity.reassigned", "sales opportunity reassigned", "Oportunidade de vendas reatribuída"},
	{"prospect.archived", "prospect archived", "Prospecto arquivado"},
	{"prospect.shared", "prospect shared", "Prospecto compartilhado"},
	{"prospect.discarded", "prospect discarded", "Prospecto descartado"},
	{"prospect.edited", "prospect edited", "Prospecto editado"},
	{"prospect.tagged", "prospect tagged", "Prospecto etiquetado"},
	{"prospect.unshared", "prospect unshared", "Prospecto não compartilhado"},
	{"prospect.created", "new prospect", "Novo prospecto"},
	{"prospect.reactivated", "prospect reactivated", "Prospecto reativado"},
	{"prospect.reassigned", "prospect reassigned", "Prospecto reatribuído"},
	{"client.follow_up", "client follow-up", "Seguimento do cliente"},
	{"opportunity.follow_up", "opportunity follow-up", "Seguimento das oportunidades"},
	{"prospect.follow_up", "prospect follow-up", "Seguimento do prospecto"},
	{"sale.created", "new sale", "Nova venda"},
}

func TestEventsMatchMenu(t *testing.T) {
	evs := All()
	if len(evs) != 30 || len(menu) != 30 {
		t.Fatalf("All() has %d events, menu %d; want 30", len(evs), len(menu))
	}
	nameRE := regexp.MustCompile(`^(client|opportunity|prospect|quote|sale)\.[a-z]+(_[a-z]+)*$`)
	for i, want := range menu {
		e := evs[i]
		t.Run(want.name, func(t *testing.T) {
			if e.Number != i+1 {
				t.Errorf("Number = %d, want %d", e.Number, i+1)
			}
			if e.Name != want.name {
				t.Errorf("Name = %q, want %q", e.Name, want.name)
			}
			if !nameRE.MatchString(e.Name) {
				t.Errorf("Name %q is not <subject>.<action>", e.Name)
			}
			if !strings.EqualFold(e.Label, want.en) {
				t.Errorf("Label = %q, want %q", e.Label, want.en)
			}
			if e.LabelPT != want.pt {
				t.Errorf("LabelPT = %q, want %q", e.LabelPT, want.pt)
			}
			if e.Description == "" {
				t.Error("no Description")
			}
		})
	}
}

var fieldTypes = map[string]bool{
	"string": true, "integer": true, "number": true, "timestamp": true, "date": true,
	"[]string": true, "[]object": true, "any": true,
}

func TestEventFieldsDocumented(t *testing.T) {
	for _, e := range All() {
		t.Run(e.Name, func(t *testing.T) {
			if len(e.Fields) == 0 {
				t.Fatal("no fields")
			}
			seen := map[string]FieldSpec{}
			for _, f := range e.Fields {
				if _, dup := seen[f.Name]; dup {
					t.Errorf("field %q listed twice", f.Name)
				}
				seen[f.Name] = f
				if !fieldTypes[f.Type] {
					t.Errorf("field %q: unknown type %q", f.Name, f.Type)
				}
				if f.Doc == "" {
					t.Errorf("field %q: no Doc", f.Name)
				}
				if list, _, ok := strings.Cut(f.Name, "[]"); ok {
					if seen[list].Type != "[]object" {
						t.Errorf("field %q: list %q not declared before it as []object", f.Name, list)
					}
				}
			}
			if _, ok := seen["owner.id"]; !ok {
				t.Error("no owner.id")
			}
		})
	}
}

func TestEventsFieldsByKind(t *testing.T) {
	has := func(e Event, name string) bool {
		for _, f := range e.Fields {
			if f.Name == name {
				return true
			}
		}
		return false
	}
	for _, e := range All() {
		_, action, _ := strings.Cut(e.Name, ".")
		var want []string
		switch action {
		case "phase_changed":
			want = []string{"phase.previous", "phase.current"}
		case "edited":
			want = []string{"changes", "changes[].field", "changes[].old", "changes[].new"}
		case "tagged":
			want = []string{"tags"}
		case "shared":
			want = []string{"shared_with", "shared_with[].id"}
		case "unshared":
			want = []string{"unshared_with", "unshared_with[].id"}
		case "discarded":
			want = []string{"reason"}
		case "reassigned":
			want = []string{"owner.id", "previous_owner.id"}
		case "follow_up":
			want = []string{"follow_up.kind", "follow_up.due_at", "follow_up.note"}
		}
		switch e.Name {
		case "quote.created":
			want = append(want, "quote.amount", "quote.currency")
		case "sale.created":
			want = append(want, "sale.amount", "sale.currency")
		case "opportunity.created":
			want = append(want, "opportunity.amount", "opportunity.currency")
		}
		for _, w := range want {
			if !has(e, w) {
				t.Errorf("%s: no field %q", e.Name, w)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for not found
	}{
		{"client.created", "client.created"},
		{"CLIENT.Created", "client.created"},
		{"  sale.created ", "sale.created"},
		{"1", "client.phase_changed"},
		{"10", "client.created"},
		{"30", "sale.created"},
		{"New client", "client.created"},
		{"novo cliente", "client.created"},
		{"Mudança de fase do prospecto", "prospect.phase_changed"},
		{"lead phase changed", "prospect.phase_changed"},
		{"", ""},
		{"0", ""},
		{"31", ""},
		{"-1", ""},
		{"client", ""},
		{"client.nope", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, ok := Lookup(tt.in)
			if ok != (tt.want != "") || e.Name != tt.want {
				t.Errorf("Lookup(%q) = %q, %v; want %q", tt.in, e.Name, ok, tt.want)
			}
		})
	}
}

func TestEventsAreCopies(t *testing.T) {
	e, _ := Lookup("client.created")
	e.Fields[0].Name = "mutated"
	evs := All()
	evs[0].Fields[0].Name = "mutated"
	evs[1].Name = "mutated"
	if e2, _ := Lookup("client.created"); e2.Fields[0].Name != "client.id" {
		t.Errorf("Lookup result shares Fields with the catalogue: %q", e2.Fields[0].Name)
	}
	if evs2 := All(); evs2[0].Fields[0].Name == "mutated" || evs2[1].Name == "mutated" {
		t.Error("All result shares memory with the catalogue")
	}
}
