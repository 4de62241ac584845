package main

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/verify"
)

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		pos     []string
		to      string
		json    bool
		wantErr bool
	}{
		{"flags first", []string{"--to", "u", "a", "b"}, []string{"a", "b"}, "u", false, false},
		{"flags after", []string{"a", "--to", "u", "b"}, []string{"a", "b"}, "u", false, false},
		{"bool takes no value", []string{"a", "--json", "b"}, []string{"a", "b"}, "", true, false},
		{"bool with =", []string{"--json=false", "a"}, []string{"a"}, "", false, false},
		{"value with =", []string{"a", "-to=u"}, []string{"a"}, "u", false, false},
		{"value that looks like a flag", []string{"--to", "-x", "a"}, []string{"a"}, "-x", false, false},
		{"after -- all positional", []string{"a", "--", "--json", "-b"}, []string{"a", "--json", "-b"}, "", false, false},
		{"dash alone is positional", []string{"-", "--json"}, []string{"-"}, "", true, false},
		{"unknown flag", []string{"a", "--nope"}, nil, "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			to := fs.String("to", "", "")
			js := fs.Bool("json", false, "")
			pos, err := parseInterspersed(fs, tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if tc.wantErr {
				return
			}
			if !slices.Equal(pos, tc.pos) || *to != tc.to || *js != tc.json {
				t.Errorf("pos %q to %q json %v, want %q %q %v", pos, *to, *js, tc.pos, tc.to, tc.json)
			}
		})
	}
}

// TestFlagsAfterArguments runs each command with its flags after its
// arguments (--data last): each must read the seeded data directory.
func TestFlagsAfterArguments(t *testing.T) {
	var ids capture.IDGen
	c := sample(&ids, "/hooks/crm", `{"event":"sale.created"}`)
	dir := seed(t, c)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"show", []string{"show", c.ID, "--data", dir}, "POST /hooks/crm"},
		{"list", []string{"list", "--json", "--data", dir}, c.ID},
		{"list flags first", []string{"list", "--data", dir, "--json"}, c.ID},
		{"export", []string{"export", "--data", dir, "--format", "curl"}, "/hooks/crm"},
		{"events sample", []string{"events", "sample", "sale.created", "--seed", "1", "--data", dir}, "{"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, tc.args...)
			if code != 0 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, tc.want)
			}
		})
	}
}

// TestUnexpectedArguments: a command without positional arguments says so
// instead of ignoring them, with the usage exit code (2), as a bad flag.
func TestUnexpectedArguments(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"list", "oops", "--data", dir},
		{"export", "oops", "--data", dir},
		{"listen", "oops", "--data", dir},
		{"tail", "oops", "--data", dir},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, errOut, code := runCmd(t, args...)
			if code != 2 || !strings.Contains(errOut, `unexpected argument "oops"`) {
				t.Errorf("exit %d, stderr %q", code, errOut)
			}
		})
	}
}

// TestArgumentCountIsUsage: a missing or extra positional argument is a
// usage error (exit 2), like a bad flag; a well-formed command that fails
// (an unknown id) is not (exit 1).
func TestArgumentCountIsUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"show", "--data", dir}, 2, "show needs one capture id"},
		{[]string{"show", "a", "b", "--data", dir}, 2, "show needs one capture id"},
		{[]string{"replay", "--data", dir}, 2, "replay needs capture ids"},
		{[]string{"import", "--data", dir}, 2, "import needs a file"},
		{[]string{"send", "--data", dir}, 2, "name one event"},
		{[]string{"events", "oops"}, 2, `unexpected "oops"`},
		{[]string{"events", "show"}, 2, "name one event"},
		{[]string{"subscriptions", "delete", "--data", dir}, 2, "give one subscription id"},
		{[]string{"subscriptions", "frob", "--data", dir}, 2, `unknown "frob"`},
		{[]string{"relay", "start"}, 2, "gancho relay serve"},
		{[]string{"relay", "serve", "oops", "--token", "team-token-0123456789", "--data", dir}, 2, `unexpected argument "oops"`},
		{[]string{"show", "01NOPE", "--data", dir}, 1, `run "gancho list"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := runCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d with %q", code, errOut, tc.code, tc.want)
			}
		})
	}
}

// TestFlagErrorOnce: a bad flag is reported once, in one line, exit 2.
func TestFlagErrorOnce(t *testing.T) {
	for _, args := range [][]string{
		{"list", "--nope"},
		{"show", "x", "--nope"},
		{"listen", "--nope"},
		{"replay", "x", "--nope"},
		{"events", "--nope"},
		{"send", "sale.created", "--nope"},
		{"tail", "--nope"},
		{"relay", "serve", "--nope"},
		{"list", "--limit", "many"},
		{"list", "--limit"}, // not "invalid value \"--\""
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errOut, code := runCmd(t, args...)
			if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "-h\" lists the flags") {
				t.Errorf("exit %d, stdout %q, stderr %q; want one line and exit 2", code, out, errOut)
			}
		})
	}
	_, errOut, code := runCmd(t, "list", "-h")
	if code != 0 || !strings.Contains(errOut, "-json") {
		t.Errorf("-h: exit %d, stderr %q", code, errOut)
	}
}

// TestAddrFlag: a bad --addr says what a valid one looks like.
func TestAddrFlag(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:4665", true}, {":4665", true}, {"localhost:0", true}, {"[::1]:80", true},
		{"nonsense", false}, {"127.0.0.1", false}, {"127.0.0.1:http", false}, {":99999", false}, {"a b:80", false},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			err := checkAddr(tc.addr, ":4665")
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if err != nil && !strings.Contains(err.Error(), "HOST:PORT, e.g. 127.0.0.1:4665") {
				t.Errorf("err = %v", err)
			}
		})
	}
	for _, args := range [][]string{{"listen", "--addr", "nonsense"}, {"relay", "serve", "--addr", "nonsense", "--token", "0123456789abcdef0123"}} {
		_, errOut, code := runCmd(t, append(args, "--data", t.TempDir())...)
		if code != 2 || !strings.Contains(errOut, "wants HOST:PORT") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// TestVerifyFlagSecret: a standard secret that is not whsec_+base64 is
// refused at the flag, before anything is saved.
func TestVerifyFlagSecret(t *testing.T) {
	_, errOut, code := runCmd(t, "listen", "--verify", "standard:notwhsec", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "--verify") || !strings.Contains(errOut, "whsec_") || strings.Contains(errOut, "notwhsec") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestOldSavedVerifierStillStarts: a short bare standard secret an older
// version saved loads, and listen starts with it; the strict check is for
// secrets typed now (TestVerifyFlagSecret).
func TestOldSavedVerifierStillStarts(t *testing.T) {
	dir := t.TempDir()
	var s settings.Settings
	s.Verifiers = []verify.Config{{Scheme: "standard", Secret: "mysecret"}}
	if err := settings.Save(dir, s); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.Load(dir); err != nil {
		t.Fatalf("load: %v", err)
	}
	c := startChild(t, "listen", "--addr", "127.0.0.1:0", "--data", dir)
	c.cmd.Process.Signal(os.Interrupt)
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("listen: %v", err)
	}
}

// TestMethodFlagCase: --method matches whatever case it is written in.
func TestMethodFlagCase(t *testing.T) {
	var ids capture.IDGen
	c := sample(&ids, "/dav", "")
	c.Method = "PROPFIND"
	dir := seed(t, c)
	for _, args := range [][]string{{"list", "--method", "propfind"}, {"export", "--method", "Propfind"}} {
		out, errOut, code := runCmd(t, append(args, "--data", dir)...)
		if code != 0 || !strings.Contains(out, "/dav") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// snakeKeys reports the first key of v, at any depth, that is not snake_case.
func snakeKeys(v any) string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			for _, r := range k {
				if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
					return k
				}
			}
			if bad := snakeKeys(x); bad != "" {
				return bad
			}
		}
	case []any:
		for _, x := range v {
			if bad := snakeKeys(x); bad != "" {
				return bad
			}
		}
	}
	return ""
}

// TestJSONIsSnakeCase: every JSON the CLI prints names its keys in
// snake_case, as the export record does.
func TestJSONIsSnakeCase(t *testing.T) {
	var ids capture.IDGen
	dir := seed(t, sample(&ids, "/hooks", `{"A":1}`))
	if _, errOut, code := runCmd(t, "subscriptions", "add", "--data", dir, "--name", "N", "--event", "sale.created",
		"--url", "http://127.0.0.1:1/", "--header", "X-A: b", "--rename", "sale.id -> Id"); code != 0 {
		t.Fatal(errOut)
	}
	for _, args := range [][]string{
		{"events", "--json"},
		{"list", "--json"},
		{"subscriptions", "list", "--json", "--include-secrets"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errOut, code := runCmd(t, append(args, "--data", dir)...)
			if code != 0 {
				t.Fatal(errOut)
			}
			dec := json.NewDecoder(strings.NewReader(out))
			n := 0
			for dec.More() {
				var v any
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
				if bad := snakeKeys(v); bad != "" {
					t.Errorf("key %q is not snake_case", bad)
				}
				n++
			}
			if n == 0 {
				t.Error("no JSON printed")
			}
		})
	}
}

// TestInvalidUTF8TargetRoundTrip: a target that is not UTF-8 survives
// export and import byte for byte (target_base64).
func TestInvalidUTF8TargetRoundTrip(t *testing.T) {
	var ids capture.IDGen
	c := sample(&ids, "/caf\xe9?q=\xff", "")
	dir := seed(t, c)
	out, _, code := runCmd(t, "list", "--json", "--data", dir)
	if code != 0 || !strings.Contains(out, `"target_base64":"L2NhZuk/cT3/"`) {
		t.Fatalf("list --json: %q", out)
	}
	file := t.TempDir() + "/x.jsonl"
	if _, errOut, code := runCmd(t, "export", "--out", file, "--data", dir); code != 0 {
		t.Fatal(errOut)
	}
	dir2 := t.TempDir()
	if _, errOut, code := runCmd(t, "import", file, "--data", dir2); code != 0 {
		t.Fatal(errOut)
	}
	out2, _, _ := runCmd(t, "list", "--json", "--data", dir2)
	if !strings.Contains(out2, `"target_base64":"L2NhZuk/cT3/"`) {
		t.Errorf("after import: %q", out2)
	}
}
