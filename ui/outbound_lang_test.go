package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/outbound"
)

// TestEventLabelsByLanguage: the 30 events are named by the CRM menu's
// Portuguese label in Portuguese and by its English one in English, in
// the subscription form and the event pickers; the machine name stays.
func TestEventLabelsByLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want func(events.Event) string
		not  func(events.Event) string
	}{
		{i18n.Portuguese, func(e events.Event) string { return e.LabelPT }, func(e events.Event) string { return e.Label }},
		{i18n.English, func(e events.Event) string { return e.Label }, func(e events.Event) string { return e.LabelPT }},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			inLanguage(t, tc.lang)
			all := events.All()
			if len(all) != 30 {
				t.Fatalf("%d events", len(all))
			}
			for _, e := range all {
				form, pick := eventChoice(e), eventChoice(e)
				for _, got := range []string{form, pick} {
					if !strings.Contains(got, tc.want(e)) || !strings.Contains(got, e.Name) {
						t.Errorf("%s: %q lacks %q or %s", e.Name, got, tc.want(e), e.Name)
					}
					if tc.not(e) != tc.want(e) && strings.Contains(got, tc.not(e)) {
						t.Errorf("%s: %q shows the other language's %q", e.Name, got, tc.not(e))
					}
				}
				// The person's name comes first in the picker.
				if !strings.HasPrefix(pick, strings.Join([]string{strconv.Itoa(e.Number) + ".", tc.want(e)}, " ")) {
					t.Errorf("picker %q does not lead with %q", pick, tc.want(e))
				}
			}
		})
	}
	inLanguage(t, i18n.Portuguese)
	if got := eventChoice(events.All()[0]); got != "1. Mudança de fase do cliente — client.phase_changed" {
		t.Errorf("first event in the form: %q", got)
	}
}

// TestDeliveryStatesPortuguese: the delivery states as every view says
// them, with their plurals, in both languages.
func TestDeliveryStatesPortuguese(t *testing.T) {
	now := chartNow
	failed := func(n int) outbound.Delivery {
		return outbound.Delivery{Outcome: outbound.OutcomeFailed, Attempts: n}
	}
	retrying := outbound.Delivery{Outcome: outbound.OutcomeRetrying, Attempts: 1, NextAt: now.Add(30 * time.Second)}
	pending := outbound.Delivery{Outcome: outbound.OutcomePending, NextAt: now.Add(-time.Second)}
	later := outbound.Delivery{Outcome: outbound.OutcomeRetrying, Attempts: 2, NextAt: now.Add(2*time.Hour + 5*time.Minute)}
	cases := []struct {
		name   string
		d      outbound.Delivery
		total  int
		en, pt string
	}{
		{"delivered", outbound.Delivery{Outcome: outbound.OutcomeSucceeded, Attempts: 1}, 5, "delivered", "entregue"},
		{"delivered late", outbound.Delivery{Outcome: outbound.OutcomeSucceeded, Attempts: 3}, 5, "delivered on attempt 3", "entregue na tentativa 3"},
		{"retrying", retrying, 5, "retrying (attempt 2 of 5 in 30 s)", "tentando de novo (tentativa 2 de 5 em 30 s)"},
		{"retrying, total unknown", later, 0, "retrying (attempt 3 in 2 h 5 min)", "tentando de novo (tentativa 3 em 2 h 5 min)"},
		{"pending due", pending, 5, "pending (attempt 1 of 5 due now)", "pendente (tentativa 1 de 5 agora)"},
		{"failed once", failed(1), 1, "failed after 1 attempt", "falhou após 1 tentativa"},
		{"failed thrice", failed(3), 3, "failed after 3 attempts", "falhou após 3 tentativas"},
		{"failed unsent", failed(0), 3, "failed", "falhou"},
	}
	for _, l := range []string{i18n.English, i18n.Portuguese} {
		t.Run(l, func(t *testing.T) {
			inLanguage(t, l)
			for _, c := range cases {
				want := c.en
				if l == i18n.Portuguese {
					want = c.pt
				}
				if got := deliveryState(c.d, c.total, now); got != want {
					t.Errorf("%s: %q, want %q", c.name, got, want)
				}
			}
		})
	}
}

// TestSubFormProblemsPortuguese: the form's problems, its own and the
// engine's (outbound.Problem, ParseRetry), are shown in Portuguese.
func TestSubFormProblemsPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	test.NewTempApp(t)
	f := newSubForm(outbound.NewSubscription(), true, func(string) {})
	steps := []struct {
		name  string
		edit  func()
		field string
		want  string
	}{
		{"engine: URL scheme", func() { test.Type(f.url, "localhost:3000") }, fURL, "A URL deve começar com http:// ou https://"},
		{"engine: no event", func() {
			f.events.SetSelected([]string{f.events.Options[0]})
			f.events.SetSelected(nil)
		}, fEvents, "Escolha ao menos um evento"},
		{"form: rename line", func() { test.Type(f.rename, "client.name nome") }, fRename, "Linha 1 de Renomear"},
		{"form: timeout", func() { f.timeout.SetText(""); test.Type(f.timeout, "logo") }, fTimeout, `Tempo limite "logo"`},
		{"ParseRetry: linear count", func() {
			f.retry.SetSelected("linear")
			f.retryArg.SetText("cincox30s")
		}, fRetry, `A quantidade "cinco" da política linear não é um número inteiro.`},
		{"engine: Mapping", func() { f.rename.SetText("client..name -> nome") }, fRename, "Renomear 1: o campo a renomear"},
	}
	for _, st := range steps {
		st.edit()
		if got := f.errs[st.field].Text; !strings.Contains(got, st.want) || !f.errs[st.field].Visible() {
			t.Errorf("%s: %s says %q, want %q", st.name, st.field, got, st.want)
		}
	}
	f.validate()
	if got := f.tabs.Items[0].Text; got != "Geral · 2 problemas" {
		t.Errorf("General tab %q", got)
	}
	if got := f.tabs.Items[2].Text; got != "Mapeamento de campos · 1 problema" {
		t.Errorf("mapping tab %q", got)
	}
}

// TestOutboundPortugueseGoldens pins the Outbound section's subscriptions
// side (a retrying, a failed and a disabled subscription) and the
// subscription form after Save, in Portuguese.
func TestOutboundPortugueseGoldens(t *testing.T) {
	t.Run("subscriptions", func(t *testing.T) {
		inLanguage(t, i18n.Portuguese)
		oh := newOutboundHarnessAt(t, func() time.Time { return chartNow })
		// Nothing listens on port 1: each attempt is refused at once. Fixed
		// ids, URLs and creation times keep the rows in one order.
		for i, mod := range []func(s *outbound.Subscription){
			func(s *outbound.Subscription) {
				s.Name = "ERP – vendas"
				s.Retry = outbound.RetryPolicy{Kind: outbound.RetryLinear, Count: 4, Every: time.Hour, Jitter: -1}
			},
			func(s *outbound.Subscription) {
				s.Name, s.Retry = "Financeiro", outbound.RetryPolicy{Kind: outbound.RetryNone}
				s.Events = append(s.Events, "client.edited", "sale.created")
			},
			func(s *outbound.Subscription) { s.Name, s.Enabled = "CRM antigo", false },
		} {
			s := outbound.NewSubscription()
			s.ID, s.URL, s.Events = "sub_"+strconv.Itoa(i), "http://127.0.0.1:1/webhooks", []string{"client.created"}
			s.CreatedAt = chartNow.Add(time.Duration(i-10) * time.Minute)
			mod(&s)
			if err := oh.store.Save(context.Background(), &s); err != nil {
				t.Fatal(err)
			}
		}
		oh.do(func() { oh.p.reload() })
		oh.waitFor(t, "three subscriptions", func() bool { return len(oh.p.subs) == 3 })
		oh.do(func() { test.Tap(newFireForm(oh.p, "client.created", "").send) })
		oh.waitFor(t, "both deliveries tried", func() bool {
			n := 0
			for _, d := range oh.p.dels {
				if d.Attempts == 1 && d.Outcome != outbound.OutcomePending {
					n++
				}
			}
			return n == 2 && len(oh.p.lastDel) == 2
		})
		var log []string
		oh.do(func() {
			for i := range oh.p.dels {
				o := oh.p.delList.CreateItem()
				oh.p.delList.UpdateItem(i, o)
				log = append(log, o.(*delRow).state.Text)
			}
			d := test.NewWindow(oh.p.root.(*container.Split).Leading)
			d.Resize(fyne.NewSize(420, 500))
			test.AssertRendersToMarkup(t, "outbound_pt.xml", d.Canvas())
			d.Close()
		})
		all := strings.Join(log, "|")
		for _, want := range []string{"tentando de novo (tentativa 2 de 5 em 1 h) · conexão recusada", "falhou após 1 tentativa · conexão recusada"} {
			if !strings.Contains(all, want) {
				t.Errorf("log lacks %q: %s", want, all)
			}
		}
	})
	t.Run("subscription form", func(t *testing.T) {
		// The form alone, as Save leaves it: the window behind the dialog
		// is other panels' business.
		inLanguage(t, i18n.Portuguese)
		test.NewTempApp(t)
		f := newSubForm(outbound.NewSubscription(), true, func(string) {})
		f.showAll = true
		f.validate()
		f.tabs.SelectIndex(f.firstProblemTab())
		w := test.NewWindow(f.content)
		defer w.Close()
		w.Resize(fyne.NewSize(900, 600))
		test.AssertRendersToMarkup(t, "subform_pt.xml", w.Canvas())
	})
}
