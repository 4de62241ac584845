// Package exchange reads and writes captures as HAR 1.2, Gancho JSON lines,
// cURL commands and raw HTTP, so QA can record on one machine and replay on
// another, and support can load a customer's browser HAR.
//
// # Redaction
//
// Export redacts credentials unless ExportOptions.IncludeSecrets is set: the
// values of Authorization, Proxy-Authorization, Cookie and Set-Cookie, of any
// header whose name contains token, secret, key, signature or auth, of the
// query parameters token, access_token, api_key, apikey, key, secret,
// signature, sig and password (plus ExportOptions.RedactQuery), and the
// password of an absolute-form target's user info all become "REDACTED".
// The rest of the target stays byte-identical. Bodies are never redacted: a
// secret inside a body is exported as it is.
//
// # HAR
//
// One HAR 1.2 log with every field the spec requires, so Chrome DevTools,
// Postman and Insomnia load it. Request and response bodies that are valid
// UTF-8 are written as text. Other response bodies use the spec's
// content.encoding "base64"; HAR 1.2 has no such field for postData, so a
// binary request body is written as base64 text with the custom field
// "_encoding": "base64" and a comment saying so (importers that do not know
// the field see the base64 text, never mangled bytes). Import accepts both
// "encoding" and "_encoding". Gancho's own fields ride along as "_gancho_id",
// "_target", "_host", "_remote_addr" and friends, so exporting what was
// imported from Gancho's HAR gives the same bytes again.
//
// # JSON lines
//
// One capture.Record per line: the shape of `gancho list --json`. It keeps
// everything but the response headers and body.
//
// # cURL
//
// One bash command per capture, commands separated by a blank line. Values
// are single-quoted when they are printable UTF-8 (a quote inside closes the
// quoting, is escaped and reopens it), and $'...' ANSI-C quoted (\xHH)
// otherwise. A body goes in --data-raw (the form
// of --data-binary that never reads @file); a body holding NUL bytes, which no
// shell word can carry, is piped in with printf and --data-binary @-.
// Content-Length is left to curl, and Host is only sent with -H when it
// differs from the URL's.
//
// # Raw HTTP
//
// The request as HTTP/1.1 bytes: request line, header lines, blank line,
// body, with CRLF line ends. A chunked body is re-chunked. A single capture
// is exactly those bytes; several are each preceded by a separator line
//
//	### gancho <id> received=<RFC 3339 time> length=<bytes>
//
// and followed by a newline. "###" lines are also how the .http files of
// editor REST clients separate requests, and import splits at them when a
// length is missing or wrong.
//
// # Import
//
// Import tells the format from the content (the file name is only a tie
// breaker). Ids from Gancho's own exports (JSON lines, HAR, raw separators)
// are kept, so importing the same file twice adds nothing twice; other
// requests get fresh ULIDs. A damaged item is skipped with a warning; Import
// fails only when nothing could be read.
package exchange
