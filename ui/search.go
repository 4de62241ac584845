package ui

import (
	"context"
	"fyne.io/fyne/v2/lang"
	"slices"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// The list's queries run off the UI goroutine. Typing in the search field
// waits searchDebounce after the last key before querying; a newer query
// cancels the one it supersedes; a result is applied only if no newer
// reload was asked for since (listGen), so a slow query answering late
// never replaces a newer list.

// searchDebounce is how long the search field waits after the last key.
const searchDebounce = 200 * time.Millisecond

// refreshDelay spaces the re-reads a filtered list does as captures
// arrive: a flood costs at most a few queries a second.
const refreshDelay = 250 * time.Millisecond

// afterFunc runs f on its own goroutine once d has passed, unless the
// returned stop is called first (time.AfterFunc; tests inject a clock).
type afterFunc func(d time.Duration, f func()) (stop func() bool)

func realAfter(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// reloadState is the list's query machinery; the UI goroutine owns it.
type reloadState struct {
	after afterFunc
	// gen counts the reloads asked for; itemsGen is the one items come from.
	gen, itemsGen uint64
	listQ         capture.Query      // the query items answer
	stopWait      func() bool        // stops the pending debounce, if any
	cancel        context.CancelFunc // cancels the running reload, if any
	running       bool               // a reload is waiting or running
	again         bool               // the store changed meanwhile: reload once more after it
	loadingMore   bool               // a next page is being read
	matched       int                // how many match listQ; -1 while unknown
	// What the store's events changed while a page was being read, which
	// that page may predate: captures added (newest last) and ids gone.
	arrived []*capture.Request
	gone    map[string]bool
}

// busy reports whether a page is being read.
func (rl *reloadState) busy() bool { return rl.running || rl.loadingMore }

// noteArrived remembers a capture added while a first page is being read
// (at most a page of them: the newest are the ones shown).
func (rl *reloadState) noteArrived(r *capture.Request) {
	if !rl.running {
		return
	}
	rl.arrived = append(rl.arrived, r)
	if len(rl.arrived) > pageSize {
		rl.arrived = rl.arrived[len(rl.arrived)-pageSize:]
	}
}

// noteGone remembers a capture deleted while a page is being read.
func (rl *reloadState) noteGone(id string) {
	if !rl.busy() {
		return
	}
	if rl.gone == nil {
		rl.gone = map[string]bool{}
	}
	rl.gone[id] = true
}

// settle forgets the events remembered once no page is being read.
func (rl *reloadState) settle() {
	if !rl.busy() {
		rl.arrived, rl.gone = nil, nil
	}
}

// merge brings a page read from the store up to date with the events
// applied while it was read: deleted rows go, and (newest first, for an
// unfiltered first page) captures newer than the page's newest row join it.
func (rl *reloadState) merge(page []*capture.Request, first bool) []*capture.Request {
	if len(rl.gone) > 0 {
		page = slices.DeleteFunc(page, func(r *capture.Request) bool { return rl.gone[r.ID] })
	}
	if !first || isFiltered(rl.listQ) {
		return page
	}
	var newer []*capture.Request
	for _, r := range rl.arrived {
		if !rl.gone[r.ID] && (len(page) == 0 || r.ID > page[0].ID) {
			newer = append(newer, r)
		}
	}
	slices.Reverse(newer)
	return append(newer, page...)
}

// searchChanged reloads once typing pauses (UI goroutine). The count
// says a search is coming until its first page replaces the rows shown.
func (m *Main) searchChanged() {
	m.reloadAfter(searchDebounce)
	m.count.SetText(lang.L("Searching…"))
}

// methodChanged reloads for the method picked, at once (UI goroutine).
func (m *Main) methodChanged() {
	m.reload()
	if m.root != nil {
		m.count.SetText(lang.L("Searching…"))
	}
}

// reload re-reads the first page for the current filter, off the UI
// goroutine, cancelling a reload under way (UI goroutine).
func (m *Main) reload() { m.reloadAfter(0) }

// refresh re-reads the first page because the store changed under a
// filter, refreshDelay from now. A reload under way is not cancelled (a
// flood of captures would starve it): it is repeated once, refreshDelay
// after it is done (UI goroutine).
func (m *Main) refresh() {
	if m.rl.running {
		m.rl.again = true
		return
	}
	m.reloadAfter(refreshDelay)
}

func (m *Main) reloadAfter(d time.Duration) {
	if m.root == nil {
		return // still constructing: NewMain loads the first page itself
	}
	rl := &m.rl
	rl.gen++
	gen := rl.gen
	if rl.stopWait != nil {
		rl.stopWait()
		rl.stopWait = nil
	}
	if rl.cancel != nil {
		rl.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	rl.cancel = cancel
	rl.running, rl.again, rl.loadingMore = true, false, false
	rl.arrived, rl.gone = nil, nil // a page read from now on sees what came before
	q := m.query()
	run := func() { m.fetch(ctx, gen, q) }
	if d <= 0 {
		go run()
		return
	}
	rl.stopWait = m.rl.after(d, run)
}

// fetch reads the first page of q and then, when more than a page
// matches, how many do (off the UI goroutine). Each result crosses to the
// UI goroutine once.
func (m *Main) fetch(ctx context.Context, gen uint64, q capture.Query) {
	items, err := m.opts.Captures.List(ctx, q)
	if ctx.Err() != nil {
		return // superseded: the newer reload shows its own result
	}
	if !m.post(func() { m.showPage(gen, q, items, err) }) {
		return
	}
	matched := -1
	if err == nil {
		if !isFiltered(q) || len(items) < q.Limit {
			matched = len(items)
		} else if n, err := m.opts.Captures.Count(ctx, q); err == nil {
			matched = n
		}
	}
	if ctx.Err() != nil {
		return
	}
	m.post(func() { m.reloadDone(gen, matched) })
}

// reloadDone records how many match and starts the reload the store's
// changes asked for meanwhile (UI goroutine).
func (m *Main) reloadDone(gen uint64, matched int) {
	if gen != m.rl.gen {
		return
	}
	m.rl.running = false
	m.rl.cancel = nil
	m.rl.settle()
	if matched >= 0 {
		m.rl.matched = matched
		m.updateCount()
	}
	if m.rl.again {
		m.reloadAfter(refreshDelay)
	}
}

// showPage replaces the list with a first page (UI goroutine); a page of
// a reload older than the last asked for is dropped.
func (m *Main) showPage(gen uint64, q capture.Query, items []*capture.Request, err error) {
	if gen != m.rl.gen {
		return
	}
	selID := m.selectedID()
	if err != nil {
		items = nil
	}
	m.more = len(items) == q.Limit
	m.rl.itemsGen, m.rl.listQ, m.rl.matched = gen, q, -1
	m.detail.find.setListTerm(q.Search) // the body shown highlights what the list matched
	m.items = m.rl.merge(items, true)
	if !m.more {
		m.rl.matched = len(m.items)
	}
	m.hidePill() // the rows are read afresh: what it counted may be gone
	m.sel = -1
	m.list.UnselectAll()
	m.refreshList()
	for i, r := range m.items {
		if r.ID == selID {
			m.selectQuietly(i)
			break
		}
	}
	m.updateCount()
	if err != nil {
		m.count.SetText(lang.L("Search failed: {{.Err}}", map[string]any{"Err": err.Error()}))
	}
	m.updateRight()
}

// loadMore reads the page after the last row shown, off the UI goroutine,
// by cursor (older than the last id), so each page costs the same however
// deep the user scrolls (UI goroutine).
func (m *Main) loadMore() {
	rl := &m.rl
	if rl.loadingMore || !m.more || len(m.items) == 0 || rl.itemsGen != rl.gen {
		return // one at a time; none while a new first page is coming
	}
	rl.loadingMore = true
	gen := rl.gen
	q := rl.listQ
	q.Before = m.items[len(m.items)-1].ID
	go func() {
		page, err := m.opts.Captures.List(context.Background(), q)
		m.post(func() {
			if gen != m.rl.gen {
				return // the list was reloaded meanwhile
			}
			m.rl.loadingMore = false
			if err != nil {
				m.more = false
				m.rl.settle()
				return
			}
			m.more = len(page) == q.Limit
			m.items = append(m.items, m.rl.merge(page, false)...)
			m.rl.settle()
			m.list.Refresh()
		})
	}()
}

// isFiltered reports whether q narrows the list.
func isFiltered(q capture.Query) bool { return strings.TrimSpace(q.Search) != "" || q.Method != "" }
