// Package capture is Gancho's inbound engine: the HTTP handler and server that
// record every request losslessly, the durable SQLite store that keeps them,
// and the subscription API that tells front ends about each committed capture.
//
// It never imports Fyne: the CLI, the tests and the GUI all drive it the same way.
package capture
