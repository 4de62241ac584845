package events

import (
	"errors"
	"strconv"
	"strings"
)

// ErrUnknown reports an event name that is not in the catalogue.
var ErrUnknown = errors.New("unknown event")

// Event describes one event of the catalogue.
type Event struct {
	// Number is the event's 1-based position in the CRM's webhook menu.
	Number int `json:"number"`
	// Name is the stable machine name, sent as the envelope's "type",
	// e.g. "client.phase_changed".
	Name string `json:"name"`
	// Label is the English label, as in the CRM menu.
	Label string `json:"label"`
	// LabelPT is the Portuguese (Brazil) label, as in the CRM menu.
	LabelPT string `json:"label_pt"`
	// Description says, in English, when the event is sent.
	Description string `json:"description"`
	// Fields documents the members of the envelope's "data", in the order
	// they appear in a sample.
	Fields []FieldSpec `json:"fields"`
}

// FieldSpec documents one field of an event's data.
//
// Name is a dotted path inside "data": "client.name" is the member "name" of
// the object "client". A list is named once with a "[]" type ("tags",
// "[]string"); the fields of the objects inside a list are named with "[]"
// after the list's name ("changes[].field"). A flattened payload names list
// items by index instead: "data.tags.0", "data.changes.1.field".
//
// Type is one of "string", "integer", "number" (amounts: a JSON number with
// two decimals, in the currency of the sibling "currency" field),
// "timestamp" (an RFC 3339 string with offset, e.g.
// "2025-03-14T10:30:00-03:00"), "date" ("2025-03-14"), "[]string",
// "[]object" or "any" (a value whose type depends on another field).
type FieldSpec struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc"`
}

// eventDef is one catalogue entry: the labels and the parts its data is
// made of, each part bringing both its documentation and its generator, so
// the field list and the samples cannot drift apart.
type eventDef struct {
	name, label, labelPT, desc string
	parts                      []part
}

// catalogue lists the 30 events in the order of the CRM's webhook menu.
//
// The CRM's English menu says "lead phase changed" for the third event but
// "prospect" everywhere else, and its Portuguese menu says "prospecto"
// throughout; all prospect events, that one included, are named
// "prospect.*".
var catalogue = []eventDef{
	{"client.phase_changed", "Client phase changed", "Mudança de fase do cliente",
		"A client moved to another phase of the client lifecycle.",
		[]part{clientPart(false), phasePart(clientPhases, len(clientPhases)-1), ownerPart}},
	{"opportunity.phase_changed", "Opportunity phase changed", "Mudança de fase das oportunidades",
		"A sales opportunity moved to another stage of its funnel.",
		[]part{opportunityPart(false), phasePart(opportunityStages, len(opportunityStages)-2), clientPart(false), ownerPart}},
	{"prospect.phase_changed", "Lead phase changed", "Mudança de fase do prospecto",
		"A prospect (lead) moved to another phase of the prospecting funnel.",
		[]part{prospectPart(false), phasePart(prospectPhases, len(prospectPhases)-2), ownerPart}},
	{"client.archived", "Client archived", "Cliente arquivado",
		"A client was archived.",
		[]part{clientPart(false), ownerPart}},
	{"client.shared", "Client shared", "Cliente compartilhado",
		"A client was shared with other users.",
		[]part{clientPart(false), usersPart("shared_with", "Users the client was shared with."), ownerPart}},
	{"client.discarded", "Client discarded", "Cliente descartado",
		"A client was discarded, with a reason.",
		[]part{clientPart(false), reasonPart(clientReasons), ownerPart}},
	{"client.edited", "Client edited", "Cliente editado",
		"Fields of a client were changed.",
		[]part{clientPart(false), personChangesPart("client"), ownerPart}},
	{"client.tagged", "Client tagged", "Cliente etiquetado",
		"Tags were applied to a client.",
		[]part{clientPart(false), tagsPart, ownerPart}},
	{"client.unshared", "Client unshared", "Cliente não compartilhado",
		"Users lost their shared access to a client.",
		[]part{clientPart(false), usersPart("unshared_with", "Users who no longer share the client."), ownerPart}},
	{"client.created", "New client", "Novo cliente",
		"A client was created.",
		[]part{clientPart(true), ownerPart}},
	{"client.reactivated", "Client reactivated", "Cliente reativado",
		"An archived or discarded client was made active again.",
		[]part{clientPart(false), previousStatusPart("archived", "discarded"), ownerPart}},
	{"client.reassigned", "Client reassigned", "Cliente reatribuído",
		"A client was given to another owner.",
		[]part{clientPart(false), ownerPart, previousOwnerPart}},
	{"quote.created", "Quote created", "Cotação criada",
		"A quote was created for a sales opportunity.",
		[]part{quotePart, opportunityRefPart, clientPart(false), ownerPart}},
	{"opportunity.edited", "Sales opportunity edited", "Oportunidade de vendas editada",
		"Fields of a sales opportunity were changed.",
		[]part{opportunityPart(false), opportunityChangesPart, clientPart(false), ownerPart}},
	{"opportunity.created", "New sales opportunity", "Nova oportunidade de vendas",
		"A sales opportunity was created.",
		[]part{opportunityPart(true), clientPart(false), ownerPart}},
	{"opportunity.reactivated", "Sales opportunity reactivated", "Oportunidade de vendas reativada",
		"A lost or archived sales opportunity was reopened.",
		[]part{opportunityPart(false), previousStatusPart("lost", "archived"), clientPart(false), ownerPart}},
	{"opportunity.reassigned", "Sales opportunity reassigned", "Oportunidade de vendas reatribuída",
		"A sales opportunity was given to another owner.",
		[]part{opportunityPart(false), clientPart(false), ownerPart, previousOwnerPart}},
	{"prospect.archived", "Prospect archived", "Prospecto arquivado",
		"A prospect was archived.",
		[]part{prospectPart(false), ownerPart}},
	{"prospect.shared", "Prospect shared", "Prospecto compartilhado",
		"A prospect was shared with other users.",
		[]part{prospectPart(false), usersPart("shared_with", "Users the prospect was shared with."), ownerPart}},
	{"prospect.discarded", "Prospect discarded", "Prospecto descartado",
		"A prospect was discarded, with a reason.",
		[]part{prospectPart(false), reasonPart(prospectReasons), ownerPart}},
	{"prospect.edited", "Prospect edited", "Prospecto editado",
		"Fields of a prospect were changed.",
		[]part{prospectPart(false), personChangesPart("prospect"), ownerPart}},
	{"prospect.tagged", "Prospect tagged", "Prospecto etiquetado",
		"Tags were applied to a prospect.",
		[]part{prospectPart(false), tagsPart, ownerPart}},
	{"prospect.unshared", "Prospect unshared", "Prospecto não compartilhado",
		"Users lost their shared access to a prospect.",
		[]part{prospectPart(false), usersPart("unshared_with", "Users who no longer share the prospect."), ownerPart}},
	{"prospect.created", "New prospect", "Novo prospecto",
		"A prospect was created.",
		[]part{prospectPart(true), ownerPart}},
	{"prospect.reactivated", "Prospect reactivated", "Prospecto reativado",
		"An archived or discarded prospect was made active again.",
		[]part{prospectPart(false), previousStatusPart("archived", "discarded"), ownerPart}},
	{"prospect.reassigned", "Prospect reassigned", "Prospecto reatribuído",
		"A prospect was given to another owner.",
		[]part{prospectPart(false), ownerPart, previousOwnerPart}},
	{"client.follow_up", "Client follow-up", "Seguimento do cliente",
		"A follow-up (call, e-mail, meeting or WhatsApp message) was scheduled for a client.",
		[]part{followUpPart, clientPart(false), ownerPart}},
	{"opportunity.follow_up", "Opportunity follow-up", "Seguimento das oportunidades",
		"A follow-up was scheduled for a sales opportunity.",
		[]part{followUpPart, opportunityPart(false), clientPart(false), ownerPart}},
	{"prospect.follow_up", "Prospect follow-up", "Seguimento do prospecto",
		"A follow-up was scheduled for a prospect.",
		[]part{followUpPart, prospectPart(false), ownerPart}},
	{"sale.created", "New sale", "Nova venda",
		"A sale was closed.",
		[]part{salePart, opportunityRefPart, clientPart(false), ownerPart}},
}

// events is the public form of catalogue, built once.
var events = func() []Event {
	out := make([]Event, len(catalogue))
	for i, d := range catalogue {
		e := Event{Number: i + 1, Name: d.name, Label: d.label, LabelPT: d.labelPT, Description: d.desc}
		for _, p := range d.parts {
			e.Fields = append(e.Fields, p.fields...)
		}
		out[i] = e
	}
	return out
}()

// All returns the 30 events of the catalogue in the order of the CRM's
// webhook menu. The result is a copy; callers may modify it.
func All() []Event {
	out := make([]Event, len(events))
	for i, e := range events {
		out[i] = e.clone()
	}
	return out
}

func (e Event) clone() Event {
	e.Fields = append([]FieldSpec(nil), e.Fields...)
	return e
}

// Lookup finds an event by its machine name ("client.created"), its 1-based
// number in the menu ("10"), or its English or Portuguese label ("New
// client", "Novo cliente"); names and labels are matched without regard to
// case and surrounding spaces.
func Lookup(name string) (Event, bool) {
	i, ok := lookupIndex(name)
	if !ok {
		return Event{}, false
	}
	return events[i].clone(), true
}

func lookupIndex(name string) (int, bool) {
	name = strings.TrimSpace(name)
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 1 && n <= len(events) {
			return n - 1, true
		}
		return 0, false
	}
	for i, e := range events {
		if strings.EqualFold(name, e.Name) {
			return i, true
		}
	}
	for i, e := range events {
		if strings.EqualFold(name, e.Label) || strings.EqualFold(name, e.LabelPT) {
			return i, true
		}
	}
	return 0, false
}
