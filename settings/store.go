package settings

import (
	"fmt"
	"sync"

	"github.com/gancho-app/gancho/capture"
)

// Store is the live settings of a running Gancho. It keeps the saved
// settings apart from this run's overrides (command-line flags): Update
// validates a change to the saved settings, applies it with the overrides
// on top, and only then saves it, so the file never holds refused settings
// nor a flag meant for one run. Safe for concurrent use.
type Store struct {
	dir    string
	apply  func(capture.Policy) error
	retain func(captures int, bytes int64) // see OnRetention

	mu      sync.Mutex
	saved   Settings
	overlay func(Settings) Settings // this run's flags; nil for none
}

// Open loads the settings in dir and applies their policy with apply
// (normally capture.Server.SetPolicy). Nothing is saved.
func Open(dir string, apply func(capture.Policy) error) (*Store, error) {
	s, err := Load(dir)
	if err != nil {
		return nil, err
	}
	st := &Store{dir: dir, apply: apply, saved: s}
	if err := st.push(s); err != nil {
		return nil, fmt.Errorf("settings in %s: %w", Path(dir), err)
	}
	return st, nil
}

// Get returns the settings in force: the saved ones with this run's
// overrides applied.
func (s *Store) Get() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.effective(s.saved)
}

// Saved returns the settings as saved, without this run's overrides: what
// a settings editor should start from.
func (s *Store) Saved() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saved
}

// Dir returns the directory the settings file lives in.
func (s *Store) Dir() string { return s.dir }

// Update validates next (saved settings), applies it with the overrides on
// top and saves it. On error nothing changes: neither the server nor the
// file.
func (s *Store) Update(next Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.push(s.effective(next)); err != nil {
		return err
	}
	if err := Save(s.dir, next); err != nil {
		_ = s.push(s.effective(s.saved)) // keep the server on what the file says
		return err
	}
	s.saved = next
	return nil
}

// Override sets this run's overrides (a function of the saved settings,
// so later saves keep them on top) and applies the result. Nothing is
// saved.
func (s *Store) Override(overlay func(Settings) Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.overlay
	s.overlay = overlay
	if err := s.push(s.effective(s.saved)); err != nil {
		s.overlay = prev
		return err
	}
	return nil
}

func (s *Store) effective(base Settings) Settings {
	if s.overlay == nil {
		return base
	}
	return s.overlay(base)
}

func (s *Store) push(next Settings) error {
	p, err := next.Policy()
	if err != nil {
		return err
	}
	captures, bytes, err := next.Retention.Store()
	if err != nil {
		return err
	}
	if s.apply != nil {
		if err := s.apply(p); err != nil {
			return err
		}
	}
	if s.retain != nil {
		s.retain(captures, bytes)
	}
	return nil
}

// OnRetention calls fn with the retention limits in force (in
// capture.StoreConfig's terms), now and after every change (normally
// capture.Store.SetRetention). fn must not call back into s.
func (s *Store) OnRetention(fn func(captures int, bytes int64)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retain = fn
	if c, b, err := s.effective(s.saved).Retention.Store(); err == nil {
		fn(c, b)
	}
}
