package suite

import (
	"errors"
	"strings"
	"testing"
)

// TestValidate checks what Parse refuses, each with a sentence saying what
// to fix.
func TestValidate(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"no steps", "steps: []", "no steps"},
		{"newer version", "version: 9\nsteps: [{name: a, capture: x}]", "newer than this Gancho reads"},
		{"unknown field", "steps: [{name: a, capture: x, nope: 1}]", "field nope not found"},
		{"no name", "steps: [{capture: x}]", "give every step a name"},
		{"bad name", "steps: [{name: 'a b', capture: x}]", "letters, digits"},
		{"twice", "steps: [{name: a, capture: x}, {name: a, capture: y}]", "another step has this name"},
		{"two sources", "steps: [{name: a, capture: x, event: {name: client.created}}]", "exactly one of request, capture and event"},
		{"no source", "steps: [{name: a}]", "exactly one of request, capture and event"},
		{"unknown event", "steps: [{name: a, event: {name: nope.nope}}]", `event "nope.nope" is not in the catalogue`},
		{"event format", "steps: [{name: a, event: {name: client.created, format: csv}}]", `event format "csv"`},
		{"status", "steps: [{name: a, capture: x, expect: {status: '2x'}}]", `status "2x": want a code such as 200 or a class such as 2xx`},
		{"status range", "steps: [{name: a, capture: x, expect: {status: '700'}}]", `status "700"`},
		{"latency", "steps: [{name: a, capture: x, expect: {latency_under: fast}}]", `latency_under "fast"`},
		{"regexp", "steps: [{name: a, capture: x, expect: {json: [{path: a, matches: '('}]}}]", "matches: error parsing regexp"},
		{"json two checks", "steps: [{name: a, capture: x, expect: {json: [{path: a, equals: 1, contains: '1'}]}}]", "give one of equals, contains and matches"},
		{"json path", "steps: [{name: a, capture: x, expect: {json: [{path: 'a..b'}]}}]", "empty key"},
		{"header name", "steps: [{name: a, capture: x, expect: {headers: [{name: 'a b'}]}}]", "give a header name"},
		{"header absent equals", "steps: [{name: a, capture: x, expect: {headers: [{name: X, absent: true, equals: y}]}}]", "absent and equals together"},
		{"same without recorded", "steps: [{name: a, capture: x, expect: {same_as_recorded: true}}]", "add it under recorded"},
		{"sign mode", "steps: [{name: a, capture: x, sign: {mode: maybe}}]", `unknown sign mode "maybe"`},
		{"sign spec", "steps: [{name: a, capture: x, sign: {mode: secret, spec: 'nope:x'}}]", "sign spec"},
		{"sign subscription", "steps: [{name: a, capture: x, sign: {mode: subscription}}]", "needs subscription: NAME"},
		{"set_json path", "steps: [{name: a, capture: x, edits: {set_json: {'a..b': 1}}}]", "edits.set_json"},
		{"set_headers", "steps: [{name: a, capture: x, edits: {set_headers: ['nocolon']}}]", "edits.set_headers"},
		{"headers", "steps: [{name: a, request: {method: GET, path: /, headers: ['x']}}]", `header 1 "x"`},
		{"both bodies", "steps: [{name: a, request: {method: GET, path: /, body: a, body_base64: YQ==}}]", "body and body_base64 both set"},
		{"timeout", "timeout: soon\nsteps: [{name: a, capture: x}]", `timeout "soon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "s.yaml")
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
	// A templated spec is checked when it is expanded, not before.
	if _, err := Parse([]byte("steps: [{name: a, capture: x, template: true, sign: {mode: secret, spec: '{{env \"S\"}}'}}]"), "s.yaml"); err != nil {
		t.Errorf("templated spec refused: %v", err)
	}
}
