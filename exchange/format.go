package exchange

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format names an exchange format.
type Format string

// The formats Export writes and Import reads.
const (
	HAR   Format = "har"   // HAR 1.2 (HTTP Archive), as browsers export
	JSONL Format = "jsonl" // Gancho JSON lines: one capture.Record per line
	Curl  Format = "curl"  // bash cURL commands
	Raw   Format = "raw"   // raw HTTP/1.1 request bytes
)

// Formats returns every format, in the order a menu lists them.
func Formats() []Format { return []Format{HAR, JSONL, Curl, Raw} }

// ParseFormat reads a format name, case-insensitively; a few common aliases
// (ndjson, http) are accepted too.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "har":
		return HAR, nil
	case "jsonl", "ndjson", "jsonlines", "json-lines":
		return JSONL, nil
	case "curl":
		return Curl, nil
	case "raw", "http":
		return Raw, nil
	}
	return "", fmt.Errorf("unknown format %q: want har, jsonl, curl or raw", s)
}

// Ext returns the file extension an export in f gets, with its dot.
func (f Format) Ext() string {
	switch f {
	case HAR:
		return ".har"
	case JSONL:
		return ".jsonl"
	case Curl:
		return ".sh"
	case Raw:
		return ".http"
	}
	return ""
}

// FormatForName guesses a format from a file name's extension; ok is false
// when the extension says nothing (.txt, none).
func FormatForName(name string) (f Format, ok bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".har":
		return HAR, true
	case ".jsonl", ".ndjson":
		return JSONL, true
	case ".sh", ".bash", ".curl":
		return Curl, true
	case ".http", ".rest", ".raw":
		return Raw, true
	}
	return "", false
}

func (f Format) valid() bool {
	switch f {
	case HAR, JSONL, Curl, Raw:
		return true
	}
	return false
}
