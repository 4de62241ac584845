package main

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/assets"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/settings"
)

// inEnv runs the command line with only the given locale variables set
// (the others emptied) and GANCHO_DATA on a fresh directory, so neither
// the machine's locale nor a saved setting leaks in.
func inEnv(t *testing.T, kv ...string) {
	t.Helper()
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
		t.Setenv(k, "")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
	t.Setenv("GANCHO_DATA", t.TempDir())
}

// TestCLILanguage: help and -h follow LANG and --lang (--lang wins), in
// any position on the command line.
func TestCLILanguage(t *testing.T) {
	const (
		ptHelp   = "Gancho inspeciona, reenvia e emite webhooks."
		enHelp   = "Gancho inspects, replays and emits webhooks."
		ptListen = "endereço onde capturar (host:porta)"
		enListen = "address to capture on (host:port)"
	)
	for _, c := range []struct {
		name string
		env  []string
		args []string
		want string
		not  string
	}{
		{"help LANG pt_BR", []string{"LANG", "pt_BR.UTF-8"}, []string{"help"}, ptHelp, enHelp},
		{"help --lang pt-BR", []string{"LANG", "en_US.UTF-8"}, []string{"--lang", "pt-BR", "help"}, ptHelp, enHelp},
		{"help LANG en_US", []string{"LANG", "en_US.UTF-8"}, []string{"help"}, enHelp, ptHelp},
		{"help --lang en over LANG pt_BR", []string{"LANG", "pt_BR.UTF-8"}, []string{"help", "--lang=en"}, enHelp, ptHelp},
		{"help LC_ALL over LANG", []string{"LANG", "en_US.UTF-8", "LC_ALL", "pt_BR.UTF-8"}, []string{"help"}, ptHelp, enHelp},
		{"listen -h LANG pt_BR", []string{"LANG", "pt_BR.UTF-8"}, []string{"listen", "-h"}, ptListen, enListen},
		{"listen -h --lang pt-BR", []string{"LANG", "en_US.UTF-8"}, []string{"listen", "--lang", "pt-BR", "-h"}, ptListen, enListen},
		{"listen -h LANG en_US", []string{"LANG", "en_US.UTF-8"}, []string{"listen", "-h"}, enListen, ptListen},
		{"listen -h --lang en over LANG pt_BR", []string{"LANG", "pt_BR.UTF-8"}, []string{"listen", "-h", "--lang", "en"}, enListen, ptListen},
		{"listen -h default translated", []string{"LANG", "pt_BR.UTF-8"}, []string{"listen", "-h"}, `(padrão "25MiB")`, "(default"},
		{"events table pt labels first", []string{"LANG", "pt_BR.UTF-8"}, []string{"events"}, "Novo cliente", "#   NAME"},
		{"events table en labels first", []string{"LANG", "en_US.UTF-8"}, []string{"events"}, "New client", "#   NOME"},
		{"subscriptions help pt", []string{"LANG", "pt_BR.UTF-8"}, []string{"subscriptions"}, "os webhooks de saída", "the outbound webhooks"},
	} {
		t.Run(c.name, func(t *testing.T) {
			inEnv(t, c.env...)
			out, errOut, code := runCmd(t, c.args...)
			all := out + errOut
			if code != 0 || !strings.Contains(all, c.want) || strings.Contains(all, c.not) {
				t.Errorf("exit %d; want %q and not %q in:\n%s", code, c.want, c.not, all)
			}
		})
	}
}

// TestCLILanguageFromSettings: the Language saved in the data directory
// (the window's Settings) is the command line's too, below --lang and
// above the system locale.
func TestCLILanguageFromSettings(t *testing.T) {
	for _, c := range []struct {
		name, setting, lang string
		args                []string
		want                string
	}{
		{"setting pt over LANG en", "pt-BR", "en_US.UTF-8", nil, "Uso de gancho list:"},
		{"setting en over LANG pt", "en", "pt_BR.UTF-8", nil, "Usage of gancho list:"},
		{"setting system follows LANG", "", "pt_BR.UTF-8", nil, "Uso de gancho list:"},
		{"--lang over setting", "pt-BR", "pt_BR.UTF-8", []string{"--lang", "en"}, "Usage of gancho list:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			inEnv(t, "LANG", c.lang)
			dir := t.TempDir()
			if err := settings.Save(dir, settings.Settings{Language: c.setting}); err != nil {
				t.Fatal(err)
			}
			_, errOut, code := runCmd(t, append([]string{"list", "-h", "--data", dir}, c.args...)...)
			if code != 0 || !strings.HasPrefix(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want it to start with %q", code, errOut, c.want)
			}
		})
	}
}

// TestCLIMachineOutputSameInBothLanguages: list (--json or its capture
// lines), export and events --json are for scripts: byte-identical
// whatever the language.
func TestCLIMachineOutputSameInBothLanguages(t *testing.T) {
	inEnv(t)
	dir := t.TempDir()
	har := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[
{"startedDateTime":"2026-11-23T19:03:00Z","time":1,"request":{"method":"POST","url":"http://localhost:4665/hooks/a?x=1","httpVersion":"HTTP/1.1",
"headers":[{"name":"Content-Type","value":"application/json"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":7,
"postData":{"mimeType":"application/json","text":"{\"a\":1}"}},
"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":0},
"cache":{},"timings":{"send":0,"wait":1,"receive":0}}]}}`
	file := filepath.Join(t.TempDir(), "in.har")
	if err := os.WriteFile(file, []byte(har), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCmd(t, "import", "--data", dir, file); code != 0 {
		t.Fatalf("import: %d %s", code, errOut)
	}
	for _, args := range [][]string{
		{"list", "--json"},
		{"list"}, // capture.Line, the format listen and tail print: grepped by scripts
		{"export", "--format", "har"},
		{"export", "--format", "jsonl"},
		{"export", "--format", "curl"},
		{"export", "--format", "raw"},
		{"events", "--json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var outs [2]string
			for i, l := range []string{"en", "pt-BR"} {
				out, errOut, code := runCmd(t, append(append([]string{}, args...), "--data", dir, "--lang", l)...)
				if code != 0 || out == "" {
					t.Fatalf("--lang %s: exit %d, stdout %q, stderr %q", l, code, out, errOut)
				}
				outs[i] = out
			}
			if outs[0] != outs[1] {
				t.Errorf("output differs by language:\nen: %s\npt: %s", outs[0], outs[1])
			}
		})
	}
}

// TestCLIErrorsInPortuguese: the sentences a person reads on stderr, and
// what they say to do next, follow the language; exit codes do not.
func TestCLIErrorsInPortuguese(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, 2, `comando desconhecido "frobnicate": rode "gancho help" para ver os comandos.`},
		{"show without id", []string{"show", "--data", dir}, 2, `show precisa de um id de captura`},
		{"missing id", []string{"show", "--data", dir, "01NOPE"}, 1, `rode "gancho list" para ver os ids.`},
		{"unusable data dir", []string{"list", "--data", file + "/sub"}, 1, "escolha outro com --data DIR ou GANCHO_DATA."},
		{"bad flag", []string{"list", "--nope"}, 2, `opção desconhecida: -nope ("gancho list -h" lista as opções)`},
		{"flag without value", []string{"list", "--limit"}, 2, `a opção -limit precisa de um valor`},
		{"bad keep", []string{"listen", "--data", dir, "--keep", "-1"}, 2, "informe um número de capturas, ou 0 para não ter limite"},
		{"bad addr", []string{"listen", "--data", dir, "--addr", "nonsense"}, 2, "--addr espera HOST:PORTA"},
		{"bad lang", []string{"help", "--lang", "klingon"}, 2, `--lang "klingon"`},
		{"lang naming nothing", []string{"help", "--lang", "_"}, 2, `--lang "_"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			inEnv(t, "LANG", "pt_BR.UTF-8")
			_, errOut, code := runCmd(t, c.args...)
			if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want one line containing %q", code, errOut, c.want)
			}
		})
	}
}

// cliKeys are the texts the command line translates: every string
// literal given to tr.T or tr.N in the package's files (whatever their
// build tags), help's command descriptions and the retry policies' text.
func cliKeys(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	var keys []string
	var lit func(e ast.Expr) (string, bool)
	lit = func(e ast.Expr) (string, bool) {
		switch x := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(x.Value)
			return s, err == nil && x.Kind == token.STRING
		case *ast.BinaryExpr:
			a, ok1 := lit(x.X)
			b, ok2 := lit(x.Y)
			return a + b, ok1 && ok2 && x.Op == token.ADD
		}
		return "", false
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "T" && sel.Sel.Name != "N") {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "tr" {
				return true
			}
			if s, ok := lit(call.Args[0]); ok {
				keys = append(keys, s)
			} else if pos := fset.Position(call.Pos()); !strings.HasSuffix(pos.Filename, "main.go") && !strings.HasSuffix(pos.Filename, "subscription_flags.go") && !strings.HasSuffix(pos.Filename, "cmd_journey.go") {
				t.Errorf("%s: tr.%s with a key that is not a literal: the catalogue check cannot see it", pos, sel.Sel.Name)
			}
			return true
		})
	}
	for _, c := range commands {
		keys = append(keys, c[1])
	}
	keys = append(keys, outbound.RetryUsage)
	for _, j := range events.Journeys() { // cmd_journey.go translates them
		keys = append(keys, j.Title, j.Description)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// TestCLICatalogue: every text the command line translates is in its
// catalogue (assets/lang/cli.en.json; i18n.TestCataloguesMatch checks the
// Portuguese one has the same keys), and the catalogue holds nothing else.
// GANCHO_DUMP_CLI_KEYS=1 prints the keys as a JSON catalogue.
func TestCLICatalogue(t *testing.T) {
	keys := cliKeys(t)
	data, err := assets.Lang.ReadFile(assets.LangDir + "/cli.en.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]any
	if err := json.Unmarshal(data, &cat); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("GANCHO_DUMP_CLI_KEYS") == "1" {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		m := map[string]any{}
		for _, k := range keys {
			if v, ok := cat[k]; ok {
				m[k] = v
			} else {
				m[k] = k
			}
		}
		_ = enc.Encode(m)
		t.Log("\n" + b.String())
	}
	for _, k := range keys {
		if _, ok := cat[k]; !ok {
			t.Errorf("cli.en.json lacks %q", k)
		}
	}
	for k := range cat {
		if !slices.Contains(keys, k) {
			t.Errorf("cli.en.json has %q, which no code translates", k)
		}
	}
}

// TestShowNotesInPortuguese: `gancho show` prints the body's notes and a
// syntax error in the chosen language (the window's table, i18n.Note).
func TestShowNotesInPortuguese(t *testing.T) {
	var ids capture.IDGen
	bad := sample(&ids, "/hooks/broken", `{"a" 1}`)
	form := sample(&ids, "/form", "name=Jo%C3%A3o&tag=vip")
	form.Headers[1].Value = "application/x-www-form-urlencoded"
	dir := seed(t, bad, form)
	for _, c := range []struct {
		lang, id, want string
	}{
		{"en_US.UTF-8", bad.ID, "# malformed JSON at line 1, column 6: invalid character '1' after object key"},
		{"pt_BR.UTF-8", bad.ID, "# JSON malformado na linha 1, coluna 6: caractere inválido '1' depois da chave do objeto"},
		{"en_US.UTF-8", form.ID, "# form: 2 fields, decoded"},
		{"pt_BR.UTF-8", form.ID, "# formulário: 2 campos, decodificados"},
	} {
		t.Run(c.lang+" "+c.want, func(t *testing.T) {
			inEnv(t, "LANG", c.lang)
			out, errOut, code := runCmd(t, "show", c.id, "--data", dir)
			if code != 0 || !strings.Contains(out, c.want) {
				t.Errorf("exit %d, stderr %q; stdout lacks %q:\n%s", code, errOut, c.want, out)
			}
		})
	}
}
