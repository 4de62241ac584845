package settings

import (
	"fmt"
	"sync"

	"github.com/gancho-app/gancho/capture"
)

// Store is the live settings of a running Gancho: it validates a change,
// applies it to the capture server and only then saves it, so the file
// never holds settings that were refused. Safe for concurrent use.
type Store struct {
	dir   string
	apply func(capture.Policy) error

	mu  sync.Mutex
	cur Settings
}

// Open loads the settings in dir and applies their policy with apply
// (normally capture.Server.SetPolicy). Nothing is saved.
func Open(dir string, apply func(capture.Policy) error) (*Store, error) {
	s, err := Load(dir)
	if err != nil {
		return nil, err
	}
	st := &Store{dir: dir, apply: apply, cur: s}
	if err := st.push(s); err != nil {
		return nil, fmt.Errorf("settings in %s: %w", Path(dir), err)
	}
	return st, nil
}

// Get returns the settings in force.
func (s *Store) Get() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Dir returns the directory the settings file lives in.
func (s *Store) Dir() string { return s.dir }

// Update validates next, applies it and saves it. On error nothing
// changes: neither the server nor the file.
func (s *Store) Update(next Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.push(next); err != nil {
		return err
	}
	if err := Save(s.dir, next); err != nil {
		_ = s.push(s.cur) // keep the server on what the file says
		return err
	}
	s.cur = next
	return nil
}

// Override applies next for this run only (command-line flags), without
// saving it.
func (s *Store) Override(next Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.push(next); err != nil {
		return err
	}
	s.cur = next
	return nil
}

func (s *Store) push(next Settings) error {
	p, err := next.Policy()
	if err != nil {
		return err
	}
	if s.apply != nil {
		return s.apply(p)
	}
	return nil
}
