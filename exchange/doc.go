// Package exchange reads and writes captures as HAR 1.2, Gancho JSON lines,
// cURL commands and raw HTTP, so QA can record on one machine and replay on
// another, and support can load a customer's browser HAR. It never imports
// Fyne.
//
// # Redaction
//
// Export redacts credentials unless ExportOptions.IncludeSecrets is set: the
// values of Authorization, Proxy-Authorization, Cookie and Set-Cookie, of any
// header whose name contains token, secret, key, signature, auth, hmac or
// password or has sig or pass as a word (X-Custom-Sig), of the headers in
// ExportOptions.SecretHeaders (the configured verifiers'), of the query
// parameters token, access_token, refresh_token, id_token, api_key, apikey,
// key, secret, client_secret, signature, sig, password, passwd and code (plus
// ExportOptions.RedactQuery; names match whole and case-insensitively), and
// the password of an absolute-form target's user info all become "REDACTED".
// The capture URL's secret path prefix (ExportOptions.SecretPrefixes) becomes
// "/REDACTED" wherever it stands as a path segment, in the target and in
// header values such as Referer. The rest of the target stays byte-identical.
// Bodies are never redacted: a secret inside a body is exported as it is.
//
// # HAR
//
// One HAR 1.2 log with every field the spec requires, so Chrome DevTools,
// Postman and Insomnia load it. Bodies that are valid UTF-8 text are written
// as text. Other response bodies use the spec's content.encoding "base64";
// HAR 1.2 has no such field for postData, so a binary request body is
// written as base64 text with the custom field "_encoding": "base64" and a
// comment saying so: tools that do not know the field see base64 text, never
// mangled bytes. Import accepts both "encoding" and "_encoding" there.
// Gancho's own fields ride along on each entry as "_gancho_id", "_target",
// "_host", "_remote_addr", "_body_size", "_truncated", "_declared_size",
// "_headers_from_wire", "_error", "_verification", "_duplicate_of",
// "_refused" and "_rule", so importing Gancho's HAR restores the captures and
// exporting them again gives the same bytes. HTTP/2 pseudo-headers in a
// browser's HAR are dropped, :authority becoming Host when there is none.
//
// # JSON lines
//
// One capture.Record per line, the shape of `gancho list --json`. A record
// has no response headers or body, and no HeadersFromWire.
//
// JSON strings are Unicode: in HAR and JSON lines, bytes of header values or
// targets that are not UTF-8 become U+FFFD. Bodies always survive (base64).
//
// # cURL
//
// One shell command per capture, commands separated by a blank line; they
// run the same in bash, dash and zsh. Values are single-quoted (a quote
// inside closes the quoting, is escaped and reopens it), bytes that are not
// UTF-8 included; only a value holding control characters other than
// newline and tab uses bash's $'...' (\xHH), which dash lacks. A printable
// UTF-8 body up to 64 KiB goes in --data-raw (the form of --data-binary that
// never reads @file). Any other body (a NUL byte, which no shell word can
// carry; bytes that are not UTF-8; more than 64 KiB, past the kernel's limit
// on one argument) is piped in with printf and --data-binary @-: the format
// uses three-digit octal escapes, which every printf knows, and never
// starts with '-' (escaped \055), so "--boundary" is not read as an option.
// Content-Length is left to curl. The URL is ExportOptions.BaseURL or, by
// default, the scheme and host the capture came to (CaptureBase) plus its
// target. Host comes from the URL: a captured Host naming another host is
// left out rather than contradict the URL, and one naming the URL's host is
// only sent with -H when repeated or not first. -H 'Name:' keeps out a Host
// or Content-Type curl would add that the capture lacked.
// --path-as-is and --request-target appear when curl would otherwise change
// the target ("/a/../b", "*", absolute-form).
//
// # Raw HTTP
//
// The request as HTTP/1.x bytes: request line, header lines, blank line,
// body, with CRLF line ends. A chunked body is re-chunked; HTTP/2 and later
// captures get an HTTP/1.1 request line. A single capture is exactly those
// bytes; several are each preceded by a separator line
//
//	### gancho <id> received=<RFC 3339 time> length=<bytes>
//
// and followed by a newline. "###" lines are also how the .http files of
// editor REST clients separate requests; import splits at them when a length
// is missing or wrong.
//
// # Import
//
// Import tells the format from the content; the file name only breaks a
// tie. Ids from Gancho's own exports (JSON lines, HAR, raw separators) are
// kept, so importing the same file twice adds nothing twice (the store skips
// ids it has; FreshIDs makes copies); other requests get fresh ULIDs. Every
// request gets Origin "import:<format>", and RemoteAddr "imported" unless
// the file says who sent it. A damaged item (a HAR entry, a JSON record that
// does not fit, a curl command, a raw section) is skipped with a warning; a
// file whose structure is broken (invalid JSON, an unterminated quote) fails
// the import with the line and column.
package exchange
