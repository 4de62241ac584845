package suite

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/replay"
)

// MaxTemplateOutput bounds what one template may write: a loop in a
// template must not fill memory.
const MaxTemplateOutput = 16 << 20

// timeZero is a fixed instant for calls that need one but whose output's
// time does not matter (learning header names from verify.Sign).
var timeZero = time.Unix(1_700_000_000, 0)

var errTemplateTooBig = fmt.Errorf("template output larger than %d MiB", MaxTemplateOutput>>20)

// cappedBuffer fails writes past MaxTemplateOutput.
type cappedBuffer struct{ bytes.Buffer }

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > MaxTemplateOutput {
		return 0, errTemplateTooBig
	}
	return b.Buffer.Write(p)
}

// funcs are the template functions: {{uuid}}, {{now}}, {{now "unix"}},
// {{webhookID}}, {{env "NAME"}}.
func (r *runner) funcs() template.FuncMap {
	return template.FuncMap{
		"uuid": func() (string, error) {
			var b [16]byte
			if err := r.random(b[:]); err != nil {
				return "", err
			}
			b[6] = b[6]&0x0f | 0x40 // version 4
			b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
			return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
		},
		"now": func(format ...string) (string, error) {
			t := r.o.Now().UTC()
			switch {
			case len(format) == 0 || format[0] == "" || format[0] == "rfc3339":
				return t.Format(time.RFC3339), nil
			case len(format) == 1 && format[0] == "unix":
				return strconv.FormatInt(t.Unix(), 10), nil
			case len(format) == 1 && format[0] == "unixms":
				return strconv.FormatInt(t.UnixMilli(), 10), nil
			}
			return "", fmt.Errorf(`now takes no argument, "unix" or "unixms", not %q`, strings.Join(format, " "))
		},
		// env reads an environment variable (RunOptions.LookupEnv), so a
		// secret can stay out of the file: {{env "WEBHOOK_SECRET"}}.
		"env": func(name string) (string, error) {
			lookup := r.o.LookupEnv
			if lookup == nil {
				lookup = os.LookupEnv
			}
			v, ok := lookup(name)
			if !ok {
				return "", fmt.Errorf("environment variable %s is not set", name)
			}
			return v, nil
		},
		// webhookID is a fresh Standard Webhooks delivery id in the form
		// replay.Resign makes: "msg_" and 26 base32 characters.
		"webhookID": func() (string, error) {
			var b [16]byte
			if err := r.random(b[:]); err != nil {
				return "", err
			}
			return "msg_" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]), nil
		},
	}
}

func (r *runner) random(b []byte) error {
	src := r.o.Rand
	if src == nil {
		src = rand.Reader
	}
	if _, err := io.ReadFull(src, b); err != nil {
		return fmt.Errorf("random source: %w", err)
	}
	return nil
}

// data is what templates see: .vars and .steps.
func (r *runner) data() map[string]any {
	vars := make(map[string]any, len(r.s.Vars))
	for k, v := range r.s.Vars {
		vars[k] = v
	}
	return map[string]any{"vars": vars, "steps": r.steps}
}

// expand runs one template; what names the field for the error.
func (r *runner) expand(step, what, text string) (string, *Failure) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	t, err := template.New(what).Option("missingkey=error").Funcs(r.funcs()).Parse(text)
	if err != nil {
		return "", templateFailure(step, what, err)
	}
	var out cappedBuffer
	if err := t.Execute(&out, r.data()); err != nil {
		return "", templateFailure(step, what, err)
	}
	return out.String(), nil
}

func templateFailure(step, what string, err error) *Failure {
	msg := err.Error()
	// text/template prefixes "template: NAME:LINE:COL: "; the step and
	// field say where, so keep the line and column only.
	msg = strings.TrimPrefix(msg, "template: "+what+":")
	var ee template.ExecError
	if errors.As(err, &ee) {
		msg = strings.TrimPrefix(ee.Err.Error(), "template: "+what+":")
	}
	hint := ""
	if strings.Contains(msg, "map has no entry for key") {
		hint = ": check the name (steps run in order, so .steps.NAME only holds earlier steps that got an answer)"
	}
	f := newFailure(FailTemplate, "step %s: template in %s:%s%s", step, what, msg, hint)
	return &f
}

// templateWire expands the step's path, header values and body.
func (r *runner) templateWire(step string, w *capture.Request) *Failure {
	var f *Failure
	if w.Target, f = r.expand(step, "path", w.Target); f != nil {
		return f
	}
	for i := range w.Headers {
		if w.Headers[i].Value, f = r.expand(step, "header "+w.Headers[i].Name, w.Headers[i].Value); f != nil {
			return f
		}
	}
	if bytes.Contains(w.Body, []byte("{{")) {
		b, f := r.expand(step, "body", string(w.Body))
		if f != nil {
			return f
		}
		w.Body = []byte(b)
	}
	return nil
}

// stepData is an answer as templates see it: .status (int), .headers
// (canonical name → first value; use index for names with '-':
// {{index .steps.create.headers "Location"}}) and .body (parsed JSON when
// it is JSON, else its text).
func stepData(res replay.Result) map[string]any {
	h := make(map[string]any, len(res.Headers))
	for _, kv := range res.Headers {
		if _, ok := h[kv.Name]; !ok {
			h[kv.Name] = kv.Value
		}
	}
	var body any = string(res.Body)
	if v, ok := parseJSON(res.Body); ok {
		body = v
	}
	return map[string]any{"status": res.Status, "headers": h, "body": body}
}

// parseJSON decodes b as one JSON value with numbers kept as json.Number
// (so an id of 12345678901234567890 reaches the next step intact).
func parseJSON(b []byte) (any, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(b)) {
		return nil, false
	}
	return v, true
}
