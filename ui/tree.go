package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture/pretty"
	"github.com/gancho-app/gancho/internal/text"
)

// modeTree is the body mode that shows JSON and XML as a collapsible tree.
const modeTree = "Tree"

// expandAllRows bounds Expand all: widget.Tree walks every open row at each
// layout, so a 200,000-node document fully open would make scrolling slow.
// Past it, the first rows in document order are opened, the rest stay shut.
const expandAllRows = 20_000

// treeView shows a pretty.Tree in a widget.Tree. The tree is parsed off
// the UI goroutine (prepareBody); here rows exist only for what is on
// screen and child IDs only for the branches opened, so a 5,000-line
// payload opens as fast as a short one. All methods run on the UI goroutine.
type treeView struct {
	t    *pretty.Tree
	w    *widget.Tree
	kids map[widget.TreeNodeID][]widget.TreeNodeID // child IDs of the nodes asked for so far
	sel  int                                       // the selected node, -1 for none
	// opening, while Expand all runs, holds the branches it opens: the
	// others say leaf to widget.Tree.OpenAllBranches, so they stay shut.
	opening map[widget.TreeNodeID]bool

	copyFn    func(string)
	path      *widget.Label // the selected node's path, or a hint
	copyPath  *widget.Button
	copyValue *widget.Button
	expand    *widget.Button
	collapse  *widget.Button
	empty     *widget.Label // instead of the tree when there is none
	root      *fyne.Container
}

// moreID is the ID of the row that stands for node i's children that are
// not built (past pretty.MaxDepth or pretty.MaxTreeNodes).
func moreID(i int) string { return "more:" + strconv.Itoa(i) }

func newTreeView(copyFn func(string)) *treeView {
	tv := &treeView{copyFn: copyFn, sel: -1, kids: map[string][]string{}}
	tv.w = widget.NewTree(tv.childIDs, tv.isBranch,
		func(bool) fyne.CanvasObject { return newTreeRow(tv) },
		func(uid widget.TreeNodeID, _ bool, o fyne.CanvasObject) { o.(*treeRow).set(uid) })
	tv.w.HideSeparators = true // a dense list, as JSON viewers show it
	tv.w.OnSelected = tv.selected
	tv.w.OnUnselected = func(widget.TreeNodeID) { tv.selected("") }
	tv.copyPath = widget.NewButtonWithIcon("Copy path", theme.ContentCopyIcon(), func() {
		if tv.sel >= 0 {
			tv.copyFn(tv.t.Path(tv.sel))
		}
	})
	tv.copyValue = widget.NewButtonWithIcon("Copy value", theme.ContentCopyIcon(), func() {
		if tv.sel >= 0 {
			tv.copyFn(tv.t.Value(tv.sel))
		}
	})
	tv.expand = widget.NewButtonWithIcon("Expand all", theme.MenuExpandIcon(), tv.expandAll)
	tv.collapse = widget.NewButtonWithIcon("Collapse all", theme.MenuDropUpIcon(), func() {
		tv.w.CloseAllBranches()
		tv.w.ScrollToTop()
	})
	tv.path = widget.NewLabel("")
	tv.path.Truncation = fyne.TextTruncateEllipsis
	tv.empty = widget.NewLabel("")
	tv.empty.Wrapping = fyne.TextWrapWord
	tv.empty.Hide()
	// The path gets a line of its own under the buttons: at 1024 px wide
	// there is no room beside them for data.clients[123].address.zip.
	bar := container.NewVBox(container.NewHBox(tv.expand, tv.collapse, widget.NewSeparator(), tv.copyPath, tv.copyValue), tv.path)
	tv.root = container.NewBorder(bar, nil, nil, nil, container.NewStack(tv.w, container.NewVBox(tv.empty)))
	tv.selected("")
	return tv
}

// show puts t in the view, or, when there is none, why (the banner above
// says more: a syntax error, or that the body is neither JSON nor XML).
func (tv *treeView) show(t *pretty.Tree, why string) {
	tv.t = t
	tv.kids = map[string][]string{}
	tv.w.UnselectAll() // node IDs are indexes: nothing carries over to a new tree
	tv.w.CloseAllBranches()
	tv.selected("")
	if t == nil {
		tv.empty.SetText(why)
		tv.empty.Show()
		tv.w.Hide()
		for _, b := range []*widget.Button{tv.expand, tv.collapse} {
			b.Disable()
		}
		return
	}
	tv.empty.Hide()
	tv.w.Show()
	tv.expand.Enable()
	tv.collapse.Enable()
	// One root (an XML document element): open it, its children are
	// what there is to see.
	if top := tv.childIDs(""); len(top) == 1 && tv.isBranch(top[0]) {
		tv.w.OpenBranch(top[0])
	}
	tv.w.ScrollToTop()
}

// node is the node index of uid, or -1 for the root and "more" rows.
func (tv *treeView) node(uid widget.TreeNodeID) int {
	i, err := strconv.Atoi(uid)
	if err != nil || tv.t == nil || i < 0 || i >= len(tv.t.Nodes) {
		return -1
	}
	return i
}

func (tv *treeView) childIDs(uid widget.TreeNodeID) []widget.TreeNodeID {
	if tv.t == nil {
		return nil
	}
	if ids, ok := tv.kids[uid]; ok {
		return ids // widget.Tree asks at every layout for every open branch
	}
	var idx []int
	i := tv.node(uid)
	switch {
	case uid == "":
		idx = tv.t.Top()
	case i >= 0:
		idx = tv.t.Children(i)
	}
	ids := make([]string, len(idx), len(idx)+1)
	for k, c := range idx {
		ids[k] = strconv.Itoa(c)
	}
	if i >= 0 && (tv.t.Nodes[i].Deep || tv.t.Hidden(i) > 0) {
		ids = append(ids, moreID(i))
	}
	tv.kids[uid] = ids
	return ids
}

func (tv *treeView) isBranch(uid widget.TreeNodeID) bool {
	if uid == "" {
		return true
	}
	if tv.opening != nil && !tv.opening[uid] {
		return false
	}
	i := tv.node(uid)
	return i >= 0 && (tv.t.Nodes[i].Count > 0 || tv.t.Nodes[i].Deep)
}

// expandAll opens every branch, or, for a big document, the branches
// among the first expandAllRows rows in document order.
func (tv *treeView) expandAll() {
	if tv.t == nil {
		return
	}
	// Walk the rows Expand all would show, in order, until the bound.
	open := map[string]bool{}
	rows := 0
	var visit func(ids []string) bool
	visit = func(ids []string) bool {
		for _, id := range ids {
			if rows++; rows > expandAllRows {
				return false
			}
			if tv.isBranch(id) {
				open[id] = true
				if !visit(tv.childIDs(id)) {
					return false
				}
			}
		}
		return true
	}
	if visit(tv.childIDs("")) {
		tv.w.OpenAllBranches()
		return
	}
	tv.opening = open
	tv.w.OpenAllBranches()
	tv.opening = nil
	tv.w.Refresh() // the branches left shut are branches again
	if tv.sel < 0 {
		tv.path.SetText(fmt.Sprintf("Opened the first %s rows; open the rest one branch at a time.", loc.Int(int64(expandAllRows))))
	}
}

// selected follows the tree's selection: the path shown, the copy
// buttons enabled for a node.
func (tv *treeView) selected(uid widget.TreeNodeID) {
	tv.sel = tv.node(uid)
	if tv.sel < 0 {
		tv.copyPath.Disable()
		tv.copyValue.Disable()
		tv.path.TextStyle = fyne.TextStyle{}
		tv.path.Importance = widget.LowImportance
		tv.path.SetText("Select a row to copy its path or value, or right-click it.")
		return
	}
	tv.path.TextStyle = fyne.TextStyle{Monospace: true}
	tv.path.Importance = widget.MediumImportance
	tv.copyPath.Enable()
	tv.copyValue.Enable()
	p := tv.t.Path(tv.sel)
	if p == "" {
		p = "(the whole document)"
	}
	tv.path.SetText(short(p))
}

// menu is the right-click menu of node i.
func (tv *treeView) menu(i int) *fyne.Menu {
	return fyne.NewMenu("",
		fyne.NewMenuItemWithIcon("Copy path", theme.ContentCopyIcon(), func() { tv.copyFn(tv.t.Path(i)) }),
		fyne.NewMenuItemWithIcon("Copy value", theme.ContentCopyIcon(), func() { tv.copyFn(tv.t.Value(i)) }),
	)
}

// treeRow is one row: key, type, and a preview of the value. It takes
// the clicks on it: the desktop driver gives a click to the top-most object
// that takes any kind of tap, so a row that took only right-clicks would
// swallow the left ones that select it.
type treeRow struct {
	widget.BaseWidget
	tv         *treeView
	uid        string
	key, value *widget.Label
	typ        *widget.RichText // in the placeholder colour: a LowImportance label all but vanishes on a selected row
	box        *fyne.Container
}

func newTreeRow(tv *treeView) *treeRow {
	r := &treeRow{tv: tv, key: widget.NewLabel(""), value: widget.NewLabel("")}
	r.key.TextStyle = fyne.TextStyle{Bold: true}
	r.typ = widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyle{
		ColorName: theme.ColorNamePlaceHolder, TextStyle: fyne.TextStyle{Italic: true}, Inline: true}})
	r.value.TextStyle = fyne.TextStyle{Monospace: true}
	r.value.Truncation = fyne.TextTruncateEllipsis
	r.box = container.NewBorder(nil, nil, container.NewHBox(r.key, r.typ), nil, r.value)
	r.ExtendBaseWidget(r)
	return r
}

func (r *treeRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

// set fills the row for uid.
func (r *treeRow) set(uid string) {
	r.uid = uid
	t := r.tv.t
	if t == nil {
		return
	}
	if rest, ok := strings.CutPrefix(uid, "more:"); ok {
		i, _ := strconv.Atoi(rest)
		r.key.SetText("…")
		r.setType("")
		if t.Nodes[i].Deep {
			r.value.SetText(fmt.Sprintf("nested deeper than %d levels: see the Pretty or Raw view", pretty.MaxDepth))
		} else {
			r.value.SetText(fmt.Sprintf("%s more not in the tree (it holds the first %s values): see the Pretty or Raw view",
				loc.Int(int64(t.Hidden(i))), loc.Int(int64(pretty.MaxTreeNodes))))
		}
		return
	}
	i := r.tv.node(uid)
	if i < 0 {
		return
	}
	n := &t.Nodes[i]
	key := n.Key
	switch {
	case n.Parent >= 0 && t.Nodes[n.Parent].Type == pretty.NodeArray:
		key = "[" + strconv.Itoa(int(n.Pos)) + "]"
	case key == "" && n.Parent < 0:
		key = "(value)"
	case key == "":
		key = `""`
	}
	if c := text.RuneCut(key, 120); c < len(key) {
		key = key[:c] + "…"
	}
	r.key.SetText(text.Line(key))
	r.setType(n.Type.String())
	r.value.SetText(t.Preview(i))
}

// Tapped selects the row, as a click on the tree's own row does.
func (r *treeRow) Tapped(*fyne.PointEvent) { r.tv.w.Select(r.uid) }

// setType shows the type name.
func (r *treeRow) setType(s string) {
	seg := r.typ.Segments[0].(*widget.TextSegment)
	if seg.Text != s {
		seg.Text = s
		r.typ.Refresh()
	}
}

// TappedSecondary selects the row and offers Copy path and Copy value.
func (r *treeRow) TappedSecondary(e *fyne.PointEvent) {
	i := r.tv.node(r.uid)
	if i < 0 {
		return
	}
	r.tv.w.Select(r.uid)
	c := fyne.CurrentApp().Driver().CanvasForObject(r)
	if c == nil {
		return
	}
	widget.ShowPopUpMenuAtPosition(r.tv.menu(i), c, e.AbsolutePosition)
}
