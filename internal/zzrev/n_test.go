package revn
import ("testing"; "github.com/gancho-app/gancho/i18n")
func TestN(t *testing.T){
 for _, s := range []string{".UTF-8", "_", "@euro", "-"} {
  func(){ defer func(){ if r:=recover(); r!=nil { t.Logf("%q panics: %v", s, r) } }(); t.Logf("%q -> %q", s, i18n.Normalize(s)) }()
 }
 t.Logf("FromEnv LANG=.UTF-8")
 defer func(){ if r:=recover(); r!=nil { t.Logf("FromEnv panics: %v", r) } }()
 i18n.FromEnv(func(k string) string { if k=="LANG" {return ".UTF-8"}; return "" })
}
