package pretty

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"slices"
	"strings"

	"github.com/gancho-app/gancho/internal/text"

	"github.com/gancho-app/gancho/capture"
)

// maxParts bounds how many parts are shown; a hostile body could hold many.
const maxParts = 200

// Part is one part of a multipart body, with its own readable view.
type Part struct {
	Headers capture.Headers
	View    View
}

// IsMultipart reports whether contentType is multipart/* with a boundary.
func IsMultipart(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	return err == nil && strings.HasPrefix(mt, "multipart/") && params["boundary"] != ""
}

// Multipart splits a multipart body into parts, each viewed by its own
// Content-Type (a file part of binary shows as hex). A malformed body
// returns the parts read so far and the error.
func Multipart(contentType string, data []byte) ([]Part, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("multipart content type: %w", err)
	}
	rd := multipart.NewReader(bytes.NewReader(data), params["boundary"])
	var parts []Part
	shown := 0 // text of the parts so far: together they stay under MaxOutput
	for len(parts) < maxParts {
		if shown >= MaxOutput {
			return parts, fmt.Errorf("%s: the parts after part %d are not shown", noteTruncated, len(parts))
		}
		p, err := rd.NextRawPart() // raw: keep Content-Transfer-Encoding as sent
		if errors.Is(err, io.EOF) {
			if len(parts) == 0 {
				return nil, fmt.Errorf("multipart: no part delimited by boundary %q", params["boundary"])
			}
			return parts, nil
		}
		if err != nil {
			return parts, fmt.Errorf("multipart part %d: %w", len(parts)+1, err)
		}
		body, err := io.ReadAll(io.LimitReader(p, DecodeLimit))
		// A part cut short is still shown, up to where it ends.
		v := Bytes(p.Header.Get("Content-Type"), body)
		if room := MaxOutput - shown; len(v.Text) > room {
			v.Text = string(wholeRunes([]byte(v.Text[:room])))
			v.Cut = true
			v.Notes = append(v.Notes, noteTruncated+" for all parts together: the rest of this part is not shown")
		}
		shown += len(v.Text)
		parts = append(parts, Part{Headers: headersOf(p.Header), View: v})
		if err != nil {
			return parts, fmt.Errorf("multipart part %d: %w", len(parts), err)
		}
	}
	return parts, fmt.Errorf("more than %d parts: the rest are not shown", maxParts)
}

func headersOf(h textproto.MIMEHeader) capture.Headers {
	var out capture.Headers
	// textproto loses order across names; sort for a stable view.
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, capture.Header{Name: k, Value: v})
		}
	}
	return out
}

// PartsText lays parts out for a terminal as the window shows them: a
// title line per part, its headers, a blank line, its notes and its view.
func PartsText(parts []Part) string {
	var b strings.Builder
	for i, p := range parts {
		fmt.Fprintf(&b, "── part %d of %d ──\n", i+1, len(parts))
		for _, h := range p.Headers {
			b.WriteString(h.Name + ": " + h.Value + "\n")
		}
		b.WriteByte('\n')
		for _, n := range p.View.Notes {
			b.WriteString("# " + n + "\n")
		}
		if p.View.Err != nil {
			b.WriteString("# " + p.View.Err.Error() + "\n")
		}
		text := strings.ReplaceAll(p.View.Text, "\r\n", "\n")
		b.WriteString(text)
		if text != "" && !strings.HasSuffix(text, "\n") {
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// PartsView is a multipart body's parts as the window and "gancho show"
// lay them out, with the notes to show above them (decoding, truncation,
// the count) and the parse error that stopped the reading, if any.
type PartsView struct {
	Parts []Part
	Notes []string
	Err   error
}

// Parts reads r's body part by part. ok is false when r is not multipart,
// cannot be decoded, or has no readable part: show Body(r) then, adding
// the returned Notes (why the parts are not shown).
func Parts(r *capture.Request) (pv PartsView, ok bool) {
	ct := r.ContentType()
	if !IsMultipart(ct) {
		return pv, false
	}
	d, notes, err := decode(r)
	if err != nil {
		return pv, false // Body shows it as received, with the reason
	}
	parts, perr := Multipart(ct, d.Data)
	if len(parts) == 0 {
		if perr != nil {
			pv.Notes = []string{perr.Error() + ": showing the body as text"}
		}
		return pv, false
	}
	notes = append(notes, "multipart: "+text.N(len(parts), "part", "parts"))
	return PartsView{Parts: parts, Notes: notes, Err: perr}, true
}

// Show renders r as Body does, and a multipart body part by part (the
// view the window shows), for a reader of plain text such as "gancho show".
func Show(r *capture.Request) View {
	pv, ok := Parts(r)
	if !ok {
		v := Body(r)
		v.Notes = append(v.Notes, pv.Notes...)
		return v
	}
	return View{Kind: Text, Text: PartsText(pv.Parts), Lang: "plaintext", Notes: pv.Notes, Err: pv.Err}
}
