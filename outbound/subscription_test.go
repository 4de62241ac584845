package outbound

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
)

func TestNewSubscriptionDefaults(t *testing.T) {
	s := NewSubscription()
	if s.Method != "POST" || s.Format != FormatJSON || s.Signing != SignStandard || !s.Enabled ||
		s.Timeout != 30*time.Second || s.Retry.Kind != RetryStandard || !strings.HasPrefix(s.Secret, "whsec_") {
		t.Fatalf("NewSubscription() = %+v", s)
	}
	if NewSubscription().Secret == s.Secret {
		t.Error("two subscriptions share a secret")
	}
	err := s.Validate()
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("Validate of a bare NewSubscription = %v, want problems with Name, Events, URL", err)
	}
	var fields []string
	for _, p := range ie.Problems {
		fields = append(fields, p.Field)
	}
	if got := strings.Join(fields, ","); got != "Name,Events,URL" {
		t.Errorf("problem fields = %s, want Name,Events,URL", got)
	}
	s.Name, s.Events, s.URL = "CRM", []string{"client.created"}, "https://example.com/hooks"
	if err := s.Validate(); err != nil {
		t.Errorf("Validate = %v", err)
	}
}

func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Subscription)
		field string
		want  string // in the message
	}{
		{"no name", func(s *Subscription) { s.Name = " " }, "Name", "Give the subscription a name."},
		{"no events", func(s *Subscription) { s.Events = nil }, "Events", "Pick at least one event"},
		{"unknown event", func(s *Subscription) { s.Events = []string{"client.exploded"} }, "Events", `"client.exploded" is not in the catalogue`},
		{"label for event", func(s *Subscription) { s.Events = []string{"New client"} }, "Events", "use client.created"},
		{"event twice", func(s *Subscription) { s.Events = []string{"client.created", "client.created"} }, "Events", "listed twice"},
		{"empty URL", func(s *Subscription) { s.URL = "" }, "URL", "Enter the receiver's URL"},
		{"URL syntax", func(s *Subscription) { s.URL = "http://exa mple.com/%zz" }, "URL", "does not parse"},
		{"URL scheme", func(s *Subscription) { s.URL = "ftp://example.com/x" }, "URL", "must start with http:// or https://"},
		{"URL without host", func(s *Subscription) { s.URL = "http:///hooks" }, "URL", "has no host"},
		{"URL with password", func(s *Subscription) { s.URL = "https://u:p@example.com/" }, "URL", "Remove the user name and password"},
		{"method", func(s *Subscription) { s.Method = "PUT" }, "Method", `Method "PUT" is not supported; use POST or GET.`},
		{"format", func(s *Subscription) { s.Format = "yaml" }, "Format", "use json, xml or form"},
		{"signing", func(s *Subscription) { s.Signing = "pgp" }, "Signing", "use standard, stripe, github or none"},
		{"stripe secret", func(s *Subscription) { s.Signing, s.Secret = SignStripe, "" }, "Secret", "Stripe signing needs a secret"},
		{"github secret", func(s *Subscription) { s.Signing, s.Secret = SignGitHub, "" }, "Secret", "GitHub signing needs a secret"},
		{"bad standard secret", func(s *Subscription) { s.Secret = "whsec_%%%" }, "Secret", "must be base64"},
		{"header name", func(s *Subscription) { s.Headers = capture.Headers{{Name: "X Api Key", Value: "1"}} }, "Headers", `Header 1 name "X Api Key" may hold only`},
		{"header value", func(s *Subscription) { s.Headers = capture.Headers{{Name: "X-A", Value: "1\r\nX-B: 2"}} }, "Headers", "line break"},
		{"framing header", func(s *Subscription) { s.Headers = capture.Headers{{Name: "Content-Length", Value: "1"}} }, "Headers", "set automatically"},
		{"signature header", func(s *Subscription) { s.Headers = capture.Headers{{Name: "Webhook-Signature", Value: "x"}} }, "Headers", "added by standard signing"},
		{"timeout low", func(s *Subscription) { s.Timeout = 500 * time.Millisecond }, "Timeout", "use 1s to 5m"},
		{"timeout high", func(s *Subscription) { s.Timeout = time.Hour }, "Timeout", "use 1s to 5m"},
		{"retry", func(s *Subscription) { s.Retry = RetryPolicy{Kind: RetryLinear, Every: time.Second} }, "Retry", "A linear retry needs 1 to 100 retries"},
		{"rename from", func(s *Subscription) { s.Mapping.Rename = []Rename{{From: "client..name", To: "n"}} }, "Mapping", "Rename 1: the field to rename"},
		{"rename to", func(s *Subscription) { s.Mapping.Rename = []Rename{{From: "client.name", To: ""}} }, "Mapping", "give client.name a new name"},
		{"rename to path", func(s *Subscription) { s.Mapping.Rename = []Rename{{From: "client.name", To: "a.b"}} }, "Mapping", "single key without dots"},
		{"exclude", func(s *Subscription) { s.Mapping.Exclude = []string{""} }, "Mapping", "Exclude 1"},
		{"add", func(s *Subscription) { s.Mapping.Add = []Constant{{Name: "", Value: "x"}} }, "Mapping", "Add 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSub("https://example.com/hooks")
			tt.edit(&s)
			err := s.Validate()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
			var ie *InvalidError
			if !errors.As(err, &ie) || len(ie.Problems) != 1 {
				t.Fatalf("Validate = %v, want exactly one problem", err)
			}
			p := ie.Problems[0]
			if p.Field != tt.field || !strings.Contains(p.Message, tt.want) {
				t.Errorf("problem = %+v, want field %s and %q", p, tt.field, tt.want)
			}
			if !strings.HasSuffix(p.Message, ".") {
				t.Errorf("message %q is not a sentence", p.Message)
			}
			if !strings.Contains(err.Error(), p.Message) {
				t.Errorf("Error() = %q lacks the message", err)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Subscription)
	}{
		{"defaults", func(*Subscription) {}},
		{"empty standard secret (Save generates)", func(s *Subscription) { s.Secret = "" }},
		{"GET form", func(s *Subscription) { s.Method, s.Format = "get", FormatForm }},
		{"stripe", func(s *Subscription) { s.Signing, s.Secret = SignStripe, "whsec_plain" }},
		{"none without secret", func(s *Subscription) { s.Signing, s.Secret = SignNone, "" }},
		{"custom headers", func(s *Subscription) {
			s.Headers = capture.Headers{{Name: "Authorization", Value: "Bearer x"}, {Name: "Content-Type", Value: "application/vnd.crm+json"}}
		}},
		{"zero timeout", func(s *Subscription) { s.Timeout = 0 }},
		{"mapping", func(s *Subscription) {
			s.Mapping = Mapping{Rename: []Rename{{"client.name", "nome"}}, Exclude: []string{"changes[].old"}, Add: []Constant{{"meta.source", "gancho"}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSub("https://example.com/hooks?token=1")
			tt.edit(&s)
			if err := s.Validate(); err != nil {
				t.Errorf("Validate = %v", err)
			}
		})
	}
}

func TestMappingApply(t *testing.T) {
	in := `{"type":"client.edited","data":{"client":{"id":"c1","name":"Ana","phone":"+55"},` +
		`"changes":[{"field":"name","old":"A","new":"Ana"},{"field":"email","old":"a@x","new":"b@x"}],` +
		`"tags":["vip","novo","x"],"owner":"u1"}}`
	tests := []struct {
		name string
		m    Mapping
		want string
	}{
		{"none", Mapping{}, in},
		{"rename leaf in place", Mapping{Rename: []Rename{{"client.name", "nome"}}},
			`{"type":"client.edited","data":{"client":{"id":"c1","nome":"Ana","phone":"+55"},"changes":[{"field":"name","old":"A","new":"Ana"},{"field":"email","old":"a@x","new":"b@x"}],"tags":["vip","novo","x"],"owner":"u1"}}`},
		{"rename object", Mapping{Rename: []Rename{{"client", "cliente"}}},
			`{"type":"client.edited","data":{"cliente":{"id":"c1","name":"Ana","phone":"+55"},"changes":[{"field":"name","old":"A","new":"Ana"},{"field":"email","old":"a@x","new":"b@x"}],"tags":["vip","novo","x"],"owner":"u1"}}`},
		{"rename in every list item", Mapping{Rename: []Rename{{"changes[].field", "campo"}}},
			`{"type":"client.edited","data":{"client":{"id":"c1","name":"Ana","phone":"+55"},"changes":[{"campo":"name","old":"A","new":"Ana"},{"campo":"email","old":"a@x","new":"b@x"}],"tags":["vip","novo","x"],"owner":"u1"}}`},
		{"exclude nested and list fields", Mapping{Exclude: []string{"client.phone", "changes.old", "owner"}},
			`{"type":"client.edited","data":{"client":{"id":"c1","name":"Ana"},"changes":[{"field":"name","new":"Ana"},{"field":"email","new":"b@x"}],"tags":["vip","novo","x"]}}`},
		{"exclude one list item", Mapping{Exclude: []string{"tags.1"}},
			`{"type":"client.edited","data":{"client":{"id":"c1","name":"Ana","phone":"+55"},"changes":[{"field":"name","old":"A","new":"Ana"},{"field":"email","old":"a@x","new":"b@x"}],"tags":["vip","x"],"owner":"u1"}}`},
		{"exclude a whole list", Mapping{Exclude: []string{"changes[]", "tags"}},
			`{"type":"client.edited","data":{"client":{"id":"c1","name":"Ana","phone":"+55"},"owner":"u1"}}`},
		{"add constants, dotted names create objects", Mapping{Add: []Constant{{"source", "gancho"}, {"meta.origin.system", "crm"}, {"client.country", "BR"}}},
			`{"type":"client.edited","data":{"client":{"id":"c1","name":"Ana","phone":"+55","country":"BR"},"changes":[{"field":"name","old":"A","new":"Ana"},{"field":"email","old":"a@x","new":"b@x"}],"tags":["vip","novo","x"],"owner":"u1","source":"gancho","meta":{"origin":{"system":"crm"}}}}`},
		{"add replaces a value in the way", Mapping{Add: []Constant{{"owner.team", "sales"}, {"client.id", "c2"}}},
			`{"type":"client.edited","data":{"client":{"id":"c2","name":"Ana","phone":"+55"},"changes":[{"field":"name","old":"A","new":"Ana"},{"field":"email","old":"a@x","new":"b@x"}],"tags":["vip","novo","x"],"owner":{"team":"sales"}}}`},
		{"exclude then rename then add", Mapping{
			Exclude: []string{"client.phone", "changes", "tags"},
			Rename:  []Rename{{"client.name", "nome"}, {"client", "cliente"}},
			Add:     []Constant{{"cliente.pais", "BR"}},
		}, `{"type":"client.edited","data":{"cliente":{"id":"c1","nome":"Ana","pais":"BR"},"owner":"u1"}}`},
		{"paths that match nothing", Mapping{Rename: []Rename{{"nope.name", "x"}}, Exclude: []string{"client.name.first", "tags.9"}}, in},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := events.ParseJSON([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.m.Apply(p).CompactJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Apply =\n%s\nwant\n%s", got, tt.want)
			}
			if again, _ := p.CompactJSON(); string(again) != in {
				t.Errorf("Apply modified its input: %s", again)
			}
		})
	}
}

func TestMappingWithoutEnvelope(t *testing.T) {
	p, err := events.ParseJSON([]byte(`{"cliente":{"nome":"Ana"},"data":"not an object"}`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Mapping{Rename: []Rename{{"cliente.nome", "name"}}, Exclude: []string{"data"}}.Apply(p).CompactJSON()
	if want := `{"cliente":{"name":"Ana"}}`; string(got) != want {
		t.Errorf("Apply = %s, want %s (paths from the root)", got, want)
	}
}
