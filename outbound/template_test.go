package outbound

import (
	"errors"
	"testing"

	"github.com/gancho-app/gancho/events"
)

func TestTemplatePayload(t *testing.T) {
	body := `{"evento":"venda","valor":10.50,"itens":[{"b":1,"a":2}],"type":"custom.thing"}`
	p, err := Template{Event: "custom.thing", Body: []byte(body)}.Payload()
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.CompactJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != body {
		t.Errorf("template payload = %s, want %s", out, body)
	}
	if p.Type() != "custom.thing" {
		t.Errorf("Type() = %q", p.Type())
	}
	_, err = Template{Event: "x", Body: []byte(`{"a":`)}.Payload()
	if !errors.Is(err, events.ErrInvalidJSON) {
		t.Errorf("bad template: err = %v, want events.ErrInvalidJSON", err)
	}
}
