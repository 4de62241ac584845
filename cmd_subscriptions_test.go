package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/outbound"
)

// subsIn reads the subscriptions saved in dir.
func subsIn(t *testing.T, dir string) []outbound.Subscription {
	t.Helper()
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := outbound.NewStore(context.Background(), db, outbound.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.Subscriptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

func TestSubscriptionsAdd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		errHas  string
		check   func(t *testing.T, s outbound.Subscription)
		outHas  string
		noSaved bool
	}{
		{"defaults", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://localhost:3000/in"}, 0, "",
			func(t *testing.T, s outbound.Subscription) {
				if s.Method != "POST" || s.Signing != outbound.SignStandard || !strings.HasPrefix(s.Secret, "whsec_") || !s.Enabled ||
					s.Retry.Kind != outbound.RetryStandard || s.Timeout != outbound.DefaultTimeout {
					t.Errorf("defaults: %+v", s)
				}
			}, "Signing secret (give it to the receiver): whsec_", false},
		{"every field", []string{"--name", "ERP", "--event", "sale.created", "--event", "client.created", "--url", "https://erp.example/h",
			"--method", "get", "--header", "Authorization: Bearer x", "--signing", "github", "--secret", "s3cr3t",
			"--timeout", "10s", "--retry", "linear:3x1m", "--disabled", "--rename", "client.name -> nome", "--exclude", "client.cnpj", "--add", "origem=crm"}, 0, "",
			func(t *testing.T, s outbound.Subscription) {
				if s.Method != "GET" || len(s.Events) != 2 || s.Headers[0].Value != "Bearer x" || s.Signing != outbound.SignGitHub ||
					s.Secret != "s3cr3t" || s.Timeout != 10*time.Second || s.Retry.Kind != outbound.RetryLinear || s.Enabled ||
					s.Mapping.Rename[0].To != "nome" || s.Mapping.Exclude[0] != "client.cnpj" || s.Mapping.Add[0].Value != "crm" {
					t.Errorf("saved %+v", s)
				}
			}, "", false},
		{"no event", []string{"--name", "CRM", "--url", "http://x/"}, 1, "Pick at least one event", nil, "", true},
		{"unknown event", []string{"--name", "CRM", "--event", "nope.nope", "--url", "http://x/"}, 1, "not in the catalogue", nil, "", true},
		{"bad url", []string{"--name", "CRM", "--event", "sale.created", "--url", "ftp://x/"}, 1, "http:// or https://", nil, "", true},
		{"bad method", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://x/", "--method", "PUT"}, 1, "use POST or GET", nil, "", true},
		{"bad secret", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://x/", "--secret", "whsec_!!"}, 1, "base64", nil, "", true},
		{"github needs a secret", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://x/", "--signing", "github"}, 1, "needs a secret", nil, "", true},
		{"bad retry", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://x/", "--retry", "often"}, 1, "--retry", nil, "", true},
		{"bad header", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://x/", "--header", "NoColon"}, 1, "Name: value", nil, "", true},
		{"sign query", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://x/", "--method", "GET", "--sign-query", "--json"}, 0, "",
			func(t *testing.T, s outbound.Subscription) {
				if !s.SignQuery || s.Method != "GET" {
					t.Errorf("saved %+v", s)
				}
			}, `"sign_query":true`, false},
		{"sign query on a POST", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://x/", "--sign-query"}, 1, "--method GET", nil, "", true},
		{"sign query unsigned", []string{"--name", "CRM", "--event", "sale.created", "--url", "http://x/", "--method", "GET", "--signing", "none", "--sign-query"}, 1, "--signing standard", nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, errOut, code := runCmd(t, append([]string{"subscriptions", "add", "--data", dir}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.errHas) || !strings.Contains(out, tc.outHas) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			subs := subsIn(t, dir)
			if tc.noSaved {
				if len(subs) != 0 {
					t.Errorf("saved %d", len(subs))
				}
				return
			}
			if len(subs) != 1 {
				t.Fatalf("saved %d", len(subs))
			}
			tc.check(t, subs[0])
		})
	}
}

// addSub adds a subscription and returns its id.
func addSub(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, errOut, code := runCmd(t, append([]string{"subscriptions", "add", "--json", "--data", dir,
		"--name", "CRM", "--event", "sale.created", "--url", "http://127.0.0.1:1/in"}, args...)...)
	if code != 0 {
		t.Fatalf("add: %s", errOut)
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	return j["id"].(string)
}

func TestSubscriptionsVerbs(t *testing.T) {
	dir := t.TempDir()
	id := addSub(t, dir)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		outHas string
		check  func(t *testing.T, subs []outbound.Subscription)
	}{
		{"list", []string{"list"}, 0, id, nil},
		{"list json snake_case", []string{"list", "--json"}, 0, `"timeout_seconds":30`, nil},
		{"edit changes only what is given", []string{"edit", id, "--url", "http://127.0.0.1:2/new"}, 0, "Saved", func(t *testing.T, subs []outbound.Subscription) {
			if subs[0].URL != "http://127.0.0.1:2/new" || subs[0].Name != "CRM" || subs[0].Events[0] != "sale.created" {
				t.Errorf("%+v", subs[0])
			}
		}},
		{"edit validates", []string{"edit", id, "--event", "nope"}, 1, "", func(t *testing.T, subs []outbound.Subscription) {
			if subs[0].Events[0] != "sale.created" {
				t.Errorf("saved anyway: %v", subs[0].Events)
			}
		}},
		{"disable", []string{"disable", id}, 0, "disabled", func(t *testing.T, subs []outbound.Subscription) {
			if subs[0].Enabled {
				t.Error("still enabled")
			}
		}},
		{"enable", []string{"enable", id}, 0, "enabled", func(t *testing.T, subs []outbound.Subscription) {
			if !subs[0].Enabled {
				t.Error("still disabled")
			}
		}},
		{"history empty", []string{"history", id}, 0, "", nil},
		{"history unknown id", []string{"history", "sub_nope"}, 1, "", nil},
		{"enable unknown id", []string{"enable", "sub_nope"}, 1, "", nil},
		{"edit needs an id", []string{"edit"}, 2, "", nil}, // usage
		{"unknown verb", []string{"frob"}, 2, "", nil},
		{"delete", []string{"delete", id}, 0, "Deleted", func(t *testing.T, subs []outbound.Subscription) {
			if len(subs) != 0 {
				t.Errorf("left %d", len(subs))
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, append(append([]string{"subscriptions"}, tc.args...), "--data", dir)...)
			if code != tc.code || !strings.Contains(out, tc.outHas) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			if strings.Contains(out, "whsec_") {
				t.Errorf("secret printed: %q", out)
			}
			if tc.check != nil {
				tc.check(t, subsIn(t, dir))
			}
		})
	}
}

// TestSubscriptionsHistory fires to a subscription added from the command
// line and reads its delivery back.
func TestSubscriptionsHistory(t *testing.T) {
	srv, _, _ := receiver(t, 204)
	dir := t.TempDir()
	id := addSub(t, dir, "--url", srv.URL+"/in")
	if _, errOut, code := runCmd(t, "send", "sale.created", "--wait", "--data", dir); code != 0 {
		t.Fatalf("send: %s", errOut)
	}
	out, errOut, code := runCmd(t, "subscriptions", "history", id, "--json", "--data", dir)
	if code != 0 {
		t.Fatal(errOut)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if d["outcome"] != "succeeded" || d["subscription_id"] != id || d["last_status"] != float64(204) {
		t.Errorf("history %v", d)
	}
	for _, args := range [][]string{{"history", "--outcome", "failed"}, {"history", "--event", "client.created"}} {
		out, _, _ := runCmd(t, append(append([]string{"subscriptions"}, args...), "--data", dir)...)
		if out != "" {
			t.Errorf("%v: %q", args, out)
		}
	}
}

// TestSubscriptionsSignQueryEdit: --sign-query=false unticks it; changing a
// sign-query subscription to POST (or no signing) without it names the flag
// and saves nothing.
func TestSubscriptionsSignQueryEdit(t *testing.T) {
	dir := t.TempDir()
	id := addSub(t, dir, "--method", "GET", "--sign-query")
	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		errHas    string
		method    string
		signing   outbound.Signing
		signQuery bool
		outHas    string
	}{
		{"list shows it", []string{"list", "--json"}, 0, "", "GET", outbound.SignStandard, true, `"sign_query":true`},
		{"POST names the flag", []string{"edit", id, "--method", "POST"}, 1, "--sign-query=false", "GET", outbound.SignStandard, true, ""},
		{"no signing names the flag", []string{"edit", id, "--signing", "none"}, 1, "--sign-query=false", "GET", outbound.SignStandard, true, ""},
		{"other edits keep it", []string{"edit", id, "--name", "ERP", "--json"}, 0, "", "GET", outbound.SignStandard, true, `"sign_query":true`},
		{"POST with --sign-query=false", []string{"edit", id, "--method", "POST", "--sign-query=false", "--json"}, 0, "", "POST", outbound.SignStandard, false, `"sign_query":false`},
		{"tick it again on a GET", []string{"edit", id, "--method", "GET", "--sign-query"}, 0, "", "GET", outbound.SignStandard, true, "Saved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, append(append([]string{"subscriptions"}, tc.args...), "--data", dir)...)
			if code != tc.code || !strings.Contains(errOut, tc.errHas) || !strings.Contains(out, tc.outHas) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			s := subsIn(t, dir)[0]
			if s.Method != tc.method || s.Signing != tc.signing || s.SignQuery != tc.signQuery {
				t.Errorf("saved method %s signing %s sign_query %v", s.Method, s.Signing, s.SignQuery)
			}
		})
	}
}
