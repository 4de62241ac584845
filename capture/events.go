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
	// Cleared: every capture was removed.
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
}

// dropped tells a subscriber that lagged more than fanout.DefaultLimit
// events behind that it missed n.
func dropped(n int) Event { return Event{Kind: Dropped, Count: n} }
