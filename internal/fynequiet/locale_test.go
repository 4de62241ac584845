package fynequiet

import "testing"

func TestFix(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "en"},
		{"POSIX.utf8", map[string]string{"LANG": "POSIX.utf8"}, "en"},
		{"LC_ALL wins", map[string]string{"LC_ALL": "C.UTF-8", "LANG": "pt_BR.UTF-8"}, "en"},
		{"plain C parses", map[string]string{"LANG": "C"}, ""},
		{"real locale", map[string]string{"LANG": "pt_BR.UTF-8"}, ""},
		{"unset", map[string]string{}, ""},
		{"LANGUAGE kept", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "pt"}, "pt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			Fix(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
			if env["LANGUAGE"] != tc.want {
				t.Errorf("LANGUAGE = %q, want %q", env["LANGUAGE"], tc.want)
			}
		})
	}
}
