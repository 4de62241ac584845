package outbound

import (
	"fmt"

	"github.com/gancho-app/gancho/events"
)

// Template is a user-defined body for an event, for example a payload
// captured from a real request or edited by hand. Event is the machine name
// it is sent as: a catalogue name or any custom one. Name tells an event's
// templates apart (Store.SaveTemplate keys them by event and name). Body is
// JSON text.
type Template struct {
	Event string
	Name  string
	Body  []byte
}

// Payload parses the template's body into a Payload, keeping its values and
// member order exactly; it does not add or rewrite an envelope. Errors wrap
// ErrInvalidJSON.
func (t Template) Payload() (events.Payload, error) {
	p, err := events.ParseJSON(t.Body)
	if err != nil {
		return events.Payload{}, fmt.Errorf("relay: template for %q: %w", t.Event, err)
	}
	return p, nil
}
