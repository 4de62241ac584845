//go:build !unix && !windows

package jstream

// dirLock does nothing where the platform has no file locks.
type dirLock struct{}

func lockDir(string) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) unlock() error { return nil }
