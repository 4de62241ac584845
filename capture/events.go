package capture

// EventKind says what changed in the store.
type EventKind int

const (
	// Added: Request was committed.
	Added EventKind = iota + 1
	// Deleted: the captures in IDs were deleted by a user.
	Deleted
	// Evicted: the captures in IDs were removed by retention.
	Evicted
	// Cleared: the captures were cleared; Kept counts the newer ones that
	// stayed (see Store.Clear), 0 when the store is empty, and Through is
	// the newest id cleared when some stayed.
	Cleared
	// Dropped: this subscriber was too slow and missed Count events; reload
	// from the store to catch up.
	Dropped
)

// Event is one change published to subscribers.
type Event struct {
	Kind    EventKind
	Request *Request // Added; shared, read-only
	IDs     []string // Deleted, Evicted
	Count   int      // Dropped
	Kept    int      // Cleared
	Through string   // Cleared, when Kept > 0
}

// dropped tells a subscriber that lagged more than fanout.DefaultLimit
// events behind that it missed n.
func dropped(n int) Event { return Event{Kind: Dropped, Count: n} }
