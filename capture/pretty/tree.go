package pretty

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
)

// MaxTreeNodes caps the nodes of a Tree: past it, values are still counted
// (an object still says "{40,000 keys}") but not built, so a hostile or
// huge body costs at most this many nodes (about 64 bytes each).
const MaxTreeNodes = 200_000

// ErrNoTree is returned for a body that is neither JSON nor XML.
var ErrNoTree = errors.New("the tree view is for JSON and XML bodies: use the Pretty or Raw view for this one")

// NodeType is what a tree node holds.
type NodeType uint8

// The node types: JSON values, then XML parts.
const (
	NodeObject NodeType = iota + 1
	NodeArray
	NodeString
	NodeNumber
	NodeBool
	NodeNull
	NodeElement // an XML element; a leaf one holding only text has that text as Value
	NodeAttr    // an XML attribute: Key "@name"
	NodeText    // XML text among other children: Key "#text"
)

var typeNames = [...]string{NodeObject: "object", NodeArray: "array", NodeString: "string", NodeNumber: "number",
	NodeBool: "boolean", NodeNull: "null", NodeElement: "element", NodeAttr: "attribute", NodeText: "text"}

func (t NodeType) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "node"
}

// Node is one value of a Tree. Nodes sit in Tree.Nodes in document order
// (pre-order): a node's first child is the next node, each next sibling
// starts at the End of the one before.
type Node struct {
	Key   string // object key, XML element name, "@attribute" or "#text"; "" for array items and a JSON root
	Value string // scalars and XML attributes and text: the decoded text; "" otherwise
	Type  NodeType
	// Deep says the children are nested past MaxDepth and not built.
	Deep bool
	// Count is how many children the document gives the node (XML:
	// attributes, elements and text); fewer are built past MaxTreeNodes.
	Count int32
	// Parent is the parent's index, -1 for a root; Pos the index among
	// the parent's children (an array item's index).
	Parent, Pos int32
	// End is the index just past the node's subtree in Tree.Nodes.
	End int32
	// Start and Stop are the node's bytes in Tree.Source.
	Start, Stop int32
}

// Tree is a JSON or XML body parsed into nodes, for a collapsible view. It
// is built once (ParseTree, TreeOf: on any goroutine) and then only read,
// so it is safe for concurrent readers.
type Tree struct {
	Lang   string // "json" or "xml"
	Source string // the decoded body the nodes' Start and Stop point into
	Nodes  []Node // document order; Nodes[0] is the first root
	// Cut says MaxTreeNodes was reached: later values are counted, not built.
	Cut   bool
	Deep  bool     // some node is nested past MaxDepth
	Notes []string // what a person should know: decoding, the bounds reached
}

// TreeOf parses r's body, its Content-Encoding undone, as a Tree when it is
// JSON or XML (by Content-Type, or sniffed as Bytes does). A body that is
// neither gives ErrNoTree; a malformed one a *SyntaxError.
func TreeOf(r *capture.Request) (*Tree, error) {
	d, notes, err := decode(r)
	data := d.Data
	if err != nil {
		data = r.Body
	}
	t, err := ParseTree(r.ContentType(), data)
	if t != nil {
		t.Notes = append(notes, t.Notes...)
	}
	return t, err
}

// ParseTree parses already-decoded data of the given Content-Type.
func ParseTree(contentType string, data []byte) (*Tree, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	mt = strings.ToLower(mt)
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json":
		return jsonTree(data)
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return xmlTree(data)
	case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
		return jsonTree(data)
	case len(trimmed) > 0 && trimmed[0] == '<':
		return xmlTree(data)
	}
	return nil, ErrNoTree
}

// notes are the notes for the bounds t reached.
func (t *Tree) notes() {
	if t.Deep {
		t.Notes = append(t.Notes, fmt.Sprintf("nested deeper than %d levels: those values are not shown in the tree (the Pretty and Raw views show them)", MaxDepth))
	}
	if t.Cut {
		t.Notes = append(t.Notes, fmt.Sprintf("the tree holds the first %s values; later ones are counted but not shown (the Pretty and Raw views show them)", fmtCount(MaxTreeNodes)))
	}
}

// Children are the indexes of the built children of node i, in order.
func (t *Tree) Children(i int) []int {
	n := &t.Nodes[i]
	out := make([]int, 0, min(int(n.Count), int(n.End)-i-1))
	for c := i + 1; c < int(n.End); c = int(t.Nodes[c].End) {
		out = append(out, c)
	}
	return out
}

// Top are the nodes a view starts from: a JSON object's or array's
// children (the document itself needs no row), otherwise the roots (a
// JSON scalar, an XML document element).
func (t *Tree) Top() []int {
	if len(t.Nodes) == 0 {
		return nil
	}
	if r := t.Nodes[0]; t.Lang == "json" && (r.Type == NodeObject || r.Type == NodeArray) {
		return t.Children(0)
	}
	var out []int
	for c := 0; c < len(t.Nodes); c = int(t.Nodes[c].End) {
		out = append(out, c)
	}
	return out
}

// Hidden is how many of node i's children are not built (past
// MaxTreeNodes, or all of them past MaxDepth).
func (t *Tree) Hidden(i int) int {
	n := &t.Nodes[i]
	if n.Count == 0 {
		return 0
	}
	built := 0
	for c := i + 1; c < int(n.End); c = int(t.Nodes[c].End) {
		built++
	}
	return int(n.Count) - built
}

// Preview is a short text for node i's value: "{12 keys}", "[30 items]",
// "<5 children>", a string quoted and cut at 80 characters, a number as
// written. It is safe to show on one line.
func (t *Tree) Preview(i int) string {
	n := &t.Nodes[i]
	switch n.Type {
	case NodeObject:
		if n.Count == 0 {
			return "{}"
		}
		return "{" + fmtCount(int(n.Count)) + " " + text.Plural(int(n.Count), "key", "keys") + "}"
	case NodeArray:
		if n.Count == 0 {
			return "[]"
		}
		return "[" + fmtCount(int(n.Count)) + " " + text.Plural(int(n.Count), "item", "items") + "]"
	case NodeString, NodeAttr, NodeText:
		return quoteCut(n.Value)
	case NodeElement:
		switch {
		case n.Count > 0:
			return "<" + fmtCount(int(n.Count)) + " " + text.Plural(int(n.Count), "child", "children") + ">"
		case n.Value != "":
			return quoteCut(n.Value)
		}
		return "(empty)"
	}
	return text.Line(n.Value)
}

// quoteCut quotes s (escapes for what does not print), cut at 80 runes.
func quoteCut(s string) string {
	const n = 80
	if c := text.RuneCut(s, 4*n); c < len(s) {
		s = s[:c]
	}
	if r := []rune(s); len(r) > n {
		return strconv.Quote(string(r[:n])) + "…"
	}
	return strconv.Quote(s)
}

// fmtCount writes n with thousands separators: 40,000.
func fmtCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Value is what "Copy value" copies for node i: a scalar's text (a JSON
// string decoded, a number as written, an XML attribute's or text-only
// element's text), or the subtree's text exactly as in the body (a JSON
// object or array, an XML element with its tags).
func (t *Tree) Value(i int) string {
	n := &t.Nodes[i]
	switch n.Type {
	case NodeObject, NodeArray:
		return t.Source[n.Start:n.Stop]
	case NodeElement:
		if n.Count == 0 && n.Value != "" {
			return n.Value
		}
		return t.Source[n.Start:n.Stop]
	}
	return n.Value
}

// Path is node i's path, what "Copy path" copies: for JSON a JavaScript
// accessor without the root (data.client.email, items[3].sku,
// data["odd key"]); for XML an element path from the root
// (/lead/stage/@from, /lead/items/item[2]/sku, /lead/note/text()), with a
// position only where siblings share a name.
func (t *Tree) Path(i int) string {
	var segs []string
	for c := i; c >= 0; c = int(t.Nodes[c].Parent) {
		segs = append(segs, t.segment(c))
	}
	var b strings.Builder
	for k := len(segs) - 1; k >= 0; k-- {
		s := segs[k]
		switch {
		case t.Lang == "xml":
			b.WriteString("/" + s)
		case s == "" || strings.HasPrefix(s, "[") || b.Len() == 0:
			b.WriteString(s)
		default:
			b.WriteString("." + s)
		}
	}
	return b.String()
}

// segment is node c's own part of a path.
func (t *Tree) segment(c int) string {
	n := &t.Nodes[c]
	if n.Parent < 0 {
		if t.Lang == "xml" {
			return n.Key
		}
		return "" // the JSON document itself
	}
	p := &t.Nodes[n.Parent]
	switch {
	case p.Type == NodeArray:
		return "[" + strconv.Itoa(int(n.Pos)) + "]"
	case t.Lang == "json":
		if isIdent(n.Key) {
			return n.Key
		}
		q, _ := json.Marshal(n.Key) // a string always marshals
		return "[" + strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(q)) + "]"
	case n.Type == NodeAttr:
		return n.Key
	}
	name := n.Key
	if n.Type == NodeText {
		name = "text()"
	}
	// XPath positions count siblings of the same name (and kind), from 1.
	nth, same := 0, 0
	for s := int(n.Parent) + 1; s < int(p.End); s = int(t.Nodes[s].End) {
		if sib := &t.Nodes[s]; sib.Type == n.Type && sib.Key == n.Key {
			same++
			if s == c {
				nth = same
			}
		}
	}
	if same > 1 {
		return name + "[" + strconv.Itoa(nth) + "]"
	}
	return name
}

// isIdent says key can follow a dot in a JavaScript path.
func isIdent(key string) bool {
	if key == "" {
		return false
	}
	for i, r := range key {
		ok := r == '_' || r == '$' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))
		if !ok {
			return false
		}
	}
	return true
}

// jsonTree builds the tree of a JSON document; invalid JSON gives the
// *SyntaxError the pretty view shows.
func jsonTree(data []byte) (*Tree, error) {
	if !json.Valid(data) {
		var raw json.RawMessage
		err := json.Unmarshal(data, &raw)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return nil, jsonError(data, err)
	}
	b := &jsonBuilder{t: &Tree{Lang: "json", Source: string(data)}}
	b.t.Nodes = make([]Node, 0, min(len(data)/16+1, MaxTreeNodes))
	b.value(skipWS(b.t.Source, 0), "", -1, 0, 0)
	b.t.notes()
	return b.t, nil
}

// jsonBuilder walks valid JSON once, recursing at most MaxDepth levels.
type jsonBuilder struct{ t *Tree }

// value builds the value at src[i] (no leading space) and returns the
// index just past it.
func (b *jsonBuilder) value(i int, key string, parent, pos int32, depth int) int {
	t, src := b.t, b.t.Source
	if len(t.Nodes) >= MaxTreeNodes {
		t.Cut = true
		return skipValue(src, i)
	}
	idx := len(t.Nodes)
	t.Nodes = append(t.Nodes, Node{Key: key, Parent: parent, Pos: pos, Start: int32(i)})
	var end int
	var typ NodeType
	var count int32
	switch c := src[i]; c {
	case '{', '[':
		typ = NodeObject
		if c == '[' {
			typ = NodeArray
		}
		if depth >= MaxDepth {
			t.Nodes[idx].Deep, t.Deep = true, true
			end, count = skipCount(src, i)
			break
		}
		j := skipWS(src, i+1)
		for src[j] != '}' && src[j] != ']' {
			var k string
			if typ == NodeObject {
				k, j = b.key(j)
				j = skipWS(src, j) + 1 // the colon
				j = skipWS(src, j)
			}
			j = skipWS(src, b.value(j, k, int32(idx), count, depth+1))
			count++
			if src[j] == ',' {
				j = skipWS(src, j+1)
			}
		}
		end = j + 1
	case '"':
		typ = NodeString
		t.Nodes[idx].Value, end = jsonString(src, i)
	case 't', 'f', 'n':
		typ = NodeBool
		if c == 'n' {
			typ = NodeNull
		}
		end = skipValue(src, i)
		t.Nodes[idx].Value = src[i:end]
	default:
		typ = NodeNumber
		end = skipValue(src, i)
		t.Nodes[idx].Value = src[i:end]
	}
	n := &t.Nodes[idx]
	n.Type, n.Count, n.Stop, n.End = typ, count, int32(end), int32(len(t.Nodes))
	return end
}

// key reads an object key at src[i]; past MaxTreeNodes it is only skipped.
func (b *jsonBuilder) key(i int) (string, int) {
	if b.t.Cut {
		return "", skipString(b.t.Source, i)
	}
	return jsonString(b.t.Source, i)
}

// jsonString decodes the string token at src[i]: a substring when it has
// no escapes (no copy), and the index just past it.
func jsonString(src string, i int) (string, int) {
	end := skipString(src, i)
	tok := src[i:end]
	if !strings.ContainsRune(tok, '\\') {
		return tok[1 : len(tok)-1], end
	}
	var s string
	_ = json.Unmarshal([]byte(tok), &s) // valid: checked before the walk
	return s, end
}

// skipString returns the index just past the string token at src[i].
func skipString(src string, i int) int {
	j := i + 1
	for src[j] != '"' {
		if src[j] == '\\' {
			j++
		}
		j++
	}
	return j + 1
}

// skipValue returns the index just past the valid JSON value at src[i],
// without recursion whatever its depth.
func skipValue(src string, i int) int {
	switch src[i] {
	case '"':
		return skipString(src, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(src); j++ {
			switch src[j] {
			case '"':
				j = skipString(src, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(src)
	}
	j := i
	for j < len(src) && !strings.ContainsRune(",}] \t\r\n", rune(src[j])) {
		j++
	}
	return j
}

// skipCount is skipValue for the object or array at src[i], counting its
// children (without recursion).
func skipCount(src string, i int) (int, int32) {
	depth := 0
	var n int32
	for j := i; j < len(src); j++ {
		switch c := src[j]; {
		case c == '"':
			if depth == 1 && n == 0 {
				n = 1
			}
			j = skipString(src, j) - 1
		case c == '{' || c == '[':
			if depth == 1 && n == 0 {
				n = 1
			}
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return j + 1, n
			}
		case c == ',' && depth == 1:
			n++
		case depth == 1 && n == 0 && !isSpace(c):
			n = 1 // a number, true, false or null first
		}
	}
	return len(src), n
}

func skipWS(src string, i int) int {
	for i < len(src) && isSpace(src[i]) {
		i++
	}
	return i
}

// xmlTree builds the tree of an XML document with the checks the pretty
// view makes (strict, end tags matching); a malformed one gives its
// *SyntaxError.
func xmlTree(data []byte) (*Tree, error) {
	t := &Tree{Lang: "xml", Source: string(data)}
	t.Nodes = make([]Node, 0, min(len(data)/32+1, MaxTreeNodes))
	dec := newXMLDecoder(data)
	// open holds the elements being read: their node index, or -1 when not
	// built (past MaxDepth or MaxTreeNodes); names check the end tags.
	type elem struct {
		name xml.Name
		idx  int
	}
	var open []elem
	// add appends a child of the innermost open element, counting it even
	// when it is not built; it returns its index or -1. An element nested
	// past MaxDepth is not built (its parent is marked Deep); attributes
	// and text belong with their element.
	add := func(n Node) int {
		if len(open) > 0 {
			top := open[len(open)-1].idx
			if top < 0 {
				return -1
			}
			p := &t.Nodes[top]
			n.Parent, n.Pos = int32(top), p.Count
			p.Count++
			if n.Type == NodeElement && len(open) >= MaxDepth {
				p.Deep, t.Deep = true, true
				return -1
			}
		} else {
			n.Parent = -1
		}
		if len(t.Nodes) >= MaxTreeNodes {
			t.Cut = true
			return -1
		}
		t.Nodes = append(t.Nodes, n)
		return len(t.Nodes) - 1
	}
	for {
		off := dec.InputOffset()
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if e, ok := tok.(xml.EndElement); ok && err == nil {
			var top *xml.Name
			if len(open) > 0 {
				top = &open[len(open)-1].name
			}
			err = endMismatch(top, e)
		}
		if err != nil {
			return nil, xmlError(data, dec, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			idx := add(Node{Key: qname(tok.Name), Type: NodeElement, Start: int32(off)})
			open = append(open, elem{tok.Name, idx})
			if idx < 0 {
				continue
			}
			for _, a := range tok.Attr {
				if add(Node{Key: "@" + qname(a.Name), Value: a.Value, Type: NodeAttr, Start: int32(off)}) >= 0 {
					t.Nodes[len(t.Nodes)-1].End = int32(len(t.Nodes))
				}
			}
		case xml.EndElement:
			idx := open[len(open)-1].idx
			open = open[:len(open)-1]
			if idx < 0 {
				continue
			}
			n := &t.Nodes[idx]
			n.Stop, n.End = int32(dec.InputOffset()), int32(len(t.Nodes))
			// An element holding only text is a leaf with that text.
			if n.Count == 1 && int(n.End) == idx+2 && t.Nodes[idx+1].Type == NodeText {
				n.Value, n.Count, n.End = t.Nodes[idx+1].Value, 0, int32(idx+1)
				t.Nodes = t.Nodes[:idx+1]
			}
		case xml.CharData:
			s := strings.TrimSpace(string(tok))
			if s == "" || len(open) == 0 {
				continue
			}
			if add(Node{Key: "#text", Value: s, Type: NodeText, Start: int32(off), Stop: int32(dec.InputOffset())}) >= 0 {
				t.Nodes[len(t.Nodes)-1].End = int32(len(t.Nodes))
			}
		}
	}
	if len(open) != 0 {
		line, col := position(data, int64(len(data)))
		return nil, &SyntaxError{Lang: "XML", Line: line, Column: col, Msg: "unexpected end: unclosed element"}
	}
	if len(t.Nodes) == 0 {
		line, col := position(data, int64(len(data)))
		return nil, &SyntaxError{Lang: "XML", Line: line, Column: col, Msg: "no element"}
	}
	t.notes()
	return t, nil
}
