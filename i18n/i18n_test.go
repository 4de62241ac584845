package i18n

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/assets"
)

func TestChoose(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, c := range []struct {
		name, flag, setting string
		env                 func(string) string
		want                string
	}{
		{"nothing set", "", "", env(), English},
		{"LANG pt_BR", "", "", env("LANG", "pt_BR.UTF-8"), Portuguese},
		{"LANG pt_PT", "", "", env("LANG", "pt_PT.UTF-8"), Portuguese},
		{"LANG pt", "", "", env("LANG", "pt"), Portuguese},
		{"LANG en_US", "", "", env("LANG", "en_US.UTF-8"), English},
		{"LANG fr", "", "", env("LANG", "fr_FR.UTF-8"), English},
		{"LC_ALL wins over LANG", "", "", env("LC_ALL", "en_US.UTF-8", "LANG", "pt_BR.UTF-8"), English},
		{"LC_MESSAGES wins over LANG", "", "", env("LC_MESSAGES", "pt_BR.UTF-8", "LANG", "en_US.UTF-8"), Portuguese},
		{"LANGUAGE list", "", "", env("LANG", "en_US.UTF-8", "LANGUAGE", "pt_BR:en"), Portuguese},
		{"C ignores LANGUAGE", "", "", env("LC_ALL", "C", "LANGUAGE", "pt_BR"), English},
		{"setting over system", "", "pt-BR", env("LANG", "en_US.UTF-8"), Portuguese},
		{"setting system", "", "system", env("LANG", "pt_BR.UTF-8"), Portuguese},
		{"flag over setting", "en", "pt-BR", env("LANG", "pt_BR.UTF-8"), English},
		{"flag pt_BR spelling", "pt_BR", "", env(), Portuguese},
		{"flag names no language", "_", "", env("LANG", "pt_BR.UTF-8"), English},
		{"codeset only", "", "", env("LANG", ".UTF-8"), English},
		{"modifier only", "", "-", env(), English},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Choose(c.flag, c.setting, c.env); got != c.want {
				t.Errorf("Choose(%q, %q) = %q, want %q", c.flag, c.setting, got, c.want)
			}
		})
	}
}

func TestPrinterFormats(t *testing.T) {
	at := time.Date(2026, 11, 23, 19, 3, 0, 0, time.UTC)
	en, pt := New(English), New(Portuguese)
	for _, c := range []struct{ name, got, want string }{
		{"int en", en.Int(12345), "12,345"},
		{"int pt", pt.Int(12345), "12.345"},
		{"size B", pt.Size(512), "512 B"},
		{"size en", en.Size(1468006), "1.4 MiB"},
		{"size pt", pt.Size(1468006), "1,4 MiB"},
		{"size whole", pt.Size(2048), "2 KiB"},
		{"size rounds up a unit", en.Size(1048575), "1 MiB"},
		{"date en", en.Date(at), "2026-11-23 19:03"},
		{"date pt", pt.Date(at), "23/11/2026 19:03"},
		{"now en", en.Ago(time.Second), "just now"},
		{"now pt", pt.Ago(time.Second), "agora"},
		{"min pt", pt.Ago(2 * time.Minute), "há 2 min"},
		{"one day en", en.Ago(50 * time.Hour), "2 days ago"},
		{"days pt", pt.Ago(72 * time.Hour), "há 3 dias"},
		{"plural one en", en.N("{{.Count}} captures", 1, map[string]any{"Count": 1}), "1 capture"},
		{"plural other en", en.N("{{.Count}} captures", 48, map[string]any{"Count": 48}), "48 captures"},
		{"plural one pt", pt.N("{{.Count}} captures", 1, map[string]any{"Count": 1}), "1 captura"},
		{"plural other pt", pt.N("{{.Count}} captures", 48, map[string]any{"Count": 48}), "48 capturas"},
		{"untranslated", pt.T("no such key {{.X}}", map[string]any{"X": 1}), "no such key 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// placeholders is the sorted set of {{.Name}} in a catalogue value (a
// string or an object of plural forms).
func placeholders(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		for _, m := range placeholder.FindAllStringSubmatch(x, -1) {
			out = append(out, m[1])
		}
	case map[string]any:
		for _, f := range x {
			out = append(out, placeholders(f)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestCataloguesMatch: every area has an English and a Portuguese file,
// with the same keys, the same placeholders per key, plural forms only
// from CLDR's names, and all of them load.
func TestCataloguesMatch(t *testing.T) {
	files, err := assets.Lang.ReadDir(assets.LangDir)
	if err != nil {
		t.Fatal(err)
	}
	areas := map[string]map[string]map[string]any{} // area → lang → key → value
	for _, f := range files {
		parts := strings.Split(strings.TrimSuffix(f.Name(), ".json"), ".")
		if len(parts) != 2 || (parts[1] != "en" && parts[1] != "pt_BR") {
			t.Errorf("%s: name it AREA.en.json or AREA.pt_BR.json", f.Name())
			continue
		}
		data, _ := assets.Lang.ReadFile(assets.LangDir + "/" + f.Name())
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Errorf("%s: %v", f.Name(), err)
			continue
		}
		if areas[parts[0]] == nil {
			areas[parts[0]] = map[string]map[string]any{}
		}
		areas[parts[0]][parts[1]] = m
	}
	if len(areas) == 0 {
		t.Fatal("no catalogues")
	}
	forms := []string{"zero", "one", "two", "few", "many", "other"}
	for area, langs := range areas {
		en, pt := langs["en"], langs["pt_BR"]
		if en == nil || pt == nil {
			t.Errorf("area %s: needs both %s.en.json and %s.pt_BR.json", area, area, area)
			continue
		}
		for k, v := range en {
			pv, ok := pt[k]
			if !ok {
				t.Errorf("%s: %q has no Portuguese", area, k)
				continue
			}
			if a, b := placeholders(v), placeholders(pv); !slices.Equal(a, b) {
				t.Errorf("%s: %q: placeholders %v in English, %v in Portuguese", area, k, a, b)
			}
			for _, val := range []any{v, pv} {
				if m, ok := val.(map[string]any); ok {
					for f := range m {
						if !slices.Contains(forms, f) {
							t.Errorf("%s: %q: %q is not a plural form", area, k, f)
						}
					}
					if _, ok := m["other"]; !ok {
						t.Errorf("%s: %q: plural forms without \"other\"", area, k)
					}
				}
			}
		}
		for k := range pt {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: %q is in Portuguese only", area, k)
			}
		}
	}
	if _, err := Bundle(); err != nil {
		t.Error(err)
	}
}

// TestNote: engine sentences (capture/pretty, replay) come back in the
// language, numbers rewritten, a wrapped sentence translated too; an
// unknown one as it is.
func TestNote(t *testing.T) {
	pt, en := New(Portuguese), New(English)
	for _, c := range []struct{ name, got, want string }{
		{"refused", pt.Note("connection refused by 127.0.0.1:1: nothing is listening there, so start the receiver or check the port"),
			"conexão recusada por 127.0.0.1:1: não há nada escutando nessa porta; inicie o receptor ou confira a porta"},
		{"form plural", pt.Note("form: 2 fields, decoded"), "formulário: 2 campos, decodificados"},
		{"sizes", pt.Note("decoded from gzip: 48 B on the wire, 2.9 KiB decoded"), "decodificado de gzip: 48 B na rede, 2,9 KiB decodificado"},
		{"english unchanged", en.Note("form: 1 field, decoded"), "form: 1 field, decoded"},
		{"unknown", pt.Note("something new"), "something new"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}
