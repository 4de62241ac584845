package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/suite"
	"github.com/gancho-app/gancho/verify"
)

func TestJourneyCommandList(t *testing.T) {
	out, errOut, code := runCmd(t, "events", "journey")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, j := range events.Journeys() {
		if !strings.Contains(out, j.Name) || !strings.Contains(out, j.Title) || !strings.Contains(out, j.Steps[len(j.Steps)-1].Event) {
			t.Errorf("no %s (%s) in:\n%s", j.Name, j.Title, out)
		}
	}
	if !strings.Contains(out, "prospect.created → prospect.phase_changed (Novo → Em contato)") {
		t.Errorf("steps not listed:\n%s", out)
	}
	out, _, code = runCmd(t, "events", "journey", "--lang", "pt-BR")
	if code != 0 || !strings.Contains(out, "Do prospecto à venda") {
		t.Errorf("Portuguese titles: exit %d\n%s", code, out)
	}
	out, _, code = runCmd(t, "events", "journey", "--json")
	var js []events.Journey
	if err := json.Unmarshal([]byte(out), &js); code != 0 || err != nil || len(js) != len(events.Journeys()) || js[0].Steps[0].Event != "prospect.created" {
		t.Errorf("--json: exit %d, %v\n%s", code, err, out)
	}
}

type journeyLine struct {
	Step, Event, At string
	DelayMS         int64 `json:"delay_ms"`
	Payload         map[string]any
}

func TestJourneyCommandPrint(t *testing.T) {
	args := []string{"events", "journey", "prospect-to-sale", "--seed", "9", "--start", "2025-03-14T10:30:00-03:00"}
	out, errOut, code := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	again, _, _ := runCmd(t, args...)
	if again != out {
		t.Error("the same seed and start printed different events")
	}
	var lines []journeyLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var one journeyLine
		if err := json.Unmarshal(sc.Bytes(), &one); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		lines = append(lines, one)
	}
	if len(lines) != 6 || lines[0].Step != "1-prospect-created" || lines[5].Event != "sale.created" ||
		lines[0].At != "2025-03-14T10:30:00-03:00" || lines[0].DelayMS != 0 || lines[1].DelayMS != 200 ||
		lines[2].Payload["type"] != "prospect.phase_changed" {
		t.Errorf("%+v", lines)
	}
	for _, bad := range [][]string{
		{"events", "journey", "nope"},
		{"events", "journey", "1", "2"},
		{"events", "journey", "1", "--timing", "fast"},
		{"events", "journey", "1", "--speed", "0"},
		{"events", "journey", "1", "--to", "http://127.0.0.1:1/", "--fire"},
		{"events", "journey", "1", "--sign", "standard:whsec_x"},
		{"events", "journey", "1", "--start", "yesterday"},
	} {
		if _, errOut, code := runCmd(t, bad...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, %q", bad, code, errOut)
		}
	}
}

// TestJourneyCommandTo sends every journey to a loopback receiver, signed
// with --sign: each event arrives in order, verified by the receiver's
// checks, about one client.
func TestJourneyCommandTo(t *testing.T) {
	secret := verify.NewSecret()
	for _, j := range events.Journeys() {
		t.Run(j.Name, func(t *testing.T) {
			srv, reqs, bodies := receiver(t, http.StatusOK)
			out, errOut, code := runCmd(t, "events", "journey", j.Name, "--to", srv.URL+"/hooks?x=1", "--sign", "standard:"+secret, "--speed", "100", "--seed", "5")
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			set, _ := verify.NewSet([]verify.Config{{Scheme: verify.SchemeStandard, Secret: secret}})
			for i, st := range j.Steps {
				r, body := <-reqs, <-bodies
				if res := set.Check("/hooks", headersOf(r), body, time.Now()); res == nil || !res.OK {
					t.Errorf("step %d: the receiver's check: %+v", i+1, res)
				}
				p, err := events.ParseJSON(body)
				if err != nil || p.Type() != st.Event || r.URL.RawQuery != "x=1" {
					t.Errorf("step %d: %v, type %q, query %q, want %s", i+1, err, p.Type(), r.URL.RawQuery, st.Event)
				}
				name := (events.JourneyEvent{Index: i, Event: st.Event}).StepName()
				if !strings.Contains(out, name+" POST "+srv.URL+"/hooks?x=1: 200 in ") {
					t.Errorf("no line for %s in:\n%s", name, out)
				}
			}
		})
	}
	t.Run("json lines, form, github", func(t *testing.T) {
		srv, reqs, bodies := receiver(t, http.StatusAccepted)
		out, errOut, code := runCmd(t, "events", "journey", "client-update", "--to", srv.URL+"/f", "--format", "form", "--sign", "github:s3cr3t", "--json", "--speed", "100")
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		set, _ := verify.NewSet([]verify.Config{{Scheme: verify.SchemeGitHub, Secret: "s3cr3t"}})
		for range 3 {
			r, body := <-reqs, <-bodies
			if res := set.Check("/f", headersOf(r), body, time.Now()); res == nil || !res.OK || r.Header.Get("Content-Type") != outbound.ContentTypeForm {
				t.Errorf("%s: %+v", r.Header.Get("Content-Type"), res)
			}
		}
		var results []journeyResult
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r journeyResult
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%v: %q", err, line)
			}
			results = append(results, r)
		}
		if len(results) != 3 || results[2].Step != "3-client-reassigned" || results[2].Status != 202 || results[0].DeliveryID == "" {
			t.Errorf("%+v", results)
		}
	})
	t.Run("refused", func(t *testing.T) {
		out, errOut, code := runCmd(t, "events", "journey", "client-update", "--to", "http://127.0.0.1:1/x", "--speed", "100")
		if code != 1 || strings.Count(out, "FAILED (refused)") != 3 || !strings.Contains(errOut, "3 of 3 events were not accepted") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("a sign spec deliveries cannot use", func(t *testing.T) {
		_, errOut, code := runCmd(t, "events", "journey", "client-update", "--to", "http://127.0.0.1:1/x", "--sign", "hmac:k,header=X-Sig")
		if code == 0 || !strings.Contains(errOut, "standard, stripe or github") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}

// TestJourneyCommandSaveSuite: the saved file parses as a suite holding the
// journey's events, in order, as inline requests to --to's path, signed at
// run time with --sign.
func TestJourneyCommandSaveSuite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "journey.yaml")
	spec := "standard:" + verify.NewSecret()
	_, errOut, code := runCmd(t, "events", "journey", "new-client-first-sale", "--seed", "11", "--save-suite", file,
		"--sign", spec, "--format", "xml", "--start", "2025-03-14T10:30:00-03:00")
	if code != 0 || !strings.Contains(errOut, "Saved 5 steps to "+file) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := suite.Parse(b, file)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := events.LookupJourney("new-client-first-sale")
	evs, _ := j.Play(11, time.Date(2025, 3, 14, 13, 30, 0, 0, time.UTC), events.Timing{})
	if len(s.Steps) != len(evs) || s.Target != "" {
		t.Fatalf("%d steps, target %q", len(s.Steps), s.Target)
	}
	for i, st := range s.Steps {
		want, _ := evs[i].Payload.XML()
		body, _ := st.Request.Bytes()
		if st.Name != evs[i].StepName() || st.Request.Method != "POST" || st.Request.Path != "/" || string(body) != string(want) ||
			st.Sign.Mode != suite.SignSecret || st.Sign.Spec != spec || st.Expect == nil || st.Expect.Status != "2xx" ||
			!strings.Contains(strings.Join(st.Request.Headers, "\n"), "Content-Type: "+outbound.ContentTypeXML) {
			t.Errorf("step %d: %+v %+v\n%s", i+1, st, st.Request, body)
		}
	}
	// With --to, the target and path come from it (and it is sent too).
	srv, reqs, _ := receiver(t, http.StatusOK)
	_, errOut, code = runCmd(t, "events", "journey", "client-update", "--save-suite", file, "--to", srv.URL+"/in", "--speed", "100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for range 3 {
		<-reqs
	}
	b, _ = os.ReadFile(file)
	if s, err = suite.Parse(b, file); err != nil || s.Target != srv.URL || s.Steps[0].Request.Path != "/in" || s.Steps[0].Sign.Mode != "" {
		t.Errorf("%v: %+v", err, s)
	}
}

// TestJourneyCommandFire fires a journey into the saved subscriptions: the
// events a subscription listens to reach its loopback receiver, in order;
// the others are skipped with a note.
func TestJourneyCommandFire(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := runCmd(t, "events", "journey", "client-update", "--fire", "--data", dir)
	if code == 0 || !strings.Contains(errOut, "no enabled subscription listens to any event of client-update") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	srv, reqs, bodies := receiver(t, http.StatusOK)
	addSub(t, dir, "--event", "client.edited", "--event", "client.reassigned", "--url", srv.URL+"/crm")
	s := subsIn(t, dir)[0]
	out, errOut, code := runCmd(t, "events", "journey", "client-update", "--fire", "--data", dir, "--speed", "100", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	set, _ := verify.NewSet([]verify.Config{{Scheme: verify.SchemeStandard, Secret: s.Secret}})
	var ids []string
	for _, want := range []string{"client.edited", "client.reassigned"} {
		r, body := <-reqs, <-bodies
		p, err := events.ParseJSON(body)
		if err != nil || p.Type() != want {
			t.Errorf("%v: got %q, want %s", err, p.Type(), want)
		}
		if res := set.Check("/crm", headersOf(r), body, time.Now()); res == nil || !res.OK {
			t.Errorf("%s: the receiver's check: %+v", want, res)
		}
		id, _ := p.Get("data.client.id")
		ids = append(ids, id.Text)
	}
	if ids[0] != ids[1] {
		t.Errorf("two clients: %v", ids)
	}
	if !strings.Contains(out, "2-client-tagged: no enabled subscription listens to client.tagged; skipped.") ||
		!strings.Contains(out, "1-client-edited: Fired client.edited to 1 subscription") {
		t.Errorf("%s", out)
	}
}
