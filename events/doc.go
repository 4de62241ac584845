// Package events is the catalogue of the 30 CRM events Gancho can send,
// realistic sample payloads for them, and the ordered payload tree that
// renders them as JSON, XML or flat name=value fields. It knows nothing of
// subscriptions or delivery (package outbound sends what it builds).
//
// # Events
//
// All lists the 30 events in the order of the CRM's webhook menu, each
// with a stable machine name (sent as the envelope's "type"), its English and
// Portuguese labels and a documented field list. Machine names are
// "<subject>.<action>" with the subjects client, opportunity, prospect, quote
// and sale: "client.phase_changed", "opportunity.created", "sale.created".
// The CRM's menu calls the third event "lead phase changed" in English but
// "prospecto" in Portuguese and "prospect" in every other entry, so it is
// named "prospect.phase_changed", like the rest of the prospect events.
// Lookup finds an event by machine name, 1-based number or label.
//
// # Samples
//
// A Generator fills an event with Brazilian CRM data that changes on every
// call; NewGenerator(seed) with SampleAt and a fixed time gives the same bytes
// every time, for tests and reproducible deliveries. Samples use the
// Standard Webhooks style envelope:
//
//	{"type": "client.created", "timestamp": "2025-03-14T10:30:00-03:00", "data": {…}}
//
// # Journeys
//
// A Journey is a scripted sequence of events about one entity, in the
// CRM's order: "prospect-to-sale" sends a new prospect, two phase changes, a
// new sales opportunity, its phase change and the sale. Journeys lists the
// built-in ones. Play renders one from a seed: a Story (Generator.Story)
// draws the person, company, owner and opportunity once and every event
// speaks of them, the timestamps following the CRM's realistic gaps. The
// Timing says how long to wait between sends: compressed (CompressedGap)
// or real (the gaps themselves, minutes to days), divided by a speed.
//
// # Payloads
//
// A Payload is an ordered JSON tree. It renders as indented JSON with its
// member order kept, as XML (one element per field), or flattened to dotted
// names ("data.client.name", "data.tags.0") for query strings and form
// bodies. ParseJSON reads any JSON, such as a body captured from a request,
// into the same tree without reordering it, which is how custom Templates
// become payloads.
//
// The package never imports Fyne.
package events
