package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// shownBy are the calls whose string arguments the user reads: widget and
// dialog constructors, menus and tabs, and the setters of shown text. The
// value is which arguments (0-based; -1: every string argument).
var shownBy = map[string][]int{
	"widget.NewLabel": {0}, "widget.NewLabelWithStyle": {0}, "widget.NewButton": {0},
	"widget.NewButtonWithIcon": {0}, "widget.NewCheck": {0}, "widget.NewRadioGroup": {-1},
	"widget.NewSelect": {-1}, "widget.NewCard": {0, 1}, "widget.NewFormItem": {0},
	"widget.NewHyperlink": {0}, "widget.NewRichTextWithText": {0}, "widget.NewRichTextFromMarkdown": {0},
	"widget.NewTextGridFromString": {}, "widget.NewAccordionItem": {0},
	"dialog.NewConfirm": {0, 1}, "dialog.ShowConfirm": {0, 1}, "dialog.NewInformation": {0, 1},
	"dialog.ShowInformation": {0, 1}, "dialog.NewCustom": {0, 1}, "dialog.ShowCustom": {0, 1},
	"dialog.NewCustomConfirm": {0, 1, 2}, "dialog.ShowCustomConfirm": {0, 1, 2},
	"dialog.NewCustomWithoutButtons": {0}, "dialog.NewForm": {0, 1, 2},
	"fyne.NewMenuItem": {0}, "fyne.NewMenu": {0}, "container.NewTabItem": {0},
	"container.NewTabItemWithIcon": {0}, "canvas.NewText": {0},
	"SetText": {0}, "SetPlaceHolder": {0}, "SetTitle": {0}, "ShowError": {}, "SetTitleText": {0},
}

// deliberate are texts shown as they are in every language: names,
// formats and symbols (see assets/lang/GLOSSARY.md).
var deliberate = []string{
	"Gancho", "ngrok", "cURL", "HAR", "JSON", "XML", "Hex", "Raw", "GET", "POST", "PUT", "PATCH", "DELETE",
	"HEAD", "OPTIONS", "JSONL", "HMAC", "webhook-id", "Standard Webhooks", "Svix", "Stripe", "GitHub",
}

// pending are the files not yet moved to translated texts (issue 15): the
// test skips them, and lists them, so what is left shows.
var pending = []string{
	"tools.go", "menu.go", "editor.go", "replay.go",
	"detail.go", "tree.go", "find.go",
}

// TestNoBareStrings fails when a widget in ui/ is given a string literal
// with letters instead of a translated text (lang.L, lang.N, lang.X or a
// Printer): every such text would stay English in the Portuguese window.
func TestNoBareStrings(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var bare []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		if slices.Contains(pending, name) {
			t.Logf("%s: not yet translated", name)
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				args, ok := shownArgs(x)
				if !ok {
					return true
				}
				for i, a := range x.Args {
					if (slices.Contains(args, -1) || slices.Contains(args, i)) && isBare(a) {
						bare = append(bare, fset.Position(a.Pos()).String()+": "+lit(a))
					}
					if slices.Contains(args, -1) {
						if cl, ok := a.(*ast.CompositeLit); ok {
							for _, e := range cl.Elts {
								if isBare(e) {
									bare = append(bare, fset.Position(e.Pos()).String()+": "+lit(e))
								}
							}
						}
					}
				}
			case *ast.KeyValueExpr: // widget.Label{Text: "…"}, widget.Button{Text: "…"}
				if k, ok := x.Key.(*ast.Ident); ok && (k.Name == "Text" || k.Name == "PlaceHolder" || k.Name == "Label") && isBare(x.Value) {
					bare = append(bare, fset.Position(x.Value.Pos()).String()+": "+lit(x.Value))
				}
			case *ast.AssignStmt: // b.Text = "…", e.PlaceHolder = "…"
				for i, l := range x.Lhs {
					if s, ok := l.(*ast.SelectorExpr); ok && (s.Sel.Name == "Text" || s.Sel.Name == "PlaceHolder") && i < len(x.Rhs) && isBare(x.Rhs[i]) {
						bare = append(bare, fset.Position(x.Rhs[i].Pos()).String()+": "+lit(x.Rhs[i]))
					}
				}
			}
			return true
		})
	}
	for _, b := range bare {
		t.Errorf("untranslated text shown to the user: %s", b)
	}
}

func shownArgs(c *ast.CallExpr) ([]int, bool) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, false
	}
	if pkg, ok := sel.X.(*ast.Ident); ok {
		if a, ok := shownBy[pkg.Name+"."+sel.Sel.Name]; ok {
			return a, true
		}
	}
	a, ok := shownBy[sel.Sel.Name]
	return a, ok
}

// isBare: a string literal (or a concatenation holding one) with a letter
// in it, not one of the deliberate texts.
func isBare(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return false
		}
		s, err := strconv.Unquote(x.Value)
		if err != nil || !strings.ContainsFunc(s, unicode.IsLetter) {
			return false
		}
		return !slices.Contains(deliberate, strings.TrimSpace(s))
	case *ast.BinaryExpr:
		return isBare(x.X) || isBare(x.Y)
	case *ast.ParenExpr:
		return isBare(x.X)
	}
	return false
}

func lit(e ast.Expr) string {
	if b, ok := e.(*ast.BasicLit); ok {
		return b.Value
	}
	if b, ok := e.(*ast.BinaryExpr); ok {
		return lit(b.X) + " + " + lit(b.Y)
	}
	return "…"
}
