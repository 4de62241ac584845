package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/outbound"
)

// subLine is a subscription in one line of text.
func subLine(s outbound.Subscription, secret bool) string {
	state := "enabled"
	if !s.Enabled {
		state = "disabled"
		if s.DisabledReason != "" {
			state += " (" + text.Line(s.DisabledReason) + ")"
		}
	}
	line := fmt.Sprintf("%s  %s  %q  %s  %s %s", s.ID, state, text.Line(s.Name), strings.Join(s.Events, ","), s.Method, text.Line(s.URL))
	if secret && s.Secret != "" {
		line += "  secret " + s.Secret
	}
	return line
}

// headerJSON is a header as the CLI prints it.
type headerJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// subJSON is a subscription as the CLI prints it.
type subJSON struct {
	ID             string       `json:"id"`
	Name           string       `json:"name"`
	Events         []string     `json:"events"`
	URL            string       `json:"url"`
	Method         string       `json:"method"`
	Format         string       `json:"format"`
	Headers        []headerJSON `json:"headers"`
	Signing        string       `json:"signing"`
	Secret         string       `json:"secret,omitempty"`
	SignQuery      bool         `json:"sign_query"`
	TimeoutSeconds float64      `json:"timeout_seconds"`
	Retry          string       `json:"retry"`
	Rename         []string     `json:"rename,omitempty"`
	Exclude        []string     `json:"exclude,omitempty"`
	Add            []string     `json:"add,omitempty"`
	Enabled        bool         `json:"enabled"`
	DisabledReason string       `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
	LastAt         *time.Time   `json:"last_at,omitempty"`
	LastStatus     int          `json:"last_status,omitempty"`
	LastError      string       `json:"last_error,omitempty"`
}

func subJSONOf(s outbound.Subscription, secret bool) subJSON {
	j := subJSON{ID: s.ID, Name: s.Name, Events: s.Events, URL: s.URL, Method: s.Method, Format: string(s.Format),
		Headers: []headerJSON{}, Signing: string(s.Signing), SignQuery: s.SignQuery, TimeoutSeconds: s.Timeout.Seconds(), Retry: s.Retry.String(),
		Exclude: s.Mapping.Exclude, Enabled: s.Enabled, DisabledReason: s.DisabledReason, CreatedAt: s.CreatedAt,
		LastStatus: s.LastStatus, LastError: s.LastError}
	if secret {
		j.Secret = s.Secret
	}
	for _, h := range s.Headers {
		j.Headers = append(j.Headers, headerJSON{h.Name, h.Value})
	}
	for _, r := range s.Mapping.Rename {
		j.Rename = append(j.Rename, r.From+" -> "+r.To)
	}
	for _, a := range s.Mapping.Add {
		j.Add = append(j.Add, a.Name+"="+a.Value)
	}
	if !s.LastAt.IsZero() {
		j.LastAt = &s.LastAt
	}
	return j
}

// deliveryJSON is a delivery as the CLI prints it.
type deliveryJSON struct {
	ID               string          `json:"id"`
	SubscriptionID   string          `json:"subscription_id"`
	SubscriptionName string          `json:"subscription_name"`
	Event            string          `json:"event"`
	CreatedAt        time.Time       `json:"created_at"`
	Outcome          string          `json:"outcome"`
	Attempts         int             `json:"attempts"`
	NextAt           *time.Time      `json:"next_at,omitempty"`
	LastStatus       int             `json:"last_status,omitempty"`
	LastError        string          `json:"last_error,omitempty"`
	Payload          json.RawMessage `json:"payload,omitempty"`
}

func deliveryJSONOf(d outbound.Delivery) deliveryJSON {
	j := deliveryJSON{ID: d.ID, SubscriptionID: d.SubscriptionID, SubscriptionName: d.SubscriptionName, Event: d.Event,
		CreatedAt: d.CreatedAt, Outcome: string(d.Outcome), Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError}
	if json.Valid(d.Payload) {
		j.Payload = d.Payload
	}
	if !d.NextAt.IsZero() {
		j.NextAt = &d.NextAt
	}
	return j
}
