//go:build headless

package main

import (
	"errors"
	"io"
)

func cmdGUI(args []string, stderr io.Writer) error {
	return errors.New(tr.T(`this is the headless build, without the window: use a command such as "gancho listen" or "gancho relay serve" ("gancho help" lists them)`))
}
